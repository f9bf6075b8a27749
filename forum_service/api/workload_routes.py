"""Duty (moderators) and workload figures (admins)."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import WORKLOAD
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import QueryInt, json_body
from forum_service.api.responses import json_response
from forum_service.api.workload_schemas import DutyOut, DutyRequest, LaneWorkloadOut, WorkloadOut
from forum_service.services.workload import MAX_DAYS

routes = web.RouteTableDef()

DAYS = QueryInt("days", 7, 1, MAX_DAYS, "UTC days of the window, today included")


@routes.get("/api/v1/moderation/duty")
@documented(
    Doc(
        "Whether I am on duty (alerted about the queue)",
        DutyOut,
        errors=(403,),
        tags=("moderation",),
    )
)
async def duty(request: web.Request) -> web.Response:
    """Read my duty."""
    on_duty = await request.app[WORKLOAD].duty(acting_identity(request))
    return json_response(DutyOut(on_duty=on_duty))


@routes.put("/api/v1/moderation/duty")
@documented(
    Doc(
        "Go on or off duty: on duty, I am alerted when items enter the queue",
        DutyOut,
        request=DutyRequest,
        errors=(400, 403, 422),
        tags=("moderation",),
    )
)
async def set_duty(request: web.Request) -> web.Response:
    """Change my duty."""
    body = DutyRequest.model_validate(await json_body(request))
    on_duty = await request.app[WORKLOAD].set_duty(acting_identity(request), body.on_duty)
    return json_response(DutyOut(on_duty=on_duty))


@routes.get("/api/v1/admin/modstats")
@documented(
    Doc(
        "Moderators' workload: items decided per day, median and p90 time to decision, "
        "waiting and oldest waiting, per lane (admins)",
        WorkloadOut,
        params=(DAYS.param(),),
        errors=(400, 403),
        tags=("admin",),
    )
)
async def modstats(request: web.Request) -> web.Response:
    """Workload figures."""
    days = DAYS.read(request)
    figures = await request.app[WORKLOAD].figures(acting_identity(request), days)
    return json_response(WorkloadOut(days=days, lanes=[LaneWorkloadOut.of(f) for f in figures]))
