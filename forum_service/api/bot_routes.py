"""Endpoints only the bot calls, with the service token and no acting identity: promoting the
configured bootstrap admins, and the notification outbox it delivers (claim, then ack)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from forum_service.api.keys import ADMIN, METRICS, OUTBOX
from forum_service.api.moderation_schemas import (
    BootstrapRequest,
    CountOut,
    NotificationList,
    NotificationOut,
    OutboxAckRequest,
    OutboxClaimRequest,
)
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response
from forum_service.domain import IdentityKey
from forum_service.services.outbox import Ack, Outcome

routes = web.RouteTableDef()


@routes.post("/api/v1/system/bootstrap-admins")
@documented(
    Doc(
        "Make the bot's configured bootstrap admins admins (service token only)",
        CountOut,
        request=BootstrapRequest,
        errors=(400, 422),
        identity=False,
        tags=("system",),
    )
)
async def bootstrap_admins(request: web.Request) -> web.Response:
    """Promote bootstrap admins."""
    body = BootstrapRequest.model_validate(await json_body(request))
    keys = [IdentityKey.parse(raw) for raw in body.identity_keys]
    count = await request.app[ADMIN].bootstrap_admins(keys)
    return json_response(CountOut(count=count))


@routes.post("/api/v1/outbox/claim")
@documented(
    Doc(
        "Claim due notifications under a lease (the bot)",
        NotificationList,
        request=OutboxClaimRequest,
        errors=(400, 422),
        identity=False,
        tags=("system",),
    )
)
async def outbox_claim(request: web.Request) -> web.Response:
    """Claim notifications."""
    body = OutboxClaimRequest.model_validate(await json_body(request))
    found = await request.app[OUTBOX].claim(body.limit, timedelta(seconds=body.lease_seconds))
    return json_response(
        NotificationList(
            notifications=[
                NotificationOut(
                    id=n.id,
                    recipient=n.recipient_key,
                    kind=n.kind,
                    payload=n.payload,
                    attempts=n.attempts,
                    created_at=n.created_at,
                )
                for n in found
            ]
        )
    )


@routes.post("/api/v1/outbox/ack")
@documented(
    Doc(
        "Acknowledge claimed notifications (the bot)",
        CountOut,
        request=OutboxAckRequest,
        errors=(400, 422),
        identity=False,
        tags=("system",),
    )
)
async def outbox_ack(request: web.Request) -> web.Response:
    """Acknowledge notifications."""
    body = OutboxAckRequest.model_validate(await json_body(request))
    request.app[METRICS].telegram_429.inc(sum(1 for a in body.acks if a.rate_limited))
    changed = await request.app[OUTBOX].ack(
        [
            Ack(id=a.id, outcome=Outcome(a.outcome), retry_after=float(a.retry_after))
            for a in body.acks
        ]
    )
    return json_response(CountOut(count=changed))
