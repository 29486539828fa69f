"""What an import run is asked to do: its mode, and the flags that change it."""

from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    EMPTY_ONLY = "empty-only"  # load into an empty database (or add new collections)
    REPLACE = "replace"  # replace the database (or the chosen collections) with the file
    SKIP_EXISTING = "skip-existing"  # add what is not there, keep what is
    VERIFY_ONLY = "verify-only"  # compare the database with the file, write nothing


@dataclass(frozen=True, slots=True)
class ImportOptions:
    mode: Mode = Mode.EMPTY_ONLY
    dry_run: bool = False
    assign_missing_ids: bool = False
    only: tuple[str, ...] = ()  # the run is restricted to these top-level keys of the file

    def selects(self, name: str) -> bool:
        return not self.only or name in self.only

    @property
    def whole_database(self) -> bool:
        """The run is about the whole database, not some of its collections."""
        return not self.only
