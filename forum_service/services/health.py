"""What health, readiness and metrics report: background components and the queue."""

from __future__ import annotations

from forum_service.domain import QueueStats
from forum_service.storage import component_status_repo, moderation_repo
from forum_service.storage.database import Database


async def component_states(db: Database) -> dict[str, tuple[str, str]]:
    """Return ``name → (state, detail)`` of every background component that reported."""
    async with db.read("component_states") as session:
        return await component_status_repo.statuses(session)


async def queue_stats(db: Database) -> QueueStats:
    """Return how the moderation queue stands."""
    async with db.read("queue_stats") as session:
        return await moderation_repo.queue_stats(session)
