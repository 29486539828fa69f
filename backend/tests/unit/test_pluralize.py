"""`app.javascript.pluralize` answers as npm pluralize 8.0.0 does (json-server 0.17.4's naming)."""

import pytest

from app.javascript.pluralize import is_plural, is_singular, plural, singular
from tests.support.node import FIXTURES_DIR, load_fixture, require_node_library, run_node_script

FIXTURE = "pluralize-8.0.0.json"


def test_every_fixture_word_gets_pluralize_8_answers() -> None:
    fixture = load_fixture(FIXTURE)
    words: list[str] = fixture["words"]
    mismatches = []
    for index, word in enumerate(words):
        expected = (
            fixture["plural"][index] if fixture["plural"][index] is not None else word,
            fixture["singular"][index] if fixture["singular"][index] is not None else word,
            fixture["isPlural"][index] == "1",
            fixture["isSingular"][index] == "1",
        )
        answered = (plural(word), singular(word), is_plural(word), is_singular(word))
        if answered != expected:
            mismatches.append((word, answered, expected))
    assert len(words) > 10_000
    assert mismatches == []


def test_fixture_is_what_live_pluralize_8_answers() -> None:
    require_node_library("pluralize", "8.0.0")
    fixture = load_fixture(FIXTURE)
    live = run_node_script("pluralize_fixture.cjs", "--recompute", FIXTURES_DIR / FIXTURE)
    del fixture["node"], live["node"]
    assert live == fixture


# The reference's naming table (json-server-0.17.4-collections.md §11): word, singular, plural.
REFERENCE_TABLE = [
    ("Ward", "Ward", "Wards"),
    ("Wards", "Ward", "Wards"),
    ("WARDS", "WARD", "WARDS"),
    ("wards", "ward", "wards"),
    ("Patient", "Patient", "Patients"),
    ("patients", "patient", "patients"),
    ("Patients", "Patient", "Patients"),
    ("PATIENTS", "PATIENT", "PATIENTS"),
    ("patient", "patient", "patients"),
    ("person", "person", "people"),
    ("people", "person", "people"),
    ("persons", "person", "persons"),
    ("status", "status", "statuses"),
    ("statuses", "status", "statuses"),
    ("Status", "Status", "Statuses"),
    ("STATUS", "STATUS", "STATUSES"),
    ("data", "datum", "data"),
    ("datum", "datum", "data"),
    ("medicine", "medicine", "medicines"),
    ("medicines", "medicine", "medicines"),
    ("branch", "branch", "branches"),
    ("branches", "branch", "branches"),
    ("Authority", "Authority", "Authorities"),
    ("Authorities", "Authority", "Authorities"),
    ("authority", "authority", "authorities"),
    *((word, word, word) for word in ("news", "series", "species", "equipment", "staff", "media")),
    ("analysis", "analysis", "analyses"),
    ("analyses", "analysis", "analyses"),
    ("diagnosis", "diagnosis", "diagnoses"),
    ("diagnoses", "diagnosis", "diagnoses"),
    ("child", "child", "children"),
    ("children", "child", "children"),
    ("criteria", "criterion", "criteria"),
    ("index", "index", "indices"),
    ("virus", "virus", "viri"),
    ("bus", "bus", "buses"),
    ("quiz", "quiz", "quizzes"),
    ("ox", "ox", "oxen"),
    ("settings", "setting", "settings"),
    ("vitals", "vital", "vitals"),
    ("addresses", "address", "addresses"),
    ("db", "db", "dbs"),
    ("clinic", "clinic", "clinics"),
    ("_audit", "_audit", "_audits"),
    ("lab.results", "lab.result", "lab.results"),
    ("my wards", "my ward", "my wards"),
]


@pytest.mark.parametrize(("word", "expected_singular", "expected_plural"), REFERENCE_TABLE)
def test_reference_naming_table(word: str, expected_singular: str, expected_plural: str) -> None:
    assert (singular(word), plural(word)) == (expected_singular, expected_plural)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("wArDs", "wArD"),  # only the matched `s` is replaced; the rest is kept as typed
        ("WaRdS", "WaRd"),
        ("pEoPlE", "person"),  # a whole-word match in mixed case becomes lower case...
        ("PeOpLe", "Person"),  # ...or title case when its first letter is upper case
        ("PEOPLE", "PERSON"),
        ("Person", "Person"),
    ],
)
def test_singular_restores_the_case_of_the_matched_part(word: str, expected: str) -> None:
    assert singular(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cats\n", "cats\ns"),  # `$` is the end of the text, not before a final newline
        ("\u017f", "\u017f"),  # the `i` flag folds only ASCII: the long s is not an `s`
        ("café", "café"),  # a word ending in a non-ASCII letter is left as it is
        ("Pokémon", "Pokémon"),
        ("𐐀y", "𐐀ies"),  # case is restored by UTF-16 code units
        ("", ""),
    ],
)
def test_plural_reads_words_as_javascript_does(word: str, expected: str) -> None:
    assert plural(word) == expected
