"""What health, readiness and metrics report: background components and the queue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

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


#: Seconds one health answer is reused: a load balancer polling ``/healthz`` many times a
#: second costs the database one ping and one read per second, not per call.
HEALTH_CACHE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class HealthState:
    """What ``/healthz`` reports: whether the database answers, and the components' states."""

    reachable: bool
    components: dict[str, tuple[str, str]]


class HealthCheck:
    """The database ping and component states, checked at most once per ``ttl`` seconds.

    Concurrent callers while a check runs wait for that check instead of starting their own.

    Args:
        db: the database.
        ttl: seconds an answer is reused.
        monotonic: time source (tests move it).
    """

    def __init__(
        self,
        db: Database,
        *,
        ttl: float = HEALTH_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._state: HealthState | None = None
        self._checked_at = 0.0

    async def state(self) -> HealthState:
        """Return the current health, checking the database when the last answer is stale."""
        async with self._lock:
            if self._state is None or self._monotonic() - self._checked_at >= self._ttl:
                reachable = await self._db.ping()
                components = await component_states(self._db) if reachable else {}
                self._state = HealthState(reachable, components)
                self._checked_at = self._monotonic()
            return self._state
