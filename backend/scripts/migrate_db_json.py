"""`make migrate-data DB_JSON=path/to/db.json`: move a db.json file's patients into PostgreSQL,
validated first, written in one transaction, then read back and verified record by record.

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
from app.logging_config import configure_logging
from app.migrate import upgrade_to_head
from app.runner import prepare_database
from app.services.importer import (
    ImportOptions,
    MigrationReport,
    Mode,
    Outcome,
    Validation,
    migrate,
    show_id,
    validate_file,
)
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

_MODE_TEXT = {
    Mode.EMPTY_ONLY: "load into an empty table (refuse otherwise)",
    Mode.REPLACE: "replace every record in the table",
    Mode.SKIP_EXISTING: "insert only ids not in the table",
    Mode.VERIFY_ONLY: "compare the table with the file, write nothing",
}

_HINTS = {
    "missing_id": "Pass --assign-missing-ids to give them ids by json-server's rule.",
    "other_collections": "Pass --patients-only to migrate the patients and leave the rest.",
}

EPILOG = """\
modes (at most one; the default loads into an empty table and refuses otherwise):
  --replace          delete every record and load the file, in the same transaction
  --skip-existing    insert only records whose id is not in the table; existing records are
                     never overwritten, and those that differ from the file are reported
  --verify-only      compare the table with the file and write nothing

exit codes:
  0  success: every record written (or planned) and verified
  1  the file failed validation (or changed while it was read); nothing was written
  2  usage or configuration error; nothing was written
  3  verification mismatch: the table does not hold the file's records as they are in the file
  4  refused: the table is not empty (use --replace or --skip-existing); nothing was written
  5  database error; the transaction was rolled back unless the report says "committed: yes"
  130  interrupted (Ctrl-C); rolled back unless the report says "committed: yes"
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrate_db_json",
        description="Move a json-server db.json file's patients into PostgreSQL: validated\n"
        "first, written in one transaction, then read back and verified.",
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
        help="delete every record in the table and load the file (one transaction)",
    )
    modes.add_argument(
        "--skip-existing",
        dest="mode",
        action="store_const",
        const=Mode.SKIP_EXISTING,
        help="insert only ids not in the table; report skipped and differing records",
    )
    modes.add_argument(
        "--verify-only",
        dest="mode",
        action="store_const",
        const=Mode.VERIFY_ONLY,
        help="compare the table with the file without writing anything",
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
        help="give records without an id one by json-server's rule, in file order, and list them",
    )
    parser.add_argument(
        "--patients-only",
        action="store_true",
        help="migrate the patients although the file has other top-level data (listed)",
    )
    return parser


def parse_options(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.mode is Mode.VERIFY_ONLY and args.dry_run:
        parser.error("--verify-only never writes; --dry-run adds nothing to it")
    if args.assign_missing_ids and args.mode in (Mode.VERIFY_ONLY, Mode.SKIP_EXISTING):
        parser.error(
            "--assign-missing-ids works with a first load or --replace only: the ids it gives "
            "could collide with records already in the table"
        )
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


def _line(label: str, value: object) -> str:
    return f"  {label:<19} {value}"


def _validation_lines(validation: Validation) -> list[str]:
    lines = [
        _line("file", f"{validation.file_bytes:,} bytes, sha256 {validation.file_sha256 or '-'}"),
        _line("records in file", validation.records),
    ]
    lines.extend(_line("other data", key.describe()) for key in validation.other_keys)
    lines.extend(_line("ignored", key.describe()) for key in validation.ignored_keys)
    for position, new_id in validation.assigned_ids.items():
        where = f"patients[{position}] (line {validation.lines[position]})"
        lines.append(_line("id assigned", f"{where} -> {show_id(new_id)}"))
    if validation.problems:
        lines.append(_line("problems", len(validation.problems)))
        lines.extend(f"    - {problem.message}" for problem in validation.problems)
        codes = {problem.code for problem in validation.problems}
        lines.extend(f"    {hint}" for code, hint in _HINTS.items() if code in codes)
    return lines


def render(report: MigrationReport, path: Path) -> str:
    """The report printed on stdout: ids, positions, counts and checksums, never field values."""
    options = report.options
    dry = " (dry run: nothing is written)" if options.dry_run else ""
    lines = [f"db.json migration: {path}", _line("mode", _MODE_TEXT[options.mode] + dry)]
    lines.extend(_validation_lines(report.validation))
    if report.before is not None and not report.refused:
        would = "would be " if options.dry_run else ""
        lines.append(_line("table before", f"{report.before} records"))
        if options.mode is Mode.REPLACE:
            lines.append(_line(f"{would}deleted", report.deleted))
        lines.append(_line(f"{would}written", report.written))
        if options.mode is Mode.SKIP_EXISTING:
            lines.append(_line(f"{would}skipped", f"{report.skipped} (id already in the table)"))
        if not options.dry_run:
            lines.append(_line("committed", "yes" if report.committed else "no"))
    check = report.verification
    if check is not None:
        lines.append(_line("verified", f"{check.verified} of {check.records} records"))
        kept = ", existing records kept as they are" if not check.exact else ""
        for label, count, ids in (
            ("missing", check.missing, check.missing_ids),
            ("differing", check.differing, check.differing_ids),
        ):
            more = f" and {count - len(ids)} more" if count > len(ids) else ""
            listed = f" (ids: {', '.join(ids)}{more})" if ids else ""
            lines.append(_line(label, f"{count}{listed}{kept if label == 'differing' else ''}"))
        if check.exact:
            lines.append(_line("out of order", check.out_of_order))
            lines.append(_line("extra in table", check.extra))
        lines.append(_line("table records", check.database_records))
        lines.append(_line("source checksum", f"sha256:{check.source_sha256}"))
        lines.append(_line("table checksum", f"sha256:{check.database_sha256}"))
    lines.append(_result(report))
    return "\n".join(lines)


def _result(report: MigrationReport) -> str:
    outcome = report.outcome
    nothing = "nothing was written" if not report.committed else "the write was committed"
    if outcome is Outcome.INVALID:
        count = len(report.validation.problems)
        return f"result: INVALID, {count} problem(s) in the file; nothing was written."
    if outcome is Outcome.SOURCE_CHANGED:
        return f"result: INVALID, the file changed while it was being migrated; {nothing}."
    if outcome is Outcome.REFUSED:
        return (
            f"result: REFUSED, the table already holds {report.before} records; nothing was "
            "written. Use --replace or --skip-existing."
        )
    if outcome is Outcome.MISMATCH:
        return "result: MISMATCH, the table does not hold the file's records as they are (above)."
    if report.options.dry_run and report.options.mode is not Mode.VERIFY_ONLY:
        return "result: OK, the file is valid and the plan is above; nothing was written."
    return "result: OK, every record verified."


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
        patients_only=args.patients_only,
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
