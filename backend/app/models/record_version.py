"""Every version of every record and singular resource, kept by triggers in the writer's
transaction (migration 0007): what it held, which operation made it, when, and the identity of
the request (NULL for a write from outside the service; `db_user` is always set). A DELETE's
version keeps the last content. `record_id` is `String(id)`, NULL for a singular resource."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.record import JsonText


class RecordVersion(Base):
    __tablename__ = "record_versions"

    entry: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    collection: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(Text)
    record_seq: Mapped[int | None] = mapped_column(BigInteger)  # records.seq when it was written
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per record
    operation: Mapped[str] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(JsonText())
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    request_id: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)  # an authenticated user, once there is one
    client_addr: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)
    db_user: Mapped[str] = mapped_column(Text, server_default=text("SESSION_USER"))
    restored_from: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("operation IN ('insert', 'update', 'delete')", name="operation"),
        Index(
            "uq_record_versions_record_version",
            "collection",
            "record_id",
            "version",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_record_versions_collection_entry", "collection", "entry"),
        Index("ix_record_versions_record_seq", "record_seq"),
        Index("ix_record_versions_request_id", "request_id"),
    )
