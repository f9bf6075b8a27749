"""Health and the OpenAPI document."""

from __future__ import annotations

from aiohttp import web

from forum_service import __version__
from forum_service.api.keys import DATABASE
from forum_service.api.openapi import Doc, build_document, documented
from forum_service.api.schemas import Health
from forum_service.services.screening import component_states

routes = web.RouteTableDef()


@routes.get("/healthz")
@documented(
    Doc(
        "Health: database reachable; degraded when the moderation model is unavailable",
        Health,
        errors=(503,),
        public=True,
        tags=("system",),
    )
)
async def healthz(request: web.Request) -> web.Response:
    """Report whether the database answers."""
    db = request.app[DATABASE]
    reachable = await db.ping()
    components = await component_states(db) if reachable else {}
    degraded = {name: detail for name, (state, detail) in components.items() if state != "ok"}
    status = "unavailable" if not reachable else ("degraded" if degraded else "ok")
    health = Health(
        status=status,
        database="reachable" if reachable else "unreachable",
        details={
            name: {"state": state, "detail": detail} for name, (state, detail) in components.items()
        },
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
