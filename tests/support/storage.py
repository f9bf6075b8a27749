"""Helpers for forum tests that need state the public API creates only through moderation."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.keys import DATABASE
from forum_service.clock import utc_now
from forum_service.domain import PostStatus
from forum_service.storage import boards_repo


async def set_status(app: web.Application, post_id: int, status: PostStatus) -> None:
    """Move a post to ``status`` directly in storage (as a moderator's decision would)."""
    async with app[DATABASE].write("test_set_status") as session:
        await boards_repo.set_post_status(session, post_id, status, utc_now())
