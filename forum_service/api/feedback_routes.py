"""Anonymous feedback: members send it; admins read one and reply once."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.community_schemas import (
    FeedbackOut,
    FeedbackReplyRequest,
    FeedbackRequest,
    FeedbackSentOut,
)
from forum_service.api.keys import FEEDBACK
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()


@routes.post("/api/v1/feedback")
@documented(
    Doc(
        "Send feedback to the admins, anonymously (refused if it holds personal data)",
        FeedbackSentOut,
        status=201,
        request=FeedbackRequest,
        errors=(400, 403, 422, 429),
        tags=("forum",),
    )
)
async def send(request: web.Request) -> web.Response:
    """Send feedback."""
    key = acting_identity(request)
    body = FeedbackRequest.model_validate(await json_body(request))
    sent = await request.app[FEEDBACK].send(key, body.text)
    return json_response(FeedbackSentOut(id=sent.id, signposting=sent.signposting), status=201)


@routes.get("/api/v1/admin/feedback/{feedback_id}")
@documented(
    Doc(
        "One feedback, never its author (admins)",
        FeedbackOut,
        errors=(400, 403, 404),
        tags=("admin",),
    )
)
async def read(request: web.Request) -> web.Response:
    """Read one feedback."""
    found = await request.app[FEEDBACK].feedback(
        acting_identity(request), path_id(request, "feedback_id")
    )
    return json_response(FeedbackOut.of(found))


@routes.post("/api/v1/admin/feedback/{feedback_id}/reply")
@documented(
    Doc(
        "Reply once to a feedback; its author is told without being named (admins)",
        CountOut,
        status=201,
        request=FeedbackReplyRequest,
        errors=(400, 403, 404, 409, 422),
        tags=("admin",),
    )
)
async def reply(request: web.Request) -> web.Response:
    """Reply to a feedback."""
    key = acting_identity(request)
    body = FeedbackReplyRequest.model_validate(await json_body(request))
    await request.app[FEEDBACK].reply(key, path_id(request, "feedback_id"), body.text)
    return json_response(CountOut(count=1), status=201)
