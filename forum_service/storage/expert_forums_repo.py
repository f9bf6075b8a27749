"""Repository of expert forums, RSVPs and scheduled jobs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import ExpertForum, ForumStatus, RsvpStatus
from forum_service.storage.tables import (
    BoardRow,
    ExpertForumRow,
    RsvpRow,
    ScheduledJobRow,
)


async def forum_row(session: AsyncSession, forum_id: int) -> ExpertForumRow | None:
    """Return the forum row (for updates), or None."""
    return await session.get(ExpertForumRow, forum_id)


async def rsvp_counts(session: AsyncSession, forum_ids: list[int]) -> dict[int, dict[str, int]]:
    """Return ``forum_id → {status: count}``."""
    if not forum_ids:
        return {}
    rows = await session.execute(
        select(RsvpRow.forum_id, RsvpRow.status, func.count())
        .where(RsvpRow.forum_id.in_(forum_ids))
        .group_by(RsvpRow.forum_id, RsvpRow.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for forum_id, status, n in rows.all():
        counts.setdefault(forum_id, {})[status] = int(n)
    return counts


async def my_rsvps(session: AsyncSession, identity_id: int, forum_ids: list[int]) -> dict[int, str]:
    """Return ``forum_id → my status``."""
    if not forum_ids:
        return {}
    rows = await session.execute(
        select(RsvpRow.forum_id, RsvpRow.status).where(
            RsvpRow.identity_id == identity_id, RsvpRow.forum_id.in_(forum_ids)
        )
    )
    return {forum_id: status for forum_id, status in rows.all()}


async def forums(
    session: AsyncSession,
    *,
    viewer_id: int | None,
    ids: list[int] | None = None,
    upcoming_after: datetime | None = None,
) -> list[ExpertForum]:
    """Return forums as domain objects (by id, or every upcoming one), soonest first, TBC last."""
    stmt = select(ExpertForumRow, BoardRow.slug, BoardRow.title).join(
        BoardRow, BoardRow.id == ExpertForumRow.board_id
    )
    if ids is not None:
        stmt = stmt.where(ExpertForumRow.id.in_(ids))
    if upcoming_after is not None:
        stmt = stmt.where(
            ExpertForumRow.status != ForumStatus.CANCELLED.value,
            (ExpertForumRow.starts_at.is_(None)) | (ExpertForumRow.starts_at > upcoming_after),
        )
    stmt = stmt.order_by(
        ExpertForumRow.starts_at.is_(None), ExpertForumRow.starts_at, ExpertForumRow.id
    )
    rows = (await session.execute(stmt)).all()
    forum_ids = [row.id for row, _, _ in rows]
    counts = await rsvp_counts(session, forum_ids)
    mine = await my_rsvps(session, viewer_id, forum_ids) if viewer_id is not None else {}
    result = []
    for row, slug, board_title in rows:
        c = counts.get(row.id, {})
        status = RsvpStatus(mine[row.id]) if row.id in mine else None
        result.append(
            ExpertForum(
                id=row.id,
                board_slug=slug,
                board_title=board_title,
                title=row.title,
                lead=row.lead,
                description=row.description,
                starts_at=row.starts_at,
                tbc_label=row.tbc_label,
                duration_minutes=row.duration_minutes,
                capacity=row.capacity,
                status=ForumStatus(row.status),
                cancel_reason=row.cancel_reason,
                going=c.get("going", 0),
                interested=c.get("interested", 0),
                waiting=c.get("waiting", 0),
                my_rsvp=status,
                join_link=row.join_link if status is RsvpStatus.GOING else None,
            )
        )
    return result


async def rsvp_row(session: AsyncSession, forum_id: int, identity_id: int) -> RsvpRow | None:
    """Return one person's RSVP row."""
    return (
        await session.execute(
            select(RsvpRow).where(RsvpRow.forum_id == forum_id, RsvpRow.identity_id == identity_id)
        )
    ).scalar_one_or_none()


async def first_waiting(session: AsyncSession, forum_id: int) -> RsvpRow | None:
    """Return the person longest on the waiting list."""
    return (
        await session.execute(
            select(RsvpRow)
            .where(RsvpRow.forum_id == forum_id, RsvpRow.status == RsvpStatus.WAITING.value)
            .order_by(RsvpRow.updated_at, RsvpRow.id)
            .limit(1)
        )
    ).scalar_one_or_none()


async def going_count(session: AsyncSession, forum_id: int) -> int:
    """How many are going."""
    n = await session.scalar(
        select(func.count())
        .select_from(RsvpRow)
        .where(RsvpRow.forum_id == forum_id, RsvpRow.status == RsvpStatus.GOING.value)
    )
    return int(n or 0)


async def rsvp_identities(
    session: AsyncSession, forum_id: int, statuses: Iterable[RsvpStatus]
) -> dict[int, str]:
    """Return ``identity_id → status`` of RSVPs in ``statuses``."""
    rows = await session.execute(
        select(RsvpRow.identity_id, RsvpRow.status).where(
            RsvpRow.forum_id == forum_id, RsvpRow.status.in_([s.value for s in statuses])
        )
    )
    return {identity_id: status for identity_id, status in rows.all()}


async def add_job(
    session: AsyncSession,
    *,
    job_key: str,
    kind: str,
    forum_id: int | None,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
) -> None:
    """Schedule a job unless one with the same key exists."""
    insert_fn = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert_fn(ScheduledJobRow)
        .values(
            job_key=job_key,
            kind=kind,
            forum_id=forum_id,
            payload=payload,
            due_at=due_at,
            status="pending",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["job_key"])
    )


async def skip_pending_jobs(session: AsyncSession, forum_id: int, now: datetime) -> None:
    """Skip a forum's pending reminders (rescheduled or cancelled)."""
    await session.execute(
        update(ScheduledJobRow)
        .where(ScheduledJobRow.forum_id == forum_id, ScheduledJobRow.status == "pending")
        .values(status="skipped", done_at=now)
    )
