"""How many records of a collection have a top-level field: the sum of its 16 counters, which
triggers adjust with every statement that writes records (migration 0008)."""

from sqlalchemy import BigInteger, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CollectionField(Base):
    __tablename__ = "collection_fields"

    collection: Mapped[str] = mapped_column(Text, primary_key=True)
    field: Mapped[str] = mapped_column(Text, primary_key=True)
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    records: Mapped[int] = mapped_column(BigInteger)
