"""Resources pinned to boards: members list them; admins pin and unpin."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.community_schemas import PinResourceRequest, ResourceList, ResourceOut
from forum_service.api.keys import RESOURCES
from forum_service.api.moderation_schemas import CountOut
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()


@routes.get("/api/v1/resources")
@documented(Doc("Every board's pinned resources, in board order", ResourceList, tags=("forum",)))
async def list_resources(request: web.Request) -> web.Response:
    """List the resources of every board in /outcomes."""
    found = await request.app[RESOURCES].resources(None)
    return json_response(ResourceList(resources=[ResourceOut.of(r) for r in found]))


@routes.get("/api/v1/boards/{slug}/resources")
@documented(Doc("One board's pinned resources", ResourceList, errors=(404,), tags=("forum",)))
async def board_resources(request: web.Request) -> web.Response:
    """List one board's resources."""
    found = await request.app[RESOURCES].resources(request.match_info["slug"])
    return json_response(ResourceList(resources=[ResourceOut.of(r) for r in found]))


@routes.get("/api/v1/resources/{resource_id}")
@documented(Doc("One pinned resource", ResourceOut, errors=(400, 404), tags=("forum",)))
async def get_resource(request: web.Request) -> web.Response:
    """One resource (the bot sends its PDF by file id)."""
    found = await request.app[RESOURCES].resource(path_id(request, "resource_id"))
    return json_response(ResourceOut.of(found))


@routes.post("/api/v1/admin/resources")
@documented(
    Doc(
        "Pin a resource (a https link or a PDF) to a board (admins)",
        ResourceOut,
        status=201,
        request=PinResourceRequest,
        errors=(400, 403, 404, 409, 422),
        tags=("admin",),
    )
)
async def pin_resource(request: web.Request) -> web.Response:
    """Pin a resource."""
    key = acting_identity(request)
    body = PinResourceRequest.model_validate(await json_body(request))
    pinned = await request.app[RESOURCES].pin(
        key,
        board=body.board,
        title=body.title,
        description=body.description,
        url=body.url,
        document_file_id=body.document_file_id,
    )
    return json_response(ResourceOut.of(pinned), status=201)


@routes.delete("/api/v1/admin/resources/{resource_id}")
@documented(Doc("Unpin a resource (admins)", CountOut, errors=(400, 403, 404), tags=("admin",)))
async def unpin_resource(request: web.Request) -> web.Response:
    """Unpin a resource."""
    await request.app[RESOURCES].unpin(acting_identity(request), path_id(request, "resource_id"))
    return json_response(CountOut(count=1))
