"""Subscription routes: what the calling person follows (``/api/v1/me/subscriptions``)."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import SUBSCRIPTIONS
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response
from forum_service.api.subscription_schemas import SubscribeRequest, SubscriptionList

routes = web.RouteTableDef()


@routes.get("/api/v1/me/subscriptions")
@documented(Doc("My subscriptions", SubscriptionList, errors=(400,), tags=("forums",)))
async def subscriptions(request: web.Request) -> web.Response:
    """List my topics."""
    topics = await request.app[SUBSCRIPTIONS].subscriptions(acting_identity(request))
    return json_response(SubscriptionList(topics=topics))


@routes.post("/api/v1/me/subscriptions")
@documented(
    Doc(
        "Follow all announcements, the weekly digest, or one outcome",
        SubscriptionList,
        request=SubscribeRequest,
        errors=(400, 422),
        tags=("forums",),
    )
)
async def subscribe(request: web.Request) -> web.Response:
    """Subscribe."""
    key = acting_identity(request)
    body = SubscribeRequest.model_validate(await json_body(request))
    topics = await request.app[SUBSCRIPTIONS].subscribe(key, body.topic)
    return json_response(SubscriptionList(topics=topics))


@routes.delete("/api/v1/me/subscriptions")
@documented(Doc("Unfollow everything", SubscriptionList, errors=(400,), tags=("forums",)))
async def unsubscribe_all(request: web.Request) -> web.Response:
    """Unsubscribe from everything."""
    topics = await request.app[SUBSCRIPTIONS].unsubscribe(acting_identity(request), None)
    return json_response(SubscriptionList(topics=topics))


@routes.delete("/api/v1/me/subscriptions/{topic}")
@documented(Doc("Unfollow one topic", SubscriptionList, errors=(400,), tags=("forums",)))
async def unsubscribe(request: web.Request) -> web.Response:
    """Unsubscribe from one topic."""
    topics = await request.app[SUBSCRIPTIONS].unsubscribe(
        acting_identity(request), request.match_info["topic"]
    )
    return json_response(SubscriptionList(topics=topics))
