"""What the service holds after the earlier steps of a case, derived from the seed and
json-server's answers: every write json-server accepted, applied as the service applies it.
Deletes remove only their record (no orphan sweep), and a name reaches one collection, the
later of two keys that differ only in case. The differences `no_orphan_sweep` and
`twin_keys_later_only` answer reads from it where json-server's own state has moved apart.
"""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from app.json_codec import js_string
from tests.contract.seeds import seed_document
from tests.contract.views import JsObject, js_view, plain
from tests.contract.wire import Request, Response

OVERRIDE_HEADER = "x-http-method-override"
# json-server's answer to a DELETE whose sweep failed on a null foreign key or an orphan
# without an id, after the record asked for was removed.
SWEEP_FAILURE = b"TypeError: Cannot read properties of"


def method_of(request: Request) -> str:
    """The method json-server and the service act on: a POST's X-HTTP-Method-Override."""
    override = request.header(OVERRIDE_HEADER)
    return override.upper() if request.method == "POST" and override else request.method


def segments_of(target: str) -> list[str]:
    """The path's segments as sent (still percent-encoded), without a trailing slash."""
    path = urlsplit(target).path
    parts = path.split("/")[1:]
    return parts[:-1] if len(parts) > 1 and parts[-1] == "" else parts


def id_text(value: Any) -> str:
    return js_string(plain(value))


def _record_id(record: Any) -> Any:
    return dict(record).get("id") if isinstance(record, JsObject) else None


@dataclass
class State:
    """The document's keys in order and their values, as JavaScript parses them."""

    document: dict[str, Any]

    @classmethod
    def of_seed(cls, seed: str) -> "State":
        return cls(dict(js_view(seed_document(seed))))

    def key_for(self, segment: str) -> str | None:
        """The key a path segment names for the service: matched literally and ignoring case;
        of two keys that differ only in case, the later."""
        matching = [
            key for key in self.document if key != "$schema" and key.lower() == segment.lower()
        ]
        return matching[-1] if matching else None

    def twins(self) -> set[str]:
        """Keys that another key equals when case is ignored."""
        lowered = [key.lower() for key in self.document]
        return {key for key in self.document if lowered.count(key.lower()) > 1}

    def records(self, key: str) -> list[Any] | None:
        value = self.document.get(key)
        return value if isinstance(value, list) else None

    def find(self, key: str, record_id: str) -> int | None:
        """The position of the record whose id reads as `record_id`."""
        for index, record in enumerate(self.records(key) or []):
            found = _record_id(record)
            if found is not None and id_text(found) == record_id:
                return index
        return None

    def next_id(self, key: str) -> Any:
        """lodash-id's createId over the collection: 1 when empty, max + 1 when the largest id
        is a number, else None (json-server draws a nanoid)."""
        ids = [_record_id(record) for record in self.records(key) or []]
        numbers = [value for value in ids if isinstance(value, float)]
        if not ids:
            return 1.0
        if numbers and len(numbers) == len(ids):
            return max(numbers) + 1
        return None

    def view(self) -> JsObject:
        return JsObject(self.document.items())

    def apply(self, request: Request, response: Response) -> None:
        """One earlier step, as the service carried it out."""
        method, parts = method_of(request), segments_of(request.target)
        if method == "DELETE" and response.status == 500:
            if (response.body or b"").startswith(SWEEP_FAILURE):
                self._delete(parts)
            return
        if not 200 <= response.status < 300 or method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        if method == "DELETE":
            self._delete(parts)
            return
        created = js_view(response.body or b"null")
        if len(parts) == 3 and method == "POST":
            parts = parts[2:]  # a nested POST creates in the child collection
        key = self.key_for(parts[0]) if parts else None
        if key is None:
            return
        records = self.records(key)
        if records is None or (len(parts) == 1 and method != "POST"):
            self.document[key] = created  # a singular: written back whole
        elif len(parts) == 1:
            records.append(self.with_own_id(key, request, created))
        elif len(parts) == 2 and (position := self.find(key, unquote(parts[1]))) is not None:
            records[position] = created

    def with_own_id(self, key: str, request: Request, created: Any) -> Any:
        """A created record with the id the service gives it: json-server's, unless it
        generated a number over a collection that holds other records here."""
        own = self.next_id(key)
        try:
            sent = json.loads(request.body or b"null")
        except ValueError:
            sent = None
        sent_id = isinstance(sent, dict) and "id" in sent
        if sent_id or own is None or not isinstance(created, JsObject):
            return created
        if not isinstance(_record_id(created), float):
            return created
        return JsObject((name, own if name == "id" else value) for name, value in created)

    def _delete(self, parts: list[str]) -> None:
        if len(parts) != 2:
            return
        key = self.key_for(parts[0])
        records = self.records(key) if key else None
        position = self.find(key, unquote(parts[1])) if key else None
        if records is not None and position is not None:
            del records[position]


def state_before(seed: str, earlier: tuple[tuple[Request, Response], ...]) -> State:
    state = State.of_seed(seed)
    for request, response in earlier:
        state.apply(request, response)
    return state
