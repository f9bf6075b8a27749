"""One error shape for every failure: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from forum_service.domain import DomainError

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
}


def error_response(status: int, code: str, message: str) -> web.Response:
    """Build the JSON error response."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def validation_error_response(error: ValidationError) -> web.Response:
    """Turn a pydantic error into our shape; custom rules carry their own code."""
    first = error.errors(include_url=False, include_input=False)[0]
    context = first.get("ctx") or {}
    if context.get("custom"):
        return error_response(422, first["type"], str(first["msg"]))
    location = ".".join(str(part) for part in first["loc"]) or "body"
    if first["type"] == "string_unicode":  # a lone surrogate, refused before our own rules run
        return error_response(422, "text_invalid_unicode", f"{location} is not valid Unicode text")
    return error_response(422, "invalid_request", f"{location}: {first['msg']}")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map domain errors, HTTP errors and crashes to the JSON error shape.

    Unexpected exceptions are logged once with a correlation id and their type only: the
    request body (post text) and headers (identity key) never reach the log.
    """
    try:
        return await handler(request)
    except DomainError as error:
        return error_response(error.status, error.code, error.message)
    except ValidationError as error:
        return validation_error_response(error)
    except ConnectionResetError:
        # The client went away while its request was read: nobody reads this answer, and
        # nothing went wrong here (not a crash to log with a traceback).
        return error_response(400, "connection_lost", "the client closed the connection")
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _STATUS_CODES.get(error.status, "http_error")
        return error_response(error.status, code, error.reason)
    except Exception as error:
        correlation = uuid.uuid4().hex[:12]
        resource = request.match_info.route.resource
        # The frames only: exception messages (e.g. SQL errors with their parameters) can
        # carry post text or identity keys.
        log.error(
            "unhandled %s on %s %s [%s]\n%s",
            type(error).__name__,
            request.method,
            resource.canonical if resource else "?",
            correlation,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        return error_response(500, "internal_error", f"something went wrong ({correlation})")
