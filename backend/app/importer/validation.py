"""Every rule a db.json must pass before anything is written, checked over the whole file with
no database: what json-server 0.17.4 refuses to start on, what this service keeps for its own
routes, and what PostgreSQL could not store as it is. Every problem is listed at once, by key,
position, line and id, never by field value."""

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from app.importer.options import ImportOptions, Mode
from app.importer.reading import (
    ARRAY,
    CHUNK_BYTES,
    OBJECT,
    DbJsonError,
    DbJsonReader,
    Element,
    Member,
)
from app.json_codec import dumps, js_property_order, js_string, json_type_name
from app.services import id_rule
from app.services.collections import SCHEMA_KEY
from app.services.records import id_number
from app.store import Kind

Progress = Callable[[str, int, int], None]

# The service's own routes, which a collection would shadow (compared case-insensitively, as
# routes are matched). `db` is not among them: GET /db is json-server's, and so is `/db/<id>`.
RESERVED_NAMES = frozenset({"health", "docs", "redoc", "openapi.json"})
OPERATOR_PREFIX = "_"  # keys starting with it are kept for operator routes
_SHOWN_LENGTH = 60
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_$.-]+")
# JavaScript's `typeof` of a top-level value, which json-server's refusal quotes.
_TYPEOF = {"a string": "string", "a number": "number", "a boolean": "boolean", "null": "object"}


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def show_id(value: Any) -> str:
    """An id as JSON (so 1 and "1" differ), shortened when long."""
    return _shortened(dumps(value))


def show_name(name: str) -> str:
    """A collection's name as written, quoted when it is not plain."""
    return name if _PLAIN_NAME.fullmatch(name) else _shortened(json.dumps(name, ensure_ascii=False))


def _shortened(text: str) -> str:
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def place(collection: str, position: int, line: int | None = None, record_id: Any = None) -> str:
    """Where a record is: `patients[4] (line 12, id 5)`."""
    where = f"{show_name(collection)}[{position}]"
    details = [] if line is None else [f"line {line}"]
    if record_id is not None:
        details.append(f"id {show_id(record_id)}")
    return f"{where} ({', '.join(details)})" if details else where


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the file cannot be imported; the message names keys, positions and ids, never data."""

    code: str
    message: str
    collection: str | None = None
    position: int | None = None


@dataclass
class SourceCollection:
    """A top-level key of the file, as validated."""

    name: str
    line: int
    kind: Kind | None  # None: a value json-server refuses
    shape: str  # "patients" (an array of 10, line 2)
    selected: bool
    records: int = 0
    position: int = 0  # its place in JavaScript's key order among the file's keys
    assigned_ids: dict[int, Any] = field(default_factory=dict)  # position -> id given
    lines: dict[int, int] = field(default_factory=dict)  # line of each record given an id


@dataclass
class Validation:
    file_bytes: int = 0
    file_sha256: str = ""
    records: int = 0  # in the selected collections
    problems: list[Problem] = field(default_factory=list)
    collections: list[SourceCollection] = field(default_factory=list)  # in file order

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def selected(self) -> list[SourceCollection]:
        return [collection for collection in self.collections if collection.selected]

    def get(self, name: str) -> SourceCollection | None:
        return next((each for each in self.collections if each.name == name), None)


class _RecordRules:
    """The rules for the records of one collection, applied in file order."""

    def __init__(self, collection: str, problems: list[Problem]) -> None:
        self.collection = collection
        self.problems = problems
        self.seen: dict[str, tuple[int, Any]] = {}  # String(id) -> (position, id)
        self.max_id: Any = None  # lodash maxBy over the ids so far, in file order
        self.missing: list[tuple[int, int]] = []  # (position, line) of objects without an id

    def _add(self, code: str, element: Element, message: str) -> None:
        self.problems.append(Problem(code, message, self.collection, element.position))

    def check(self, element: Element) -> None:
        where = place(self.collection, element.position, element.line)
        if element.problem is not None:
            self._add(
                element.problem_code or "unreadable_value", element, f"{where} {element.problem}."
            )
            return
        record = element.value
        if not isinstance(record, dict):
            return  # json-server keeps and lists any value
        if "id" not in record:
            self.missing.append((element.position, element.line))
            return
        record_id = record["id"]
        if not (isinstance(record_id, str) or id_rule.is_number(record_id)):
            self._add(
                "invalid_id",
                element,
                f"{where} has an id that is {json_type_name(record_id)};"
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
                f"{place(self.collection, element.position, element.line, record_id)} has the"
                f" same id as {place(self.collection, first_position, None, first_id)};"
                " ids are compared as strings.",
            )
            return
        self.seen[key] = (element.position, record_id)
        self.max_id = id_rule.js_max_id((self.max_id, record_id))

    def assign_ids(self) -> dict[int, Any]:
        """Ids for the objects without one, as if each were POSTed in file order after the
        records that have one: 1 in an empty collection, max + 1, or a nanoid."""
        assigned: dict[int, Any] = {}
        max_id = self.max_id
        for position, _ in self.missing:
            if max_id is None:
                new_id: Any = 1
            else:
                number = id_number(max_id)
                new_id = id_rule.next_id_from_max(max_id if number is None else number)
                if new_id is None:  # beyond 2^53 json-server has no new id: draw a string one
                    new_id = id_rule.nanoid()
            while js_string(new_id) in self.seen:  # a nanoid that is taken already
                new_id = id_rule.nanoid()
            self.seen[js_string(new_id)] = (position, new_id)
            assigned[position] = new_id
            max_id = id_rule.js_max_id((max_id, new_id))
        return assigned


def _kind(member: Member) -> Kind | None:
    if member.name == SCHEMA_KEY:
        return Kind.SCHEMA
    return {ARRAY: Kind.PLURAL, OBJECT: Kind.SINGULAR}.get(member.kind)


def _key_problems(member: Member, lines: dict[str, int]) -> list[Problem]:
    """What json-server, or this service, refuses in a top-level key and its value's type."""
    name, quoted = member.name, json.dumps(member.name, ensure_ascii=False)
    key = f"The key {_shortened(quoted)} (line {member.line})"
    problems: list[Problem] = []

    def add(code: str, message: str) -> None:
        problems.append(Problem(code, message, name))

    if name in lines:
        add(
            "duplicate_key",
            f"db.json has the key {_shortened(quoted)} twice (lines {lines[name]} and "
            f"{member.line}); JSON readers keep only the last one.",
        )
    if "/" in name:
        add(
            "slash_in_key",
            f"{key} contains /, and json-server refuses to start on it (Oops, found / character "
            f"in database property '{name}'.): a key is one URL path segment.",
        )
    if _kind(member) is None:
        add(
            "unsupported_type",
            f"{key} holds {member.kind}, and json-server refuses to start on it (Type of "
            f"{quoted} ({_TYPEOF[member.kind]}) is not supported): a top-level value must be an "
            "array (a collection) or an object (a singular resource).",
        )
    elif member.problem is not None:
        add(member.problem_code or "unreadable_value", f"{key} {member.problem}.")
    if name.startswith(OPERATOR_PREFIX):
        add(
            "reserved_key",
            f"{key} starts with {OPERATOR_PREFIX}, which this service keeps for its operator "
            "routes; rename the collection.",
        )
    elif name.lower() in RESERVED_NAMES:
        add(
            "reserved_key",
            f"{key} would take the service's own route /{name.lower()} (health, docs, redoc and "
            "openapi.json are the service's, in any case); rename the collection.",
        )
    return problems


def validate(
    stream: BinaryIO,
    options: ImportOptions,
    *,
    size: int = 0,
    progress: Progress = no_progress,
    chunk_bytes: int = CHUNK_BYTES,
) -> Validation:
    """Check every rule over the whole file and report every problem found; no database."""
    reader = DbJsonReader(
        stream, chunk_bytes=chunk_bytes, on_read=lambda done: progress("validating", done, size)
    )
    result = Validation(file_bytes=size)
    assigning = options.assign_missing_ids and options.mode in (Mode.EMPTY_ONLY, Mode.REPLACE)
    lines: dict[str, int] = {}
    fatal: Problem | None = None
    try:
        for member in reader.members():
            result.problems += _key_problems(member, lines)
            lines.setdefault(member.name, member.line)
            source = SourceCollection(
                member.name, member.line, _kind(member), "", options.selects(member.name)
            )
            rules = _RecordRules(member.name, result.problems)
            for element in member.elements:
                rules.check(element)
            source.records = member.items
            source.shape = member.describe()
            if source.selected:
                result.records += member.items
                if assigning:
                    source.lines = dict(rules.missing)
                    source.assigned_ids = rules.assign_ids()
            result.collections.append(source)
    except DbJsonError as exc:  # the file cannot be read past this point
        fatal = Problem(exc.code, exc.message)
    if fatal is not None:
        result.problems.append(fatal)
        return result
    result.file_sha256 = reader.sha256 or ""
    positions = {name: index for index, name in enumerate(js_property_order(lines))}
    for source in result.collections:
        source.position = positions[source.name]
    unknown = [name for name in options.only if name not in lines]
    if unknown:
        listed = ", ".join(_shortened(json.dumps(name, ensure_ascii=False)) for name in unknown)
        result.problems.append(
            Problem("unknown_collection", f"--only names {listed}, which db.json does not have.")
        )
    if not result.ok:
        for source in result.collections:
            source.assigned_ids, source.lines = {}, {}
    return result


def validate_file(
    path: Path, options: ImportOptions, progress: Progress = no_progress
) -> Validation:
    with path.open("rb") as stream:
        return validate(stream, options, size=os.fstat(stream.fileno()).st_size, progress=progress)


# --- The validated file, read again to be written or verified ------------------------------


class SourceChanged(Exception):
    """The file is no longer the one that was validated."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as it is stored: its id (if given one) in place, and its JSON text."""

    position: int
    value: Any
    text: str

    @property
    def id_key(self) -> str | None:
        """JavaScript's String(id), or None for a record without an id."""
        if isinstance(self.value, dict) and "id" in self.value:
            return js_string(self.value["id"])
        return None


@dataclass(slots=True)
class ValidatedMember:
    """A top-level key of the file read again: a singular resource's or `$schema`'s text, or a
    plural collection's records (to be read before the next member)."""

    source: SourceCollection
    text: str
    records: Iterator[StoredRecord]


def with_id_text(text: str, new_id: Any) -> str:
    """An object's JSON text with `"id"` appended last, as a POST appends it."""
    body = text[1:-1]
    return "{" + body + ("," if body else "") + '"id":' + dumps(new_id) + "}"


def read_again(
    path: Path, validation: Validation, progress: Progress = no_progress, stage: str = ""
) -> Iterator[ValidatedMember]:
    """Every key of the validated file again, in file order, as it is stored (assigned ids in
    place). Raises SourceChanged when the file is no longer the one that was validated."""
    done = [0]
    with path.open("rb") as stream:
        reader = DbJsonReader(stream)
        try:
            for index, member in enumerate(reader.members()):
                if index >= len(validation.collections):
                    raise SourceChanged
                source = validation.collections[index]
                if (source.name, source.kind) != (member.name, _kind(member)) or member.problem:
                    raise SourceChanged
                records = _stored_records(member, source, progress, stage, done, validation)
                yield ValidatedMember(source, member.text, records)
        except DbJsonError:
            raise SourceChanged from None
        if reader.sha256 != validation.file_sha256:
            raise SourceChanged


def _stored_records(
    member: Member,
    source: SourceCollection,
    progress: Progress,
    stage: str,
    done: list[int],
    validation: Validation,
) -> Iterator[StoredRecord]:
    try:
        for element in member.elements:
            if element.problem is not None:
                raise SourceChanged
            value, text = element.value, element.text
            new_id = source.assigned_ids.get(element.position)
            if new_id is not None:
                if not isinstance(value, dict) or "id" in value:
                    raise SourceChanged
                value, text = id_rule.with_id(value, new_id), with_id_text(text, new_id)
            yield StoredRecord(element.position, value, text)
            done[0] += 1
            progress(stage, done[0], validation.records)
    except DbJsonError:
        raise SourceChanged from None
