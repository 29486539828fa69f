"""Database models; importing this package registers every table on the metadata."""

from app.models.base import Base
from app.models.collection_version import CollectionVersion
from app.models.patient import Patient

__all__ = ["Base", "CollectionVersion", "Patient"]
