"""Every top-level key of a db.json, in its order: a plural collection (its records are rows of
`records`), a singular resource or `$schema` (their JSON text is `document`)."""

from sqlalchemy import CheckConstraint, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.record import JsonText


class Collection(Base):
    __tablename__ = "collections"

    name: Mapped[str] = mapped_column(Text, primary_key=True)  # the db.json key, as written
    position: Mapped[int] = mapped_column(Integer)  # its place in GET /db
    kind: Mapped[str] = mapped_column(Text)  # plural, singular or schema
    document: Mapped[str | None] = mapped_column(JsonText())

    __table_args__ = (
        CheckConstraint("kind IN ('plural', 'singular', 'schema')", name="kind"),
        CheckConstraint("(kind = 'plural') = (document IS NULL)", name="document"),
    )
