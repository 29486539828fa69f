"""Per-process reuse of answers, exact by construction.

Each answer is stored with the versions of the collections it was computed from (read in the
same snapshot as the answer). It is served again only after PostgreSQL confirms that these
versions are still the current ones; every committed write bumps its collection's version in
the writer's own transaction (migrations 0003 and 0005), so a reused answer is always what the
query would return now, on every worker and every instance, and a write to one collection
leaves the answers of the others reusable. Concurrent requests share one version read
(`CoalescedRead`), so under load most answers cost no query of their own.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.etag import weak_etag


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes  # the JSON text, as sent
    total: int | None = None  # a list's filtered count before slicing, when asked for
    # For the audit log: how many records the answer holds (None: one, or unknown) and the
    # `seq`s of the records (a list's only up to AUDIT_LIST_SEQS of them).
    count: int | None = None
    seqs: tuple[int, ...] = ()
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", weak_etag(self.body))


T = TypeVar("T")
# What an entry costs besides its body and its key's text: the dict slot, the entry, the
# answer, its ETag, and the objects a parsed query is made of (measured: 20,000 distinct
# queries with empty answers take about 1 KB each on top of their field names).
ENTRY_OVERHEAD_BYTES = 1024


def entry_cost(key: Hashable, answer: Answer) -> int:
    """The bytes an entry is charged: its body, its key (as text, which every string inside
    the key is part of) and the fixed overhead. An empty answer is not free."""
    return len(answer.body) + len(repr(key)) + ENTRY_OVERHEAD_BYTES


@dataclass(frozen=True, slots=True)
class _Entry:
    version: Hashable
    answer: Answer
    cost: int


class AnswerCache:
    """Least-recently-used answers by key, within a byte budget and a number of entries (0
    turns it off). The budget counts keys and per-entry overhead, not only bodies."""

    def __init__(self, max_bytes: int, max_entries: int = 20_000) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0

    @property
    def accounted_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, version: Hashable) -> Answer | None:
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

    def put(self, key: Hashable, version: Hashable, answer: Answer) -> None:
        if self.max_entries == 0 or len(answer.body) > self.max_bytes:
            return
        cost = entry_cost(key, answer)
        if cost > self.max_bytes:
            return
        self._discard(key)
        while self._entries and (
            self._bytes + cost > self.max_bytes or len(self._entries) >= self.max_entries
        ):
            self._discard(next(iter(self._entries)))
        self._entries[key] = _Entry(version, answer, cost)
        self._bytes += cost

    def _discard(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.cost


class CoalescedRead(Generic[T]):
    """One read shared by every caller waiting for it. A caller always gets the result of a
    read that started after it asked, so it sees every write committed before it asked."""

    def __init__(self, read: Callable[[], Awaitable[T]]) -> None:
        self._read = read
        self._next: asyncio.Future[T] | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self) -> T:
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            # Retrieved here too, so a failure nobody waits for any more is not reported.
            self._next.add_done_callback(lambda done: done.cancelled() or done.exception())
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._run())
        # Shielded: a caller that goes away must not cancel the read the others wait for.
        return await asyncio.shield(self._next)

    async def _run(self) -> None:
        try:
            while self._next is not None:
                waiting, self._next = self._next, None
                try:
                    waiting.set_result(await self._read())
                except Exception as exc:
                    waiting.set_exception(exc)
        finally:
            self._task = None


class SingleFlight:
    """One computation per key at a time, shared by every caller asking meanwhile.

    A caller that joins a computation started before it asked takes the result only if it
    was computed at the version the caller read after asking; otherwise it computes afresh.
    The computation runs as its own task, so a caller that goes away cancels nothing.
    """

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[tuple[Hashable, Answer]]] = {}

    async def run(
        self,
        key: Hashable,
        compute: Callable[[], Awaitable[tuple[Hashable, Answer]]],
        current_version: Hashable,
    ) -> Answer:
        running = self._running.get(key)
        if running is not None:
            version, answer = await asyncio.shield(running)
            if version == current_version:
                return answer
        task = asyncio.get_running_loop().create_task(self._compute(compute))
        self._running[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return (await asyncio.shield(task))[1]

    @staticmethod
    async def _compute(
        compute: Callable[[], Awaitable[tuple[Hashable, Answer]]],
    ) -> tuple[Hashable, Answer]:
        return await compute()

    def _forget(self, key: Hashable, task: asyncio.Task[tuple[Hashable, Answer]]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: a failure nobody waits for any more is not reported
