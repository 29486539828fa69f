"""V8's `Array.prototype.sort` (Node 20): the TimSort of V8's `builtins/array-sort.tq`.

It is a port of CPython's original listsort (binary insertion sort for short runs, minrun from
the six most significant bits, galloping merges, the fixed merge_collapse invariants). Python's
own `sorted` is not used: since 3.11 it merges runs in powersort order, which gives another
result whenever the comparison is not a consistent order, as lodash's is not across types.
"""

from collections.abc import Callable, MutableSequence
from typing import Generic, TypeVar

T = TypeVar("T")
Compare = Callable[[T, T], float]

_MIN_GALLOP = 7


def sort_in_place(items: MutableSequence[T], compare: Compare[T]) -> None:
    """`items.sort(compare)`; `compare(a, b) < 0` puts `a` before `b`."""
    _TimSort(items, compare).sort()


def _minimum_run_length(n: int) -> int:
    low_bits = 0
    while n >= 64:
        low_bits |= n & 1
        n >>= 1
    return n + low_bits


class _TimSort(Generic[T]):
    def __init__(self, items: MutableSequence[T], compare: Compare[T]) -> None:
        self.items = items
        self.compare = compare
        self.min_gallop = _MIN_GALLOP
        self.runs: list[list[int]] = []  # [base, length]

    def less(self, left: T, right: T) -> bool:
        return self.compare(left, right) < 0

    def sort(self) -> None:
        remaining = len(self.items)
        if remaining < 2:
            return
        low = 0
        min_run = _minimum_run_length(remaining)
        while remaining:
            run_length = self.count_and_make_run(low, low + remaining)
            if run_length < min_run:
                forced = min(min_run, remaining)
                self.binary_insertion_sort(low, low + forced, low + run_length)
                run_length = forced
            self.runs.append([low, run_length])
            self.merge_collapse()
            low += run_length
            remaining -= run_length
        while len(self.runs) > 1:
            n = len(self.runs) - 2
            if n > 0 and self.runs[n - 1][1] < self.runs[n + 1][1]:
                n -= 1
            self.merge_at(n)

    def binary_insertion_sort(self, low: int, high: int, start: int) -> None:
        items = self.items
        if start == low:
            start += 1
        for start in range(start, high):  # noqa: B020 - the loop continues from `start`
            left, right = low, start
            pivot = items[start]
            while left < right:
                middle = left + ((right - left) >> 1)
                if self.less(pivot, items[middle]):
                    right = middle
                else:
                    left = middle + 1
            items[left + 1 : start + 1] = items[left:start]
            items[left] = pivot

    def count_and_make_run(self, low: int, high: int) -> int:
        items = self.items
        if low + 1 == high:
            return 1
        descending = self.less(items[low + 1], items[low])
        end = low + 2
        while end < high and self.less(items[end], items[end - 1]) == descending:
            end += 1
        if descending:
            items[low:end] = items[low:end][::-1]
        return end - low

    def merge_collapse(self) -> None:
        runs = self.runs
        while len(runs) > 1:
            n = len(runs) - 2
            if (n > 0 and runs[n - 1][1] <= runs[n][1] + runs[n + 1][1]) or (
                n > 1 and runs[n - 2][1] <= runs[n - 1][1] + runs[n][1]
            ):
                if runs[n - 1][1] < runs[n + 1][1]:
                    n -= 1
                self.merge_at(n)
            elif runs[n][1] <= runs[n + 1][1]:
                self.merge_at(n)
            else:
                break

    def merge_at(self, i: int) -> None:
        items = self.items
        base_a, length_a = self.runs[i]
        base_b, length_b = self.runs[i + 1]
        self.runs[i][1] = length_a + length_b
        del self.runs[i + 1]
        k = self.gallop_right(items[base_b], items, base_a, length_a, 0)
        base_a += k
        length_a -= k
        if length_a == 0:
            return
        length_b = self.gallop_left(
            items[base_a + length_a - 1], items, base_b, length_b, length_b - 1
        )
        if length_b == 0:
            return
        if length_a <= length_b:
            self.merge_low(base_a, length_a, base_b, length_b)
        else:
            self.merge_high(base_a, length_a, base_b, length_b)

    def gallop_left(self, key: T, array: MutableSequence[T], base: int, n: int, hint: int) -> int:
        """Where `key` goes in the sorted `array[base:base+n]`, before any equal element."""
        last_offset, offset = 0, 1
        if self.less(array[base + hint], key):
            max_offset = n - hint
            while offset < max_offset and self.less(array[base + hint + offset], key):
                last_offset, offset = offset, (offset << 1) + 1
            offset = min(offset, max_offset)
            last_offset, offset = last_offset + hint, offset + hint
        else:
            max_offset = hint + 1
            while offset < max_offset and not self.less(array[base + hint - offset], key):
                last_offset, offset = offset, (offset << 1) + 1
            offset = min(offset, max_offset)
            last_offset, offset = hint - offset, hint - last_offset
        last_offset += 1
        while last_offset < offset:
            middle = last_offset + ((offset - last_offset) >> 1)
            if self.less(array[base + middle], key):
                last_offset = middle + 1
            else:
                offset = middle
        return offset

    def gallop_right(self, key: T, array: MutableSequence[T], base: int, n: int, hint: int) -> int:
        """Where `key` goes in the sorted `array[base:base+n]`, after any equal element."""
        last_offset, offset = 0, 1
        if self.less(key, array[base + hint]):
            max_offset = hint + 1
            while offset < max_offset and self.less(key, array[base + hint - offset]):
                last_offset, offset = offset, (offset << 1) + 1
            offset = min(offset, max_offset)
            last_offset, offset = hint - offset, hint - last_offset
        else:
            max_offset = n - hint
            while offset < max_offset and not self.less(key, array[base + hint + offset]):
                last_offset, offset = offset, (offset << 1) + 1
            offset = min(offset, max_offset)
            last_offset, offset = last_offset + hint, offset + hint
        last_offset += 1
        while last_offset < offset:
            middle = last_offset + ((offset - last_offset) >> 1)
            if self.less(key, array[base + middle]):
                offset = middle
            else:
                last_offset = middle + 1
        return offset

    def merge_low(self, base_a: int, length_a: int, base_b: int, length_b: int) -> None:
        """Merge adjacent runs (`length_a <= length_b`) from the left."""
        items = self.items
        temp = list(items[base_a : base_a + length_a])
        dest, cursor_temp, cursor_b = base_a, 0, base_b
        items[dest] = items[cursor_b]
        dest += 1
        cursor_b += 1
        length_b -= 1
        if length_b == 0:
            items[dest : dest + length_a] = temp[cursor_temp : cursor_temp + length_a]
            return
        if length_a == 1:
            items[dest : dest + length_b] = items[cursor_b : cursor_b + length_b]
            items[dest + length_b] = temp[cursor_temp]
            return
        min_gallop = self.min_gallop
        while True:
            wins_a = wins_b = 0
            while True:
                if self.less(items[cursor_b], temp[cursor_temp]):
                    items[dest] = items[cursor_b]
                    dest, cursor_b, length_b = dest + 1, cursor_b + 1, length_b - 1
                    wins_b, wins_a = wins_b + 1, 0
                    if length_b == 0:
                        break
                    if wins_b >= min_gallop:
                        break
                else:
                    items[dest] = temp[cursor_temp]
                    dest, cursor_temp, length_a = dest + 1, cursor_temp + 1, length_a - 1
                    wins_a, wins_b = wins_a + 1, 0
                    if length_a == 1:
                        break
                    if wins_a >= min_gallop:
                        break
            if length_b == 0 or length_a == 1:
                break
            min_gallop += 1
            while True:
                min_gallop -= min_gallop > 1
                self.min_gallop = min_gallop
                wins_a = self.gallop_right(items[cursor_b], temp, cursor_temp, length_a, 0)
                if wins_a:
                    items[dest : dest + wins_a] = temp[cursor_temp : cursor_temp + wins_a]
                    dest, cursor_temp, length_a = (
                        dest + wins_a,
                        cursor_temp + wins_a,
                        length_a - wins_a,
                    )
                    if length_a <= 1:
                        break
                items[dest] = items[cursor_b]
                dest, cursor_b, length_b = dest + 1, cursor_b + 1, length_b - 1
                if length_b == 0:
                    break
                wins_b = self.gallop_left(temp[cursor_temp], items, cursor_b, length_b, 0)
                if wins_b:
                    items[dest : dest + wins_b] = items[cursor_b : cursor_b + wins_b]
                    dest, cursor_b, length_b = dest + wins_b, cursor_b + wins_b, length_b - wins_b
                    if length_b == 0:
                        break
                items[dest] = temp[cursor_temp]
                dest, cursor_temp, length_a = dest + 1, cursor_temp + 1, length_a - 1
                if length_a == 1:
                    break
                if wins_a < _MIN_GALLOP and wins_b < _MIN_GALLOP:
                    break
            if length_b == 0 or length_a <= 1:
                break
            min_gallop += 1
            self.min_gallop = min_gallop
        if length_a == 1:  # the last element of run A goes after what is left of run B
            items[dest : dest + length_b] = items[cursor_b : cursor_b + length_b]
            items[dest + length_b] = temp[cursor_temp]
        elif length_a:
            items[dest : dest + length_a] = temp[cursor_temp : cursor_temp + length_a]

    def merge_high(self, base_a: int, length_a: int, base_b: int, length_b: int) -> None:
        """Merge adjacent runs (`length_a > length_b`) from the right."""
        items = self.items
        temp = list(items[base_b : base_b + length_b])
        dest, cursor_a, cursor_temp = base_b + length_b - 1, base_a + length_a - 1, length_b - 1
        items[dest] = items[cursor_a]
        dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
        if length_a and length_b > 1:
            length_a, length_b, dest, cursor_a, cursor_temp = self._merge_high_loop(
                temp, base_a, length_a, length_b, dest, cursor_a, cursor_temp
            )
        if length_b == 1 and length_a:  # run A's rest goes before the first element of run B
            dest, cursor_a = dest - length_a, cursor_a - length_a
            items[dest + 1 : dest + 1 + length_a] = items[cursor_a + 1 : cursor_a + 1 + length_a]
            items[dest] = temp[cursor_temp]
        elif length_b:
            items[dest - (length_b - 1) : dest + 1] = temp[:length_b]

    def _merge_high_loop(
        self,
        temp: list[T],
        base_a: int,
        length_a: int,
        length_b: int,
        dest: int,
        cursor_a: int,
        cursor_temp: int,
    ) -> tuple[int, int, int, int, int]:
        items = self.items
        min_gallop = self.min_gallop
        while True:
            wins_a = wins_b = 0
            while True:
                if self.less(temp[cursor_temp], items[cursor_a]):
                    items[dest] = items[cursor_a]
                    dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
                    wins_a, wins_b = wins_a + 1, 0
                    if length_a == 0 or wins_a >= min_gallop:
                        break
                else:
                    items[dest] = temp[cursor_temp]
                    dest, cursor_temp, length_b = dest - 1, cursor_temp - 1, length_b - 1
                    wins_b, wins_a = wins_b + 1, 0
                    if length_b == 1 or wins_b >= min_gallop:
                        break
            if length_a == 0 or length_b == 1:
                return length_a, length_b, dest, cursor_a, cursor_temp
            min_gallop += 1
            while True:
                min_gallop -= min_gallop > 1
                self.min_gallop = min_gallop
                wins_a = length_a - self.gallop_right(
                    temp[cursor_temp], items, base_a, length_a, length_a - 1
                )
                if wins_a:
                    dest, cursor_a, length_a = dest - wins_a, cursor_a - wins_a, length_a - wins_a
                    items[dest + 1 : dest + 1 + wins_a] = items[
                        cursor_a + 1 : cursor_a + 1 + wins_a
                    ]
                    if length_a == 0:
                        return length_a, length_b, dest, cursor_a, cursor_temp
                items[dest] = temp[cursor_temp]
                dest, cursor_temp, length_b = dest - 1, cursor_temp - 1, length_b - 1
                if length_b == 1:
                    return length_a, length_b, dest, cursor_a, cursor_temp
                wins_b = length_b - self.gallop_left(
                    items[cursor_a], temp, 0, length_b, length_b - 1
                )
                if wins_b:
                    dest, cursor_temp = dest - wins_b, cursor_temp - wins_b
                    length_b -= wins_b
                    items[dest + 1 : dest + 1 + wins_b] = temp[
                        cursor_temp + 1 : cursor_temp + 1 + wins_b
                    ]
                    if length_b <= 1:
                        return length_a, length_b, dest, cursor_a, cursor_temp
                items[dest] = items[cursor_a]
                dest, cursor_a, length_a = dest - 1, cursor_a - 1, length_a - 1
                if length_a == 0:
                    return length_a, length_b, dest, cursor_a, cursor_temp
                if wins_a < _MIN_GALLOP and wins_b < _MIN_GALLOP:
                    break
            min_gallop += 1
            self.min_gallop = min_gallop
