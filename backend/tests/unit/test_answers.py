"""Reused answers: only at the version they were computed at, within a budget; and version
reads shared by concurrent callers."""

import asyncio
from collections.abc import Iterator

import pytest

from app.answers import (
    ENTRY_OVERHEAD_BYTES,
    Answer,
    AnswerCache,
    CoalescedRead,
    SingleFlight,
    entry_cost,
)


def answer(size: int) -> Answer:
    return Answer(b"x" * size)


def test_an_answer_is_reused_only_at_its_version() -> None:
    cache = AnswerCache(budget_for(10))
    cache.put("q", 7, answer(10))
    assert cache.get("q", 7) == answer(10)
    assert cache.get("q", 8) is None
    assert "q" not in cache  # a stale answer is dropped, not kept


def budget_for(*sizes: int) -> int:
    """The byte budget that holds exactly answers of these sizes under one-letter keys."""
    return sum(entry_cost("k", answer(size)) for size in sizes)


def test_least_recently_used_answers_leave_first_when_the_budget_is_full() -> None:
    cache = AnswerCache(budget_for(40, 40))
    cache.put("a", 1, answer(40))
    cache.put("b", 1, answer(40))
    assert cache.get("a", 1) is not None  # "b" is now the least recently used
    cache.put("c", 1, answer(40))
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_an_answer_larger_than_the_budget_is_not_kept() -> None:
    cache = AnswerCache(budget_for(100))
    cache.put("big", 1, answer(101))
    assert "big" not in cache


def test_a_zero_budget_keeps_nothing() -> None:
    cache = AnswerCache(0)
    cache.put("q", 1, answer(1))
    assert "q" not in cache


def test_replacing_an_answer_keeps_the_byte_count_right() -> None:
    cache = AnswerCache(budget_for(60, 40))
    cache.put("q", 1, answer(60))
    cache.put("q", 2, answer(60))
    cache.put("r", 2, answer(40))
    assert cache.get("q", 2) is not None
    assert cache.get("r", 2) is not None
    assert cache.accounted_bytes == budget_for(60, 40)


def test_empty_answers_under_distinct_long_keys_stay_within_the_budget() -> None:
    # A flood of distinct queries (2 KB field names) with empty answers: the keys and the
    # per-entry overhead are what fill memory, so they are what the budget counts.
    cache = AnswerCache(1024 * 1024, max_entries=20_000)
    for number in range(20_000):
        cache.put(("list", f"{number:05d}" + "f" * 2048), 1, Answer(b"[]"))
        assert cache.accounted_bytes <= cache.max_bytes
    assert len(cache) <= 1024 * 1024 // (2048 + ENTRY_OVERHEAD_BYTES)
    assert len(cache) > 0


def test_the_number_of_entries_is_capped() -> None:
    cache = AnswerCache(1024 * 1024 * 1024, max_entries=50)
    for number in range(1_000):
        cache.put(number, 1, Answer(b"[]"))
    assert len(cache) == 50
    assert 999 in cache  # the most recent ones stay
    assert 949 not in cache


def test_the_accounted_size_grows_with_the_key_not_only_the_body() -> None:
    short, long = ("list", "a"), ("list", "a" * 10_000)
    assert entry_cost(long, Answer(b"[]")) - entry_cost(short, Answer(b"[]")) >= 9_999


def test_an_answer_carries_the_express_etag_of_its_body() -> None:
    assert Answer(b"{}").etag == 'W/"2-vyGp6PvFo4RvsFtPoIWeCReyIC8"'


async def _gather_reads(read: CoalescedRead[int], callers: int) -> list[int]:
    return list(await asyncio.gather(*(read() for _ in range(callers))))


def test_concurrent_callers_share_one_read() -> None:
    calls = 0

    async def read() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return calls

    assert asyncio.run(_gather_reads(CoalescedRead(read), 20)) == [1] * 20
    assert calls == 1


def test_a_caller_arriving_during_a_read_gets_a_later_read() -> None:
    async def scenario() -> tuple[int, int]:
        started = 0

        async def read() -> int:
            nonlocal started
            started += 1
            mine = started
            await asyncio.sleep(0.02)
            return mine

        shared = CoalescedRead(read)
        first = asyncio.create_task(shared())
        await asyncio.sleep(0.005)  # the first read is under way: a new caller must not join it
        second = await shared()
        return await first, second

    assert asyncio.run(scenario()) == (1, 2)


def test_a_failed_read_fails_its_callers_and_the_next_read_starts_afresh() -> None:
    results: Iterator[RuntimeError | int] = iter([RuntimeError("down"), 5])

    async def read() -> int:
        outcome = next(results)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def scenario() -> int:
        shared = CoalescedRead(read)
        with pytest.raises(RuntimeError):
            await shared()
        return await shared()

    assert asyncio.run(scenario()) == 5


def test_a_cancelled_caller_does_not_cancel_the_read_of_the_others() -> None:
    async def read() -> int:
        await asyncio.sleep(0.02)
        return 9

    async def scenario() -> int:
        shared = CoalescedRead(read)
        leaving = asyncio.create_task(shared())
        staying = asyncio.create_task(shared())
        await asyncio.sleep(0.005)
        leaving.cancel()
        return await staying

    assert asyncio.run(scenario()) == 9


def test_concurrent_misses_share_one_computation() -> None:
    computed = 0

    async def compute() -> tuple[int, Answer]:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.01)
        return 3, Answer(b"[]")

    async def scenario() -> list[Answer]:
        flights = SingleFlight()
        return list(await asyncio.gather(*(flights.run("q", compute, 3) for _ in range(10))))

    assert asyncio.run(scenario()) == [Answer(b"[]")] * 10
    assert computed == 1


def test_a_joiner_computes_afresh_when_the_version_moved_meanwhile() -> None:
    computed = 0
    current = 1

    async def compute() -> tuple[int, Answer]:
        nonlocal computed
        computed += 1
        version = current
        await asyncio.sleep(0.01)
        return version, Answer(str(version).encode())

    async def scenario() -> tuple[Answer, Answer]:
        nonlocal current
        flights = SingleFlight()
        first = asyncio.create_task(flights.run("q", compute, current))
        await asyncio.sleep(0.001)
        current = 2  # a write committed after the first computation began
        second = await flights.run("q", compute, current)
        return await first, second

    assert asyncio.run(scenario()) == (Answer(b"1"), Answer(b"2"))
    assert computed == 2


def test_a_departing_caller_leaves_the_computation_to_the_others() -> None:
    async def compute() -> tuple[int, Answer]:
        await asyncio.sleep(0.02)
        return 1, Answer(b"[1]")

    async def scenario() -> Answer:
        flights = SingleFlight()
        leaving = asyncio.create_task(flights.run("q", compute, 1))
        staying = asyncio.create_task(flights.run("q", compute, 1))
        await asyncio.sleep(0.005)
        leaving.cancel()
        return await staying

    assert asyncio.run(scenario()) == Answer(b"[1]")


def test_a_failed_computation_fails_every_caller() -> None:
    async def compute() -> tuple[int, Answer]:
        await asyncio.sleep(0.01)
        raise ValueError("bad query")

    async def version() -> int:
        return 1

    async def scenario() -> list[BaseException | Answer]:
        flights = SingleFlight()
        runs = (flights.run("q", compute, version) for _ in range(3))
        return list(await asyncio.gather(*runs, return_exceptions=True))

    assert all(isinstance(outcome, ValueError) for outcome in asyncio.run(scenario()))
