"""The list cache: answers reused only at the version they were computed at, within a budget."""

from app.services.list_cache import ListAnswer, ListCache


def answer(size: int) -> ListAnswer:
    return ListAnswer(b"x" * size, None)


def test_an_answer_is_reused_only_at_its_version() -> None:
    cache = ListCache(1000)
    cache.put("q", 7, answer(10))
    assert cache.get("q", 7) == answer(10)
    assert cache.get("q", 8) is None
    assert "q" not in cache  # a stale answer is dropped, not kept


def test_least_recently_used_answers_leave_first_when_the_budget_is_full() -> None:
    cache = ListCache(100)
    cache.put("a", 1, answer(40))
    cache.put("b", 1, answer(40))
    assert cache.get("a", 1) is not None  # "b" is now the least recently used
    cache.put("c", 1, answer(40))
    assert "b" not in cache
    assert "a" in cache
    assert "c" in cache


def test_an_answer_larger_than_the_budget_is_not_kept() -> None:
    cache = ListCache(100)
    cache.put("big", 1, answer(101))
    assert "big" not in cache


def test_a_zero_budget_keeps_nothing() -> None:
    cache = ListCache(0)
    cache.put("q", 1, answer(1))
    assert "q" not in cache


def test_replacing_an_answer_keeps_the_byte_count_right() -> None:
    cache = ListCache(100)
    cache.put("q", 1, answer(60))
    cache.put("q", 2, answer(60))
    cache.put("r", 2, answer(40))
    assert cache.get("q", 2) is not None
    assert cache.get("r", 2) is not None
