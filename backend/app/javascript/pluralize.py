"""npm `pluralize` 8.0.0, which json-server 0.17.4 uses to name foreign keys and `_expand` targets.

A port of its rule tables and algorithm: irregular words first, then uncountables, then the
regular-expression rules tried from the last added to the first, the matched part's case copied
onto its replacement (`restoreCase`). Words are handled as JavaScript strings (UTF-16 code units)
and the rules as JavaScript regular expressions with the `i` flag and without `u`: only ASCII
letters (and the one `é`) match case-insensitively, `\\w` and `\\b` are ASCII, `$` is the end.
"""

import re
from collections.abc import Mapping, Sequence

from app.javascript.strings import from_utf16_units, to_lower_case, to_upper_case, utf16_units

Rule = tuple[re.Pattern[str], str]

# [single, plural] in the library's order.
_IRREGULAR: tuple[tuple[str, str], ...] = (
    ("I", "we"), ("me", "us"), ("he", "they"), ("she", "they"), ("them", "them"),
    ("myself", "ourselves"), ("yourself", "yourselves"), ("itself", "themselves"),
    ("herself", "themselves"), ("himself", "themselves"), ("themself", "themselves"),
    ("is", "are"), ("was", "were"), ("has", "have"), ("this", "these"), ("that", "those"),
    ("echo", "echoes"), ("dingo", "dingoes"), ("volcano", "volcanoes"), ("tornado", "tornadoes"),
    ("torpedo", "torpedoes"), ("genus", "genera"), ("viscus", "viscera"), ("stigma", "stigmata"),
    ("stoma", "stomata"), ("dogma", "dogmata"), ("lemma", "lemmata"), ("schema", "schemata"),
    ("anathema", "anathemata"), ("ox", "oxen"), ("axe", "axes"), ("die", "dice"),
    ("yes", "yeses"), ("foot", "feet"), ("eave", "eaves"), ("goose", "geese"),
    ("tooth", "teeth"), ("quiz", "quizzes"), ("human", "humans"), ("proof", "proofs"),
    ("carve", "carves"), ("valve", "valves"), ("looey", "looies"), ("thief", "thieves"),
    ("groove", "grooves"), ("pickaxe", "pickaxes"), ("passerby", "passersby"),
)  # fmt: skip

# [JavaScript regular expression source (flag i), replacement] in the library's order.
_PLURAL_RULES: tuple[tuple[str, str], ...] = (
    (r"s?$", "s"),
    (r"[^\u0000-\u007F]$", "$0"),
    (r"([^aeiou]ese)$", "$1"),
    (r"(ax|test)is$", "$1es"),
    (r"(alias|[^aou]us|t[lm]as|gas|ris)$", "$1es"),
    (r"(e[mn]u)s?$", "$1s"),
    (r"([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$", "$1"),
    (r"(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$",
     "$1i"),
    (r"(alumn|alg|vertebr)(?:a|ae)$", "$1ae"),
    (r"(seraph|cherub)(?:im)?$", "$1im"),
    (r"(her|at|gr)o$", "$1oes"),
    (r"(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi"
     r"|curricul|automat|quor)(?:a|um)$", "$1a"),
    (r"(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)"
     r"(?:a|on)$", "$1a"),
    (r"sis$", "ses"),
    (r"(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$", "$1$2ves"),
    (r"([^aeiouy]|qu)y$", "$1ies"),
    (r"([^ch][ieo][ln])ey$", "$1ies"),
    (r"(x|ch|ss|sh|zz)$", "$1es"),
    (r"(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$", "$1ices"),
    (r"\b((?:tit)?m|l)(?:ice|ouse)$", "$1ice"),
    (r"(pe)(?:rson|ople)$", "$1ople"),
    (r"(child)(?:ren)?$", "$1ren"),
    (r"eaux$", "$0"),
    (r"m[ae]n$", "men"),
    (r"^thou$", "you"),
)  # fmt: skip

_SINGULAR_RULES: tuple[tuple[str, str], ...] = (
    (r"s$", ""),
    (r"(ss)$", "$1"),
    (r"(wi|kni|(?:after|half|high|low|mid|non|night|[^\w]|^)li)ves$", "$1fe"),
    (r"(ar|(?:wo|[ae])l|[eo][ao])ves$", "$1f"),
    (r"ies$", "y"),
    (r"\b([pl]|zomb|(?:neck|cross)?t|coll|faer|food|gen|goon|group|lass|talk|goal|cut)ies$",
     "$1ie"),
    (r"\b(mon|smil)ies$", "$1ey"),
    (r"\b((?:tit)?m|l)ice$", "$1ouse"),
    (r"(seraph|cherub)im$", "$1"),
    (r"(x|ch|ss|sh|zz|tto|go|cho|alias|[^aou]us|t[lm]as|gas|(?:her|at|gr)o|[aeiou]ris)(?:es)?$",
     "$1"),
    (r"(analy|diagno|parenthe|progno|synop|the|empha|cri|ne)(?:sis|ses)$", "$1sis"),
    (r"(movie|twelve|abuse|e[mn]u)s$", "$1"),
    (r"(test)(?:is|es)$", "$1is"),
    (r"(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$",
     "$1us"),
    (r"(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi"
     r"|curricul|quor)a$", "$1um"),
    (r"(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)"
     r"a$", "$1on"),
    (r"(alumn|alg|vertebr)ae$", "$1a"),
    (r"(cod|mur|sil|vert|ind)ices$", "$1ex"),
    (r"(matr|append)ices$", "$1ix"),
    (r"(pe)(rson|ople)$", "$1rson"),
    (r"(child)ren$", "$1"),
    (r"(eau)x?$", "$1"),
    (r"men$", "man"),
)  # fmt: skip

_UNCOUNTABLE_WORDS = frozenset((
    "adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics",
    "anime", "athletics", "audio", "bison", "blood", "bream", "buffalo", "butter", "carp",
    "cash", "chassis", "chess", "clothing", "cod", "commerce", "cooperation", "corps",
    "debris", "diabetes", "digestion", "elk", "energy", "equipment", "excretion", "expertise",
    "firmware", "flounder", "fun", "gallows", "garbage", "graffiti", "hardware",
    "headquarters", "health", "herpes", "highjinks", "homework", "housework", "information",
    "jeans", "justice", "kudos", "labour", "literature", "machinery", "mackerel", "mail",
    "media", "mews", "moose", "music", "mud", "manga", "news", "only", "personnel", "pike",
    "plankton", "pliers", "police", "pollution", "premises", "rain", "research", "rice",
    "salmon", "scissors", "series", "sewage", "shambles", "shrimp", "software", "species",
    "staff", "swine", "tennis", "traffic", "transportation", "trout", "tuna", "wealth",
    "welfare", "whiting", "wildebeest", "wildlife", "you",
))  # fmt: skip

# Uncountable regular expressions: added to both rule lists (replacement "$0"), after the rules.
_UNCOUNTABLE_PATTERNS: tuple[str, ...] = (
    r"pok[eé]mon$",
    r"[^aeiou]ese$",
    r"deer$",
    r"fish$",
    r"measles$",
    r"o[iu]s$",
    r"pox$",
    r"sheep$",
)

_IRREGULAR_PLURALS = {single.lower(): plural for single, plural in _IRREGULAR}  # single -> plural
_IRREGULAR_SINGLES = {plural: single.lower() for single, plural in _IRREGULAR}  # plural -> single


def _compile(javascript_source: str) -> re.Pattern[str]:
    """A JavaScript `/source/i` (no `u`) as Python `re`: ASCII-only case folding, `$` the end."""
    python_source = javascript_source.replace("é", "éÉ").replace("$", r"\Z")
    return re.compile(python_source, re.IGNORECASE | re.ASCII)


def _rules(table: Sequence[tuple[str, str]]) -> tuple[Rule, ...]:
    rules = [(_compile(source), replacement) for source, replacement in table]
    rules += [(_compile(source), "$0") for source in _UNCOUNTABLE_PATTERNS]
    return tuple(reversed(rules))  # the library tries the last added rule first


_PLURAL = _rules(_PLURAL_RULES)
_SINGULAR = _rules(_SINGULAR_RULES)


def _restore_case(word: str, token: str) -> str:
    """`restoreCase(word, token)`: give `token` the case of `word` (both UTF-16 code units)."""
    if word == token:
        return token
    if word == to_lower_case(word):
        return to_lower_case(token)
    if word == to_upper_case(word):
        return to_upper_case(token)
    if word[0] == to_upper_case(word[0]):
        return to_upper_case(token[:1]) + to_lower_case(token[1:])
    return to_lower_case(token)


def _interpolate(replacement: str, arguments: Sequence[str | int | None]) -> str:
    """`interpolate(str, args)`: `$n` becomes `args[n]`, or "" when that is falsy or absent."""

    def argument(match: re.Match[str]) -> str:
        index = int(match.group(1))
        value = arguments[index] if index < len(arguments) else None
        return str(value) if value else ""

    return re.sub(r"\$(\d{1,2})", argument, replacement)


def _replace(word: str, rule: Rule) -> str:
    """`replace(word, rule)`: `word.replace(regexp, fn)`, the first match only."""
    pattern, replacement = rule

    def replace_match(match: re.Match[str]) -> str:
        # The callback's arguments: match, groups..., offset, whole string.
        arguments = [match.group(0), *match.groups(), match.start(), word]
        result = _interpolate(replacement, arguments)
        if match.group(0) == "":
            # The library passes `word[index - 1]`, where `index` is the offset here (no groups).
            return _restore_case(word[match.start() - 1], result)
        return _restore_case(match.group(0), result)

    return pattern.sub(replace_match, word, count=1)


def _sanitize_word(token: str, word: str, rules: Sequence[Rule]) -> str:
    """`sanitizeWord(token, word, rules)`: the first rule (from the end) that matches, applied."""
    if not token or token in _UNCOUNTABLE_WORDS:
        return word
    for rule in rules:
        if rule[0].search(word):
            return _replace(word, rule)
    return word


def _replace_word(
    text: str, replace_map: Mapping[str, str], keep_map: Mapping[str, str], rules: Sequence[Rule]
) -> str:
    """`replaceWord(replaceMap, keepMap, rules)(word)`."""
    word = utf16_units(text)
    token = to_lower_case(word)
    if token in keep_map:
        return from_utf16_units(_restore_case(word, token))
    if token in replace_map:
        return from_utf16_units(_restore_case(word, replace_map[token]))
    return from_utf16_units(_sanitize_word(token, word, rules))


def _check_word(
    text: str, replace_map: Mapping[str, str], keep_map: Mapping[str, str], rules: Sequence[Rule]
) -> bool:
    """`checkWord(replaceMap, keepMap, rules)(word)`."""
    token = to_lower_case(utf16_units(text))
    if token in keep_map:
        return True
    if token in replace_map:
        return False
    return _sanitize_word(token, token, rules) == token


def plural(word: str) -> str:
    """`pluralize.plural(word)`, which `pluralize(word)` is too: `patient` -> `patients`."""
    return _replace_word(word, _IRREGULAR_PLURALS, _IRREGULAR_SINGLES, _PLURAL)


def singular(word: str) -> str:
    """`pluralize.singular(word)`: `Wards` -> `Ward`, `people` -> `person`."""
    return _replace_word(word, _IRREGULAR_SINGLES, _IRREGULAR_PLURALS, _SINGULAR)


def is_plural(word: str) -> bool:
    """`pluralize.isPlural(word)`."""
    return _check_word(word, _IRREGULAR_PLURALS, _IRREGULAR_SINGLES, _PLURAL)


def is_singular(word: str) -> bool:
    """`pluralize.isSingular(word)`."""
    return _check_word(word, _IRREGULAR_SINGLES, _IRREGULAR_PLURALS, _SINGULAR)
