"""Repository of scheduled jobs: due-dated rows (reminders, digests) the scheduler claims.

A job is ``pending`` until it is run (``done``) or found moot (``skipped``: its forum was
rescheduled or cancelled). Its ``job_key`` is unique, so scheduling the same job twice is harmless.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import JobKind, ScheduledJob
from forum_service.storage.sessions import insert_or_ignore
from forum_service.storage.tables import ScheduledJobRow


async def schedule(
    session: AsyncSession,
    *,
    job_key: str,
    kind: JobKind,
    forum_id: int | None,
    payload: dict[str, object],
    due_at: datetime,
    now: datetime,
) -> None:
    """Schedule a job unless one with the same key exists."""
    await session.execute(
        insert_or_ignore(session, ScheduledJobRow, ["job_key"]).values(
            job_key=job_key,
            kind=kind.value,
            forum_id=forum_id,
            payload=payload,
            due_at=due_at,
            status="pending",
            created_at=now,
        )
    )


async def skip_pending_for_forum(session: AsyncSession, forum_id: int, now: datetime) -> None:
    """Skip a forum's pending jobs (its reminders: the forum was rescheduled or cancelled)."""
    await session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.forum_id == forum_id, ScheduledJobRow.status == "pending")
        .values(status="skipped", done_at=now)
    )


async def has_pending(session: AsyncSession, kind: JobKind) -> bool:
    """Whether a job of ``kind`` is waiting to fall due."""
    found = await session.scalar(
        select(ScheduledJobRow.id)
        .where(ScheduledJobRow.kind == kind.value, ScheduledJobRow.status == "pending")
        .limit(1)
    )
    return found is not None


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, skip_locked: bool
) -> list[ScheduledJob]:
    """Return up to ``limit`` pending jobs due by ``now``, earliest first, locked for this unit of
    work (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two schedulers never run one job)."""
    statement = (
        select(ScheduledJobRow)
        .where(ScheduledJobRow.status == "pending", ScheduledJobRow.due_at <= now)
        .order_by(ScheduledJobRow.due_at, ScheduledJobRow.id)
        .limit(limit)
    )
    if skip_locked:
        statement = statement.with_for_update(skip_locked=True)
    return [
        ScheduledJob(
            id=row.id,
            job_key=row.job_key,
            kind=row.kind,
            forum_id=row.forum_id,
            payload=dict(row.payload),
            due_at=row.due_at,
        )
        for row in (await session.execute(statement)).scalars()
    ]


async def finish(
    session: AsyncSession, *, done: Collection[int], skipped: Collection[int], now: datetime
) -> None:
    """Close claimed jobs: ``done`` ran, ``skipped`` were moot when they fell due."""
    for status, ids in (("done", done), ("skipped", skipped)):
        if ids:
            await session.execute(
                update(ScheduledJobRow)
                .where(ScheduledJobRow.id.in_(ids))
                .values(status=status, done_at=now)
            )
