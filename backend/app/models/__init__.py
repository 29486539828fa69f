"""Database models; importing this package registers every table on the metadata."""

from app.models.base import Base
from app.models.collection import Collection
from app.models.collection_version import CollectionVersion
from app.models.record import Record

__all__ = ["Base", "Collection", "CollectionVersion", "Record"]
