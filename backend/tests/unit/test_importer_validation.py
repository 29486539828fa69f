"""Every validation rule of the db.json importer, without a database: what json-server 0.17.4
refuses to start on, what this service refuses on top, what is kept as json-server keeps it,
where each problem is reported, and which ids records without one would get."""

import io
import json
import re
from typing import Any

import pytest

from app.importer import ImportOptions, Mode, Validation, validate
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


def test_every_kind_of_top_level_key_is_accepted_with_its_kind_and_javascript_position() -> None:
    validation = check(
        {
            "$schema": "./schema.json",
            "Wards": [{"id": "w1"}],
            "clinic": {"name": "x"},
            "tags": ["red", "green"],
            "empty": [],
            "db": [{"id": 1}],
            "2": [],
            "10": {},
        }
    )
    assert validation.ok
    found = {c.name: (c.kind, c.position, c.records) for c in validation.collections}
    assert found == {
        "$schema": ("schema", 2, 0),
        "Wards": ("plural", 3, 1),
        "clinic": ("singular", 4, 0),
        "tags": ("plural", 5, 2),
        "empty": ("plural", 6, 0),
        "db": ("plural", 7, 1),
        "2": ("plural", 0, 0),
        "10": ("singular", 1, 0),
    }


def test_records_without_id_and_records_that_are_not_objects_are_kept() -> None:
    validation = check(patients({"id": 1}, {"name": SECRET}, "text", 7, None, [{"id": 1}]))
    assert validation.ok
    assert validation.records == 6
    assert validation.collections[0].assigned_ids == {}


def test_the_same_id_in_two_collections_is_fine() -> None:
    assert check(patients({"id": 1}, doctors=[{"id": 1}], Patients=[{"id": "1"}])).ok


def test_two_keys_that_differ_only_in_case_are_accepted() -> None:
    assert check({"patients": [{"id": 1}], "Patients": [{"id": 1}]}).ok


def test_malformed_json_is_reported_with_line_and_column() -> None:
    validation = check('{\n  "patients": [\n    {"id": 1,}\n  ]\n}')
    assert codes(validation) == ["malformed_json"]
    assert "line 3 column 14" in validation.problems[0].message


@pytest.mark.parametrize(("text", "found"), [('[{"id": 1}]', "array"), ('"x"', "string")])
def test_a_top_level_that_is_not_an_object_is_refused_as_json_server_refuses_it(
    text: str, found: str
) -> None:
    validation = check(text)
    assert codes(validation) == ["top_level_not_object"]
    assert f"Data must be an object. Found {found}." in validation.problems[0].message


@pytest.mark.parametrize(
    ("value", "kind", "typeof"),
    [
        ('"City Clinic"', "a string", "string"),
        ("3", "a number", "number"),
        ("true", "a boolean", "boolean"),
        ("null", "null", "object"),
    ],
)
def test_a_top_level_value_of_another_type_is_refused_with_json_servers_reason(
    value: str, kind: str, typeof: str
) -> None:
    validation = check('{"patients": [{"id": 1}],\n "title": ' + value + "}")
    assert codes(validation) == ["unsupported_type"]
    message = validation.problems[0].message
    assert message.startswith(f'The key "title" (line 2) holds {kind}')
    assert f'Type of "title" ({typeof}) is not supported' in message


def test_a_key_with_a_slash_is_refused_with_json_servers_reason() -> None:
    validation = check({"a/b": [{"id": 1}]})
    assert codes(validation) == ["slash_in_key"]
    assert "Oops, found / character in database property 'a/b'." in validation.problems[0].message


@pytest.mark.parametrize("name", ["health", "Docs", "REDOC", "openapi.json", "_audit", "_"])
def test_keys_that_would_take_the_services_own_routes_are_refused(name: str) -> None:
    validation = check({name: [], "patients": []})
    assert codes(validation) == ["reserved_key"]
    assert validation.problems[0].collection == name


def test_a_top_level_key_repeated_is_refused() -> None:
    validation = check('{"patients": [],\n "doctors": {},\n "patients": [{"id": 1}]}')
    assert codes(validation) == ["duplicate_key"]
    assert "(lines 1 and 3)" in validation.problems[0].message


@pytest.mark.parametrize(
    ("first", "second"),
    [(1, "1"), (1, 1.0), ("a", "a"), (100.5, "100.5"), (1e21, "1e+21")],
)
def test_ids_equal_as_javascript_strings_are_duplicates(first: Any, second: Any) -> None:
    validation = check(patients({"id": first}, {"id": 2}, {"id": second, "name": SECRET}))
    assert codes(validation) == ["duplicate_id"]
    problem = validation.problems[0]
    assert (problem.collection, problem.position) == ("patients", 2)
    assert f"id {json.dumps(second)}" in problem.message
    assert f"patients[0] (id {json.dumps(first)})" in problem.message


def test_duplicate_ids_are_named_by_their_collection() -> None:
    validation = check({"my wards": [{"id": 1}, {"id": 1}]})
    assert validation.problems[0].message.startswith('"my wards"[1] (line 6, id 1) has the same')


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


def test_missing_ids_are_assigned_max_plus_one_in_file_order_per_collection() -> None:
    validation = check(
        {
            "patients": [{"name": "a"}, {"id": 7}, {"name": "b"}, {"id": 3}, "not an object"],
            "doctors": [{"name": "c"}],
        },
        assign_missing_ids=True,
    )
    assert validation.ok
    patients_source, doctors_source = validation.collections
    assert patients_source.assigned_ids == {0: 8, 2: 9}
    assert patients_source.lines == {0: 3, 2: 9}
    assert doctors_source.assigned_ids == {0: 1}


def test_missing_ids_are_assigned_only_in_the_collections_chosen() -> None:
    validation = check(
        {"patients": [{"name": "a"}], "doctors": [{"name": "c"}]},
        assign_missing_ids=True,
        only=("doctors",),
    )
    assert [source.assigned_ids for source in validation.collections] == [{}, {0: 1}]
    assert validation.records == 1


def test_a_float_maximum_stays_a_float_and_an_integral_one_becomes_an_integer() -> None:
    floats = check(patients({"id": 100.5}, {"name": "a"}), assign_missing_ids=True)
    integral = check(patients({"id": 4.0}, {"name": "a"}), assign_missing_ids=True)
    assert floats.collections[0].assigned_ids == {1: 101.5}
    assert integral.collections[0].assigned_ids == {1: 5}
    assert isinstance(integral.collections[0].assigned_ids[1], int)


def test_a_string_maximum_gives_distinct_nanoids() -> None:
    validation = check(
        patients({"id": "p-1"}, {"id": 5}, {"name": "a"}, {"name": "b"}), assign_missing_ids=True
    )
    assigned = list(validation.collections[0].assigned_ids.values())
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{7}", value) for value in assigned)
    assert len(set(assigned)) == 2


def test_a_numeric_maximum_first_in_file_order_wins_over_a_later_string() -> None:
    validation = check(patients({"id": 5}, {"id": "s1"}, {"name": "a"}), assign_missing_ids=True)
    assert validation.collections[0].assigned_ids == {2: 6}


def test_ids_are_not_assigned_while_other_problems_remain() -> None:
    validation = check(patients({"name": "a"}, {"id": 1}, {"id": 1}), assign_missing_ids=True)
    assert codes(validation) == ["duplicate_id"]
    assert validation.collections[0].assigned_ids == {}


def test_verify_only_never_assigns_ids() -> None:
    validation = check(patients({"name": "a"}), mode=Mode.VERIFY_ONLY, assign_missing_ids=True)
    assert validation.ok
    assert validation.collections[0].assigned_ids == {}


def test_text_with_nul_or_lone_surrogates_is_accepted() -> None:
    validation = check(
        '{"patients": [{"id": 1, "a": "x\\u0000y"}, {"id": 2, "b": "\\ud800"},'
        ' {"id": 3, "k\\u0000": 1}, {"id": 4, "d": "\\ud83d\\ude00"}]}'
    )
    assert validation.ok


def test_only_must_name_keys_of_the_file() -> None:
    validation = check(patients({"id": 1}), only=("patients", "doctors"))
    assert codes(validation) == ["unknown_collection"]
    assert '"doctors"' in validation.problems[0].message


def test_only_restricts_what_is_counted_but_every_key_is_still_validated() -> None:
    validation = check(patients({"id": 1}, doctors=[{"id": 1}, {"id": 1}]), only=("patients",))
    assert codes(validation) == ["duplicate_id"]
    chosen = [source.name for source in validation.collections if source.selected]
    assert chosen == ["patients"]


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


def test_numbers_that_cannot_be_stored_are_refused_in_singular_resources_too() -> None:
    validation = check('{"clinic": {"beds": 1e400}}')
    assert codes(validation) == ["number_out_of_range"]
    assert validation.problems[0].message.startswith('The key "clinic" (line 1) contains')


def test_a_key_repeated_in_one_object_is_refused_rather_than_losing_a_value() -> None:
    validation = check(
        '{"patients": [{"id": 1, "phone": "555", "address": {"city": "a", "city": "b"}},'
        ' {"id": 2, "phone": "1", "phone": "2"}, {"id": 3}]}'
    )
    assert codes(validation) == ["duplicate_key", "duplicate_key"]
    assert [problem.position for problem in validation.problems] == [0, 1]
    assert '"' not in validation.problems[0].message.split(")", 1)[1]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    validation = check(
        patients(
            {"id": 1},
            {"name": SECRET},
            "not a record",
            {"id": "1"},
            {"id": None},
            title="x",
            _audit=[],
        )
    )
    assert codes(validation) == ["duplicate_id", "invalid_id", "unsupported_type", "reserved_key"]
    assert [problem.position for problem in validation.problems] == [3, 4, None, None]


def test_problems_before_a_syntax_error_are_kept_and_the_error_comes_last() -> None:
    validation = check('{"patients": [{"id": 1}, {"id": 1}, {"id": 2} {"id": 3}]}')
    assert codes(validation) == ["duplicate_id", "malformed_json"]


def test_messages_name_positions_and_ids_but_never_field_values() -> None:
    validation = check(
        patients(
            {"id": 1, "name": SECRET},
            {"id": 1, "name": SECRET},
            {"id": {"name": SECRET}},
            {"id": 2, "name": SECRET, "x": 1e999},
            secret={"name": SECRET, "name2": 1e999},
        )
    )
    assert len(validation.problems) == 4
    assert all(SECRET not in problem.message for problem in validation.problems)


def test_long_ids_are_shortened_in_messages() -> None:
    long_id = "x" * 500
    validation = check(patients({"id": long_id}, {"id": long_id}))
    assert len(validation.problems[0].message) < 250
