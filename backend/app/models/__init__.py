"""Database models; importing this package registers every table on the metadata."""

from app.models.audit_entry import AuditEntry
from app.models.base import Base
from app.models.collection import Collection
from app.models.collection_field import CollectionField
from app.models.collection_version import CollectionVersion
from app.models.record import Record
from app.models.record_version import RecordVersion

__all__ = [
    "AuditEntry",
    "Base",
    "Collection",
    "CollectionField",
    "CollectionVersion",
    "Record",
    "RecordVersion",
]
