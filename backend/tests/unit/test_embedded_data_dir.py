"""Where the embedded PostgreSQL keeps its data, and what it says about an older server's."""

import logging
from pathlib import Path

import pytest

from app.embedded import embedded_data_dir, older_data_dirs, warn_about_older_data_dirs


def make_data_dir(path: Path, version: str) -> Path:
    path.mkdir(parents=True)
    (path / "PG_VERSION").write_text(f"{version}\n")
    return path


def test_data_dir_name_carries_the_major_version(tmp_path: Path) -> None:
    assert embedded_data_dir(tmp_path) == tmp_path / "postgres-18"


def test_older_data_dirs_are_those_of_another_major_version(tmp_path: Path) -> None:
    pgserver_16 = make_data_dir(tmp_path / "postgres", "16")
    version_17 = make_data_dir(tmp_path / "postgres-17", "17")
    make_data_dir(tmp_path / "postgres-18", "18")
    make_data_dir(tmp_path / "bench", "16")  # not a data directory of ours
    (tmp_path / "postgres-15").mkdir()  # no PG_VERSION: never initialised

    assert older_data_dirs(tmp_path) == [(pgserver_16, "16"), (version_17, "17")]


def test_no_data_dir_yet_means_nothing_older(tmp_path: Path) -> None:
    assert older_data_dirs(tmp_path / "absent") == []


def test_an_older_data_dir_gets_one_warning_and_is_left_untouched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    older = make_data_dir(tmp_path / "postgres", "16")
    (older / "base").mkdir()

    with caplog.at_level(logging.WARNING, logger="app.embedded"):
        warn_about_older_data_dirs(tmp_path)

    [record] = caplog.records
    message = record.getMessage()
    assert f"{older} holds a PostgreSQL 16 database" in message
    assert str(tmp_path / "postgres-18") in message
    assert "make migrate-data DB_JSON=" in message
    assert "pg_dump it with a PostgreSQL 16 server" in message
    assert sorted(p.name for p in older.iterdir()) == ["PG_VERSION", "base"]
