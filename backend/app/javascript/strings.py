"""JavaScript strings in Python: UTF-16 code units and the case mapping of Node 20.

A JavaScript string is a sequence of UTF-16 code units: indexing, `length`, regular expressions
without the `u` flag and `<` all see surrogate halves. Here such a string is a Python `str` with
one character per code unit (astral characters as two surrogates), made by `utf16_units`.
"""

# Case pairs Node 20's ICU (Unicode 17) knows and Python 3.11's Unicode 14 does not: (upper, lower).
_NEWER_CASE_PAIRS: tuple[tuple[int, int], ...] = (
    (0xA7DC, 0x019B),
    (0xA7CB, 0x0264),
    (0x1C89, 0x1C8A),
    (0xA7CC, 0xA7CD),
    (0xA7CE, 0xA7CF),
    (0xA7D2, 0xA7D3),
    (0xA7D4, 0xA7D5),
    (0xA7DA, 0xA7DB),
    *((0x10D50 + i, 0x10D70 + i) for i in range(0x16)),
    *((0x16EA0 + i, 0x16EBB + i) for i in range(0x19)),
)
_TO_LOWER = dict(_NEWER_CASE_PAIRS)
_TO_UPPER = {lower: upper for upper, lower in _NEWER_CASE_PAIRS}


def utf16_units(text: str) -> str:
    """The code units JavaScript sees in `text`: each astral character becomes two surrogates."""
    if text.isascii():
        return text
    data = text.encode("utf-16-le", "surrogatepass")
    return "".join(chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2))


def from_utf16_units(units: str) -> str:
    """The inverse of `utf16_units`: surrogate pairs become one character, lone ones stay."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def to_lower_case(units: str) -> str:
    """`String.prototype.toLowerCase` on code units (Unicode's full, locale-free mapping)."""
    if units.isascii():
        return units.lower()
    return utf16_units(from_utf16_units(units).lower().translate(_TO_LOWER))


def to_upper_case(units: str) -> str:
    """`String.prototype.toUpperCase` on code units (Unicode's full, locale-free mapping)."""
    if units.isascii():
        return units.upper()
    return utf16_units(from_utf16_units(units).upper().translate(_TO_UPPER))


def compare_code_units(left: str, right: str) -> int:
    """The sign of `left < right` / `left > right` for JavaScript strings (code unit order)."""
    if left == right:
        return 0
    if left.isascii() and right.isascii():
        return -1 if left < right else 1
    left_bytes = left.encode("utf-16-be", "surrogatepass")
    right_bytes = right.encode("utf-16-be", "surrogatepass")
    return -1 if left_bytes < right_bytes else 1
