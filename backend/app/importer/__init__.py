"""The db.json importer: every top-level key of a json-server db.json moved into PostgreSQL,
validated first (no database), written in one transaction, then read back and verified record
by record. The file is streamed, so memory stays bounded by a batch whatever its size.

`reading` walks the file; `validation` holds every rule; `writing` is the transaction;
`verification` reads the database back; `report` says what happened.
"""

from app.importer.migration import migrate
from app.importer.options import ImportOptions, Mode
from app.importer.report import MigrationReport, Outcome, render
from app.importer.validation import Problem, Validation, validate, validate_file

__all__ = [
    "ImportOptions",
    "MigrationReport",
    "Mode",
    "Outcome",
    "Problem",
    "Validation",
    "migrate",
    "render",
    "validate",
    "validate_file",
]
