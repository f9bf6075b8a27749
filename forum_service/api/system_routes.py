"""Health and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from forum_service import __version__
from forum_service.api.keys import DATABASE
from forum_service.api.openapi import Doc, build_document, documented
from forum_service.api.schemas import Health

routes = web.RouteTableDef()


@routes.get("/healthz")
@documented(
    Doc(
        "Liveness: the process answers and the database is reachable",
        Health,
        errors=(503,),
        public=True,
        tags=("system",),
    )
)
async def healthz(request: web.Request) -> web.Response:
    """Report whether the database answers."""
    reachable = await request.app[DATABASE].ping()
    health = Health(
        status="ok" if reachable else "unavailable",
        database="reachable" if reachable else "unreachable",
    )
    return web.Response(
        text=health.model_dump_json(),
        status=200 if reachable else 503,
        content_type="application/json",
    )


@routes.get("/api/v1/openapi.json")
@documented(Doc("This OpenAPI document", None, public=True, tags=("system",)))
async def openapi(request: web.Request) -> web.Response:
    """Serve the OpenAPI document generated from the real routes."""
    return web.json_response(
        build_document(request.app, title="MSCOS Community Forum API", version=__version__)
    )
