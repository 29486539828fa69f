"""`_embed` and `_expand` resolved against the collections that exist, json-server's way.

The query string only names them; which collection each one reads and which field it compares
depend on the collection being listed and on the catalog (`app.services.relations` resolves
them), so the SQL builder receives them ready.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Embed:
    """`_embed=<key>`: each record gets `key`, the records of `collection` whose `foreign_key`
    strictly equals (same JSON type and value) the record's id; `[]` when `collection` is None
    (no such plural collection)."""

    key: str
    collection: str | None
    foreign_key: str


@dataclass(frozen=True, slots=True)
class Expand:
    """`_expand=<key>`: each record's `key` becomes the record of `collection` whose id, as a
    string, equals the record's `foreign_key` (absent when there is none)."""

    key: str
    collection: str
    foreign_key: str


@dataclass(frozen=True, slots=True)
class Relations:
    embeds: tuple[Embed, ...] = ()
    expands: tuple[Expand, ...] = ()

    @property
    def collections(self) -> tuple[str, ...]:
        """Every collection read besides the listed one, in order, without repeats."""
        names = [e.collection for e in self.embeds if e.collection] + [
            e.collection for e in self.expands
        ]
        return tuple(dict.fromkeys(names))

    def __bool__(self) -> bool:
        return bool(self.embeds or self.expands)


NO_RELATIONS = Relations()
