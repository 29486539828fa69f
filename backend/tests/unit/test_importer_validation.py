"""Every validation rule of the db.json importer, without a database: what stops a migration,
where it is reported, and which ids records without one would get."""

import io
import json
import re
from typing import Any

import pytest

from app.services.importer import ImportOptions, Mode, Validation, validate
from tests.support.db_json import db_json_text

SECRET = "Jane Secret-Patient"  # a field value that must never reach a message


def check(document: str | dict[str, Any], **options: Any) -> Validation:
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    raw = text.encode()
    return validate(io.BytesIO(raw), ImportOptions(**options), size=len(raw), chunk_bytes=16)


def patients(*records: Any, **other: Any) -> str:
    return db_json_text(list(records), **other)


def codes(validation: Validation) -> list[str]:
    return [problem.code for problem in validation.problems]


def test_a_valid_file_has_no_problems_and_counts_its_records() -> None:
    validation = check(patients({"id": 1, "name": SECRET}, {"id": "p-2"}, {"id": 2.5}))
    assert validation.ok
    assert validation.records == 3
    assert re.fullmatch(r"[0-9a-f]{64}", validation.file_sha256)


def test_malformed_json_is_reported_with_line_and_column() -> None:
    validation = check('{\n  "patients": [\n    {"id": 1,}\n  ]\n}')
    assert codes(validation) == ["malformed_json"]
    assert "line 3 column 14" in validation.problems[0].message


def test_a_top_level_that_is_not_an_object_is_refused() -> None:
    assert codes(check('[{"id": 1}]')) == ["top_level_not_object"]


@pytest.mark.parametrize("document", ["{}", '{"doctors": []}'])
def test_a_missing_patients_key_is_refused(document: str) -> None:
    validation = check(document, patients_only=True)
    assert codes(validation) == ["patients_missing"]


@pytest.mark.parametrize("value", [{"1": {"id": 1}}, "patients", None, 3])
def test_patients_that_is_not_an_array_is_refused(value: Any) -> None:
    validation = check({"patients": value})
    assert codes(validation) == ["patients_not_array"]
    assert "line 2" in validation.problems[0].message


@pytest.mark.parametrize(
    ("record", "kind"),
    [("text", "a string"), ([{"id": 1}], "an array"), (None, "null"), (7, "a number")],
)
def test_a_record_that_is_not_an_object_is_reported_with_its_position(
    record: Any, kind: str
) -> None:
    validation = check(patients({"id": 1}, record))
    assert codes(validation) == ["not_object"]
    assert validation.problems[0].position == 1
    assert validation.problems[0].message == f"patients[1] (line 6) is {kind}, not an object."


@pytest.mark.parametrize(
    ("first", "second"),
    [(1, "1"), (1, 1.0), ("a", "a"), (100.5, "100.5"), (1e21, "1e+21")],
)
def test_ids_equal_as_javascript_strings_are_duplicates(first: Any, second: Any) -> None:
    validation = check(patients({"id": first}, {"id": 2}, {"id": second, "name": SECRET}))
    assert codes(validation) == ["duplicate_id"]
    problem = validation.problems[0]
    assert problem.position == 2
    assert f"id {json.dumps(second)}" in problem.message
    assert f"patients[0] (id {json.dumps(first)})" in problem.message


@pytest.mark.parametrize(
    ("record_id", "kind"),
    [(None, "null"), (True, "a boolean"), ([1], "an array"), ({"n": 1}, "an object")],
)
def test_an_id_that_is_not_a_number_or_string_is_refused(record_id: Any, kind: str) -> None:
    validation = check(patients({"name": SECRET, "id": record_id}))
    assert codes(validation) == ["invalid_id"]
    assert f"has an id that is {kind}" in validation.problems[0].message


def test_falsy_number_and_string_ids_are_kept_as_ids() -> None:
    assert check(patients({"id": 0}, {"id": ""}, {"id": -1})).ok


def test_a_record_without_id_stops_the_migration_by_default() -> None:
    validation = check(patients({"id": 1}, {"name": SECRET}))
    assert codes(validation) == ["missing_id"]
    assert validation.problems[0].message == "patients[1] (line 6) has no id."
    assert validation.assigned_ids == {}


def test_missing_ids_are_assigned_max_plus_one_in_file_order() -> None:
    validation = check(
        patients({"name": "a"}, {"id": 7}, {"name": "b"}, {"id": 3}), assign_missing_ids=True
    )
    assert validation.ok
    assert validation.assigned_ids == {0: 8, 2: 9}
    assert validation.lines == {0: 3, 2: 9}


def test_missing_ids_in_a_file_without_ids_start_at_one() -> None:
    validation = check(patients({"name": "a"}, {"name": "b"}), assign_missing_ids=True)
    assert validation.assigned_ids == {0: 1, 1: 2}


def test_a_float_maximum_stays_a_float_and_an_integral_one_becomes_an_integer() -> None:
    floats = check(patients({"id": 100.5}, {"name": "a"}), assign_missing_ids=True)
    integral = check(patients({"id": 4.0}, {"name": "a"}), assign_missing_ids=True)
    assert floats.assigned_ids == {1: 101.5}
    assert integral.assigned_ids == {1: 5}
    assert isinstance(integral.assigned_ids[1], int)


def test_a_string_maximum_gives_distinct_nanoids() -> None:
    validation = check(
        patients({"id": "p-1"}, {"id": 5}, {"name": "a"}, {"name": "b"}), assign_missing_ids=True
    )
    assigned = list(validation.assigned_ids.values())
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{7}", value) for value in assigned)
    assert len(set(assigned)) == 2


def test_a_numeric_maximum_first_in_file_order_wins_over_a_later_string() -> None:
    validation = check(patients({"id": 5}, {"id": "s1"}, {"name": "a"}), assign_missing_ids=True)
    assert validation.assigned_ids == {2: 6}


def test_ids_are_not_assigned_while_other_problems_remain() -> None:
    validation = check(patients({"name": "a"}, {"id": 1}, {"id": 1}), assign_missing_ids=True)
    assert codes(validation) == ["duplicate_id"]
    assert validation.assigned_ids == {}


def test_text_postgresql_cannot_store_is_refused() -> None:
    validation = check(
        '{"patients": [{"id": 1, "a": "x\\u0000y"}, {"id": 2, "b": "\\ud800"},'
        ' {"id": 3, "c": "\\\\u0000 is only text"}, {"id": 4, "d": "\\ud83d\\ude00"}]}'
    )
    assert codes(validation) == ["unstorable_text", "unstorable_text"]
    assert [problem.position for problem in validation.problems] == [0, 1]
    assert "U+0000" in validation.problems[0].message
    assert "surrogate" in validation.problems[1].message


def test_a_nul_escape_in_a_key_is_refused_too() -> None:
    validation = check('{"patients": [{"id": 1, "k\\u0000": 1}]}')
    assert codes(validation) == ["unstorable_text"]


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        ("1e400", "number_out_of_range", "too large"),
        ("NaN", "nan_or_infinity", "NaN"),
        ("-Infinity", "nan_or_infinity", "Infinity"),
        ("9" * 5000, "integer_too_long", "too many digits"),
    ],
)
def test_numbers_that_cannot_be_stored_are_refused(value: str, code: str, text: str) -> None:
    validation = check('{"patients": [{"id": 1, "a": ' + value + '}, {"id": 2}]}')
    assert codes(validation) == [code]
    assert text in validation.problems[0].message
    assert validation.records == 2


def test_a_key_repeated_in_one_object_is_refused_rather_than_losing_a_value() -> None:
    validation = check(
        '{"patients": [{"id": 1, "phone": "555", "address": {"city": "a", "city": "b"}},'
        ' {"id": 2, "phone": "1", "phone": "2"}, {"id": 3}]}'
    )
    assert codes(validation) == ["duplicate_key", "duplicate_key"]
    assert [problem.position for problem in validation.problems] == [0, 1]
    assert '"' not in validation.problems[0].message.split(")", 1)[1]


def test_other_collections_are_listed_and_stop_the_migration() -> None:
    document = patients({"id": 1}, doctors=[{"id": 1}], profile={"name": "x"})
    validation = check(document)
    assert codes(validation) == ["other_collections"]
    assert '"doctors" (an array of 1' in validation.problems[0].message
    assert '"profile" (an object' in validation.problems[0].message
    assert [key.name for key in validation.other_keys] == ["doctors", "profile"]


def test_patients_only_acknowledges_other_collections_which_stay_listed() -> None:
    validation = check(patients({"id": 1}, doctors=[]), patients_only=True)
    assert validation.ok
    assert [key.name for key in validation.other_keys] == ["doctors"]


def test_verify_only_lists_other_collections_without_stopping() -> None:
    validation = check(patients({"id": 1}, doctors=[]), mode=Mode.VERIFY_ONLY)
    assert validation.ok
    assert [key.name for key in validation.other_keys] == ["doctors"]


def test_verify_only_never_assigns_ids() -> None:
    validation = check(patients({"name": "a"}), mode=Mode.VERIFY_ONLY, assign_missing_ids=True)
    assert codes(validation) == ["missing_id"]


def test_a_schema_key_is_ignored_as_json_server_ignores_it() -> None:
    validation = check(patients({"id": 1}, **{"$schema": "./schema.json"}))
    assert validation.ok
    assert [key.name for key in validation.ignored_keys] == ["$schema"]
    assert validation.other_keys == []


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    validation = check(
        patients(
            {"id": 1},
            {"name": SECRET},
            "not a record",
            {"id": "1"},
            {"id": None},
            {"id": 9, "x": "\u0000"},
            doctors=[],
        )
    )
    assert codes(validation) == [
        "other_collections",
        "missing_id",
        "not_object",
        "duplicate_id",
        "invalid_id",
        "unstorable_text",
    ]
    assert [problem.position for problem in validation.problems] == [None, 1, 2, 3, 4, 5]


def test_problems_before_a_syntax_error_are_kept_and_the_error_comes_last() -> None:
    validation = check('{"patients": [{"id": 1}, {"id": 1}, {"id": 2} {"id": 3}]}')
    assert codes(validation) == ["duplicate_id", "malformed_json"]


def test_messages_name_positions_and_ids_but_never_field_values() -> None:
    validation = check(
        patients(
            {"id": 1, "name": SECRET},
            {"id": 1, "name": SECRET},
            {"name": SECRET},
            {"id": {"name": SECRET}},
            {"id": 2, "name": SECRET, "x": "\u0000"},
        )
    )
    assert len(validation.problems) == 4
    assert all(SECRET not in problem.message for problem in validation.problems)


def test_long_ids_are_shortened_in_messages() -> None:
    long_id = "x" * 500
    validation = check(patients({"id": long_id}, {"id": long_id}))
    assert len(validation.problems[0].message) < 250
