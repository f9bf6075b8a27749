"""Practitioners' expert forum routes: upcoming forums, one forum, and RSVPs.

The admins' routes (schedule, reschedule, cancel, announce) are in ``admin_expert_forum_routes``.
"""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.expert_forum_schemas import ForumEnvelope, ForumList, ForumOut, RsvpRequest
from forum_service.api.keys import EXPERT_FORUMS
from forum_service.api.openapi import Doc, Param, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response
from forum_service.domain import DomainError, RsvpStatus

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 409, 422)


WHEN = Param(
    "when",
    "query",
    "upcoming (default): soonest first; past: held, cancelled or started, newest first",
    {"type": "string", "enum": ["upcoming", "past"]},
)


@routes.get("/api/v1/forums")
@documented(
    Doc(
        "Upcoming (or past) expert forums with my RSVP",
        ForumList,
        params=(WHEN,),
        errors=(400,),
        tags=("forums",),
    )
)
async def upcoming(request: web.Request) -> web.Response:
    """List upcoming forums, or past ones with ``?when=past``."""
    when = request.query.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        raise DomainError("invalid_query", "when must be upcoming or past")
    service = request.app[EXPERT_FORUMS]
    key = acting_identity(request)
    found = await (service.past(key) if when == "past" else service.upcoming(key))
    return json_response(ForumList(forums=[ForumOut.of(f) for f in found]))


@routes.get("/api/v1/forums/{forum_id}")
@documented(
    Doc("One expert forum with my RSVP", ForumEnvelope, errors=(400, 404), tags=("forums",))
)
async def get_forum(request: web.Request) -> web.Response:
    """Read one forum."""
    forum = await request.app[EXPERT_FORUMS].get(
        acting_identity(request), path_id(request, "forum_id")
    )
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))


@routes.put("/api/v1/forums/{forum_id}/rsvp")
@documented(
    Doc(
        "Answer going / interested / not going (full → waiting list)",
        ForumEnvelope,
        request=RsvpRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def rsvp(request: web.Request) -> web.Response:
    """RSVP."""
    key = acting_identity(request)
    body = RsvpRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].rsvp(
        key, path_id(request, "forum_id"), RsvpStatus(body.status)
    )
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))
