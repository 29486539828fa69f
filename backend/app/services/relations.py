"""`_embed` and `_expand` names resolved against the catalog, with json-server's naming:
pluralize 8.0.0, case preserved, foreign keys named `<name>Id`."""

from app.javascript.pluralize import plural, singular
from app.query import Embed, Expand, ListQuery, Relations
from app.store import Catalog, Kind

FOREIGN_KEY_SUFFIX = "Id"


def foreign_key(name: str) -> str:
    """The field that refers to a record of the collection `name`: `doctors` -> `doctorId`,
    `Wards` -> `WardId` (json-server's `singular(name) + "Id"`)."""
    return singular(name) + FOREIGN_KEY_SUFFIX


def resolve(catalog: Catalog, collection: str, query: ListQuery) -> Relations:
    """What `query`'s `_embed`/`_expand` read, for records of `collection` (its db.json key).

    `_embed=C` reads the collection keyed exactly `C` (none: `[]`), comparing its records'
    `singular(collection)Id`; `_expand=x` reads the collection keyed exactly `plural(x)`
    (none: ignored), by the record's `xId`. Repeated names count once."""
    embeds = tuple(
        Embed(name, name if _is_plural(catalog, name) else None, foreign_key(collection))
        for name in dict.fromkeys(query.embeds)
    )
    expands = tuple(
        Expand(name, plural(name), name + FOREIGN_KEY_SUFFIX)
        for name in dict.fromkeys(query.expands)
        if _is_plural(catalog, plural(name))
    )
    return Relations(embeds, expands)


def _is_plural(catalog: Catalog, name: str) -> bool:
    found = catalog.get(name)
    return found is not None and found.kind is Kind.PLURAL
