"""Repository of the moderators' workload: duty and alert state, waiting items, decisions.

Duty and the alert batch window are columns of the staff member's own identity row
(``on_duty``, ``alert_last_at``, ``alert_pending``): they refer to nobody else. The figures
are read from ``moderation_items`` timestamps: ``queued_at`` (entered the human queue) and
``decided_at``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Decided, PostStatus, Screening, Waiting, lane_of
from forum_service.storage.tables import IdentityRow, ModerationItemRow

PENDING = PostStatus.PENDING.value
DECIDED = (PostStatus.APPROVED.value, PostStatus.REJECTED.value, PostStatus.HIDDEN.value)


async def set_on_duty(session: AsyncSession, identity_id: int, on_duty: bool) -> None:
    """Put a staff member on or off duty; going off drops their unsent batch."""
    values: dict[str, object] = {"on_duty": on_duty}
    if not on_duty:
        values["alert_pending"] = False
    await session.execute(update(IdentityRow).where(IdentityRow.id == identity_id).values(values))


async def on_duty(session: AsyncSession, identity_id: int) -> bool:
    """Whether a staff member is on duty."""
    return bool(
        await session.scalar(select(IdentityRow.on_duty).where(IdentityRow.id == identity_id))
    )


async def mark_alerted(session: AsyncSession, identity_ids: Collection[int], now: datetime) -> None:
    """Record that these staff members were just alerted: their batch window starts now."""
    if identity_ids:
        await session.execute(
            update(IdentityRow)
            .where(IdentityRow.id.in_(list(identity_ids)))
            .values(alert_last_at=now, alert_pending=False)
        )


async def mark_pending(session: AsyncSession, identity_ids: Collection[int]) -> None:
    """Record that items arrived for these staff members inside their batch window."""
    if identity_ids:
        await session.execute(
            update(IdentityRow)
            .where(IdentityRow.id.in_(list(identity_ids)))
            .values(alert_pending=True)
        )


async def clear_pending(session: AsyncSession, identity_ids: Collection[int]) -> None:
    """Drop these staff members' batched alert (the queue emptied before it was due)."""
    if identity_ids:
        await session.execute(
            update(IdentityRow)
            .where(IdentityRow.id.in_(list(identity_ids)))
            .values(alert_pending=False)
        )


async def waiting_screened(session: AsyncSession) -> Waiting:
    """Items in the human queue that the worker has seen (what an alert counts)."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(ModerationItemRow.queued_at)).where(
                ModerationItemRow.status == PENDING,
                ModerationItemRow.screening != Screening.UNSCREENED.value,
            )
        )
    ).one()
    return Waiting(lane="all", count=count or 0, oldest_queued_at=oldest)


async def waiting_by_lane(
    session: AsyncSession, *, queued_before: datetime | None = None
) -> list[Waiting]:
    """Pending items per lane (only those queued before ``queued_before``, if given)."""
    query = select(
        ModerationItemRow.route, func.count(), func.min(ModerationItemRow.queued_at)
    ).where(ModerationItemRow.status == PENDING)
    if queued_before is not None:
        query = query.where(ModerationItemRow.queued_at < queued_before)
    rows = (await session.execute(query.group_by(ModerationItemRow.route))).all()
    return [
        Waiting(lane=lane_of(route), count=count, oldest_queued_at=oldest)
        for route, count, oldest in rows
    ]


async def decided_since(session: AsyncSession, since: datetime) -> list[Decided]:
    """Every item a human decided since ``since`` (auto-approvals left out)."""
    rows = await session.execute(
        select(
            ModerationItemRow.route, ModerationItemRow.queued_at, ModerationItemRow.decided_at
        ).where(
            ModerationItemRow.status.in_(DECIDED),
            ModerationItemRow.decided_at >= since,
            ModerationItemRow.decided_by_policy.is_(False),
        )
    )
    return [
        Decided(lane=lane_of(route), queued_at=queued_at, decided_at=decided_at)
        for route, queued_at, decided_at in rows.all()
        if decided_at is not None
    ]


async def mark_decided_by_policy(session: AsyncSession, item_id: int) -> None:
    """Record that the worker, not a moderator, concluded the item (auto-approval)."""
    await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.id == item_id)
        .values(decided_by_policy=True)
    )
