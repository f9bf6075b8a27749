"""A practitioner's membership endpoints: redeeming an invite code."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import ADMIN
from forum_service.api.moderation_schemas import (
    RedeemRequest,
    RoleOut,
)
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response

routes = web.RouteTableDef()


@routes.post("/api/v1/invites/redeem")
@documented(
    Doc(
        "Redeem an invite code (becomes moderator or admin; never lowers a role)",
        RoleOut,
        request=RedeemRequest,
        errors=(400, 403, 404, 422),
        tags=("admin",),
    )
)
async def redeem(request: web.Request) -> web.Response:
    """Redeem an invite code."""
    key = acting_identity(request)
    body = RedeemRequest.model_validate(await json_body(request))
    role = await request.app[ADMIN].redeem_invite(key, body.code)
    return json_response(RoleOut(role=role.value))
