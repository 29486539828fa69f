"""Each collection's version, the sum of its 16 counters: a trigger bumps one on every statement
that changes the collection, so a reused answer can be checked against it (migrations 0003 and
0005); the sum of `records` is how many records it holds."""

from sqlalchemy import BigInteger, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CollectionVersion(Base):
    __tablename__ = "collection_versions"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    stripe: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # one of 16 counters
    version: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(BigInteger, server_default="0")  # inserted - deleted
