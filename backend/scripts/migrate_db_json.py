"""`make migrate-data DB_JSON=path/to/db.json`: move every collection of a db.json file into
PostgreSQL, validated first, written in one transaction, then read back and verified record by
record.

Run from backend/: `python -m scripts.migrate_db_json path/to/db.json [flags]`.
DATABASE_URL picks the database; without it the embedded PostgreSQL is used, as by `make run`.
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO

import psycopg
from sqlalchemy.exc import DBAPIError

from app.config import ConfigError, Settings, load_settings
from app.importer import (
    ImportOptions,
    MigrationReport,
    Mode,
    Outcome,
    migrate,
    render,
    validate_file,
)
from app.logging_config import configure_logging
from app.migrate import upgrade_to_head
from app.runner import prepare_database
from app.sessions import create_engine, create_sessionmaker

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_MISMATCH = 3
EXIT_REFUSED = 4
EXIT_DATABASE = 5
EXIT_INTERRUPTED = 130

_EXIT_CODES = {
    Outcome.OK: EXIT_OK,
    Outcome.INVALID: EXIT_INVALID,
    Outcome.SOURCE_CHANGED: EXIT_INVALID,
    Outcome.MISMATCH: EXIT_MISMATCH,
    Outcome.REFUSED: EXIT_REFUSED,
}

EPILOG = """\
modes (at most one; the default loads into an empty database and refuses otherwise):
  --replace          replace the whole database with the file (collections not in the file
                     are removed), in one transaction
  --skip-existing    per collection, insert only records whose id is not there; new
                     collections are created; nothing is overwritten, and what differs from
                     the file is reported
  --verify-only      compare the database with the file and write nothing
  --only NAME        (repeatable) restrict the run to these collections of the file: with the
                     default mode, add them (refused if one holds data); with --replace,
                     replace just them and leave the others

exit codes:
  0  success: every collection and record written (or planned) and verified
  1  the file failed validation (or changed while it was read); nothing was written
  2  usage or configuration error; nothing was written
  3  verification mismatch: the database does not hold the file's data as it is in the file
  4  refused: the database (or a collection named by --only) already holds data;
     nothing was written
  5  database error; the transaction was rolled back unless the report says "committed: yes"
  130  interrupted (Ctrl-C); rolled back unless the report says "committed: yes"
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrate_db_json",
        description="Move every collection of a json-server db.json file into PostgreSQL:\n"
        "validated first, written in one transaction, then read back and verified.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("db_json", type=Path, help="the json-server data file to migrate")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument(
        "--replace",
        dest="mode",
        action="store_const",
        const=Mode.REPLACE,
        help="replace the database (or the --only collections) with the file, in one transaction",
    )
    modes.add_argument(
        "--skip-existing",
        dest="mode",
        action="store_const",
        const=Mode.SKIP_EXISTING,
        help="insert only records whose id is not there; create new collections; keep the rest",
    )
    modes.add_argument(
        "--verify-only",
        dest="mode",
        action="store_const",
        const=Mode.VERIFY_ONLY,
        help="compare the database with the file without writing anything",
    )
    parser.set_defaults(mode=Mode.EMPTY_ONLY)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="validate and plan (counts of records to delete, write and skip); write nothing",
    )
    parser.add_argument(
        "--assign-missing-ids",
        action="store_true",
        help="give records without an id one by json-server's POST rule, per collection, in file "
        "order, and list them",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="restrict the run to this top-level key of the file (repeatable)",
    )
    parser.add_argument(
        "--patients-only",
        action="store_true",
        help="deprecated: the same as --only patients",
    )
    return parser


def parse_options(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.mode is Mode.VERIFY_ONLY and args.dry_run:
        parser.error("--verify-only never writes; --dry-run adds nothing to it")
    if args.assign_missing_ids and args.mode in (Mode.VERIFY_ONLY, Mode.SKIP_EXISTING):
        parser.error(
            "--assign-missing-ids works with a first load or --replace only: the ids it gives "
            "could collide with records already in the database"
        )
    if args.patients_only:
        print("--patients-only is deprecated: use --only patients.", file=sys.stderr)
        args.only.append("patients")
    return args


class ProgressBar:
    """A one-line progress bar on a terminal; draws nothing when the stream is not a TTY."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._stage = ""
        self._drawn_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._enabled or (stage == self._stage and now - self._drawn_at < 0.1):
            return
        if stage != self._stage and self._stage:
            self._stream.write("\n")
        self._stage, self._drawn_at = stage, now
        fraction = min(done / total, 1.0) if total else 1.0
        filled = int(fraction * 30)
        bar = "#" * filled + "." * (30 - filled)
        self._stream.write(f"\r{stage:<10} [{bar}] {fraction:4.0%}")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled and self._stage:
            self._stream.write("\n")
            self._stream.flush()
        self._stage = ""


async def _migrate(
    settings: Settings, path: Path, report: MigrationReport, bar: ProgressBar
) -> None:
    engine = create_engine(settings)
    try:
        await migrate(create_sessionmaker(engine), path, report, bar)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parse_options(parser, argv)
    options = ImportOptions(
        mode=args.mode,
        dry_run=args.dry_run,
        assign_missing_ids=args.assign_missing_ids,
        only=tuple(dict.fromkeys(args.only)),
    )
    path: Path = args.db_json.resolve()
    bar = ProgressBar(sys.stderr)
    try:
        settings = load_settings()
        configure_logging(settings.log_level, json_lines=settings.is_production)
        validation = validate_file(path, options, bar)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror}.", file=sys.stderr)
        return EXIT_USAGE
    finally:
        bar.close()
    report = MigrationReport(options, validation)
    if not validation.ok:
        print(render(report, path))
        return EXIT_INVALID
    try:
        settings, _embedded = prepare_database(settings)
        upgrade_to_head(settings.sqlalchemy_url())
        asyncio.run(_migrate(settings, path, report, bar))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except (DBAPIError, psycopg.Error) as exc:
        print(render(report, path))
        print(_database_error(exc, report), file=sys.stderr)
        return EXIT_DATABASE
    except KeyboardInterrupt:
        print(render(report, path))
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    print(render(report, path))
    return _EXIT_CODES[report.outcome]


def _database_error(exc: Exception, report: MigrationReport) -> str:
    """The error's class and SQLSTATE only: a database message can quote the data."""
    original = getattr(exc, "orig", None) or exc
    state = getattr(original, "sqlstate", None)
    unreachable = state is None or state.startswith("08")
    what = "The database is not reachable" if unreachable else "A database error stopped the run"
    done = (
        "The records were committed; verification did not finish."
        if report.committed
        else "Nothing was written: the transaction was rolled back."
    )
    return f"{what} ({type(original).__name__}, SQLSTATE {state or 'none'}). {done}"


if __name__ == "__main__":
    sys.exit(main())
