"""Admin routes of membership: partner-organisation codes, requests, removing a member."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import MEMBERSHIP
from forum_service.api.membership_schemas import (
    MemberInviteList,
    MemberInviteOut,
    MemberInviteRequest,
    MembershipDecisionRequest,
    RevokeInviteRequest,
)
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 422)


@routes.post("/api/v1/admin/member-invites")
@documented(
    Doc(
        "Create a membership code for a partner organisation: uses, days, label (admins)",
        MemberInviteOut,
        status=201,
        request=MemberInviteRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def create_member_invite(request: web.Request) -> web.Response:
    """Create a membership code."""
    key = acting_identity(request)
    body = MemberInviteRequest.model_validate(await json_body(request))
    service = request.app[MEMBERSHIP]
    created = await service.create_invite(key, uses=body.uses, days=body.days, label=body.label)
    return json_response(MemberInviteOut.of(created.invite, service.now()), status=201)


@routes.get("/api/v1/admin/member-invites")
@documented(
    Doc(
        "Membership codes with uses left, expiry and label, newest first (admins)",
        MemberInviteList,
        errors=(400, 403),
        tags=("admin",),
    )
)
async def list_member_invites(request: web.Request) -> web.Response:
    """List membership codes."""
    service = request.app[MEMBERSHIP]
    invites = await service.invites(acting_identity(request))
    now = service.now()
    return json_response(MemberInviteList(invites=[MemberInviteOut.of(i, now) for i in invites]))


@routes.post("/api/v1/admin/invites/revoke")
@documented(
    Doc(
        "Revoke an invite code so nobody else joins with it (admins)",
        MemberInviteOut,
        request=RevokeInviteRequest,
        errors=(*ERRORS, 409),
        tags=("admin",),
    )
)
async def revoke_invite(request: web.Request) -> web.Response:
    """Revoke a code."""
    key = acting_identity(request)
    body = RevokeInviteRequest.model_validate(await json_body(request))
    service = request.app[MEMBERSHIP]
    invite = await service.revoke_invite(key, body.code)
    return json_response(MemberInviteOut.of(invite, service.now()))


@routes.post("/api/v1/admin/membership-requests/{request_id}/decision")
@documented(
    Doc(
        "Approve or decline a membership request; the person is told (admins)",
        CountOut,
        request=MembershipDecisionRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def decide_request(request: web.Request) -> web.Response:
    """Decide a membership request."""
    key = acting_identity(request)
    request_id = path_id(request, "request_id")
    body = MembershipDecisionRequest.model_validate(await json_body(request))
    await request.app[MEMBERSHIP].decide_request(key, request_id, approve=body.approve)
    return json_response(CountOut(count=1))


@routes.delete("/api/v1/admin/posts/{post_id}/author-membership")
@documented(
    Doc(
        "End the membership of a post's author, without revealing who (admins)",
        CountOut,
        errors=(*ERRORS, 409),
        tags=("admin",),
    )
)
async def remove_member(request: web.Request) -> web.Response:
    """Remove the author of a post from the members."""
    key = acting_identity(request)
    await request.app[MEMBERSHIP].remove_member(key, path_id(request, "post_id"))
    return json_response(CountOut(count=1))
