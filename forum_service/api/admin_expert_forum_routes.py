"""Admins' expert forum routes: schedule, reschedule and cancel forums; send announcements.

Practitioners' side (list, read, RSVP) is in ``expert_forum_routes``; the service checks the
admin role on every call here, whatever the bot shows.
"""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.expert_forum_schemas import (
    AnnounceRequest,
    CancelForumRequest,
    CreateForumRequest,
    ForumEnvelope,
    ForumOut,
    HeldRequest,
    RescheduleRequest,
)
from forum_service.api.keys import EXPERT_FORUMS
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

ADMIN_ERRORS = (400, 403, 404, 409, 422)


@routes.post("/api/v1/admin/forums")
@documented(
    Doc(
        "Schedule an expert forum (admins); subscribers are told",
        ForumEnvelope,
        status=201,
        request=CreateForumRequest,
        errors=ADMIN_ERRORS,
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
        errors=ADMIN_ERRORS,
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
        errors=ADMIN_ERRORS,
        tags=("forums",),
    )
)
async def cancel(request: web.Request) -> web.Response:
    """Cancel a forum."""
    key = acting_identity(request)
    body = CancelForumRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].cancel(key, path_id(request, "forum_id"), body.reason)
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))


@routes.post("/api/v1/admin/forums/{forum_id}/held")
@documented(
    Doc(
        "Mark a forum held with its follow-up; everyone who answered receives it (admins)",
        ForumEnvelope,
        request=HeldRequest,
        errors=ADMIN_ERRORS,
        tags=("forums",),
    )
)
async def held(request: web.Request) -> web.Response:
    """Mark a forum held."""
    key = acting_identity(request)
    body = HeldRequest.model_validate(await json_body(request))
    forum = await request.app[EXPERT_FORUMS].mark_held(
        key,
        path_id(request, "forum_id"),
        recording_url=body.recording_url,
        slides_file_id=body.slides_file_id,
        summary=body.summary,
    )
    return json_response(ForumEnvelope(forum=ForumOut.of(forum)))


@routes.post("/api/v1/admin/announcements")
@documented(
    Doc(
        "Announce to every subscriber of all announcements (admins)",
        CountOut,
        status=201,
        request=AnnounceRequest,
        errors=ADMIN_ERRORS,
        tags=("forums",),
    )
)
async def announce(request: web.Request) -> web.Response:
    """Queue an announcement."""
    key = acting_identity(request)
    body = AnnounceRequest.model_validate(await json_body(request))
    count = await request.app[EXPERT_FORUMS].announce(key, body.text, body.document_file_id)
    return json_response(CountOut(count=count), status=201)
