"""One error hierarchy and one JSON body shape, with no web framework in sight: services raise
these, and `app.api.errors` turns them into responses.

Every error the service answers with has the body
`{"error": {"status": <int>, "code": "<machine-readable>", "message": "<one sentence>"}}`,
except "not found", which answers `{}` exactly as json-server does. Messages never contain
request data: they name what was wrong, not the patient data it was wrong with.
"""

from typing import Any

RETRY_AFTER_SECONDS = "1"


class ApiError(Exception):
    """An error with an HTTP status and a message that is safe to show the client."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidBody(ApiError):
    status_code = 400
    code = "invalid_body"


class InvalidQuery(ApiError):
    status_code = 400
    code = "invalid_query"


class NotFound(ApiError):
    """Answered as json-server does: 404 with the body `{}`."""

    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class DuplicateId(ApiError):
    status_code = 409
    code = "duplicate_id"

    def __init__(self, message: str = "A record with this id already exists.") -> None:
        super().__init__(message)


class NotRecords(ApiError):
    """A POST to a collection of values that are not objects (`"tags": ["red"]`)."""

    status_code = 400
    code = "collection_not_records"

    def __init__(
        self, message: str = "This collection holds values, not records: nothing can be added."
    ) -> None:
        super().__init__(message)


class UnassignableId(ApiError):
    """json-server's "max id + 1" gives no new id (beyond 2^53, max + 1 rounds back to max)."""

    status_code = 409
    code = "id_unassignable"

    def __init__(
        self,
        message: str = "No new id follows the largest id; send the record with an id.",
    ) -> None:
        super().__init__(message)


class PreconditionFailed(ApiError):
    """If-Match names a version of the record that is no longer the current one."""

    status_code = 412
    code = "precondition_failed"

    def __init__(
        self, message: str = "The record changed since the ETag in If-Match; read it again."
    ) -> None:
        super().__init__(message)


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class PayloadTooLarge(ApiError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    status_code = 415
    code = "unsupported_media_type"


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "service_unavailable"


INTERNAL_ERROR_MESSAGE = "An unexpected error occurred."


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The one JSON shape of an error (except 404's `{}`)."""
    return {"error": {"status": status, "code": code, "message": message}}
