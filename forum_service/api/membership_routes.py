"""What a non-member may call: redeeming an invite code, sending a membership request."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import MEMBERSHIP
from forum_service.api.membership_schemas import (
    Joined,
    MembershipRequestIn,
    MembershipRequestOut,
)
from forum_service.api.moderation_schemas import RedeemRequest
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response

routes = web.RouteTableDef()


@routes.post("/api/v1/invites/redeem")
@documented(
    Doc(
        "Redeem an invite code: become a member (or moderator/admin; never lowers a role)",
        Joined,
        request=RedeemRequest,
        errors=(400, 403, 404, 410, 422),
        tags=("membership",),
        members_only=False,
    )
)
async def redeem(request: web.Request) -> web.Response:
    """Redeem an invite code."""
    key = acting_identity(request)
    body = RedeemRequest.model_validate(await json_body(request))
    identity = await request.app[MEMBERSHIP].redeem(key, body.code)
    return json_response(Joined(role=identity.role.value, member=True))


@routes.post("/api/v1/membership-requests")
@documented(
    Doc(
        "Send my one membership request (approval mode; screened for personal data first)",
        MembershipRequestOut,
        status=201,
        request=MembershipRequestIn,
        errors=(400, 403, 409, 422),
        tags=("membership",),
        members_only=False,
    )
)
async def request_membership(request: web.Request) -> web.Response:
    """Store a membership request and tell the admins."""
    key = acting_identity(request)
    body = MembershipRequestIn.model_validate(await json_body(request))
    request_id = await request.app[MEMBERSHIP].request_membership(key, body.text)
    return json_response(MembershipRequestOut(id=request_id), status=201)
