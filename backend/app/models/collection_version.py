"""Each collection's version: bumped by a trigger on every statement that changes the
collection, so a cached answer can be checked against it (migration 0003)."""

from sqlalchemy import BigInteger, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CollectionVersion(Base):
    __tablename__ = "collection_versions"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
