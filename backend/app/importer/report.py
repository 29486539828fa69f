"""What an import run did, collection by collection, filled in phase by phase so that an
interrupted run still tells; and the text printed for it, which names collections, ids and
positions only, never field values."""

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.importer.options import ImportOptions, Mode
from app.importer.validation import Validation, place, show_id, show_name
from app.store import Kind

SAMPLE_SIZE = 20  # ids listed for each kind of verification mismatch


class Outcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    SOURCE_CHANGED = "source-changed"
    REFUSED = "refused"
    MISMATCH = "mismatch"


class Action(StrEnum):
    CREATE = "created"
    REPLACE = "replaced"
    ADD = "new records added"  # --skip-existing on a collection that exists
    KEEP = "kept as it is"  # --skip-existing on a singular resource that exists
    COMPARE = "compared"  # --verify-only


@dataclass
class CollectionCheck:
    """One collection of the database read back and compared with the file."""

    exact: bool  # it must hold exactly the file's records, in the file's order
    records: int = 0
    verified: int = 0
    missing: int = 0
    differing: int = 0
    out_of_order: int = 0
    not_compared: int = 0  # records without an id in a collection that was not replaced
    database_records: int = 0
    absent: bool = False
    kind_differs: bool = False
    missing_ids: list[str] = field(default_factory=list)
    differing_ids: list[str] = field(default_factory=list)
    source_sha256: str = ""
    database_sha256: str = ""

    @property
    def extra(self) -> int:
        """Records in the database that the file does not have."""
        return max(self.database_records - (self.records - self.missing), 0)

    @property
    def ok(self) -> bool:
        if self.absent or self.kind_differs or self.missing or self.differing:
            return False
        return not self.exact or (
            self.out_of_order == 0
            and self.extra == 0
            and self.source_sha256 == self.database_sha256
        )

    def sample(self, ids: list[str], shown: str) -> None:
        if len(ids) < SAMPLE_SIZE:
            ids.append(shown)


@dataclass
class CollectionReport:
    name: str
    kind: Kind
    action: Action
    before: int | None = None  # records before the run; None when it did not exist
    deleted: int = 0
    written: int = 0
    skipped: int = 0  # id already there
    skipped_without_id: int = 0  # no id to match with the records already there
    check: CollectionCheck | None = None


@dataclass
class MigrationReport:
    options: ImportOptions
    validation: Validation
    collections: list[CollectionReport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # collections the file does not have
    blocking: list[str] = field(default_factory=list)  # existing collections that refused
    committed: bool = False
    source_changed: bool = False
    verified: bool = False
    extra_collections: list[str] = field(default_factory=list)
    order_differs: bool = False

    @property
    def written(self) -> int:
        return sum(collection.written for collection in self.collections)

    @property
    def refused(self) -> bool:
        return bool(self.blocking)

    def collection(self, name: str) -> CollectionReport | None:
        return next((each for each in self.collections if each.name == name), None)

    @property
    def outcome(self) -> Outcome:
        if not self.validation.ok:
            return Outcome.INVALID
        if self.source_changed:
            return Outcome.SOURCE_CHANGED
        if self.refused:
            return Outcome.REFUSED
        checks = [each.check for each in self.collections if each.check is not None]
        if self.extra_collections or self.order_differs or not all(c.ok for c in checks):
            return Outcome.MISMATCH
        return Outcome.OK


_MODE_TEXT = {
    Mode.EMPTY_ONLY: "load into an empty database (refuse otherwise)",
    Mode.REPLACE: "replace the whole database with the file",
    Mode.SKIP_EXISTING: "add what is not in the database, keep what is",
    Mode.VERIFY_ONLY: "compare the database with the file, write nothing",
}
_ONLY_MODE_TEXT = {
    Mode.EMPTY_ONLY: "add these collections (refuse if one holds data)",
    Mode.REPLACE: "replace these collections, leave the others",
}


def _line(label: str, value: object) -> str:
    return f"  {label:<19} {value}"


def _mode(options: ImportOptions) -> str:
    text = _MODE_TEXT[options.mode]
    if options.only:
        text = _ONLY_MODE_TEXT.get(options.mode, text)
        text += f": {', '.join(show_name(name) for name in options.only)}"
    return text + (" (dry run: nothing is written)" if options.dry_run else "")


def _validation_lines(validation: Validation) -> list[str]:
    lines = [
        _line("file", f"{validation.file_bytes:,} bytes, sha256 {validation.file_sha256 or '-'}"),
        _line("records in file", validation.records),
    ]
    for source in validation.collections:
        chosen = "" if source.selected else " (not selected)"
        lines.append(_line("key", f"{source.shape}{chosen}"))
        for position, new_id in source.assigned_ids.items():
            where = place(source.name, position, source.lines[position])
            lines.append(_line("id assigned", f"{where} -> {show_id(new_id)}"))
    if validation.problems:
        lines.append(_line("problems", len(validation.problems)))
        lines.extend(f"    - {problem.message}" for problem in validation.problems)
    return lines


def _collection_lines(report: MigrationReport, each: CollectionReport) -> list[str]:
    options = report.options
    would = "would be " if options.dry_run else ""
    before = "absent" if each.before is None else f"{each.before} records"
    if each.kind is not Kind.PLURAL:
        before = "absent" if each.before is None else "present"
    lines = [f"  {show_name(each.name)} ({each.kind}): {would}{each.action}, before: {before}"]
    if each.kind is Kind.PLURAL and each.action is not Action.COMPARE:
        if each.deleted:
            lines.append(_line(f"  {would}deleted", each.deleted))
        lines.append(_line(f"  {would}written", each.written))
        if each.action is Action.ADD:
            lines.append(_line(f"  {would}skipped", f"{each.skipped} (id already there)"))
            if each.skipped_without_id:
                lines.append(_line("  without id", f"{each.skipped_without_id} (not added)"))
    check = each.check
    if check is None:
        return lines
    if check.absent or check.kind_differs:
        found = "absent" if check.absent else "of another kind"
        lines.append(_line("  verified", f"no: the collection is {found} in the database"))
        return lines
    if each.kind is not Kind.PLURAL:
        same = "yes" if check.verified else "no, the database's document differs"
        lines.append(_line("  verified", same))
        return lines
    lines.append(_line("  verified", f"{check.verified} of {check.records} records"))
    for label, count, ids in (
        ("missing", check.missing, check.missing_ids),
        ("differing", check.differing, check.differing_ids),
    ):
        more = f" and {count - len(ids)} more" if count > len(ids) else ""
        listed = f" (ids: {', '.join(ids)}{more})" if ids else ""
        kept = ", kept as they are" if label == "differing" and not check.exact and count else ""
        lines.append(_line(f"  {label}", f"{count}{listed}{kept}"))
    if check.not_compared:
        lines.append(_line("  not compared", f"{check.not_compared} (no id)"))
    if check.exact:
        lines.append(_line("  out of order", check.out_of_order))
        lines.append(_line("  extra", check.extra))
    lines.append(_line("  database records", check.database_records))
    lines.append(_line("  source checksum", f"sha256:{check.source_sha256}"))
    lines.append(_line("  database checksum", f"sha256:{check.database_sha256}"))
    return lines


def render(report: MigrationReport, path: Path) -> str:
    """The report printed on stdout: counts, ids, positions and checksums, never field values."""
    options = report.options
    lines = [f"db.json import: {path}", _line("mode", _mode(options))]
    lines.extend(_validation_lines(report.validation))
    if report.collections and not report.refused:
        lines.append("collections:")
        for each in report.collections:
            lines.extend(_collection_lines(report, each))
        if report.removed:
            would = "would be removed" if options.dry_run else "removed"
            listed = ", ".join(show_name(name) for name in report.removed)
            lines.append(_line(would, f"{listed} (not in the file)"))
        if not options.dry_run and options.mode is not Mode.VERIFY_ONLY:
            lines.append(_line("committed", "yes" if report.committed else "no"))
    if report.extra_collections:
        listed = ", ".join(show_name(name) for name in report.extra_collections)
        lines.append(_line("extra collections", f"{listed} (in the database, not in the file)"))
    if report.order_differs:
        lines.append(_line("collection order", "differs from the file's key order"))
    lines.append(_result(report))
    return "\n".join(lines)


def _result(report: MigrationReport) -> str:
    outcome = report.outcome
    nothing = "nothing was written" if not report.committed else "the write was committed"
    if outcome is Outcome.INVALID:
        count = len(report.validation.problems)
        return f"result: INVALID, {count} problem(s) in the file; nothing was written."
    if outcome is Outcome.SOURCE_CHANGED:
        return f"result: INVALID, the file changed while it was being imported; {nothing}."
    if outcome is Outcome.REFUSED:
        listed = ", ".join(show_name(name) for name in report.blocking)
        hint = (
            "Use --replace, --skip-existing or --only."
            if report.options.whole_database
            else "Use --replace or --skip-existing."
        )
        return (
            f"result: REFUSED, the database already holds data in: {listed}; nothing was "
            f"written. {hint}"
        )
    if outcome is Outcome.MISMATCH:
        return "result: MISMATCH, the database does not hold the file's data as it is (above)."
    if report.options.dry_run and report.options.mode is not Mode.VERIFY_ONLY:
        return "result: OK, the file is valid and the plan is above; nothing was written."
    if not report.verified:
        return f"result: STOPPED before verification; {nothing}."
    return "result: OK, every collection and record verified."
