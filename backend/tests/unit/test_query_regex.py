"""Checking `_like` patterns as JavaScript does and rewriting them for PostgreSQL (no database:
whether the rewrites match what JavaScript matches is tested in tests/integration)."""

import pytest

from app.query.regex import MAX_PATTERN_LENGTH, PatternError, translate_pattern

# Each of these throws a SyntaxError in `new RegExp(pattern, "i")` on Node 20.
JAVASCRIPT_SYNTAX_ERRORS = [
    "(",
    ")",
    "a)",
    "[",
    "[a",
    "a{2,1}",
    "*a",
    "+",
    "?",
    "{1}",
    "a**",
    "a{2}{3}",
    "\\",
    "a\\",
    "(?<=a)*b",
    "(?<!a)+",
    "^*",
    "$+",
    "\\b*",
    "(?i)a",
    "(?x)",
    "(?<1>x)",
    "[z-a]",
]


@pytest.mark.parametrize("pattern", JAVASCRIPT_SYNTAX_ERRORS)
def test_patterns_javascript_rejects_are_rejected(pattern: str) -> None:
    with pytest.raises(PatternError):
        translate_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "(a)\\1",
        "(?<n>a)\\k<n>",
        "a{256}",
        "a{1,300}",
        "😀+",
        "[😀]",
        "\\ud83d",
    ],
)
def test_patterns_postgresql_cannot_run_faithfully_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        translate_pattern(pattern)


def test_pattern_length_is_limited() -> None:
    translate_pattern("a" * MAX_PATTERN_LENGTH)
    with pytest.raises(PatternError):
        translate_pattern("a" * (MAX_PATTERN_LENGTH + 1))


def test_error_messages_never_quote_the_pattern() -> None:
    with pytest.raises(PatternError) as caught:
        translate_pattern("(patient-secret")
    assert "patient-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "translation"),
    [
        ("", ""),
        ("^b", "^[Bb]"),
        ("12", "12"),
        ("\\d", "[0-9]"),
        ("\\D", "[^0-9]"),
        ("\\w", "[0-9A-Z\\u005fa-z]"),
        (".", "[^\\u000a\\u000d\\u2028-\\u2029]"),
        ("[^]", "."),
        ("[]", "(?!)"),
        ("\\0", "(?!)"),
        ("(a|b)", "(?:[Aa]|[Bb])"),
        ("(?<name>1)", "(?:1)"),
        ("(?=1)*2", "2"),
        ("(?=1)+2", "(?=1)2"),
        ("1*?", "(?:1)*"),
        ("1{2,3}", "(?:1){2,3}"),
        ("\\u0031", "1"),
        ("\\x31", "1"),
        ("\\61", "1"),
        ("\\8", "8"),
        ("\\k", "[Kk]"),
        ("\\cJ", "\\u000a"),
        ("a{", "[Aa]\\u007b"),
        ("[a\\W]", "(?:[Aa]|[^0-9A-Z\\u005fa-z])"),
        ("[^1\\W]", "(?:(?![1])[0-9A-Z\\u005fa-z])"),
    ],
)
def test_translation_spells_out_javascript_semantics(pattern: str, translation: str) -> None:
    assert translate_pattern(pattern) == translation


def test_letters_become_every_character_javascript_i_flag_treats_as_equal() -> None:
    assert translate_pattern("\u03c3") == "[\\u03a3\\u03c2-\\u03c3]"
    assert (
        translate_pattern("s") == "[Ss]"
    )  # not U+017F: its upper case S is ASCII, so JS keeps it apart
    assert translate_pattern("ß") == "\\u00df"  # its upper case SS is two characters
