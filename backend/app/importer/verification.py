"""The database read back after the write, in one snapshot, and compared with the file: every
record by id (records without an id by their place in the list), each collection in list
order for a SHA-256 checksum, singular resources and `$schema` by their text, and, when the
file is the whole database, the list of collections and their order."""

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.importer.options import Mode
from app.importer.report import Action, CollectionCheck, CollectionReport, MigrationReport
from app.importer.validation import (
    Progress,
    StoredRecord,
    ValidatedMember,
    no_progress,
    place,
    read_again,
    show_id,
)
from app.importer.writing import BATCH_SIZE, batches
from app.json_codec import js_property_order
from app.services import collections, records
from app.services.collections import StoredCollection
from app.sessions import driver_connection, session_scope
from app.store import Connection, Kind

_SNAPSHOT = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
_NO_STATEMENT_TIMEOUT = text("SET LOCAL statement_timeout = 0")
_EXACT_ACTIONS = (Action.CREATE, Action.REPLACE, Action.COMPARE)


async def verify(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    report: MigrationReport,
    progress: Progress = no_progress,
) -> None:
    """Fill each collection's check in `report`, and the whole database's when it applies."""
    async with session_scope(sessionmaker) as session:
        await session.execute(_SNAPSHOT)
        await session.execute(_NO_STATEMENT_TIMEOUT)
        conn = await driver_connection(session)
        existing = await collections.stored(conn)
        stored = {collection.name: collection for collection in existing}
        for member in read_again(path, report.validation, progress, "verifying"):
            each = report.collection(member.source.name)
            if each is not None:
                each.check = await _check(conn, each, member, stored.get(each.name), progress)
    _check_catalog(report, existing)
    report.verified = True


def _check_catalog(report: MigrationReport, existing: list[StoredCollection]) -> None:
    """When the file is the whole database: no other collection, and the file's key order."""
    options = report.options
    if not options.whole_database or options.mode is Mode.SKIP_EXISTING:
        return
    names = [source.name for source in report.validation.collections]
    report.extra_collections = [c.name for c in existing if c.name not in names]
    in_order = [c.name for c in existing if c.name in names]
    report.order_differs = in_order != [n for n in js_property_order(names) if n in in_order]


async def _check(
    conn: Connection,
    each: CollectionReport,
    member: ValidatedMember,
    found: StoredCollection | None,
    progress: Progress,
) -> CollectionCheck:
    check = CollectionCheck(exact=each.action in _EXACT_ACTIONS)
    if found is None or found.kind is not each.kind:
        check.absent, check.kind_differs = found is None, found is not None
        return check
    if each.kind is not Kind.PLURAL:
        check.records = 1
        if found.document == member.text:
            check.verified = 1
        else:
            check.differing = 1
        return check
    await _compare_records(conn, each.name, member.records, check, progress)
    return check


async def _compare_records(
    conn: Connection,
    collection: str,
    source: Iterable[StoredRecord],
    check: CollectionCheck,
    progress: Progress,
) -> None:
    """Walk the file's records and the collection's list side by side: each record with an id
    is read by id (the text `GET /<collection>/<id>` answers), each without one is compared
    with the record at its place in the list (when the collection must match exactly)."""
    source_digest, database_digest = hashlib.sha256(), hashlib.sha256()
    after_seq = last_seq = 0
    for batch in batches(source):
        keys = [record.id_key for record in batch]
        found = await records.get_many(conn, collection, [key for key in keys if key is not None])
        page = (
            await records.list_page(conn, collection, after_seq, len(batch)) if check.exact else []
        )
        for index, (record, key) in enumerate(zip(batch, keys, strict=True)):
            source_digest.update(record.text.encode() + b"\n")
            check.records += 1
            if key is not None:
                stored = found.get(key)
                if stored is None:
                    check.missing += 1
                    check.sample(check.missing_ids, show_id(record.value["id"]))
                    continue
                seq, document = stored
                _compare(check, document == record.text, show_id(record.value["id"]))
                check.out_of_order += seq < last_seq
                last_seq = seq
            elif check.exact:
                same = index < len(page) and page[index][1] == record.text
                _compare(check, same, place(collection, record.position))
            else:
                check.not_compared += 1
        after_seq = _digest(database_digest, page, check, after_seq)
    while page := await records.list_page(conn, collection, after_seq, BATCH_SIZE):
        after_seq = _digest(database_digest, page, check, after_seq)
    check.source_sha256 = source_digest.hexdigest()
    check.database_sha256 = database_digest.hexdigest()


def _compare(check: CollectionCheck, same: bool, shown: str) -> None:
    if same:
        check.verified += 1
    else:
        check.differing += 1
        check.sample(check.differing_ids, shown)


def _digest(
    digest: "hashlib._Hash", page: list[tuple[int, str]], check: CollectionCheck, after: int
) -> int:
    for _, document in page:
        digest.update(document.encode() + b"\n")
    check.database_records += len(page)
    return page[-1][0] if page else after
