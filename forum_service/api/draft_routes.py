"""Check before sending: screen a draft without storing anything."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.draft_schemas import DraftCheckOut, DraftCheckRequest
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body
from forum_service.api.responses import json_response
from forum_service.services.drafts import check_draft

routes = web.RouteTableDef()


@routes.post("/api/v1/drafts/check")
@documented(
    Doc(
        "Screen a draft for personal details and risk patterns before sending; nothing is stored",
        DraftCheckOut,
        request=DraftCheckRequest,
        errors=(400, 422),
        tags=("forum",),
    )
)
async def check(request: web.Request) -> web.Response:
    """Screen a draft and return the findings and the redacted text."""
    acting_identity(request)  # a person's draft: the same caller as the post it becomes
    body = DraftCheckRequest.model_validate(await json_body(request))
    return json_response(DraftCheckOut.of(await check_draft(body.title, body.body)))
