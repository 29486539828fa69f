"""Reused answers: only at the version they were computed at, within a budget; and version
reads shared by concurrent callers."""

import asyncio
from collections.abc import Iterator

import pytest

from app.services.answers import Answer, AnswerCache, CoalescedRead


def answer(size: int) -> Answer:
    return Answer(b"x" * size)


def test_an_answer_is_reused_only_at_its_version() -> None:
    cache = AnswerCache(1000)
    cache.put("q", 7, answer(10))
    assert cache.get("q", 7) == answer(10)
    assert cache.get("q", 8) is None
    assert "q" not in cache  # a stale answer is dropped, not kept


def test_least_recently_used_answers_leave_first_when_the_budget_is_full() -> None:
    cache = AnswerCache(100)
    cache.put("a", 1, answer(40))
    cache.put("b", 1, answer(40))
    assert cache.get("a", 1) is not None  # "b" is now the least recently used
    cache.put("c", 1, answer(40))
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_an_answer_larger_than_the_budget_is_not_kept() -> None:
    cache = AnswerCache(100)
    cache.put("big", 1, answer(101))
    assert "big" not in cache


def test_a_zero_budget_keeps_nothing() -> None:
    cache = AnswerCache(0)
    cache.put("q", 1, answer(1))
    assert "q" not in cache


def test_replacing_an_answer_keeps_the_byte_count_right() -> None:
    cache = AnswerCache(100)
    cache.put("q", 1, answer(60))
    cache.put("q", 2, answer(60))
    cache.put("r", 2, answer(40))
    assert cache.get("q", 2) is not None
    assert cache.get("r", 2) is not None


def test_an_answer_carries_the_express_etag_of_its_body() -> None:
    assert Answer(b"{}").etag == 'W/"2-vyGp6PvFo4RvsFtPoIWeCReyIC8"'


async def _gather_reads(read: CoalescedRead, callers: int) -> list[int]:
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
