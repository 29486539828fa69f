"""Dependencies shared by the routes, as `Annotated` aliases."""

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from app.config import Settings
from app.errors import InvalidBody, PayloadTooLarge, UnsupportedMediaType
from app.identity import RequestIdentity, new_request_id
from app.json_codec import JsonBodyError, JsonObject, parse_json_object
from app.middleware import AUDIT_NOTE_KEY, IDENTITY_KEY
from app.services.audit import AuditNote
from app.store import Store


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> Store:
    """The worker's store. Services take a connection only when they need one, and commit
    each write before they return, so the response never goes out before the commit."""
    store: Store = request.app.state.store
    return store


def identity_of(request: Request) -> RequestIdentity:
    """Who sent the request (RequestIdentityMiddleware); its history versions carry it."""
    identity: RequestIdentity | None = request.scope.get(IDENTITY_KEY)
    return identity or RequestIdentity(new_request_id())


def audit_note_of(request: Request) -> AuditNote:
    """What the request touched, for its audit entry; routes fill it in."""
    note: AuditNote | None = request.scope.get(AUDIT_NOTE_KEY)
    if note is None:
        note = request.scope[AUDIT_NOTE_KEY] = AuditNote()
    return note


def if_match(request: Request) -> str | None:
    """The If-Match header: a write goes ahead only if the record is still that version."""
    return request.headers.get("if-match")


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything over `limit` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The body is larger than the limit of {limit} bytes.")


def _is_json_media_type(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


# body-parser's parameterLimit: a form with more `&`-separated parameters is a 413.
FORM_PARAMETER_LIMIT = 1000


def _form_to_record(text: str) -> JsonObject:
    """A urlencoded form as json-server stores it: string values, repeated keys as arrays.
    Linear in the body's length: a repeated key's array grows in place."""
    if text.count("&") >= FORM_PARAMETER_LIMIT:
        raise PayloadTooLarge(
            f"A form may have at most {FORM_PARAMETER_LIMIT} parameters.",
            code="too_many_parameters",
        )
    record: JsonObject = {}
    repeated: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in repeated:
            repeated[key].append(value)
        elif key in record:
            repeated[key] = record[key] = [record[key], value]
        else:
            record[key] = value
    return record


async def parse_record_body(request: Request, settings: Settings) -> JsonObject:
    """The request body as a record: a JSON object, a urlencoded form, or nothing (`{}`)."""
    return await _record_of(request, settings)


async def _record_of(request: Request, settings: Settings) -> JsonObject:
    raw = await read_body(request, settings.max_body_bytes)
    if not raw:
        return {}
    content_type = request.headers.get("content-type", "")
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    charset = _charset(params)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f'The charset "{charset}" is not supported; send UTF-8.')
    try:
        if _is_json_media_type(media_type):
            return parse_json_object(raw, max_number_digits=settings.max_number_digits)
        if media_type == "application/x-www-form-urlencoded":
            return _form_to_record(raw.decode("utf-8"))
    except JsonBodyError as exc:
        raise InvalidBody(exc.message, code=exc.code) from None
    except UnicodeDecodeError:
        raise InvalidBody("The body is not valid UTF-8.", code="malformed_body") from None
    if not raw.strip():
        return {}  # json-server ignores a blank body it cannot parse as JSON or a form
    raise UnsupportedMediaType(
        "Send the record as application/json (or a urlencoded form); "
        f'"{media_type or "no content type"}" is not accepted.'
    )


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None
