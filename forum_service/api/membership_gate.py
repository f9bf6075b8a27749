"""The membership gate: only members reach the forum's routes (``FORUM_MEMBERSHIP``).

Every route that acts for an identity is gated unless its documentation says otherwise
(``Doc(members_only=False)``: ``/api/v1/me``, redeeming a code, sending a membership request).
The gate runs after the service-token check, so the refusal is the service's, not the bot's.
"""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.errors import Handler
from forum_service.api.keys import MEMBERSHIP
from forum_service.api.openapi import doc_of


@web.middleware
async def membership_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a non-member with 403 ``membership_required`` before the route runs.

    Raises:
        DomainError: ``identity_missing``/``identity_malformed`` (400) or
            ``membership_required`` (403); the error middleware shapes them.
    """
    doc = doc_of(request.match_info.handler)
    if doc is not None and doc.gated:
        await request.app[MEMBERSHIP].require_member(acting_identity(request))
    return await handler(request)
