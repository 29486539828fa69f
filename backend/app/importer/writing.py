"""The write: one transaction that locks out other importers, decides per collection what the
mode asks (create, replace, add new records, keep), and streams the file's records in with
COPY, batch by batch. A run killed at any moment leaves the database as it was."""

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.importer.options import ImportOptions, Mode
from app.importer.report import Action, CollectionReport, MigrationReport
from app.importer.validation import (
    Progress,
    SourceCollection,
    StoredRecord,
    ValidatedMember,
    Validation,
    no_progress,
    read_again,
)
from app.services import collections, records
from app.services.collections import StoredCollection
from app.sessions import driver_connection, session_scope
from app.store import Connection, Kind

BATCH_SIZE = 1000

_NO_STATEMENT_TIMEOUT = text("SET LOCAL statement_timeout = 0")
_READ_ONLY = text("SET TRANSACTION READ ONLY")

T = TypeVar("T")


class Refused(Exception):
    """The mode does not allow writing over what the database holds (report.blocking)."""


def batches(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def plan(
    options: ImportOptions, validation: Validation, existing: list[StoredCollection]
) -> tuple[list[CollectionReport], list[str], list[str], dict[str, int]]:
    """What the run does to each selected collection: (reports, collections removed because the
    file replaces the whole database, collections whose data refuses the run, the position of
    each collection created)."""
    stored = {collection.name: collection for collection in existing}
    selected = validation.selected
    if options.whole_database and options.mode in (Mode.EMPTY_ONLY, Mode.REPLACE):
        blocking = [c.name for c in existing if c.holds_data and options.mode is Mode.EMPTY_ONLY]
        reports = [
            _report(source, found, Action.CREATE if found is None else Action.REPLACE)
            for source in selected
            for found in [stored.get(source.name)]
        ]
        file_names = {source.name for source in selected}
        removed = [c.name for c in existing if c.name not in file_names]
        positions = {source.name: source.position for source in selected}
        return reports, removed, blocking, positions
    reports, blocking = [], []
    after = max((collection.position for collection in existing), default=-1) + 1
    new = sorted((s for s in selected if s.name not in stored), key=lambda s: s.position)
    positions = {source.name: after + index for index, source in enumerate(new)}
    for source in selected:
        found = stored.get(source.name)
        if found is None:
            action = Action.CREATE
        elif options.mode is Mode.SKIP_EXISTING:
            both_plural = found.kind is Kind.PLURAL and source.kind is Kind.PLURAL
            action = Action.ADD if both_plural else Action.KEEP
        else:
            if options.mode is Mode.EMPTY_ONLY and found.holds_data:
                blocking.append(source.name)
            action = Action.REPLACE
            positions[source.name] = found.position
        reports.append(_report(source, found, action))
    return reports, [], blocking, positions


def _report(
    source: SourceCollection, found: StoredCollection | None, action: Action
) -> CollectionReport:
    assert source.kind is not None  # validated
    return CollectionReport(source.name, source.kind, action, before=None if found is None else 0)


async def write(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    report: MigrationReport,
    progress: Progress = no_progress,
) -> None:
    """One transaction: lock, plan, refuse or remove what is replaced, then stream the records
    in. In a dry run the same plan is computed in a read-only transaction."""
    options = report.options
    async with session_scope(sessionmaker) as session:
        conn = await driver_connection(session)
        if options.dry_run:
            await session.execute(_READ_ONLY)
        await session.execute(_NO_STATEMENT_TIMEOUT)
        if not options.dry_run:
            await collections.lock_catalog(conn)
        existing = await collections.stored(conn)
        reports, removed, blocking, positions = plan(options, report.validation, existing)
        report.collections, report.removed, report.blocking = reports, removed, blocking
        if blocking:
            raise Refused
        stored = {collection.name: collection for collection in existing}
        for each in reports:
            found = stored.get(each.name)
            if found is not None and found.kind is Kind.PLURAL:
                each.before = await records.count(conn, each.name)
                if each.action in (Action.CREATE, Action.REPLACE):
                    each.deleted = each.before
        if not options.dry_run:
            await _remove(conn, report, stored)
        for member in read_again(path, report.validation, progress, "writing"):
            chosen = report.collection(member.source.name)
            if chosen is not None:  # otherwise not selected: the reader skips its records
                await _write_member(conn, options, chosen, member, positions)
    report.committed = not options.dry_run


async def _remove(
    conn: Connection, report: MigrationReport, stored: dict[str, StoredCollection]
) -> None:
    """Remove what the file replaces: everything, or the collections it replaces."""
    if report.options.whole_database and report.options.mode is not Mode.SKIP_EXISTING:
        await collections.remove_everything(conn)
        return
    for each in report.collections:
        if each.action is Action.REPLACE and each.name in stored:
            await collections.remove(conn, each.name)


async def _write_member(
    conn: Connection,
    options: ImportOptions,
    each: CollectionReport,
    member: ValidatedMember,
    positions: dict[str, int],
) -> None:
    if each.action is Action.KEEP:
        return
    if each.action in (Action.CREATE, Action.REPLACE) and not options.dry_run:
        document = None if each.kind is Kind.PLURAL else member.text
        await collections.create(conn, each.name, positions[each.name], each.kind, document)
    for batch in batches(member.records):
        if each.action is Action.ADD:
            batch = await _new_records(conn, each, batch)
        if options.dry_run:
            each.written += len(batch)
        elif batch:
            rows = ((record.value, record.text) for record in batch)
            each.written += await records.import_texts(conn, each.name, rows)


async def _new_records(
    conn: Connection, each: CollectionReport, batch: list[StoredRecord]
) -> list[StoredRecord]:
    """The records of the batch whose id the collection does not have. Records without an id
    cannot be matched with those already there and are left out."""
    keys = [record.id_key for record in batch]
    present = await records.get_many(conn, each.name, [key for key in keys if key is not None])
    fresh = [
        record
        for record, key in zip(batch, keys, strict=True)
        if key is not None and key not in present
    ]
    each.skipped_without_id += keys.count(None)
    each.skipped += len(batch) - len(fresh) - keys.count(None)
    return fresh
