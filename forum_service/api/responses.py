"""Shaping successful responses (errors have their own middleware, `api.errors`)."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel


def json_response(model: BaseModel, status: int = 200) -> web.Response:
    """Serialise a pydantic model as the JSON response."""
    return web.Response(
        text=model.model_dump_json(), status=status, content_type="application/json"
    )
