"""The audit log: one row per request that read or wrote records, append-only (PostgreSQL
refuses UPDATE, DELETE and TRUNCATE), partitioned by month (`audit_log_YYYYMM`, migration 0007).
It holds the shape of a request, never its values: the path with ids replaced, the query's
keys, the records' internal `seq` numbers (resolved to ids through `records` and
`record_versions`), and no content."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, SmallInteger, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    request_id: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    path_shape: Mapped[str] = mapped_column(Text)  # `/patients/:id`, never the id
    resource: Mapped[str | None] = mapped_column(Text)  # the collection
    status: Mapped[int] = mapped_column(SmallInteger)
    record_seqs: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    record_count: Mapped[int | None] = mapped_column(Integer)
    query_shape: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    client_addr: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_record_seqs", "record_seqs", postgresql_using="gin"),
        Index("ix_audit_log_request_id", "request_id"),
        {"postgresql_partition_by": "RANGE (at)"},
    )
    # The table has no primary key (a partitioned table's would have to include `at`); the
    # mapper only needs to tell rows apart.
    __mapper_args__ = {"primary_key": [at, request_id]}  # noqa: RUF012
