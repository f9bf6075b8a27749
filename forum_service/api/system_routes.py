"""Health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from forum_service import __version__
from forum_service.api.board_schemas import Health
from forum_service.api.keys import DATABASE, HEALTH, METRICS, SEARCH
from forum_service.api.openapi import Doc, build_document, documented
from forum_service.services.health import component_states
from forum_service.storage.migrate import head_revision

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
    health_state = await request.app[HEALTH].state()  # checked at most once a second
    reachable, components = health_state.reachable, health_state.components
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


@routes.get("/readyz")
@documented(
    Doc(
        "Readiness: database reachable, migrations at head, model loaded (or degraded)",
        Health,
        errors=(503,),
        public=True,
        tags=("system",),
    )
)
async def readyz(request: web.Request) -> web.Response:
    """Report whether this instance should receive traffic."""
    db = request.app[DATABASE]
    details: dict[str, Any] = {}
    if not await db.ping():
        health = Health(status="not_ready", database="unreachable", details=details)
        return web.Response(
            text=health.model_dump_json(), status=503, content_type="application/json"
        )
    current, head = await db.schema_revision(), head_revision()
    details["migrations"] = {"current": current, "head": head}
    if current != head:
        details["migrations"]["detail"] = "migrations are behind: run `mscos-forum migrate`"
        health = Health(status="not_ready", database="reachable", details=details)
        return web.Response(
            text=health.model_dump_json(), status=503, content_type="application/json"
        )
    components = await component_states(db)
    for name, (state, detail) in components.items():
        details[name] = {"state": state, "detail": detail}
    if "moderation_model" not in components:
        details["moderation_model"] = {"state": "unknown", "detail": "no worker has reported yet"}
    # Search by meaning is optional: "full-text only" is said, never a reason for "degraded".
    search_state, search_detail = request.app[SEARCH].state
    details["search"] = {"state": search_state, "detail": search_detail}
    degraded = any(state != "ok" for state, _ in components.values())
    health = Health(
        status="degraded" if degraded else "ready", database="reachable", details=details
    )
    return web.Response(text=health.model_dump_json(), status=200, content_type="application/json")


@routes.get("/metrics")
@documented(
    Doc(
        "Prometheus metrics (counts and latencies only; no personal data)",
        None,
        public=True,
        tags=("system",),
    )
)
async def metrics(request: web.Request) -> web.Response:
    """Expose the Prometheus series, refreshing queue and outbox figures first."""
    series = request.app[METRICS]
    await series.refresh_from_database(request.app[DATABASE])
    response = web.Response(body=generate_latest(series.registry))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
