"""The streaming db.json reader, without a database: every top-level key, values, their text as
written, positions and lines, whatever the chunk boundaries."""

import hashlib
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.importer.reading import DbJsonError, DbJsonReader, Element, Member, compact
from tests.support.db_json import typed

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def read(text: str | bytes, chunk_bytes: int = 5) -> tuple[list[Element], DbJsonReader]:
    """The elements of every top-level array, in file order."""
    raw = text.encode() if isinstance(text, str) else text
    reader = DbJsonReader(io.BytesIO(raw), chunk_bytes=chunk_bytes)
    elements = [element for member in reader.members() for element in member.elements]
    return elements, reader


def members(text: str, chunk_bytes: int = 5) -> list[Member]:
    reader = DbJsonReader(io.BytesIO(text.encode()), chunk_bytes=chunk_bytes)
    return list(reader.members())


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(_json_values, max_size=6),
    chunk_bytes=st.integers(min_value=1, max_value=40),
    indent=st.sampled_from([None, 2]),
)
def test_records_are_read_exactly_whatever_the_chunk_boundaries(
    records: list[Any], chunk_bytes: int, indent: int | None
) -> None:
    text = json.dumps({"doctors": [], "patients": records}, indent=indent, ensure_ascii=False)
    elements, reader = read(text, chunk_bytes)
    assert [typed(element.value) for element in elements] == [typed(r) for r in records]
    assert [element.position for element in elements] == list(range(len(records)))
    assert [element.text for element in elements] == [
        json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in records
    ]
    assert reader.sha256 is not None


def test_each_record_has_its_position_and_starting_line() -> None:
    text = '{\n  "patients": [\n    {"id": 1},\n\n    {"id": 2,\n "a": 1},\n    3\n  ]\n}'
    elements, _ = read(text, chunk_bytes=3)
    assert [(e.position, e.line) for e in elements] == [(0, 3), (1, 5), (2, 7)]


def test_key_order_big_integers_and_floats_are_kept() -> None:
    text = '{"patients": [{"z": 1, "a": 12345678901234567890123, "m": 1.0, "f": 0.1}]}'
    (element,), _ = read(text)
    assert list(element.value) == ["z", "a", "m", "f"]
    assert element.value["a"] == 12345678901234567890123
    assert isinstance(element.value["m"], float)


def test_numbers_and_escapes_keep_their_spelling_in_the_text() -> None:
    text = '{"t": [ {"a" : 1.0, "b": 1e2,\n "c": -0.0, "d": "\\u00e9 \\" x" ,"e":[ 1 , 2 ]} ]}'
    (element,), _ = read(text, chunk_bytes=3)
    assert element.text == '{"a":1.0,"b":1e2,"c":-0.0,"d":"\\u00e9 \\" x","e":[1,2]}'


def test_compact_keeps_whitespace_inside_strings() -> None:
    assert compact('{ "a b" : " x\\" y " }') == '{"a b":" x\\" y "}'


def test_every_top_level_key_is_a_member_with_its_shape_line_and_text() -> None:
    text = (
        '{"doctors": [{"id": 1}, {"id": 2}],\n"profile": { "name": "x" },\n"n": 5,\n'
        '"$schema": "./s.json",\n"patients": []}'
    )
    found = members(text)
    assert [member.describe() for member in found] == [
        '"doctors" (an array of 2, line 1)',
        '"profile" (an object, line 2)',
        '"n" (a number, line 3)',
        '"$schema" (a string, line 4)',
        '"patients" (an array of 0, line 5)',
    ]
    assert [member.text for member in found] == ["", '{"name":"x"}', "5", '"./s.json"', ""]
    assert found[1].value == {"name": "x"}


def test_records_of_every_array_are_read_and_may_be_any_value() -> None:
    elements, _ = read('{"tags": ["red", "green"], "patients": [{"id": 1}, 2, null]}')
    assert [element.value for element in elements] == ["red", "green", {"id": 1}, 2, None]
    assert [element.position for element in elements] == [0, 1, 0, 1, 2]


def test_a_member_whose_records_are_not_read_is_skipped_whole() -> None:
    reader = DbJsonReader(io.BytesIO(b'{"a": [1, [2], {"x": 3}], "b": [4]}'), chunk_bytes=2)
    names = [member.name for member in reader.members()]
    assert names == ["a", "b"]
    assert [member.items for member in reader.keys] == [3, 1]


def test_a_singular_value_that_cannot_be_read_is_marked() -> None:
    (member,) = members('{"clinic": {"a": 1, "a": 2}}')
    assert member.problem_code == "duplicate_key"
    assert member.value is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"patients": [{"a": 1e400}, {"id": 2}]}', "too large"),
        ('{"patients": [{"a": NaN}, {"id": 2}]}', "NaN"),
        ('{"patients": [{"a": -Infinity}, {"id": 2}]}', "NaN or Infinity"),
        ('{"patients": [{"a": ' + "9" * 5000 + '}, {"id": 2}]}', "too many digits"),
        ('{"patients": [{"a": 1, "a": 2}, {"id": 2}]}', "same key twice"),
    ],
)
def test_an_unreadable_record_is_marked_and_reading_goes_on(text: str, problem: str) -> None:
    first, second = read(text, chunk_bytes=7)[0]
    assert first.value is None
    assert first.problem is not None
    assert problem in first.problem
    assert second.value == {"id": 2}


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("", "malformed_json", "Expecting value at line 1 column 1"),
        ('{\n  "patients": [\n    {"id": 1}\n    {"id": 2}\n  ]\n}', "malformed_json", "line 4"),
        ('{"patients": [1, 2,]}', "malformed_json", "Expecting value at line 1 column 20"),
        ('{"patients": [{"id": 1]}', "malformed_json", "line 1 column 23"),
        ('{"patients": []} []', "malformed_json", "Extra data at line 1 column 18"),
        ('{"patients": [], }', "malformed_json", "Expecting property name"),
        ('{"patients" []}', "malformed_json", "Expecting ':' delimiter"),
        ('{"patients": ["unterminated]}', "malformed_json", "Unterminated string"),
        ('[{"id": 1}]', "top_level_not_object", "an array, not an object"),
        ('"text"', "top_level_not_object", "a string, not an object"),
        ('{"patients": [' + "[" * 3000 + "]" * 3000 + "]}", "too_deep", "nested too deeply"),
    ],
)
def test_unreadable_files_stop_with_a_located_error(text: str, code: str, message: str) -> None:
    with pytest.raises(DbJsonError) as caught:
        read(text, chunk_bytes=4)
    assert caught.value.code == code
    assert message in caught.value.message


def test_columns_count_from_the_line_start_across_chunks() -> None:
    text = '{"patients": [\n' + " " * 50 + '{"id": 1} x]}'
    with pytest.raises(DbJsonError) as caught:
        read(text, chunk_bytes=3)
    assert "line 2 column 61" in caught.value.message


def test_invalid_utf8_is_reported_with_its_byte_offset() -> None:
    with pytest.raises(DbJsonError) as caught:
        read(b'{"patients": ["\xff"]}', chunk_bytes=4)
    assert caught.value.code == "not_utf8"
    assert "byte 15" in caught.value.message


def test_a_utf8_byte_order_mark_is_accepted_and_text_is_decoded_across_chunks() -> None:
    raw = '\ufeff{"patients": [{"name": "Zoë 患者 😀"}]}'.encode()
    (element,), _ = read(raw, chunk_bytes=1)
    assert element.value == {"name": "Zoë 患者 😀"}


def test_the_digest_is_the_sha256_of_the_file_bytes() -> None:
    raw = b'{"patients": [{"id": 1}]}\n'
    _, reader = read(raw)
    assert reader.sha256 == hashlib.sha256(raw).hexdigest()
