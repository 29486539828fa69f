"""A trigram index on `records.search_text`: `q` and plain-substring `_like` filters read their
candidates from it instead of scanning the collection.

`search_text` holds every string, number and `true` of a record, lower-cased the JavaScript way
and joined by chr(31) (migration 0002). `pg_trgm`'s GIN operator class answers `LIKE '%...%'`
on it; the queries (app.query.sql) then compare each candidate exactly, so the index only
narrows. `pg_trgm` is a trusted extension (PostgreSQL 13+): the database's owner may create it
without superuser rights; Render's PostgreSQL and the embedded server both ship it.

fastupdate off, as for `ix_records_flat`: a pending list would make every read scan it until a
vacuum merged it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_records_search_text ON records "
        "USING gin (search_text gin_trgm_ops) WITH (fastupdate = off)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_records_search_text")
    # Left installed: another schema object may use it, and it costs nothing unused.
