"""Repository of scheduled jobs: due-dated rows (reminders, digests) the scheduler claims.

A job is ``pending`` until it is run (``done``) or found moot (``skipped``: its forum was
rescheduled or cancelled). Its ``job_key`` is unique, so scheduling the same job twice is harmless.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import JobKind
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
