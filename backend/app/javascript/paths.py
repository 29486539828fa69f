"""lodash's property paths (`castPath`, `stringToPath`): how `_.get`, `_.has` and `_.orderBy`
read `address.city`, `conditions.0` or `a["b.c"]`."""

import re

# lodash's reIsDeepProp, reIsPlainProp, rePropName and reEscapeChar.
DEEP_PROPERTY = re.compile(r"""\.|\[(?:[^[\]]*|(["'])(?:(?!\1)[^\\]|\\.)*?\1)\]""")
PLAIN_PROPERTY = re.compile(r"^[A-Za-z0-9_]*\Z")
_PROPERTY_NAME = re.compile(
    r"""[^.[\]]+|\[(?:(-?\d+(?:\.\d+)?)|(["'])((?:(?!\2)[^\\]|\\.)*?)\2)\]|(?=(?:\.|\[\])(?:\.|\[\]|\Z))""",
    re.ASCII,
)
_ESCAPE_CHARACTER = re.compile(r"\\(\\)?")


def string_to_path(field: str) -> list[str]:
    """lodash's `stringToPath`: `a.b[0]["c"]` -> `["a", "b", "0", "c"]`."""
    path = [""] if field.startswith(".") else []
    for match in _PROPERTY_NAME.finditer(field):
        number, quote, quoted = match.group(1), match.group(2), match.group(3)
        if quote:
            path.append(_ESCAPE_CHARACTER.sub(lambda m: m.group(1) or "", quoted))
        else:
            path.append(number or match.group(0))
    return path
