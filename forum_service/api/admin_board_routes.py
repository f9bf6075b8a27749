"""Admins add, rename and archive boards (the eight core outcomes cannot be archived)."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.community_schemas import (
    AddBoardRequest,
    AdminBoardList,
    AdminBoardOut,
    RenameBoardRequest,
)
from forum_service.api.keys import BOARD_ADMIN
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

ERRORS = (400, 403, 404, 409, 422)


@routes.get("/api/v1/admin/boards")
@documented(
    Doc("Every board, archived ones too (admins)", AdminBoardList, errors=(403,), tags=("admin",))
)
async def boards(request: web.Request) -> web.Response:
    """List every board."""
    found = await request.app[BOARD_ADMIN].boards(acting_identity(request))
    return json_response(AdminBoardList(boards=[AdminBoardOut.of(b) for b in found]))


@routes.post("/api/v1/admin/boards")
@documented(
    Doc(
        "Add a board (admins)",
        AdminBoardOut,
        status=201,
        request=AddBoardRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def add(request: web.Request) -> web.Response:
    """Add a board."""
    key = acting_identity(request)
    body = AddBoardRequest.model_validate(await json_body(request))
    board = await request.app[BOARD_ADMIN].add(key, body.slug, body.title)
    return json_response(AdminBoardOut.of(board), status=201)


@routes.patch("/api/v1/admin/boards/{slug}")
@documented(
    Doc(
        "Rename a board; its slug stays (admins)",
        AdminBoardOut,
        request=RenameBoardRequest,
        errors=ERRORS,
        tags=("admin",),
    )
)
async def rename(request: web.Request) -> web.Response:
    """Rename a board."""
    key = acting_identity(request)
    body = RenameBoardRequest.model_validate(await json_body(request))
    board = await request.app[BOARD_ADMIN].rename(key, request.match_info["slug"], body.title)
    return json_response(AdminBoardOut.of(board))


@routes.post("/api/v1/admin/boards/{slug}/archive")
@documented(
    Doc(
        "Archive a board: out of the list, no new threads; its threads stay readable (admins)",
        AdminBoardOut,
        errors=(400, 403, 404, 409),
        tags=("admin",),
    )
)
async def archive(request: web.Request) -> web.Response:
    """Archive a board."""
    board = await request.app[BOARD_ADMIN].archive(
        acting_identity(request), request.match_info["slug"]
    )
    return json_response(AdminBoardOut.of(board))
