"""db.json read as a stream: each top-level key, and each record of a top-level array one at a
time, with line numbers and the record's JSON text as written, so that a file of any size is
read in bounded memory."""

import codecs
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from app.json_codec import STRICT_DECODER, JsonBodyError

CHUNK_BYTES = 1 << 20

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A JSON string (kept whole) or whitespace between tokens (dropped): compacts a value's text
# without touching what is written inside it (number spellings, escapes).
_STRING_OR_SPACE = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")|[ \t\n\r]+')
# Skips a value without converting its numbers, past a value that cannot be read.
_SKIPPING_DECODER = json.JSONDecoder(
    parse_float=lambda _: None, parse_int=lambda _: None, parse_constant=lambda _: None
)
_PROBLEMS = {
    "number_out_of_range": "contains a number too large to store (beyond about 1.8e308)",
    "nan_or_infinity": "contains NaN or Infinity, which JSON does not allow",
    "duplicate_key": "has an object with the same key twice, of which JSON keeps only the last",
    "integer_too_long": "contains an integer with too many digits to read",
}


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise JsonBodyError("duplicate_key", _PROBLEMS["duplicate_key"])
    return record


# json_codec's rules, and a repeated key is an error rather than a silently lost value.
_RECORD_DECODER = json.JSONDecoder(
    parse_float=STRICT_DECODER.parse_float,
    parse_constant=STRICT_DECODER.parse_constant,
    object_pairs_hook=_unique_keys,
)
_FIRST_CHAR_TYPE = {"[": "an array", "{": "an object", '"': "a string", "t": "a boolean"}
_FIRST_CHAR_TYPE |= {"f": "a boolean", "n": "null", "-": "a number"}
_FIRST_CHAR_TYPE |= dict.fromkeys("0123456789", "a number")
ARRAY = "an array"
OBJECT = "an object"


def compact(text: str) -> str:
    """A JSON value's text without the whitespace between its tokens; everything else (key
    order, number spellings such as 1.0 and 1e2, string escapes) as written."""
    return _STRING_OR_SPACE.sub(r"\1", text)


class DbJsonError(Exception):
    """The file cannot be read any further; the message names the place, never the data."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Element:
    """One element of a top-level array: a record of a plural collection. `text` is its JSON
    text as written, compacted; `problem` says why `value` could not be read (`problem_code`
    is machine-readable)."""

    position: int
    line: int
    value: Any
    text: str = ""
    problem: str | None = None
    problem_code: str | None = None


def _no_elements() -> Iterator[Element]:
    return iter(())


@dataclass(slots=True)
class Member:
    """A key of the top-level object. For an array, `elements` yields its records (read them
    before asking for the next member; `items` counts them); any other value is read whole
    into `value` and `text`."""

    name: str
    line: int
    kind: str  # "an array", "an object", "a string", "a number", "a boolean" or "null"
    value: Any = None
    text: str = ""
    problem: str | None = None
    problem_code: str | None = None
    items: int = 0
    elements: Iterator[Element] = field(default_factory=_no_elements, repr=False)

    def describe(self) -> str:
        shape = f"an array of {self.items}" if self.kind == ARRAY else self.kind
        return f"{json.dumps(self.name, ensure_ascii=False)} ({shape}, line {self.line})"


class _Window:
    """The file's text in a sliding window over a binary stream, with line bookkeeping."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int, on_read: Callable[[int], None]):
        self._stream = stream
        self._chunk_bytes = chunk_bytes
        self._on_read = on_read
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._digest = hashlib.sha256()
        self.bytes_read = 0
        self.text = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # the line number at `_line_index`
        self._line_index = 0
        self._column_base = 0  # characters before text[0] on its line

    def sha256(self) -> str:
        return self._digest.hexdigest()

    def fill(self, at_least: int = 0) -> bool:
        """Append the next chunk (growing geometrically for large values); False at the end."""
        if self.eof:
            return False
        self._drop_consumed()
        chunk = self._stream.read(max(self._chunk_bytes, at_least))
        pending = len(self._decoder.getstate()[0])
        self._digest.update(chunk)
        self.bytes_read += len(chunk)
        try:
            self.text += self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            offset = self.bytes_read - len(chunk) - pending + exc.start
            raise DbJsonError(
                "not_utf8", f"db.json is not UTF-8 text (at byte {offset})."
            ) from None
        self.eof = not chunk
        self._on_read(self.bytes_read)
        return True

    def _drop_consumed(self) -> None:
        if self.pos == 0:
            return
        self.line_at(self.pos)
        newline = self.text.rfind("\n", 0, self.pos)
        self._column_base = self.pos - newline - 1 if newline >= 0 else self._column_base + self.pos
        self.text = self.text[self.pos :]
        self._line_index -= self.pos
        self.pos = 0

    def line_at(self, index: int) -> int:
        if index >= self._line_index:
            self._line += self.text.count("\n", self._line_index, index)
        else:
            self._line -= self.text.count("\n", index, self._line_index)
        self._line_index = index
        return self._line

    def column_at(self, index: int) -> int:
        newline = self.text.rfind("\n", 0, index)
        return index - newline if newline >= 0 else self._column_base + index + 1

    def skip_whitespace(self) -> None:
        while True:
            match = _WHITESPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text) or not self.fill():
                return

    def peek(self) -> str:
        while self.pos >= len(self.text):
            if not self.fill():
                return ""
        return self.text[self.pos]

    def syntax_error(self, message: str, index: int | None = None) -> DbJsonError:
        at = self.pos if index is None else index
        where = f"line {self.line_at(at)} column {self.column_at(at)}"
        return DbJsonError("malformed_json", f"db.json is not valid JSON: {message} at {where}.")

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.syntax_error(message)
        self.pos += 1

    def value(self, decoder: json.JSONDecoder) -> tuple[Any, str]:
        """Decode the value at the current position, reading on until it is complete; the
        value and its text as written."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.fill(at_least=len(self.text) - self.pos):
                    continue
                raise self.syntax_error(exc.msg, exc.pos) from None
            except RecursionError:
                raise DbJsonError(
                    "too_deep",
                    f"db.json is nested too deeply to read (line {self.line_at(self.pos)}).",
                ) from None
            # A number near the end of the window may go on in the next chunk ("1" of "1e+5").
            if len(self.text) - end < 3 and self.fill(at_least=len(self.text) - self.pos):
                continue
            text = self.text[self.pos : end]
            self.pos = end
            return value, text


class DbJsonReader:
    """Walks a db.json file once. `members()` yields each top-level key in file order (with an
    array's records to read as it goes); afterwards `keys` lists every member and `sha256` is
    the file's digest."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        on_read: Callable[[int], None] = lambda _: None,
    ) -> None:
        self._window = _Window(stream, chunk_bytes, on_read)
        self.keys: list[Member] = []
        self.sha256: str | None = None

    def members(self) -> Iterator[Member]:
        window = self._window
        window.skip_whitespace()
        first = window.peek()
        if first != "{":
            if first not in _FIRST_CHAR_TYPE:
                raise window.syntax_error("Expecting value")
            found = _FIRST_CHAR_TYPE[first]
            raise DbJsonError(
                "top_level_not_object",
                f"The top level of db.json is {found}, not an object; json-server refuses to "
                f"start on it (Data must be an object. Found {found.split()[-1]}.).",
            )
        window.pos += 1
        window.skip_whitespace()
        if window.peek() == "}":
            window.pos += 1
        else:
            yield from self._members()
        window.skip_whitespace()
        if window.peek() != "":
            raise window.syntax_error("Extra data")
        self.sha256 = window.sha256()

    def _members(self) -> Iterator[Member]:
        window = self._window
        while True:
            window.skip_whitespace()
            line = window.line_at(window.pos)
            if window.peek() != '"':
                raise window.syntax_error("Expecting property name enclosed in double quotes")
            name, _ = window.value(STRICT_DECODER)
            window.skip_whitespace()
            window.expect(":", "Expecting ':' delimiter")
            window.skip_whitespace()
            member = self._member(name, line)
            yield member
            for _ in member.elements:  # what the caller did not read
                pass
            self.keys.append(member)
            window.skip_whitespace()
            if window.peek() == "}":
                window.pos += 1
                return
            window.expect(",", "Expecting ',' delimiter")

    def _member(self, name: str, line: int) -> Member:
        first = self._window.peek()
        kind = _FIRST_CHAR_TYPE.get(first)
        if kind is None:
            raise self._window.syntax_error("Expecting value")
        if kind == ARRAY:
            member = Member(name, line, kind)
            member.elements = self._array(member)
            return member
        element = self._element(0, line)
        return Member(
            name, line, kind, element.value, element.text, element.problem, element.problem_code
        )

    def _array(self, member: Member) -> Iterator[Element]:
        window = self._window
        window.pos += 1
        window.skip_whitespace()
        if window.peek() == "]":
            window.pos += 1
            return
        while True:
            window.skip_whitespace()
            yield self._element(member.items, window.line_at(window.pos))
            member.items += 1
            window.skip_whitespace()
            if window.peek() == "]":
                window.pos += 1
                return
            window.expect(",", "Expecting ',' delimiter")

    def _element(self, position: int, line: int) -> Element:
        try:
            value, text = self._window.value(_RECORD_DECODER)
            return Element(position, line, value, compact(text))
        except JsonBodyError as exc:  # json_codec calls NaN and Infinity malformed JSON
            code = "nan_or_infinity" if exc.code == "malformed_json" else exc.code
        except ValueError:  # Python refuses to convert integers of more than 4300 digits
            code = "integer_too_long"
        # The window has not moved: skip the same value without converting its numbers.
        self._window.value(_SKIPPING_DECODER)
        return Element(position, line, None, "", _PROBLEMS.get(code, "cannot be read"), code)
