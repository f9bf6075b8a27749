"""Parsing of path and query parameters with the project's error codes."""

from __future__ import annotations

from aiohttp import web

from forum_service.domain import DomainError

MAX_ID = 2**62


def path_id(request: web.Request, name: str) -> int:
    """Return a positive integer path parameter, or raise ``invalid_id``."""
    raw = request.match_info[name]
    if not raw.isdigit() or not 0 < int(raw) < MAX_ID:
        raise DomainError("invalid_id", f"{name} must be a positive integer")
    return int(raw)


def query_int(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    """Return an integer query parameter within ``[low, high]``, or raise ``invalid_query``."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise DomainError("invalid_query", f"{name} must be an integer from {low} to {high}")
    return int(raw)


def idempotency_key(request: web.Request) -> str | None:
    """Return the ``Idempotency-Key`` header, checked: 1–100 printable ASCII characters."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not 0 < len(raw) <= 100 or not raw.isascii() or not raw.isprintable():
        raise DomainError(
            "idempotency_key_invalid", "Idempotency-Key must be 1-100 printable ASCII characters"
        )
    return raw


async def json_body(request: web.Request) -> object:
    """Return the parsed JSON body, or raise ``invalid_json``."""
    if request.content_type != "application/json":
        raise DomainError("invalid_json", "send a JSON body with Content-Type: application/json")
    try:
        return await request.json()
    except ValueError:
        raise DomainError("invalid_json", "the request body is not valid JSON") from None
