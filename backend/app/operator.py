"""The operator's command line, on the configured DATABASE_URL (no HTTP, no token: whoever can
reach the database is already trusted with it):

    python -m app.operator history <collection> [<id>] [--page N] [--limit N]
    python -m app.operator restore <collection> [<id>] --version N
    python -m app.operator audit [--since T] [--until T] [--collection C [--id I]]
                                 [--request-id R] [--client A] [--actor U] [--page N] [--limit N]
    python -m app.operator prune-audit        (drop the months older than AUDIT_RETENTION_DAYS)

Output is JSON (one object per line for `history` and `audit`). A restore is a write like any
other: its version carries a request id `cli-...` and the actor `cli:<login>`.
"""

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import datetime

from app.config import ConfigError, load_settings
from app.errors import NotFound
from app.identity import RequestIdentity, new_request_id
from app.runner import prepare_database
from app.services import audit, history
from app.store import Kind, Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.operator", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    shown = commands.add_parser("history", help="a record's versions, newest first")
    shown.add_argument("collection")
    shown.add_argument("id", nargs="?")
    restore = commands.add_parser("restore", help="make a version the current one")
    restore.add_argument("collection")
    restore.add_argument("id", nargs="?")
    restore.add_argument("--version", type=int, required=True)
    entries = commands.add_parser("audit", help="audit entries, newest first")
    entries.add_argument("--since", type=datetime.fromisoformat)
    entries.add_argument("--until", type=datetime.fromisoformat)
    entries.add_argument("--collection")
    entries.add_argument("--id")
    entries.add_argument("--request-id")
    entries.add_argument("--client")
    entries.add_argument("--actor")
    for paged in (shown, entries):
        paged.add_argument("--page", type=int, default=1)
        paged.add_argument("--limit", type=int, default=100)
    commands.add_parser("prune-audit", help="drop audit months older than the retention")
    return parser


async def _run(args: argparse.Namespace) -> int:
    settings, _embedded = prepare_database(load_settings())  # the embedded one in development
    store = Store(settings.model_copy(update={"db_pool_size": 1}))
    await store.pool.open(wait=True)
    try:
        if args.command == "history":
            offset = (args.page - 1) * args.limit
            _total, page, _seqs = await history.versions(
                store, args.collection, args.id, offset, args.limit
            )
            sys.stdout.write("".join(json.dumps(entry) + "\n" for entry in page))
        elif args.command == "restore":
            found = (await store.catalog()).get(args.collection)
            if found is None or found.kind is Kind.SCHEMA:
                raise NotFound()
            identity = RequestIdentity(f"cli-{new_request_id()}", actor=f"cli:{getpass.getuser()}")
            document, _seq = await history.restore(
                store, found.kind, found.name, args.id, args.version, identity
            )
            sys.stdout.write(document + "\n")
        elif args.command == "audit":
            seqs = None
            if args.id is not None:
                seqs = await history.record_seqs(store, args.collection or "", args.id)
            wanted = audit.AuditFilter(
                since=args.since,
                until=args.until,
                resource=args.collection,
                record_seqs=seqs,
                request_id=args.request_id,
                client_addr=args.client,
                actor=args.actor,
            )
            offset = (args.page - 1) * args.limit
            _total, found_entries = await audit.search(store, wanted, offset, args.limit)
            sys.stdout.write(audit.to_json_lines(found_entries))
        else:
            dropped = await audit.AuditLog(store, settings).maintain()
            print(json.dumps({"dropped": dropped}))
    finally:
        await store.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "audit" and args.id is not None and args.collection is None:
        parser.error("--id needs --collection")
    try:
        return asyncio.run(_run(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except NotFound:
        print("No such collection, record or version.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
