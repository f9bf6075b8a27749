"""Moderators' duty and workload figures: items decided per day, time to decision, waiting.

Figures come from ``moderation_items`` timestamps: an item counts on the UTC day its current
decision was made (a reopened and decided-again item counts once, on its latest decision);
time to decision is ``decided_at - queued_at`` (from when it last entered the queue: the
post, its revision or the report); auto-approvals are no moderator's work and are left out.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from forum_service.domain import LANES, Decided, DomainError, IdentityKey, LaneWorkload, Waiting
from forum_service.services.staff import StaffService
from forum_service.storage import workload_repo
from forum_service.storage.database import Database

ALL_LANES = "all"
MAX_DAYS = 90


def _quantiles(seconds: Sequence[float]) -> tuple[float | None, float | None]:
    """Median and 90th percentile (inclusive method: within the observed range)."""
    if not seconds:
        return None, None
    if len(seconds) == 1:
        return seconds[0], seconds[0]
    return statistics.median(seconds), statistics.quantiles(seconds, n=10, method="inclusive")[8]


def _figures(
    lane: str,
    decided: Sequence[Decided],
    waiting: Sequence[Waiting],
    days: Sequence[str],
    now: datetime,
) -> LaneWorkload:
    per_day = {day: 0 for day in days}
    for decision in decided:
        day = decision.decided_at.astimezone(UTC).date().isoformat()
        if day in per_day:
            per_day[day] += 1
    median, p90 = _quantiles(sorted((d.decided_at - d.queued_at).total_seconds() for d in decided))
    oldest = min((w.oldest_queued_at for w in waiting if w.oldest_queued_at), default=None)
    return LaneWorkload(
        lane=lane,
        per_day=tuple(per_day.items()),
        median_seconds=median,
        p90_seconds=p90,
        waiting=sum(w.count for w in waiting),
        oldest_waiting_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    )


def workload(
    decided: Sequence[Decided], waiting: Sequence[Waiting], *, now: datetime, days: int
) -> list[LaneWorkload]:
    """Figures per lane (every lane, in ``LANES`` order) and for all lanes together (last).

    Args:
        decided: the decisions of the window.
        waiting: what waits now, per lane.
        now: the current time.
        days: the window's UTC days, today included.
    """
    today = now.astimezone(UTC).date()
    labels = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    lanes = [
        _figures(
            lane,
            [d for d in decided if d.lane == lane],
            [w for w in waiting if w.lane == lane],
            labels,
            now,
        )
        for lane in LANES
    ]
    return [*lanes, _figures(ALL_LANES, decided, waiting, labels, now)]


def window_start(now: datetime, days: int) -> datetime:
    """Midnight UTC of the first day of a ``days``-day window ending today."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1)


async def workload_since(
    db: Database, now: datetime, since: datetime
) -> tuple[list[Decided], list[Waiting]]:
    """The decisions since ``since`` and what waits now (for metrics, without a caller)."""
    async with db.read("workload") as session:
        return (
            await workload_repo.decided_since(session, since),
            await workload_repo.waiting_by_lane(session),
        )


class WorkloadService(StaffService):
    """Duty (moderators) and workload figures (admins).

    Args:
        db: the database.
        pseudonyms: derives handles.
        clock: time source.
    """

    async def duty(self, key: IdentityKey) -> bool:
        """Whether the calling moderator is on duty."""
        async with self._db.write("duty") as session:
            identity = await self._staff(session, key, admin=False)
            return await workload_repo.on_duty(session, identity.id)

    async def set_duty(self, key: IdentityKey, on_duty: bool) -> bool:
        """Put the calling moderator on or off duty; returns the new state."""
        async with self._db.write("set_duty") as session:
            identity = await self._staff(session, key, admin=False)
            await workload_repo.set_on_duty(session, identity.id, on_duty)
            return on_duty

    async def figures(self, key: IdentityKey, days: int = 7) -> list[LaneWorkload]:
        """Workload figures over the last ``days`` UTC days (admins).

        Raises:
            DomainError: ``days_out_of_range`` unless 1 ≤ days ≤ 90.
        """
        if not 1 <= days <= MAX_DAYS:
            raise DomainError("days_out_of_range", f"days must be between 1 and {MAX_DAYS}")
        now = self._clock()
        async with self._db.write("modstats") as session:
            await self._staff(session, key, admin=True)
            decided = await workload_repo.decided_since(session, window_start(now, days))
            waiting = await workload_repo.waiting_by_lane(session)
        return workload(decided, waiting, now=now, days=days)
