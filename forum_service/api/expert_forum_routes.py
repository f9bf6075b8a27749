"""Expert forum, RSVP and announcement routes."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.board_routes import json_response
from forum_service.api.expert_forum_schemas import (
    AnnounceRequest,
    CancelForumRequest,
    CreateForumRequest,
    ForumEnvelope,
    ForumList,
    ForumOut,
    RescheduleRequest,
    RsvpRequest,
)
from forum_service.api.keys import EXPERT_FORUMS
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.domain import RsvpStatus

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 409, 422)


@routes.post("/api/v1/admin/forums")
@documented(
    Doc(
        "Schedule an expert forum (admins); subscribers are told",
        ForumEnvelope,
        status=201,
        request=CreateForumRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def create(request: web.Request) -> web.Response:
    """Schedule a forum."""
    key = acting_identity(request)
    body = CreateForumRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].create(
        key,
        board=body.board,
        title=body.title,
        lead=body.lead,
        description=body.description or "",
        starts_at=body.starts_at,
        tbc_label=body.tbc_label,
        duration_minutes=body.duration_minutes,
        capacity=body.capacity,
        join_link=body.join_link,
    )
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)), status=201)


@routes.post("/api/v1/admin/forums/{forum_id}/reschedule")
@documented(
    Doc(
        'Set a forum\'s date ("date confirmed" for a TBC forum) (admins)',
        ForumEnvelope,
        request=RescheduleRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def reschedule(request: web.Request) -> web.Response:
    """Reschedule a forum."""
    key = acting_identity(request)
    body = RescheduleRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].reschedule(
        key, path_id(request, "forum_id"), body.starts_at
    )
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))


@routes.post("/api/v1/admin/forums/{forum_id}/cancel")
@documented(
    Doc(
        "Cancel a forum; everyone who answered is told (admins)",
        ForumEnvelope,
        request=CancelForumRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def cancel(request: web.Request) -> web.Response:
    """Cancel a forum."""
    key = acting_identity(request)
    body = CancelForumRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].cancel(key, path_id(request, "forum_id"), body.reason)
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))


@routes.get("/api/v1/forums")
@documented(Doc("Upcoming expert forums with my RSVP", ForumList, errors=(400,), tags=("forums",)))
async def upcoming(request: web.Request) -> web.Response:
    """List upcoming forums."""
    found = await request.app[EXPERT_FORUMS].upcoming(acting_identity(request))
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


@routes.post("/api/v1/admin/announcements")
@documented(
    Doc(
        "Announce to every subscriber of all announcements (admins)",
        CountOut,
        status=201,
        request=AnnounceRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def announce(request: web.Request) -> web.Response:
    """Queue an announcement."""
    key = acting_identity(request)
    body = AnnounceRequest.model_validate(await json_body(request))
    count = await request.app[EXPERT_FORUMS].announce(key, body.text, body.document_file_id)
    return json_response(CountOut(count=count), status=201)
