"""Authentication: the bot's service token on every API call, the acting identity per request."""

from __future__ import annotations

import hmac

from aiohttp import web

from forum_service.api.errors import Handler, error_response
from forum_service.api.keys import SETTINGS
from forum_service.api.openapi import doc_of
from forum_service.domain import DomainError, IdentityKey

IDENTITY_HEADER = "X-Forum-Identity"


@web.middleware
async def service_token_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse API calls without the right ``Authorization: Bearer <FORUM_SERVICE_TOKEN>``.

    Routes documented as public (health, the OpenAPI document) pass without a token.
    """
    doc = doc_of(request.match_info.handler)
    if doc is not None and doc.public:
        return await handler(request)
    expected = request.app[SETTINGS].service_token.get_secret_value()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        return error_response(401, "unauthorized", "missing or wrong service token")
    return await handler(request)


def acting_identity(request: web.Request) -> IdentityKey:
    """Return the identity key the request acts for.

    Raises:
        DomainError: ``identity_missing`` or ``identity_malformed`` (400).
    """
    raw = request.headers.get(IDENTITY_HEADER)
    if raw is None:
        raise DomainError("identity_missing", f"the {IDENTITY_HEADER} header is required")
    return IdentityKey.parse(raw)
