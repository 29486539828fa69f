"""`_page`/`_limit` and `_start`/`_end`/`_limit` as json-server computes them (JavaScript
`parseInt` and slice semantics), and the `Link` header it builds for pages."""

import re
from dataclasses import dataclass

from app.javascript.values import JS_WHITESPACE, parse_int

DEFAULT_PAGE_SIZE = 10

_LEADING_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class Window:
    """The records to return, as JavaScript `array.slice(start, end)` bounds over the filtered,
    sorted list; negative bounds count from its end."""

    start: int
    end: int

    def bounds(self, total: int) -> tuple[int, int]:
        """(offset, count) of the slice over a list of `total` records."""
        start = max(total + self.start, 0) if self.start < 0 else min(self.start, total)
        end = max(total + self.end, 0) if self.end < 0 else min(self.end, total)
        return start, max(end - start, 0)


@dataclass(frozen=True, slots=True)
class Page:
    """Page mode (`_page`): the page number and size after json-server's defaults."""

    number: int
    size: int

    @property
    def window(self) -> Window:
        return Window((self.number - 1) * self.size, self.number * self.size)


# parseInt's result is a double: beyond one it is +-Infinity, which every window bound clamps
# anyway; this integer stands for it, so that window arithmetic stays in integers.
_INFINITY: int = 10**400


def leading_integer_digits(text: str) -> int:
    """How many digits `parseInt(text, 10)` reads."""
    match = _LEADING_INTEGER.match(text.lstrip(JS_WHITESPACE))
    return 0 if match is None else len(match.group().lstrip("+-"))


def js_parse_int(text: str) -> int | None:
    """JavaScript `parseInt(text, 10)` as a window bound: the leading integer (Infinity as a
    very large one), or None for NaN."""
    number = parse_int(text)
    if number is None or isinstance(number, int):
        return number
    return _INFINITY if number > 0 else -_INFINITY


def page_links(page: Page, total: int) -> dict[str, int]:
    """The page numbers json-server links to (`first`, `prev`, `next`, `last`, in that order)."""
    _, count = page.window.bounds(total)
    if count == 0:
        return {}
    links: dict[str, int] = {}
    whole_list = count == total
    if not whole_list:
        links["first"] = 1
    if page.number > 1:
        links["prev"] = page.number - 1
    if page.window.end < total:
        links["next"] = page.number + 1
    if not whole_list:
        last = -(-total // page.size)  # Math.ceil(total / size), also for a negative size
        if last:
            links["last"] = last
    return links


def link_header(page: Page, total: int, host: str | None, original_url: str) -> str:
    """json-server's `Link` value: the request URL as sent, with the first `page=<n>` replaced
    by each linked page; empty when there is nothing to link."""
    full_url = f"http://{host}{original_url}" if host else f"http:{original_url}"
    current = f"page={page.number}"
    return ", ".join(
        f'<{full_url.replace(current, f"page={target}", 1)}>; rel="{rel}"'
        for rel, target in page_links(page, total).items()
    )
