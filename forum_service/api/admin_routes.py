"""Admin routes: moderators, invites, watched words, boards and the audit log."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import ADMIN
from forum_service.api.moderation_schemas import (
    AuditEntryOut,
    AuditList,
    AutoApproveRequest,
    CountOut,
    InviteOut,
    InviteRequest,
    ModeratorList,
    ModeratorOut,
    RemoveModeratorRequest,
    WatchedWordList,
    WatchedWordOut,
    WatchedWordRequest,
)
from forum_service.api.openapi import Doc, Param, documented
from forum_service.api.params import QueryInt, json_body, path_id, query_cursor
from forum_service.api.responses import json_response
from forum_service.domain import Role
from forum_service.services.admin import INVITE_TTL
from moderation.watchwords import WatchAction

routes = web.RouteTableDef()

AUDIT_PAGE = QueryInt("limit", 50, 1, 200, "entries per page")

ADMIN_ERRORS = (400, 403, 404, 422)


@routes.get("/api/v1/admin/audit")
@documented(
    Doc(
        "The audit log, newest first (admins)",
        AuditList,
        params=(
            Param("cursor", "query", "from the previous page"),
            AUDIT_PAGE.param(),
        ),
        errors=(400, 403),
        tags=("admin",),
    )
)
async def audit(request: web.Request) -> web.Response:
    """Read the audit log."""
    key = acting_identity(request)
    limit = AUDIT_PAGE.read(request)
    entries = await request.app[ADMIN].audit_log(key, query_cursor(request), limit)
    more = len(entries) == limit
    return json_response(
        AuditList(
            entries=[AuditEntryOut.of(e) for e in entries],
            next_cursor=str(entries[-1].id) if more and entries else None,
        )
    )


@routes.get("/api/v1/admin/watched-words")
@documented(Doc("List watched words (admins)", WatchedWordList, errors=(400, 403), tags=("admin",)))
async def list_words(request: web.Request) -> web.Response:
    """List watched words."""
    words = await request.app[ADMIN].watched_words(acting_identity(request))
    return json_response(
        WatchedWordList(
            words=[WatchedWordOut(id=w.id, word=w.word, action=w.action.value) for w in words]
        )
    )


@routes.post("/api/v1/admin/watched-words")
@documented(
    Doc(
        "Add a watched word: block (refused at submission), flag, or require_review",
        WatchedWordOut,
        status=201,
        request=WatchedWordRequest,
        errors=ADMIN_ERRORS,
        tags=("admin",),
    )
)
async def add_word(request: web.Request) -> web.Response:
    """Add a watched word."""
    key = acting_identity(request)
    body = WatchedWordRequest.model_validate(await json_body(request))
    entry = await request.app[ADMIN].add_watched_word(key, body.word, WatchAction(body.action))
    return json_response(
        WatchedWordOut(id=entry.id, word=entry.word, action=entry.action.value), status=201
    )


@routes.delete("/api/v1/admin/watched-words/{word_id}")
@documented(Doc("Remove a watched word (admins)", CountOut, errors=ADMIN_ERRORS, tags=("admin",)))
async def remove_word(request: web.Request) -> web.Response:
    """Remove a watched word."""
    await request.app[ADMIN].remove_watched_word(
        acting_identity(request), path_id(request, "word_id")
    )
    return json_response(CountOut(count=1))


@routes.post("/api/v1/admin/invites")
@documented(
    Doc(
        "Create a one-time invite code for a new moderator (admins)",
        InviteOut,
        status=201,
        request=InviteRequest,
        errors=ADMIN_ERRORS,
        tags=("admin",),
    )
)
async def invite(request: web.Request) -> web.Response:
    """Create an invite code."""
    key = acting_identity(request)
    body = InviteRequest.model_validate(await json_body(request))
    code = await request.app[ADMIN].create_invite(key, Role(body.role))
    return json_response(
        InviteOut(code=code, role=body.role, expires_in_days=INVITE_TTL.days), status=201
    )


@routes.get("/api/v1/admin/moderators")
@documented(
    Doc(
        "List moderators and admins by handle (admins)",
        ModeratorList,
        errors=(400, 403),
        tags=("admin",),
    )
)
async def moderators(request: web.Request) -> web.Response:
    """List moderators."""
    found = await request.app[ADMIN].moderators(acting_identity(request))
    return json_response(
        ModeratorList(moderators=[ModeratorOut(handle=h, role=r.value) for h, r in found])
    )


@routes.post("/api/v1/admin/moderators/remove")
@documented(
    Doc(
        "Remove a moderator by handle (admins)",
        CountOut,
        request=RemoveModeratorRequest,
        errors=ADMIN_ERRORS,
        tags=("admin",),
    )
)
async def remove_moderator(request: web.Request) -> web.Response:
    """Remove a moderator."""
    key = acting_identity(request)
    body = RemoveModeratorRequest.model_validate(await json_body(request))
    await request.app[ADMIN].remove_moderator(key, body.handle)
    return json_response(CountOut(count=1))


@routes.put("/api/v1/admin/boards/{slug}/auto-approve")
@documented(
    Doc(
        "Switch a board's auto-approval of low-risk posts (admins)",
        CountOut,
        request=AutoApproveRequest,
        errors=ADMIN_ERRORS,
        tags=("admin",),
    )
)
async def auto_approve(request: web.Request) -> web.Response:
    """Switch auto-approval."""
    key = acting_identity(request)
    body = AutoApproveRequest.model_validate(await json_body(request))
    await request.app[ADMIN].set_auto_approve(key, request.match_info["slug"], body.enabled)
    return json_response(CountOut(count=1))
