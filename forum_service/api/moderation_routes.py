"""Moderation routes: the author's revise and report, the moderators' queue and decisions."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.board_schemas import PostEnvelope, PostOut
from forum_service.api.keys import BOARDS, MODERATION, SUSPENSIONS
from forum_service.api.moderation_schemas import (
    ClaimRequest,
    CountOut,
    DecisionRequest,
    HideRequest,
    QueueItemEnvelope,
    QueueItemOut,
    QueueList,
    ReportList,
    ReportOut,
    ReportRequest,
    ReviseRequest,
    SuspendRequest,
    note_change,
)
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import QueryInt, json_body, path_id
from forum_service.api.responses import json_response
from forum_service.api.staff_schemas import SuspensionOut
from forum_service.domain import DecisionAction, ReportCategory
from forum_service.services.suspensions import Target

routes = web.RouteTableDef()

PAGE = QueryInt("limit", 20, 1, 100, "page size")
LIMIT = PAGE.param()
MOD_ERRORS = (400, 403, 404, 409, 422)


@routes.post("/api/v1/posts/{post_id}/revise")
@documented(
    Doc(
        "Revise my rejected post and resubmit it to the queue",
        PostEnvelope,
        request=ReviseRequest,
        errors=MOD_ERRORS,
        tags=("author",),
    )
)
async def revise(request: web.Request) -> web.Response:
    """Resubmit a rejected post with new text."""
    key = acting_identity(request)
    body = ReviseRequest.model_validate(await json_body(request))
    post = await request.app[BOARDS].revise(
        key, path_id(request, "post_id"), body.body, body.title, note_change(body)
    )
    return json_response(PostEnvelope(post=PostOut.of(post, mine=True)))


@routes.post("/api/v1/posts/{post_id}/reports")
@documented(
    Doc(
        "Report an approved post; it goes back to the moderation queue (identifies_someone "
        "and safety_risk hide it at once, in the urgent lane); the reporter is told the outcome",
        CountOut,
        status=201,
        request=ReportRequest,
        errors=(*MOD_ERRORS, 429),
        tags=("author",),
    )
)
async def report(request: web.Request) -> web.Response:
    """File a report."""
    key = acting_identity(request)
    body = ReportRequest.model_validate(await json_body(request))
    await request.app[BOARDS].report(
        key, path_id(request, "post_id"), body.reason, ReportCategory(body.category)
    )
    return json_response(CountOut(count=1), status=201)


@routes.get("/api/v1/moderation/queue")
@documented(
    Doc(
        "The moderation queue, highest risk first (moderators)",
        QueueList,
        params=(LIMIT,),
        errors=(400, 403),
        tags=("moderation",),
    )
)
async def queue(request: web.Request) -> web.Response:
    """List pending items."""
    limit = PAGE.read(request)
    items = await request.app[MODERATION].queue(acting_identity(request), limit)
    return json_response(QueueList(items=[QueueItemOut.of(item) for item in items]))


@routes.get("/api/v1/moderation/items/{item_id}")
@documented(
    Doc(
        "One queue item (moderators)",
        QueueItemEnvelope,
        errors=(400, 403, 404),
        tags=("moderation",),
    )
)
async def get_item(request: web.Request) -> web.Response:
    """Read one item."""
    item = await request.app[MODERATION].get(acting_identity(request), path_id(request, "item_id"))
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.post("/api/v1/moderation/items/{item_id}/claim")
@documented(
    Doc(
        "Claim an item for 10 minutes so other moderators skip it",
        QueueItemEnvelope,
        request=ClaimRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def claim(request: web.Request) -> web.Response:
    """Claim an item."""
    key = acting_identity(request)
    body = ClaimRequest.model_validate(await json_body(request))
    item = await request.app[MODERATION].claim(key, path_id(request, "item_id"), body.version)
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.post("/api/v1/moderation/items/{item_id}/decision")
@documented(
    Doc(
        "Approve, edit-and-approve, or reject with a reason (the author is notified)",
        QueueItemEnvelope,
        request=DecisionRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def decide(request: web.Request) -> web.Response:
    """Decide an item."""
    key = acting_identity(request)
    body = DecisionRequest.model_validate(await json_body(request))
    item = await request.app[MODERATION].decide(
        key,
        path_id(request, "item_id"),
        version=body.version,
        action=DecisionAction(body.action),
        reason_code=body.reason_code,
        reason_text=body.reason,
        body=body.body,
        title=body.title,
        note=body.note,
        content_note=note_change(body),
    )
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.post("/api/v1/moderation/posts/{post_id}/hide")
@documented(
    Doc(
        "Hide an approved post (the author is told why)",
        CountOut,
        request=HideRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def hide(request: web.Request) -> web.Response:
    """Hide an approved post."""
    key = acting_identity(request)
    body = HideRequest.model_validate(await json_body(request))
    await request.app[MODERATION].hide(key, path_id(request, "post_id"), body.reason)
    return json_response(CountOut(count=1))


@routes.post("/api/v1/moderation/posts/{post_id}/author-suspension")
@documented(
    Doc(
        "Suspend (reason, optional days) or reinstate the author of a post, without revealing "
        "who it is; they are told",
        SuspensionOut,
        request=SuspendRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def suspend(request: web.Request) -> web.Response:
    """Suspend or reinstate a post's author."""
    key = acting_identity(request)
    body = SuspendRequest.model_validate(await json_body(request))
    service = request.app[SUSPENSIONS]
    target = Target(post_id=path_id(request, "post_id"))
    if not body.suspended:
        await service.lift(key, target)
        return json_response(SuspensionOut())
    done = await service.suspend(key, target, body.reason, body.days)
    return json_response(SuspensionOut(until=done.until))


@routes.get("/api/v1/moderation/reports")
@documented(
    Doc(
        "Open reports, oldest first (moderators)",
        ReportList,
        params=(LIMIT,),
        errors=(400, 403),
        tags=("moderation",),
    )
)
async def reports(request: web.Request) -> web.Response:
    """List open reports."""
    limit = PAGE.read(request)
    found = await request.app[MODERATION].reports(acting_identity(request), limit)
    return json_response(ReportList(reports=[ReportOut.of(r) for r in found]))
