"""Moving a db.json file's patients into PostgreSQL without losing anything: every rule is
checked first (pure, no database), then all records are written in one transaction, then every
record is read back and compared with its source.

The file is read as a stream three times (validate, write, verify) and never held whole, so
memory stays bounded whatever its size; the file's SHA-256 must be the same on every pass.
"""

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db_json import CHUNK_BYTES, PATIENTS, DbJsonError, DbJsonReader, Element, TopLevelKey
from app.json_codec import (
    JsonBodyError,
    JsonObject,
    dumps,
    js_string,
    json_type_name,
    parse_json,
    unstorable_text,
)
from app.services import id_rule
from app.services import patients as patient_service
from app.sessions import driver_connection, session_scope

BATCH_SIZE = 1000
SAMPLE_SIZE = 20  # ids listed for each kind of verification mismatch
IGNORED_KEYS = frozenset({"$schema"})  # json-server ignores it as well
_SHOWN_ID_LENGTH = 60

_NO_STATEMENT_TIMEOUT = text("SET LOCAL statement_timeout = 0")
_READ_ONLY = text("SET TRANSACTION READ ONLY")
_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class Mode(StrEnum):
    EMPTY_ONLY = "empty-only"
    REPLACE = "replace"
    SKIP_EXISTING = "skip-existing"
    VERIFY_ONLY = "verify-only"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    mode: Mode = Mode.EMPTY_ONLY
    dry_run: bool = False
    assign_missing_ids: bool = False
    patients_only: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the file cannot be migrated; the message names positions and ids, never data."""

    code: str
    message: str
    position: int | None = None


@dataclass
class Validation:
    records: int = 0
    file_bytes: int = 0
    file_sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    other_keys: list[TopLevelKey] = field(default_factory=list)
    ignored_keys: list[TopLevelKey] = field(default_factory=list)
    assigned_ids: dict[int, Any] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)  # line of each record given an id

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Verification:
    """The database read back through the patient service and compared with the file."""

    exact: bool  # the table must hold exactly the file's records, in the file's order
    records: int = 0
    verified: int = 0
    missing: int = 0
    differing: int = 0
    out_of_order: int = 0
    database_records: int = 0
    missing_ids: list[str] = field(default_factory=list)
    differing_ids: list[str] = field(default_factory=list)
    source_sha256: str = ""
    database_sha256: str = ""

    @property
    def extra(self) -> int:
        """Records in the table whose id is not in the file."""
        return self.database_records - (self.records - self.missing)

    @property
    def ok(self) -> bool:
        if self.missing or self.differing:
            return False
        return not self.exact or (
            self.out_of_order == 0
            and self.extra == 0
            and self.source_sha256 == self.database_sha256
        )


class Outcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    SOURCE_CHANGED = "source-changed"
    REFUSED = "refused"
    MISMATCH = "mismatch"


@dataclass
class MigrationReport:
    """What happened, filled in phase by phase so that an interrupted run still tells."""

    options: ImportOptions
    validation: Validation
    before: int | None = None  # records in the table before the write
    deleted: int = 0
    written: int = 0
    skipped: int = 0
    committed: bool = False
    refused: bool = False
    source_changed: bool = False
    verification: Verification | None = None

    @property
    def outcome(self) -> Outcome:
        if not self.validation.ok:
            return Outcome.INVALID
        if self.source_changed:
            return Outcome.SOURCE_CHANGED
        if self.refused:
            return Outcome.REFUSED
        if self.verification is not None and not self.verification.ok:
            return Outcome.MISMATCH
        return Outcome.OK


class _TableNotEmpty(Exception):
    pass


class _SourceChanged(Exception):
    pass


# --- Validation: pure, no database ---------------------------------------------------------


def show_id(value: Any) -> str:
    """An id as JSON (so 1 and "1" differ), shortened when long."""
    shown = dumps(value)
    return shown if len(shown) <= _SHOWN_ID_LENGTH else shown[: _SHOWN_ID_LENGTH - 1] + "…"


def _where(element: Element, record_id: Any = None) -> str:
    place = f"patients[{element.position}] (line {element.line}"
    return place + (")" if record_id is None else f", id {show_id(record_id)})")


class _RecordRules:
    """The rules for each record, applied in file order."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen: dict[str, tuple[int, Any]] = {}  # id string form -> (position, id)
        self.max_id: Any = None  # lodash maxBy over the ids so far, in file order
        self.missing: list[tuple[int, int]] = []  # (position, line) of records without an id

    def _add(self, code: str, element: Element, message: str) -> None:
        self.problems.append(Problem(code, message, element.position))

    def check(self, element: Element) -> None:
        record = element.value
        if element.problem is not None:
            code = element.problem_code or "unreadable_value"
            self._add(code, element, f"{_where(element)} {element.problem}.")
            return
        if not isinstance(record, dict):
            kind = json_type_name(record)
            self._add("not_object", element, f"{_where(element)} is {kind}, not an object.")
            return
        self._check_text(element, record)
        if "id" not in record:
            self.missing.append((element.position, element.line))
            return
        record_id = record["id"]
        if not (isinstance(record_id, str) or id_rule.is_number(record_id)):
            self._add(
                "invalid_id",
                element,
                f"{_where(element)} has an id that is {json_type_name(record_id)};"
                " an id must be a number or a string.",
            )
            return
        key = js_string(record_id)
        earlier = self.seen.get(key)
        if earlier is not None:
            first_position, first_id = earlier
            self._add(
                "duplicate_id",
                element,
                f"{_where(element, record_id)} has the same id as patients[{first_position}]"
                f" (id {show_id(first_id)}); ids are compared as strings.",
            )
            return
        self.seen[key] = (element.position, record_id)
        self.max_id = id_rule.js_max_id((self.max_id, record_id))

    def _check_text(self, element: Element, record: JsonObject) -> None:
        problem = unstorable_text(dumps(record))
        if problem is not None:
            self._add("unstorable_text", element, f"{_where(element)} contains {problem}.")

    def assign_ids(self) -> dict[int, Any]:
        """Ids for the records without one, as if each were POSTed in file order after the
        records that have one: 1 in an empty collection, max + 1, or a nanoid."""
        assigned: dict[int, Any] = {}
        max_id = self.max_id
        for position, _ in self.missing:
            if max_id is None:
                new_id: Any = 1
            else:
                number = patient_service.id_number(max_id)
                new_id = id_rule.next_id_from_max(max_id if number is None else number)
            while js_string(new_id) in self.seen:  # a nanoid that is taken already
                new_id = id_rule.nanoid()
            self.seen[js_string(new_id)] = (position, new_id)
            assigned[position] = new_id
            max_id = id_rule.js_max_id((max_id, new_id))
        return assigned


def validate(
    stream: BinaryIO,
    options: ImportOptions,
    *,
    size: int = 0,
    progress: Progress = _no_progress,
    chunk_bytes: int = CHUNK_BYTES,
) -> Validation:
    """Check every rule over the whole file and report every problem found; no database."""
    reader = DbJsonReader(
        stream,
        chunk_bytes=chunk_bytes,
        on_read=lambda done: progress("validating", done, size),
    )
    rules = _RecordRules()
    result = Validation(file_bytes=size)
    fatal: Problem | None = None
    try:
        for element in reader.records():
            result.records += 1
            rules.check(element)
    except DbJsonError as exc:  # the file cannot be read past this point
        fatal = Problem(exc.code, exc.message)
    result.problems = rules.problems
    if fatal is None:
        result.file_sha256 = reader.sha256 or ""
        _check_keys(reader.keys, options, result)
    assigning = options.assign_missing_ids and options.mode is not Mode.VERIFY_ONLY
    if not assigning:
        result.problems.extend(
            Problem("missing_id", f"patients[{position}] (line {line}) has no id.", position)
            for position, line in rules.missing
        )
    result.problems.sort(key=lambda problem: -1 if problem.position is None else problem.position)
    if fatal is not None:
        result.problems.append(fatal)
    elif assigning and result.ok:
        result.assigned_ids = rules.assign_ids()
        result.lines = dict(rules.missing)
    return result


def _check_keys(keys: list[TopLevelKey], options: ImportOptions, result: Validation) -> None:
    patients = next((key for key in keys if key.name == PATIENTS), None)
    if patients is None:
        result.problems.append(Problem("patients_missing", 'db.json has no "patients" key.'))
    elif patients.items is None:
        result.problems.append(
            Problem(
                "patients_not_array",
                f'"patients" (line {patients.line}) is {patients.kind}, not an array.',
            )
        )
    result.ignored_keys = [key for key in keys if key.name in IGNORED_KEYS]
    result.other_keys = [key for key in keys if key.name not in IGNORED_KEYS | {PATIENTS}]
    if result.other_keys and not options.patients_only and options.mode is not Mode.VERIFY_ONLY:
        listed = ", ".join(key.describe() for key in result.other_keys)
        result.problems.append(
            Problem(
                "other_collections",
                f"db.json has data besides patients that would not be migrated: {listed}.",
            )
        )


def validate_file(
    path: Path, options: ImportOptions, progress: Progress = _no_progress
) -> Validation:
    with path.open("rb") as stream:
        return validate(stream, options, size=os.fstat(stream.fileno()).st_size, progress=progress)


# --- Writing and verifying ------------------------------------------------------------------


def _stored_records(
    path: Path, validation: Validation, progress: Progress, stage: str
) -> Iterator[JsonObject]:
    """The file's records again, as they are stored (assigned ids in place); raises
    _SourceChanged when the file is no longer the one that was validated."""
    with path.open("rb") as stream:
        reader = DbJsonReader(stream)
        try:
            for element in reader.records():
                record = element.value
                if element.problem is not None or not isinstance(record, dict):
                    raise _SourceChanged
                if element.position in validation.assigned_ids:
                    record = id_rule.with_id(record, validation.assigned_ids[element.position])
                elif "id" not in record:
                    raise _SourceChanged
                yield record
                progress(stage, element.position + 1, validation.records)
        except DbJsonError:
            raise _SourceChanged from None
        if reader.sha256 != validation.file_sha256:
            raise _SourceChanged


def _batches(records: Iterable[JsonObject]) -> Iterator[list[JsonObject]]:
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH_SIZE)):
        yield batch


async def migrate(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    report: MigrationReport,
    progress: Progress = _no_progress,
) -> None:
    """Write (or, in a dry run, plan) the validated file, then verify; fills `report`."""
    if not report.validation.ok:
        return
    options = report.options
    try:
        if options.mode is not Mode.VERIFY_ONLY:
            await _write(sessionmaker, path, report, progress)
    except _TableNotEmpty:
        report.refused = True
        return
    except _SourceChanged:
        report.source_changed = True
        return
    if options.dry_run and options.mode is not Mode.VERIFY_ONLY:
        return
    exact = options.mode is not Mode.SKIP_EXISTING
    try:
        report.verification = await verify(sessionmaker, path, report.validation, exact, progress)
    except _SourceChanged:
        report.source_changed = True


async def _write(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    report: MigrationReport,
    progress: Progress,
) -> None:
    """One transaction: lock out other writers, check the mode, delete if replacing, insert."""
    options = report.options
    async with session_scope(sessionmaker) as session:
        conn = await driver_connection(session)
        if options.dry_run:
            await session.execute(_READ_ONLY)
        await session.execute(_NO_STATEMENT_TIMEOUT)
        if not options.dry_run:
            await patient_service.lock_for_import(conn)
        report.before = await patient_service.count(conn)
        if options.mode is Mode.EMPTY_ONLY and report.before:
            raise _TableNotEmpty
        if options.mode is Mode.REPLACE:
            report.deleted = (
                report.before if options.dry_run else await patient_service.delete_all(conn)
            )
        records = _stored_records(path, report.validation, progress, "writing")
        for batch in _batches(records):
            if options.mode is Mode.SKIP_EXISTING:
                keys = [js_string(record["id"]) for record in batch]
                present = await patient_service.get_many(conn, keys)
                fresh = [
                    record for record, key in zip(batch, keys, strict=True) if key not in present
                ]
                report.skipped += len(batch) - len(fresh)
                batch = fresh
            if options.dry_run:
                report.written += len(batch)
            else:
                report.written += await patient_service.import_records(conn, batch)
    report.committed = not options.dry_run


def _canonical(document: str) -> str:
    """A stored document in the form the source is compared in: compact, in key order."""
    try:
        return dumps(parse_json(document))
    except JsonBodyError:
        return document


async def verify(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    validation: Validation,
    exact: bool,
    progress: Progress = _no_progress,
) -> Verification:
    """Read every record back by id and the whole table in list order (one snapshot), compare
    each with the file, and checksum both sides in order."""
    result = Verification(exact=exact)
    source_digest, database_digest = hashlib.sha256(), hashlib.sha256()
    async with session_scope(sessionmaker) as session:
        await session.execute(_SNAPSHOT)
        await session.execute(_NO_STATEMENT_TIMEOUT)
        conn = await driver_connection(session)
        last_seq = 0
        for batch in _batches(_stored_records(path, validation, progress, "verifying")):
            keys = [js_string(record["id"]) for record in batch]
            found = await patient_service.get_many(conn, keys)
            for record, key in zip(batch, keys, strict=True):
                canonical = dumps(record)
                source_digest.update(canonical.encode() + b"\n")
                result.records += 1
                stored = found.get(key)
                if stored is None:
                    result.missing += 1
                    _sample(result.missing_ids, record["id"])
                    continue
                seq, document = stored
                if document == canonical or _canonical(document) == canonical:
                    result.verified += 1
                else:
                    result.differing += 1
                    _sample(result.differing_ids, record["id"])
                if seq < last_seq:
                    result.out_of_order += 1
                last_seq = seq
        total = await patient_service.count(conn)
        after = 0
        while page := await patient_service.list_page(conn, after, BATCH_SIZE):
            for _, document in page:
                database_digest.update(_canonical(document).encode() + b"\n")
            result.database_records += len(page)
            after = page[-1][0]
            progress("checksum", result.database_records, total)
    result.source_sha256 = source_digest.hexdigest()
    result.database_sha256 = database_digest.hexdigest()
    return result


def _sample(ids: list[str], record_id: Any) -> None:
    if len(ids) < SAMPLE_SIZE:
        ids.append(show_id(record_id))
