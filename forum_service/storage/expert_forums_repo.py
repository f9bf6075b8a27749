"""Repository of expert forums and their RSVPs (with the waiting list).

Use cases get ``ExpertForumRecord`` (everything stored) to decide on, and ``ExpertForum`` (the
join link only for those going) to show; writes are named after what they do to a forum.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import (
    Board,
    ExpertForum,
    ExpertForumRecord,
    ForumFollowUp,
    ForumStatus,
    RsvpStatus,
)
from forum_service.storage.tables import BoardRow, ExpertForumRow, RsvpRow
from forum_service.vault import Vault


def _record(row: ExpertForumRow, board_slug: str, board_title: str) -> ExpertForumRecord:
    return ExpertForumRecord(
        id=row.id,
        board_slug=board_slug,
        board_title=board_title,
        title=row.title,
        lead=row.lead,
        description=row.description,
        starts_at=row.starts_at,
        tbc_label=row.tbc_label,
        duration_minutes=row.duration_minutes,
        capacity=row.capacity,
        join_link=row.join_link,
        status=ForumStatus(row.status),
        cancel_reason=row.cancel_reason,
        date_confirmed_at=row.date_confirmed_at,
        calendar_sequence=row.calendar_sequence,
        follow_up=None
        if row.held_at is None
        else ForumFollowUp(
            held_at=row.held_at,
            recording_url=row.recording_url,
            slides_file_id=row.slides_file_id,
            summary=row.summary,
        ),
    )


async def _with_board(session: AsyncSession, row: ExpertForumRow) -> ExpertForumRecord:
    board = await session.get_one(BoardRow, row.board_id)
    return _record(row, board.slug, board.title)


async def forum_record(
    session: AsyncSession, forum_id: int, *, lock: bool = False
) -> ExpertForumRecord | None:
    """Return everything stored about a forum (its join link included), or None.

    With ``lock``, the forum's row stays locked until the transaction ends, so that decisions
    about its places (RSVPs) are taken one at a time. PostgreSQL needs it (``FOR UPDATE``);
    SQLite's write transactions are serialised already and the clause is not emitted there.
    """
    stmt = (
        select(ExpertForumRow, BoardRow.slug, BoardRow.title)
        .join(BoardRow, BoardRow.id == ExpertForumRow.board_id)
        .where(ExpertForumRow.id == forum_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=ExpertForumRow)
    found = (await session.execute(stmt)).one_or_none()
    return None if found is None else _record(*found)


async def add_forum(
    session: AsyncSession,
    *,
    board: Board,
    title: str,
    lead: str,
    description: str,
    starts_at: datetime | None,
    tbc_label: str | None,
    duration_minutes: int,
    capacity: int | None,
    join_link: str | None,
    now: datetime,
) -> ExpertForumRecord:
    """Store a new forum on ``board``, scheduled, and return it."""
    row = ExpertForumRow(
        board_id=board.id,
        title=title,
        lead=lead,
        description=description,
        starts_at=starts_at,
        tbc_label=tbc_label,
        duration_minutes=duration_minutes,
        capacity=capacity,
        join_link=join_link,
        status=ForumStatus.SCHEDULED.value,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return _record(row, board.slug, board.title)


async def reschedule(
    session: AsyncSession,
    forum_id: int,
    *,
    starts_at: datetime,
    status: ForumStatus,
    date_confirmed_at: datetime | None,
    now: datetime,
) -> ExpertForumRecord:
    """Give a forum its new start time (it has a date now: no TBC label) and ``status``.

    ``date_confirmed_at`` records when a "date TBC" forum got its first date; None keeps it.
    """
    row = await session.get_one(ExpertForumRow, forum_id)
    row.starts_at, row.tbc_label, row.status, row.updated_at = starts_at, None, status.value, now
    # Calendars replace an entry only by a higher SEQUENCE (RFC 5545 3.8.7.4).
    row.calendar_sequence += 1
    if date_confirmed_at is not None:
        row.date_confirmed_at = date_confirmed_at
    await session.flush()
    return await _with_board(session, row)


async def cancel(
    session: AsyncSession, forum_id: int, *, reason: str | None, now: datetime
) -> ExpertForumRecord:
    """Mark a forum cancelled, with the reason people are told (a new calendar SEQUENCE too)."""
    row = await session.get_one(ExpertForumRow, forum_id)
    row.status, row.cancel_reason, row.updated_at = ForumStatus.CANCELLED.value, reason, now
    row.calendar_sequence += 1
    await session.flush()
    return await _with_board(session, row)


async def mark_held(
    session: AsyncSession, forum_id: int, follow_up: ForumFollowUp, now: datetime
) -> ExpertForumRecord:
    """Mark a forum held and keep its follow-up (recording, slides, summary)."""
    row = await session.get_one(ExpertForumRow, forum_id)
    row.status, row.updated_at = ForumStatus.HELD.value, now
    row.held_at, row.recording_url = follow_up.held_at, follow_up.recording_url
    row.slides_file_id, row.summary = follow_up.slides_file_id, follow_up.summary
    await session.flush()
    return await _with_board(session, row)


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


def member_tag(vault: Vault, key: str, forum_id: int) -> str:
    """A person's tag for one forum: their RSVPs to two forums share nothing."""
    return vault.tag(key, f"forum:{forum_id}")


def member_context(tag: str) -> str:
    """What an RSVP's sealed member is bound to."""
    return f"rsvps.member|{tag}"


async def my_rsvps(
    session: AsyncSession, vault: Vault, key: str, forum_ids: list[int]
) -> dict[int, str]:
    """Return ``forum_id → my status``."""
    if not forum_ids:
        return {}
    tags = [member_tag(vault, key, forum_id) for forum_id in forum_ids]
    rows = await session.execute(
        select(RsvpRow.forum_id, RsvpRow.status).where(
            RsvpRow.member_tag.in_(tags), RsvpRow.forum_id.in_(forum_ids)
        )
    )
    return {forum_id: status for forum_id, status in rows.all()}


async def forums(
    session: AsyncSession,
    vault: Vault,
    *,
    viewer_key: str | None,
    ids: list[int] | None = None,
    upcoming_after: datetime | None = None,
    past_at: datetime | None = None,
    limit: int | None = None,
) -> list[ExpertForum]:
    """Return forums as domain objects: by id, or every upcoming one (soonest first, TBC last),
    or the past ones at ``past_at`` (held, cancelled or started; newest first)."""
    stmt = select(ExpertForumRow, BoardRow.slug, BoardRow.title).join(
        BoardRow, BoardRow.id == ExpertForumRow.board_id
    )
    if ids is not None:
        stmt = stmt.where(ExpertForumRow.id.in_(ids))
    if upcoming_after is not None:
        stmt = stmt.where(
            ExpertForumRow.status.not_in([ForumStatus.CANCELLED.value, ForumStatus.HELD.value]),
            (ExpertForumRow.starts_at.is_(None)) | (ExpertForumRow.starts_at > upcoming_after),
        )
    if past_at is not None:
        stmt = stmt.where(
            ExpertForumRow.status.in_([ForumStatus.HELD.value, ForumStatus.CANCELLED.value])
            | (ExpertForumRow.starts_at <= past_at)
        ).order_by(
            func.coalesce(ExpertForumRow.starts_at, ExpertForumRow.updated_at).desc(),
            ExpertForumRow.id.desc(),
        )
    else:
        stmt = stmt.order_by(
            ExpertForumRow.starts_at.is_(None), ExpertForumRow.starts_at, ExpertForumRow.id
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = (await session.execute(stmt)).all()
    forum_ids = [row.id for row, _, _ in rows]
    counts = await rsvp_counts(session, forum_ids)
    mine = await my_rsvps(session, vault, viewer_key, forum_ids) if viewer_key is not None else {}
    result = []
    for row, slug, board_title in rows:
        c = counts.get(row.id, {})
        result.append(
            _record(row, slug, board_title).as_seen(
                going=c.get("going", 0),
                interested=c.get("interested", 0),
                waiting=c.get("waiting", 0),
                my_rsvp=RsvpStatus(mine[row.id]) if row.id in mine else None,
            )
        )
    return result


async def _rsvp_row(session: AsyncSession, forum_id: int, tag: str) -> RsvpRow | None:
    return (
        await session.execute(
            select(RsvpRow).where(RsvpRow.forum_id == forum_id, RsvpRow.member_tag == tag)
        )
    ).scalar_one_or_none()


async def rsvp_of(
    session: AsyncSession, vault: Vault, forum_id: int, key: str
) -> RsvpStatus | None:
    """Return one person's answer for a forum, or None when they never answered."""
    row = await _rsvp_row(session, forum_id, member_tag(vault, key, forum_id))
    return None if row is None else RsvpStatus(row.status)


async def set_rsvp(
    session: AsyncSession,
    vault: Vault,
    forum_id: int,
    key: str,
    status: RsvpStatus,
    now: datetime,
) -> None:
    """Record one person's answer. Repeating the same answer changes nothing, so someone on the
    waiting list keeps their place (the list is ordered by when an answer last changed)."""
    tag = member_tag(vault, key, forum_id)
    row = await _rsvp_row(session, forum_id, tag)
    if row is None:
        session.add(
            RsvpRow(
                forum_id=forum_id,
                member_tag=tag,
                member_seal=vault.seal_key(key, member_context(tag)),
                status=status.value,
                created_at=now,
                updated_at=now,
            )
        )
    elif row.status != status.value:
        row.status, row.updated_at = status.value, now
    await session.flush()


async def promote_first_waiting(
    session: AsyncSession, vault: Vault, forum_id: int, now: datetime
) -> str | None:
    """Move the person longest on the waiting list to going; return their key, or None."""
    row = (
        await session.execute(
            select(RsvpRow)
            .where(RsvpRow.forum_id == forum_id, RsvpRow.status == RsvpStatus.WAITING.value)
            .order_by(RsvpRow.updated_at, RsvpRow.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    row.status, row.updated_at = RsvpStatus.GOING.value, now
    await session.flush()
    return vault.open_key(row.member_seal, member_context(row.member_tag))


async def going_count(session: AsyncSession, forum_id: int) -> int:
    """How many are going."""
    n = await session.scalar(
        select(func.count())
        .select_from(RsvpRow)
        .where(RsvpRow.forum_id == forum_id, RsvpRow.status == RsvpStatus.GOING.value)
    )
    return int(n or 0)


async def rsvp_identities(
    session: AsyncSession, vault: Vault, forum_id: int, statuses: Iterable[RsvpStatus]
) -> dict[str, RsvpStatus]:
    """Return ``identity key → status`` of RSVPs in ``statuses``."""
    rows = await session.execute(
        select(RsvpRow.member_tag, RsvpRow.member_seal, RsvpRow.status).where(
            RsvpRow.forum_id == forum_id, RsvpRow.status.in_([s.value for s in statuses])
        )
    )
    return {
        vault.open_key(seal, member_context(tag)): RsvpStatus(status)
        for tag, seal, status in rows.all()
    }
