"""The OpenAI error envelope, the one body shape every non-2xx answer of the server has.

Handlers raise :class:`ApiError`; the app turns it into ``{"error": {...}}`` with
``application/json``, so no code path can answer an error in another shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

JSON_CONTENT_TYPE = "application/json"


@dataclass(slots=True)
class ApiError(Exception):
    """An HTTP error answer: status, the envelope's fields, and any extra headers."""

    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.type}: {self.message}"

    def body(self) -> bytes:
        return orjson.dumps(
            {
                "error": {
                    "message": self.message,
                    "type": self.type,
                    "param": self.param,
                    "code": self.code,
                }
            }
        )


def invalid_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """400: the body is not a request the spec allows (spec, Errors: 400 Invalid request body)."""
    return ApiError(400, message, "invalid_request_error", code=code, param=param)


def authentication_failed(message: str, code: str) -> ApiError:
    """401: missing or invalid API key (spec, Errors)."""
    return ApiError(401, message, "invalid_request_error", code=code)


def insufficient_balance(message: str) -> ApiError:
    """402: the balance cannot cover the request's worst-case cost (spec, Errors)."""
    return ApiError(402, message, "insufficient_balance", code="insufficient_balance")


def permission_denied(message: str, code: str, param: str | None = None) -> ApiError:
    """403: suspended account, or a model the account's tier may not use (spec, Errors)."""
    return ApiError(403, message, "permission_error", code=code, param=param)


def not_found(message: str, code: str | None, param: str | None = None) -> ApiError:
    """404: unknown model (OpenAI's ``model_not_found``) or unknown route."""
    return ApiError(404, message, "invalid_request_error", code=code, param=param)


def rate_limited(message: str, headers: dict[str, str]) -> ApiError:
    """429: the key's token bucket is empty (spec, Errors)."""
    return ApiError(429, message, "rate_limit_error", code="rate_limit_exceeded", headers=headers)


def internal_error(message: str = "The server had an error processing your request.") -> ApiError:
    """500 (spec, Errors: Internal error)."""
    return ApiError(500, message, "server_error", code="internal_error")


def upstream_failed(message: str) -> ApiError:
    """502 (spec, Errors: All upstream channels failed)."""
    return ApiError(502, message, "upstream_error", code="all_channels_failed")


def maintenance(retry_after_s: int) -> ApiError:
    """503 (spec, Errors: Maintenance)."""
    return ApiError(
        503,
        "Routify is under maintenance; try again later.",
        "service_unavailable",
        code="maintenance",
        headers={"retry-after": str(retry_after_s)},
    )
