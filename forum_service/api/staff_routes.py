"""Staff routes of issue 19: reject reasons, suspending staff by handle, appeals."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import APPEALS, REASONS, SUSPENSIONS
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response
from forum_service.api.staff_schemas import (
    AppealDecisionOut,
    AppealDecisionRequest,
    AppealOut,
    AppealRequest,
    MoveReasonRequest,
    RejectReasonList,
    RejectReasonOut,
    RejectReasonRequest,
    StaffSuspensionRequest,
    SuspensionOut,
)
from forum_service.services.suspensions import Target

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 409, 422)


@routes.get("/api/v1/moderation/reject-reasons")
@documented(
    Doc(
        "The reject reasons in keyboard order (moderators); 'other' (free text) always exists",
        RejectReasonList,
        errors=(400, 403),
        tags=("moderation",),
    )
)
async def reject_reasons(request: web.Request) -> web.Response:
    """List the reject reasons."""
    found = await request.app[REASONS].reasons(acting_identity(request))
    return json_response(RejectReasonList(reasons=[RejectReasonOut.of(r) for r in found]))


@routes.post("/api/v1/admin/reject-reasons")
@documented(
    Doc(
        "Add a reject reason at the end (admins)",
        RejectReasonOut,
        status=201,
        request=RejectReasonRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def add_reject_reason(request: web.Request) -> web.Response:
    """Add a reason."""
    key = acting_identity(request)
    body = RejectReasonRequest.model_validate(await json_body(request))
    added = await request.app[REASONS].add(key, body.label, body.text)
    return json_response(RejectReasonOut.of(added), status=201)


@routes.delete("/api/v1/admin/reject-reasons/{reason_id}")
@documented(Doc("Remove a reject reason (admins)", CountOut, errors=ERRORS, tags=("admin",)))
async def remove_reject_reason(request: web.Request) -> web.Response:
    """Remove a reason."""
    await request.app[REASONS].remove(acting_identity(request), path_id(request, "reason_id"))
    return json_response(CountOut(count=1))


@routes.post("/api/v1/admin/reject-reasons/{reason_id}/move")
@documented(
    Doc(
        "Move a reject reason to a position (admins); answers the new order",
        RejectReasonList,
        request=MoveReasonRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def move_reject_reason(request: web.Request) -> web.Response:
    """Reorder the reasons."""
    key = acting_identity(request)
    body = MoveReasonRequest.model_validate(await json_body(request))
    found = await request.app[REASONS].move(key, path_id(request, "reason_id"), body.position)
    return json_response(RejectReasonList(reasons=[RejectReasonOut.of(r) for r in found]))


@routes.post("/api/v1/admin/staff-suspension")
@documented(
    Doc(
        "Suspend (reason, optional days) or reinstate a moderator or admin by handle (admins)",
        SuspensionOut,
        request=StaffSuspensionRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def staff_suspension(request: web.Request) -> web.Response:
    """Suspend or reinstate a staff member."""
    key = acting_identity(request)
    body = StaffSuspensionRequest.model_validate(await json_body(request))
    service = request.app[SUSPENSIONS]
    target = Target(handle=body.handle)
    if not body.suspended:
        await service.lift(key, target)
        return json_response(SuspensionOut())
    done = await service.suspend(key, target, body.reason, body.days)
    return json_response(SuspensionOut(until=done.until))


@routes.post("/api/v1/appeals")
@documented(
    Doc(
        "Appeal once against my suspension, or (post_id) against hiding my post; admins answer",
        AppealOut,
        status=201,
        request=AppealRequest,
        errors=ERRORS,
        tags=("author",),
    )
)
async def appeal(request: web.Request) -> web.Response:
    """Send an appeal."""
    key = acting_identity(request)
    body = AppealRequest.model_validate(await json_body(request))
    appeal_id = await request.app[APPEALS].appeal(key, body.text, body.post_id)
    return json_response(AppealOut(id=appeal_id), status=201)


@routes.post("/api/v1/admin/appeals/{appeal_id}/decision")
@documented(
    Doc(
        "Answer an appeal: lift or uphold; the person is told (admins)",
        AppealDecisionOut,
        request=AppealDecisionRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def decide_appeal(request: web.Request) -> web.Response:
    """Answer an appeal."""
    key = acting_identity(request)
    body = AppealDecisionRequest.model_validate(await json_body(request))
    status = await request.app[APPEALS].decide(
        key, path_id(request, "appeal_id"), lift=body.lift, message=body.message
    )
    return json_response(AppealDecisionOut(status=status.value))
