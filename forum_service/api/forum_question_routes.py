"""Questions in advance of an expert forum: asked by people who answered it, reviewed and
listed by moderators and admins (the service checks both)."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.expert_forum_schemas import (
    ForumOut,
    QuestionDecisionRequest,
    QuestionEnvelope,
    QuestionList,
    QuestionOut,
    QuestionRequest,
)
from forum_service.api.keys import FORUM_QUESTIONS
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 409, 422)


@routes.post("/api/v1/forums/{forum_id}/questions")
@documented(
    Doc(
        "Send a question in advance (Going or Interested only); a moderator reviews it",
        QuestionEnvelope,
        status=201,
        request=QuestionRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def ask(request: web.Request) -> web.Response:
    """Ask a question."""
    key = acting_identity(request)
    body = QuestionRequest.model_validate(await json_body(request))
    question = await request.app[FORUM_QUESTIONS].ask(key, path_id(request, "forum_id"), body.text)
    return json_response(QuestionEnvelope(question=QuestionOut.of(question)), status=201)


@routes.get("/api/v1/moderation/forums/{forum_id}/questions")
@documented(
    Doc(
        "A forum's questions, every status, oldest first (moderators)",
        QuestionList,
        errors=(400, 403, 404),
        tags=("forums",),
    )
)
async def questions(request: web.Request) -> web.Response:
    """List a forum's questions."""
    forum, found = await request.app[FORUM_QUESTIONS].questions(
        acting_identity(request), path_id(request, "forum_id")
    )
    return json_response(
        QuestionList(forum=ForumOut.of(forum), questions=[QuestionOut.of(q) for q in found])
    )


@routes.post("/api/v1/moderation/forum-questions/{question_id}/decision")
@documented(
    Doc(
        "Approve or reject a question in advance (moderators)",
        QuestionEnvelope,
        request=QuestionDecisionRequest,
        errors=ERRORS,
        tags=("forums",),
    )
)
async def decide(request: web.Request) -> web.Response:
    """Decide a question."""
    key = acting_identity(request)
    body = QuestionDecisionRequest.model_validate(await json_body(request))
    question = await request.app[FORUM_QUESTIONS].decide(
        key, path_id(request, "question_id"), body.approve
    )
    return json_response(QuestionEnvelope(question=QuestionOut.of(question)))
