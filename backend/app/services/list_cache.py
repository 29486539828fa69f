"""Per-process reuse of list answers, exact by construction.

Each answer is stored with the collection version it was computed at (read in the same
snapshot as the answer). It is served again only after PostgreSQL confirms that version is
still the current one, which a one-row read answers; any committed write bumps the version in
its own transaction (migration 0003), so a reused answer is always what the query would return
now, on every worker and every instance.
"""

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListAnswer:
    body: bytes  # the JSON array, as sent
    total: int | None  # the filtered count before slicing, when the query asks for it


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    answer: ListAnswer


class ListCache:
    """Least-recently-used answers by query, within a byte budget (0 turns it off)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable, version: int) -> ListAnswer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != version:
            self._discard(key)
            return None
        self._entries.move_to_end(key)
        return entry.answer

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def put(self, key: Hashable, version: int, answer: ListAnswer) -> None:
        size = len(answer.body)
        if size > self.max_bytes:
            return
        self._discard(key)
        while self._entries and self._bytes + size > self.max_bytes:
            self._discard(next(iter(self._entries)))
        self._entries[key] = _Entry(version, answer)
        self._bytes += size

    def _discard(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.answer.body)
