"""The queue view's routes (moderators): release a claim, redact a finding, undo, notes."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.keys import MODERATION, MODERATION_NOTES
from forum_service.api.moderation_schemas import QueueItemEnvelope, QueueItemOut
from forum_service.api.moderation_view_schemas import (
    ItemNotesOut,
    NoteEnvelope,
    NoteOut,
    NoteRequest,
    RedactRequest,
    UndoRequest,
)
from forum_service.api.openapi import Doc, documented
from forum_service.api.params import json_body, path_id
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

MOD_ERRORS = (400, 403, 404, 409, 422)


@routes.delete("/api/v1/moderation/items/{item_id}/claim")
@documented(
    Doc(
        "Release my claim on an item (Skip): other moderators see it again",
        QueueItemEnvelope,
        errors=(400, 403, 404),
        tags=("moderation",),
    )
)
async def release(request: web.Request) -> web.Response:
    """Release one's own claim."""
    item = await request.app[MODERATION].release(
        acting_identity(request), path_id(request, "item_id")
    )
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.post("/api/v1/moderation/items/{item_id}/redactions")
@documented(
    Doc(
        'Replace one PII finding by its placeholder ("[phone number]") in a new revision; '
        "the author is told with the decision",
        QueueItemEnvelope,
        request=RedactRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def redact(request: web.Request) -> web.Response:
    """Redact one finding."""
    body = RedactRequest.model_validate(await json_body(request))
    item = await request.app[MODERATION].redact(
        acting_identity(request),
        path_id(request, "item_id"),
        version=body.version,
        finding=body.finding,
    )
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.post("/api/v1/moderation/items/{item_id}/undo")
@documented(
    Doc(
        "Undo my decision within the undo window: back to the queue, the author not told",
        QueueItemEnvelope,
        request=UndoRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def undo(request: web.Request) -> web.Response:
    """Undo a decision."""
    body = UndoRequest.model_validate(await json_body(request))
    item = await request.app[MODERATION].undo(
        acting_identity(request), path_id(request, "item_id"), body.version
    )
    return json_response(QueueItemEnvelope(item=QueueItemOut.of(item)))


@routes.get("/api/v1/moderation/items/{item_id}/notes")
@documented(
    Doc(
        "Moderators' notes on an item and on its author, with the author's history line",
        ItemNotesOut,
        errors=(400, 403, 404),
        tags=("moderation",),
    )
)
async def notes(request: web.Request) -> web.Response:
    """Read the notes."""
    found = await request.app[MODERATION_NOTES].of_item(
        acting_identity(request), path_id(request, "item_id")
    )
    return json_response(ItemNotesOut.of(found))


@routes.post("/api/v1/moderation/items/{item_id}/notes")
@documented(
    Doc(
        "Write a note on an item or on its post's author (moderators and admins only)",
        NoteEnvelope,
        status=201,
        request=NoteRequest,
        errors=MOD_ERRORS,
        tags=("moderation",),
    )
)
async def add_note(request: web.Request) -> web.Response:
    """Write a note."""
    body = NoteRequest.model_validate(await json_body(request))
    note = await request.app[MODERATION_NOTES].add(
        acting_identity(request), path_id(request, "item_id"), about=body.about, text=body.text
    )
    return json_response(NoteEnvelope(note=NoteOut.of(note)), status=201)
