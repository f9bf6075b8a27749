"""The signposting card: helplines for everyone; adding and removing them for admins."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.helpline_schemas import HelplineList, HelplineOut, HelplineRequest
from forum_service.api.keys import HELPLINES
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()


@routes.get("/api/v1/helplines")
@documented(
    Doc(
        "The helplines and services of the signposting card, in display order",
        HelplineList,
        identity=False,
        tags=("forum",),
    )
)
async def list_helplines(request: web.Request) -> web.Response:
    """List the helplines (safety information: no identity needed)."""
    found = await request.app[HELPLINES].helplines()
    return json_response(HelplineList(helplines=[HelplineOut.of(h) for h in found]))


@routes.post("/api/v1/admin/helplines")
@documented(
    Doc(
        "Add a helpline to the end of the signposting card (admins)",
        HelplineOut,
        status=201,
        request=HelplineRequest,
        errors=(400, 403, 422),
        tags=("admin",),
    )
)
async def add_helpline(request: web.Request) -> web.Response:
    """Add a helpline."""
    key = acting_identity(request)
    body = HelplineRequest.model_validate(await json_body(request))
    added = await request.app[HELPLINES].add(key, body.name, body.contact, body.description)
    return json_response(HelplineOut.of(added), status=201)


@routes.delete("/api/v1/admin/helplines/{helpline_id}")
@documented(
    Doc(
        "Remove a helpline from the signposting card (admins)",
        CountOut,
        errors=(400, 403, 404),
        tags=("admin",),
    )
)
async def remove_helpline(request: web.Request) -> web.Response:
    """Remove a helpline."""
    await request.app[HELPLINES].remove(acting_identity(request), path_id(request, "helpline_id"))
    return json_response(CountOut(count=1))
