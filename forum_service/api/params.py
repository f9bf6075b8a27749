"""Parsing of path and query parameters with the project's error codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from forum_service.api.errors import Handler
from forum_service.api.openapi import Param
from forum_service.domain import MAX_ID, DomainError

__all__ = [
    "MAX_ID",
    "QueryInt",
    "idempotency_key",
    "json_body",
    "parse_int",
    "path_id",
    "query_cursor",
    "refuse_nul_in_path",
]

# ASCII digits only (str.isdigit() also takes "²" and "٣"), no leading zeros, at most 19 digits:
# a number is written one way, and never gets big enough to cost anything to convert.
_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")


@web.middleware
async def refuse_nul_in_path(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a path holding U+0000 (``%00``): no slug, topic or id contains one, and
    PostgreSQL cannot even compare text that does."""
    if "\x00" in request.path:
        raise DomainError("invalid_path", "the path contains a NUL character")
    return await handler(request)


def parse_int(raw: str, *, low: int, high: int) -> int | None:
    """The one parser of numbers from outside: ``raw`` as an int in ``[low, high]``, or None."""
    if _PLAIN_NUMBER.fullmatch(raw) is None:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def path_id(request: web.Request, name: str) -> int:
    """Return an id path parameter (1..MAX_ID), or raise ``invalid_id``."""
    value = parse_int(request.match_info[name], low=1, high=MAX_ID)
    if value is None:
        raise DomainError("invalid_id", f"{name} must be a whole number from 1 to {MAX_ID}")
    return value


def query_int(request: web.Request, name: str, *, default: int, low: int, high: int) -> int:
    """Return an integer query parameter within ``[low, high]``, or raise ``invalid_query``."""
    raw = request.query.get(name)
    if raw is None:
        return default
    value = parse_int(raw, low=low, high=high)
    if value is None:
        raise DomainError("invalid_query", f"{name} must be an integer from {low} to {high}")
    return value


@dataclass(frozen=True)
class QueryInt:
    """An integer query parameter: parsed and documented from the same bounds."""

    name: str
    default: int
    low: int
    high: int
    description: str

    def read(self, request: web.Request) -> int:
        """Parse it from ``request`` (see `query_int`)."""
        return query_int(request, self.name, default=self.default, low=self.low, high=self.high)

    def param(self) -> Param:
        """Its OpenAPI description."""
        schema = {"type": "integer", "minimum": self.low, "maximum": self.high}
        return Param(self.name, "query", self.description, {**schema, "default": self.default})


def query_cursor(request: web.Request, name: str = "cursor") -> int | None:
    """Return an id cursor this service issued (``next_cursor``), None when absent.

    Raises:
        DomainError: ``cursor_invalid`` for anything but an id.
    """
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    value = parse_int(raw, low=1, high=MAX_ID)
    if value is None:
        raise DomainError("cursor_invalid", "cursor is not one this service issued")
    return value


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
    except RecursionError:  # the json module recurses once per level of nesting
        raise DomainError("invalid_json", "the request body is nested too deeply") from None
