"""One shape for every 422, small whatever the request held.

FastAPI's default 422 echoes each offending value back (`input`): a 1000-row batch that is one
row too long comes back whole, and a NaN input cannot even be encoded as JSON (a 500).
Here every 422 is `{"detail": [{"loc", "msg", "type"}, ...], "error_count": N}` with at most
MAX_ERRORS entries and no input values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ERRORS = 10
MAX_TEXT = 200  # characters kept of any message or location part


def error_body(errors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The 422 body for pydantic-style `errors`."""
    return {
        "detail": [
            {
                "loc": [_short(part) for part in error.get("loc", ())],
                "msg": _short(error.get("msg", "")),
                "type": _short(error.get("type", "")),
            }
            for error in errors[:MAX_ERRORS]
        ],
        "error_count": len(errors),
    }


def invalid(errors: Iterable[Mapping[str, Any]]) -> RequestValidationError:
    """A 422 raised by an endpoint, rendered like a schema error."""
    return RequestValidationError(list(errors))


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Exception handler for RequestValidationError."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(error_body(errors), status_code=422)


def _short(value: object) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."
