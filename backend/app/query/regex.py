"""`_like` patterns: JavaScript regular expressions (`new RegExp(value, "i")`, without the `u`
flag) checked and rewritten as case-sensitive PostgreSQL advanced regular expressions (`~`) that
match the same text.

Everything PostgreSQL reads differently is spelled out: letters become the set of characters
JavaScript's `i` flag treats as equal (its Canonicalize rule), `.` stops at line terminators,
`\\d`, `\\w`, `\\s` and `\\b` use JavaScript's character sets, groups do not capture. What cannot
be rewritten faithfully (backreferences, repetition counts above 255, characters outside the
Basic Multilingual Plane in a class or under a quantifier) is refused.
"""

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

MAX_PATTERN_LENGTH = 512
# Groups inside groups; deeper patterns are refused before they exhaust the translator's stack.
MAX_GROUP_DEPTH = 32
MAX_REPETITION = 255  # PostgreSQL's limit on `{n,m}`

Ranges = tuple[tuple[int, int], ...]

_DIGIT: Ranges = ((0x30, 0x39),)
_WORD: Ranges = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE: Ranges = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_LINE_TERMINATORS: Ranges = ((0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029))
_CLASS_ESCAPES: dict[str, tuple[Ranges, bool]] = {
    "d": (_DIGIT, False),
    "D": (_DIGIT, True),
    "w": (_WORD, False),
    "W": (_WORD, True),
    "s": (_SPACE, False),
    "S": (_SPACE, True),
}
_CONTROL_ESCAPES = {"f": 0x0C, "n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B}
_QUANTIFIER = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")
_GROUP_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*>")
_NEVER = "(?!)"  # matches nothing: stored text never holds U+0000


class PatternError(ValueError):
    """A `_like` pattern JavaScript rejects, or one we cannot run faithfully. The message never
    quotes the pattern."""


def _entry(code_point: int) -> str:
    """One character as a PostgreSQL regex entry, escaped unless it is an ASCII letter or digit."""
    char = chr(code_point)
    if char.isascii() and char.isalnum():
        return char
    return f"\\u{code_point:04x}" if code_point <= 0xFFFF else f"\\U{code_point:08x}"


def _canonical(code_point: int) -> int:
    """JavaScript's Canonicalize for the `i` flag without `u`: the upper case, unless that is
    several characters or maps a non-ASCII character into ASCII."""
    upper = chr(code_point).upper()
    if len(upper) != 1 or (code_point >= 128 and ord(upper) < 128):
        return code_point
    return ord(upper)


@cache
def _case_classes() -> tuple[list[int], dict[int, tuple[int, ...]]]:
    """Every BMP character that `i` makes equal to another one (sorted), and its equals."""
    members: dict[int, list[int]] = {}
    for code_point in range(1, 0x10000):
        if not 0xD800 <= code_point <= 0xDFFF:
            members.setdefault(_canonical(code_point), []).append(code_point)
    equals = {
        code_point: tuple(group)
        for group in members.values()
        if len(group) > 1
        for code_point in group
    }
    return sorted(equals), equals


def _case_closure(ranges: Ranges) -> Ranges:
    """The ranges plus every character `i` makes equal to one of them, merged and sorted."""
    folding, equals = _case_classes()
    points: set[int] = set()
    for low, high in ranges:
        start = bisect.bisect_left(folding, low)
        stop = bisect.bisect_right(folding, high)
        for code_point in folding[start:stop]:
            points.update(equals[code_point])
    merged: list[tuple[int, int]] = []
    for low, high in sorted([*ranges, *((p, p) for p in points)]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _bracket(ranges: Ranges, *, negated: bool = False) -> str:
    body = "".join(
        _entry(low) if low == high else f"{_entry(low)}-{_entry(high)}" for low, high in ranges
    )
    if not body:
        return "." if negated else _NEVER
    return f"[{'^' if negated else ''}{body}]"


_WORD_CLASS = _bracket(_WORD)
_NOT_WORD_CLASS = _bracket(_WORD, negated=True)
_ANY_BUT_LINE_TERMINATOR = _bracket(_LINE_TERMINATORS, negated=True)
_WORD_BOUNDARY = f"(?:(?<={_WORD_CLASS})(?!{_WORD_CLASS})|(?<!{_WORD_CLASS})(?={_WORD_CLASS}))"
_NOT_WORD_BOUNDARY = f"(?:(?<={_WORD_CLASS})(?={_WORD_CLASS})|(?<!{_WORD_CLASS})(?!{_WORD_CLASS}))"


@dataclass
class _ClassParts:
    """The members of one `[...]`: plain characters and ranges, and complemented escapes."""

    ranges: list[tuple[int, int]] = field(default_factory=list)
    complements: list[Ranges] = field(default_factory=list)

    def add(self, member: "int | tuple[Ranges, bool]") -> None:
        if isinstance(member, int):
            if member != 0:  # U+0000 never occurs in stored text
                self.ranges.append((member, member))
        elif member[1]:
            self.complements.append(member[0])
        else:
            self.ranges.extend(member[0])


def _count_groups(source: str) -> tuple[int, bool]:
    """(capturing groups, whether any is named), as JavaScript counts them before parsing."""
    count, named, i, in_class = 0, False, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if not source.startswith("?", i + 1):
                count += 1
            elif source.startswith("?<", i + 1) and source[i + 3 : i + 4] not in ("=", "!"):
                count += 1
                named = True
        i += 1
    return count, named


class _Translator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.i = 0
        self.depth = 0
        self.group_count, self.has_named_groups = _count_groups(source)

    # -- reading -------------------------------------------------------------------------

    def _peek(self, offset: int = 0) -> str:
        position = self.i + offset
        return self.source[position] if position < len(self.source) else ""

    def _at_quantifier(self) -> bool:
        char = self._peek()
        if char in ("*", "+", "?") and char:
            return True
        return char == "{" and _QUANTIFIER.match(self.source, self.i) is not None

    # -- grammar -------------------------------------------------------------------------

    def translate(self) -> str:
        result = self._disjunction()
        if self.i < len(self.source):
            raise PatternError("The `_like` pattern has an unmatched `)`.")
        return result

    def _disjunction(self) -> str:
        alternatives = [self._alternative()]
        while self._peek() == "|":
            self.i += 1
            alternatives.append(self._alternative())
        return "|".join(alternatives)

    def _alternative(self) -> str:
        terms: list[str] = []
        while self.i < len(self.source) and self._peek() not in ("|", ")"):
            terms.append(self._term())
        return "".join(terms)

    def _term(self) -> str:
        char = self._peek()
        if char in ("^", "$"):
            self.i += 1
            return self._unquantifiable(char)
        if char == "\\" and self._peek(1) in ("b", "B"):
            self.i += 2
            boundary = _WORD_BOUNDARY if self._peek(-1) == "b" else _NOT_WORD_BOUNDARY
            return self._unquantifiable(boundary)
        if char == "(":
            return self._group()
        if char in ("*", "+", "?") or (char == "{" and self._at_quantifier()):
            raise PatternError("The `_like` pattern has a quantifier with nothing to repeat.")
        if char == ")":
            raise PatternError("The `_like` pattern has an unmatched `)`.")
        if char == ".":
            self.i += 1
            return self._quantified(_ANY_BUT_LINE_TERMINATOR)
        if char == "[":
            return self._quantified(self._character_class())
        if char == "\\":
            return self._quantified(self._atom_escape())
        self.i += 1
        return self._quantified(self._literal(ord(char)))

    def _unquantifiable(self, atom: str) -> str:
        if self._at_quantifier():
            raise PatternError("The `_like` pattern has a quantifier with nothing to repeat.")
        return atom

    def _literal(self, code_point: int) -> str:
        if code_point == 0:
            return _NEVER
        if code_point > 0xFFFF and self._at_quantifier():
            raise PatternError(
                "A `_like` pattern cannot repeat a character outside the Basic Multilingual "
                "Plane (JavaScript repeats half of it)."
            )
        equals = _case_closure(((code_point, code_point),))
        return (
            _entry(code_point)
            if len(equals) == 1 and equals[0][0] == equals[0][1]
            else _bracket(equals)
        )

    def _quantifier(self) -> tuple[int, int | None] | None:
        char = self._peek()
        if char == "*":
            self.i += 1
            bounds: tuple[int, int | None] = (0, None)
        elif char == "+":
            self.i += 1
            bounds = (1, None)
        elif char == "?":
            self.i += 1
            bounds = (0, 1)
        elif char == "{" and (match := _QUANTIFIER.match(self.source, self.i)):
            self.i = match.end()
            low = int(match.group(1))
            high = (
                low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            )
            if high is not None and high < low:
                raise PatternError("The `_like` pattern has a `{}` quantifier out of order.")
            if low > MAX_REPETITION or (high or 0) > MAX_REPETITION:
                raise PatternError(
                    f"A `_like` pattern cannot repeat anything more than {MAX_REPETITION} times."
                )
            bounds = (low, high)
        else:
            return None
        if self._peek() == "?":
            self.i += 1  # lazy or greedy, the same strings match somewhere
        if self._at_quantifier():
            raise PatternError("The `_like` pattern has a quantifier with nothing to repeat.")
        return bounds

    def _quantified(self, atom: str) -> str:
        bounds = self._quantifier()
        if bounds is None:
            return atom
        low, high = bounds
        if (low, high) == (0, None):
            suffix = "*"
        elif (low, high) == (1, None):
            suffix = "+"
        elif (low, high) == (0, 1):
            suffix = "?"
        elif high is None:
            suffix = f"{{{low},}}"
        elif low == high:
            suffix = f"{{{low}}}"
        else:
            suffix = f"{{{low},{high}}}"
        return f"(?:{atom}){suffix}"

    def _group(self) -> str:
        rest = self.source[self.i :]
        for opener, constraint, quantifiable in (
            ("(?=", "(?=", True),
            ("(?!", "(?!", True),
            ("(?<=", "(?<=", False),
            ("(?<!", "(?<!", False),
        ):
            if rest.startswith(opener):
                self.i += len(opener)
                body = self._group_body()
                assertion = f"{constraint}{body})"
                if not quantifiable:
                    return self._unquantifiable(assertion)
                # JavaScript may repeat a lookahead; PostgreSQL may not. Zero times is no test.
                bounds = self._quantifier()
                return "" if bounds is not None and bounds[0] == 0 else assertion
        if rest.startswith("(?:"):
            self.i += 3
        elif rest.startswith("(?<"):
            name = _GROUP_NAME.match(self.source, self.i + 3)
            if name is None:
                raise PatternError("The `_like` pattern has an invalid group name.")
            self.i = name.end()
        elif rest.startswith("(?"):
            raise PatternError("The `_like` pattern has an invalid group.")
        else:
            self.i += 1
        return self._quantified(f"(?:{self._group_body()})")

    def _group_body(self) -> str:
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise PatternError(f"A `_like` pattern may nest groups at most {MAX_GROUP_DEPTH} deep.")
        body = self._disjunction()
        if self._peek() != ")":
            raise PatternError("The `_like` pattern has an unterminated group.")
        self.i += 1
        self.depth -= 1
        return body

    # -- escapes -------------------------------------------------------------------------

    def _atom_escape(self) -> str:
        self.i += 1  # the backslash
        char = self._peek()
        if not char:
            raise PatternError("The `_like` pattern ends with a lone `\\`.")
        if char.isascii() and char.isdigit() and char != "0":
            digits = re.match(r"\d+", self.source[self.i :])
            assert digits is not None
            if int(digits.group()) <= self.group_count:
                raise PatternError("`_like` patterns cannot use backreferences.")
        if char == "k" and self.has_named_groups:
            raise PatternError("`_like` patterns cannot use backreferences.")
        member = self._character_escape(in_class=False)
        if isinstance(member, int):
            return self._literal(member)
        ranges, complemented = member
        return _bracket(ranges, negated=complemented)

    def _character_escape(self, *, in_class: bool) -> "int | tuple[Ranges, bool]":
        """After a backslash: a code point, or a class escape as (ranges, complemented)."""
        char = self._peek()
        self.i += 1
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[char]
        if in_class and char == "b":
            return 0x08
        if char == "c":
            letter = self._peek()
            if letter.isascii() and (
                letter.isalpha() or (in_class and (letter.isdigit() or letter == "_"))
            ):
                self.i += 1
                return ord(letter) % 32
            self.i -= 1  # `\c` without a letter is a backslash, and the `c` reads on its own
            return ord("\\")
        if char.isascii() and char.isdigit():
            if char in ("8", "9"):
                return ord(char)
            return self._legacy_octal(char)
        if char in ("x", "u"):
            width = 2 if char == "x" else 4
            digits = self.source[self.i : self.i + width]
            if len(digits) == width and all(d in "0123456789abcdefABCDEF" for d in digits):
                self.i += width
                code_point = int(digits, 16)
                if 0xD800 <= code_point <= 0xDFFF:
                    raise PatternError("`_like` patterns cannot contain lone surrogate escapes.")
                return code_point
            return ord(char)
        if char == "k" and in_class and self.has_named_groups:
            raise PatternError("The `_like` pattern has an invalid escape.")
        return ord(char)

    def _legacy_octal(self, first: str) -> int:
        value = int(first)
        longest = 3 if first in "0123" else 2
        for _ in range(longest - 1):
            digit = self._peek()
            if digit not in "01234567" or not digit:
                break
            value = value * 8 + int(digit)
            self.i += 1
        return value

    # -- character classes ---------------------------------------------------------------

    def _class_atom(self) -> "int | tuple[Ranges, bool]":
        char = self._peek()
        if char == "\\":
            self.i += 1
            if not self._peek():
                raise PatternError("The `_like` pattern ends with a lone `\\`.")
            return self._character_escape(in_class=True)
        self.i += 1
        if ord(char) > 0xFFFF:
            raise PatternError(
                "A `_like` character class cannot hold a character outside the Basic "
                "Multilingual Plane (JavaScript reads it as two halves)."
            )
        return ord(char)

    def _character_class(self) -> str:
        self.i += 1  # the `[`
        negated = self._peek() == "^"
        if negated:
            self.i += 1
        parts = _ClassParts()
        while True:
            if self.i >= len(self.source):
                raise PatternError("The `_like` pattern has an unterminated character class.")
            if self._peek() == "]":
                self.i += 1
                break
            low = self._class_atom()
            if self._peek() == "-" and self._peek(1) not in ("]", ""):
                self.i += 1
                high = self._class_atom()
                if isinstance(low, int) and isinstance(high, int):
                    if high < low:
                        raise PatternError(
                            "The `_like` pattern has a character class range out of order."
                        )
                    if high > 0:  # U+0000 never occurs in stored text
                        parts.ranges.append((max(low, 1), high))
                    continue
                parts.add(low)
                parts.add(ord("-"))
                parts.add(high)
                continue
            parts.add(low)
        return self._class_expression(parts, negated=negated)

    @staticmethod
    def _class_expression(parts: _ClassParts, *, negated: bool) -> str:
        plain = _case_closure(tuple(parts.ranges))
        if not parts.complements:
            return _bracket(plain, negated=negated)
        # PostgreSQL brackets cannot hold \D, \S, \W: say "in A, or not in B" (or its negation).
        complements = [_bracket(ranges) for ranges in parts.complements]
        if not negated:
            options = ([_bracket(plain)] if plain else []) + [
                _bracket(ranges, negated=True) for ranges in parts.complements
            ]
            return f"(?:{'|'.join(options)})"
        excluded = f"(?!{_bracket(plain)})" if plain else ""
        required = "".join(f"(?={bracket})" for bracket in complements[1:])
        return f"(?:{excluded}{required}{complements[0]})"


def translate_pattern(source: str) -> str:
    """The PostgreSQL regex (for `~*`) that matches the same text as JavaScript's
    `new RegExp(source, "i")`; raises PatternError for what JavaScript rejects or we refuse."""
    if len(source) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"A `_like` pattern may be at most {MAX_PATTERN_LENGTH} characters long."
        )
    return _Translator(source).translate()
