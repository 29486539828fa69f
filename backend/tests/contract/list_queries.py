"""Just enough of json-server's query language, written independently of the service, for the
documented differences in `GET /<collection>?...` to recognise their requests and derive the
service's answer from json-server's."""

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from app.json_codec import js_string
from tests.contract.views import JsObject, plain
from tests.contract.wire import Request

OPERATOR_SUFFIXES = ("_gte", "_lte", "_ne", "_like")
# Parameters that slice the list, after which the answer no longer holds every match.
SLICING_PARAMETERS = ("_page", "_limit", "_start", "_end")
MAX_LIKE_PATTERN = 512
MAX_LIKE_REPETITION = 255
# qs 6.11 (json-server's lockfile) reads `a[n]=` as an array item up to n = 20; express 4.22
# makes today's qs do so up to n = 999.
QS_611_ARRAY_LIMIT = 20
EXPRESS_ARRAY_LIMIT = 1000

ABSENT = object()
_INDEX = re.compile(r"0|[1-9][0-9]*")
_BRACKET_INDEX = re.compile(r"\[(0|[1-9][0-9]*)\]")
_NAMELESS = re.compile(r"\[(0|[1-9][0-9]*)?\]")
_REPETITION = re.compile(r"\{([0-9]+)(?:,([0-9]*))?\}")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Outside a class, what reads one UTF-16 code unit in JavaScript and one character for us.
_CODE_UNIT_SENSITIVE = re.compile(r"(?<!\\)(?:\\\\)*(?:\.|\[\^|\\[DSWB])")
# `_like` patterns that Python's `re` (ASCII, ignoring case) reads as JavaScript does.
_EVALUABLE = re.compile(r"(?:[A-Za-z0-9 ^$.|()?*+\-\[\]]|\\[dDwWbB.\\])*")
_LINE_TERMINATORS = re.compile("[\n\r\u2028\u2029]")


def list_path(request: Request) -> str | None:
    """The path, lower-cased and without a trailing slash, of a GET or HEAD that may list a
    collection (`/<name>`, or nested `/<parent>/<id>/<name>`); None for any other request."""
    path = urlsplit(request.target).path.rstrip("/").lower()
    if request.method not in ("GET", "HEAD") or path.count("/") not in (1, 3):
        return None
    return path


def list_parameters(request: Request) -> list[tuple[str, str]] | None:
    """The decoded query parameters of a GET or HEAD that may list a collection; None for any
    other request."""
    if list_path(request) is None:
        return None
    return parse_qsl(urlsplit(request.target).query, keep_blank_values=True)


def values_of(parameters: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in parameters if key == name]


def is_sliced(parameters: list[tuple[str, str]]) -> bool:
    return any(key in SLICING_PARAMETERS and value for key, value in parameters)


def counts_total(parameters: list[tuple[str, str]]) -> bool:
    """Whether json-server slices the list and sends X-Total-Count: `_page`, `_end` or `_limit`
    given (`_start` alone does neither)."""
    return any(key in ("_page", "_end", "_limit") and value for key, value in parameters)


def sliced(records: list[Any], parameters: list[tuple[str, str]]) -> list[Any]:
    """The page or slice json-server answers of the whole sorted list: `_page` with `_limit`
    (10 by default), else `_start` with `_end` or `_limit`; `_start` alone slices nothing."""
    first = dict(reversed(parameters))
    page, limit, end = first.get("_page"), first.get("_limit"), first.get("_end")
    start = int(first.get("_start") or 0)
    if page:
        size = int(limit) if limit else 10
        offset = (max(int(page), 1) - 1) * size
        return records[offset : offset + size]
    if end:
        return records[start : int(end)]
    return records[start : start + int(limit)] if limit else records


def _utf16_units(text: str) -> list[str]:
    encoded = text.encode("utf-16-le", "surrogatepass")
    return [
        encoded[i : i + 2].decode("utf-16-le", "surrogatepass") for i in range(0, len(encoded), 2)
    ]


def own_value(record: Any, path: str) -> Any:
    """lodash `_.get(record, path)` through own properties only (keys, array items, string
    characters, `length`): ABSENT where json-server would reach an inherited one."""
    if isinstance(record, JsObject) and path in dict(record):
        return dict(record)[path]  # a key literally named `a.b` wins over the path
    value = record
    for segment in path.split("."):
        if isinstance(value, JsObject):
            fields = dict(value)
            if segment not in fields:
                return ABSENT
            value = fields[segment]
        elif isinstance(value, list | str):
            items = value if isinstance(value, list) else _utf16_units(value)
            if segment == "length":
                value = float(len(items))
            elif _INDEX.fullmatch(segment) and int(segment) < len(items):
                value = items[int(segment)]
            else:
                return ABSENT
        else:
            return ABSENT  # numbers, booleans and null have no own properties
    return value


def operator_paths(parameters: list[tuple[str, str]]) -> list[str]:
    """The field paths of the `_gte`, `_lte`, `_ne` and `_like` filters (never pruned)."""
    return [
        key.removesuffix(suffix)
        for key, _ in parameters
        for suffix in OPERATOR_SUFFIXES
        if key.endswith(suffix)
    ]


# -- `_like` patterns --------------------------------------------------------------------------


def like_values(parameters: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(field path, pattern) of every `_like` value, in order."""
    return [
        (key.removesuffix("_like"), value) for key, value in parameters if key.endswith("_like")
    ]


def _repeats_at(pattern: str, index: int) -> bool:
    return pattern[index : index + 1] in ("*", "+", "?") or bool(_REPETITION.match(pattern, index))


def is_refused_pattern(pattern: str) -> bool:
    """A valid JavaScript pattern the service refuses: a backreference, a repetition count above
    255, a character above U+FFFF in a class or under a quantifier, or over 512 characters."""
    if len(pattern) > MAX_LIKE_PATTERN:
        return True
    groups, named, references, named_reference = 0, False, [], False
    in_class, index = False, 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1 : index + 2]
            if not in_class and following in tuple("123456789"):
                digits = re.match(r"[0-9]+", pattern[index + 1 :])
                references.append(int(digits.group()) if digits else 0)
            named_reference = named_reference or (not in_class and following == "k")
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            if ord(char) > 0xFFFF:
                return True
        elif char == "[":
            in_class = True
        elif char == "(" and pattern.startswith("(?<", index):
            if pattern[index + 3 : index + 4] not in ("=", "!"):
                groups, named = groups + 1, True
        elif char == "(" and not pattern.startswith("(?", index):
            groups += 1
        elif ord(char) > 0xFFFF and _repeats_at(pattern, index + 1):
            return True
        elif char == "{" and (repetition := _REPETITION.match(pattern, index)):
            bounds = [int(bound) for bound in repetition.groups() if bound]
            if any(bound > MAX_LIKE_REPETITION for bound in bounds):
                return True
        index += 1
    return any(0 < reference <= groups for reference in references) or (named_reference and named)


def is_code_unit_sensitive(pattern: str) -> bool:
    """Whether the pattern reads one UTF-16 code unit where the service reads one character."""
    return bool(_CODE_UNIT_SENSITIVE.search(pattern))


def has_astral_text(record: Any, path: str) -> bool:
    text = text_at(record, path)
    return text is not None and bool(_ASTRAL.search(text))


def text_at(record: Any, path: str) -> str | None:
    """`String(value)` of the field, or None where json-server skips the record (null, missing)."""
    value = own_value(record, path)
    return None if value is ABSENT or value is None else js_string(plain(value))


def like_by_character(records: list[Any], likes: list[tuple[str, str]]) -> list[Any]:
    """The records that `_like` keeps when the text is read character by character, as the
    service reads it: values of one field combine with OR, fields with AND."""
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for path, pattern in likes:
        if not _EVALUABLE.fullmatch(pattern) or "(?" in pattern.replace("(?:", ""):
            raise AssertionError(f"the _like pattern {pattern!r} is beyond this evaluator")
        patterns.setdefault(path, []).append(re.compile(pattern, re.IGNORECASE | re.ASCII))

    def keeps(record: Any) -> bool:
        for path, compiled in patterns.items():
            text = text_at(record, path)
            if text is not None and _LINE_TERMINATORS.search(text):
                raise AssertionError(f"{path} holds a line terminator, beyond this evaluator")
            if text is None or not any(pattern.search(text) for pattern in compiled):
                return False
        return True

    return [record for record in records if keeps(record)]


# -- sorting -------------------------------------------------------------------------------------


def sort_fields(parameters: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    """(field path, descending) of `_sort`/`_order` given once each; empty otherwise."""
    sorts, orders = values_of(parameters, "_sort"), values_of(parameters, "_order")
    if len(sorts) != 1 or not sorts[0] or len(orders) > 1:
        return []
    directions = orders[0].split(",") if orders and orders[0] else []
    return [
        (field, index < len(directions) and directions[index].lower() == "desc")
        for index, field in enumerate(sorts[0].split(","))
    ]


# -- query-string forms --------------------------------------------------------------------------


def _bracketed(query: str) -> str:
    return re.sub("%5D", "]", re.sub("%5B", "[", query, flags=re.IGNORECASE), flags=re.IGNORECASE)


def _key_of(part: str) -> str:
    """A parameter's key as qs cuts it: at the `=` after a `]`, or else at the first `=`."""
    bracket_equals = part.find("]=")
    end = part.find("=") if bracket_equals < 0 else bracket_equals + 1
    return part if end < 0 else part[:end]


def _is_nameless(part: str) -> bool:
    """`[]=x` or `[n]=x` with n below 20: qs reads the field `0` or `n`; the service ignores it."""
    first = _NAMELESS.match(_key_of(part))
    return first is not None and (first.group(1) is None or int(first.group(1)) < 20)


def _large_index_as_object_key(part: str) -> str:
    key = _key_of(part)

    def rename(match: re.Match[str]) -> str:
        large = QS_611_ARRAY_LIMIT < int(match.group(1)) < EXPRESS_ARRAY_LIMIT
        return "[x]" if match.start() > 0 and large else match.group()

    return _BRACKET_INDEX.sub(rename, key) + part[len(key) :]


def _is_object_part(part: str, name: str) -> bool:
    key = _key_of(part)
    if not key.startswith(name + "["):
        return False
    first = key[len(name) :].split("]", 1)[0] + "]"
    inner = first[1:-1]
    return inner != "" and not (_INDEX.fullmatch(inner) and int(inner) <= QS_611_ARRAY_LIMIT)


def service_reading(target: str) -> str:
    """The request rewritten into forms that json-server's qs reads as the service reads the
    original: keys with no name (`[]`, `[0]` to `[19]`) dropped, array indexes from 21 to 999
    turned into an object key (as qs 6.11 reads them), and a key given once plainly and once as
    an object (`a=x&a[b]=y`) kept as the object only. Brackets come back unescaped."""
    path, _, query = target.partition("?")
    if not query:
        return path
    parts = [
        _large_index_as_object_key(part)
        for part in _bracketed(query).split("&")
        if not _is_nameless(part)
    ]
    names = {_key_of(part).split("[", 1)[0] for part in parts}
    for name in names:
        own = [part for part in parts if _key_of(part).split("[", 1)[0] == name]
        plain_parts = [part for part in own if _key_of(part) == name]
        if len(own) == 2 and len(plain_parts) == 1 and any(_is_object_part(p, name) for p in own):
            parts.remove(plain_parts[0])
    query = "&".join(parts)
    return path + "?" + query if query else path


def as_sent(target: str) -> str:
    """The target with escaped brackets unescaped, to compare with `service_reading`."""
    path, mark, query = target.partition("?")
    return path + mark + _bracketed(query) if query else path
