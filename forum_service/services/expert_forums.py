"""Expert forums, RSVPs (with a waiting list), subscriptions and announcements.

Every change that people must hear about writes its notifications into the outbox in the
same transaction as the change itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import (
    Conflict,
    DomainError,
    ExpertForum,
    ForumStatus,
    IdentityKey,
    NotFound,
    RsvpStatus,
)
from forum_service.services.staff import StaffService
from forum_service.storage import (
    boards_repo,
    expert_forums_repo,
    identities_repo,
    outbox_repo,
    subscriptions_repo,
)
from forum_service.storage.tables import BoardRow, ExpertForumRow, RsvpRow
from forum_service.validation import clean_text

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
EVERYONE_WHO_ANSWERED = (RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.WAITING)


def forum_payload(
    forum: ExpertForum | ExpertForumRow, board_title: str, event: str
) -> dict[str, Any]:
    """The snapshot of a forum carried by its notifications (times in UTC, ISO 8601)."""
    return {
        "event": event,
        "forum_id": forum.id,
        "title": forum.title,
        "board_title": board_title,
        "lead": forum.lead,
        "starts_at": forum.starts_at.isoformat() if forum.starts_at else None,
        "tbc_label": forum.tbc_label,
        "duration_minutes": forum.duration_minutes,
    }


class ExpertForumService(StaffService):
    """Admins schedule, reschedule and cancel; everyone lists, RSVPs and subscribes.

    Args:
        db: the database.
        pseudonyms: admin handles for the audit log.
        clock: time source.
    """

    def _check_future(self, starts_at: datetime) -> None:
        if starts_at <= self._clock():
            raise DomainError("date_in_past", "the start time must be in the future")

    async def create(
        self,
        key: IdentityKey,
        *,
        board: str,
        title: str,
        lead: str,
        description: str,
        starts_at: datetime | None,
        tbc_label: str | None,
        duration_minutes: int,
        capacity: int | None,
        join_link: str | None,
    ) -> ExpertForum:
        """Schedule a forum (dated or "date TBC") and announce it to subscribers."""
        if starts_at is not None:
            self._check_future(starts_at)
        now = self._clock()
        async with self._db.write("forum_create") as session:
            await self._staff(session, key, admin=True)
            found = await boards_repo.board_by_slug(session, board)
            if found is None:
                raise NotFound("board_not_found", f"there is no outcome called {board!r}")
            row = ExpertForumRow(
                board_id=found.id,
                title=title,
                lead=lead,
                description=description,
                starts_at=starts_at,
                tbc_label=None if starts_at else tbc_label,
                duration_minutes=duration_minutes,
                capacity=capacity,
                join_link=join_link,
                status=ForumStatus.SCHEDULED.value,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.flush()
            recipients = await subscriptions_repo.subscribers(session, ["all", f"outcome:{board}"])
            await outbox_repo.fan_out(
                session,
                dict.fromkeys(recipients, forum_payload(row, found.title, "created")),
                kind="forum_announcement",
                dedupe_prefix=f"forum:{row.id}:created",
                now=now,
            )
            if starts_at is not None:
                await self._schedule_reminders(session, row.id, starts_at, now)
            await self._audit(session, key, "forum:create", "expert_forum", row.id)
            return (await expert_forums_repo.forums(session, viewer_id=None, ids=[row.id]))[0]

    async def _schedule_reminders(
        self, session: AsyncSession, forum_id: int, starts_at: datetime, now: datetime
    ) -> None:
        for label, offset in REMINDER_OFFSETS.items():
            due = starts_at - offset
            if due > now:
                await expert_forums_repo.add_job(
                    session,
                    job_key=f"reminder:{forum_id}:{label}:{starts_at.isoformat()}",
                    kind="reminder",
                    forum_id=forum_id,
                    payload={"offset": label, "starts_at": starts_at.isoformat()},
                    due_at=due,
                    now=now,
                )

    async def reschedule(self, key: IdentityKey, forum_id: int, starts_at: datetime) -> ExpertForum:
        """Set a new date. A "date TBC" forum getting its first date announces "date confirmed"."""
        self._check_future(starts_at)
        now = self._clock()
        async with self._db.write("forum_reschedule") as session:
            await self._staff(session, key, admin=True)
            row = await self._open_forum(session, forum_id)
            if row.starts_at == starts_at:
                raise DomainError("date_unchanged", "the forum already starts at that time")
            confirming = row.starts_at is None and row.date_confirmed_at is None
            event = "date_confirmed" if confirming else "rescheduled"
            row.starts_at, row.tbc_label, row.updated_at = starts_at, None, now
            row.status = (ForumStatus.SCHEDULED if confirming else ForumStatus.RESCHEDULED).value
            if confirming:
                row.date_confirmed_at = now
            await expert_forums_repo.skip_pending_jobs(session, forum_id, now)
            await self._schedule_reminders(session, forum_id, starts_at, now)
            board = await self._board(session, row)
            recipients = await self._interested_parties(session, row, board.slug)
            prefix = (
                f"forum:{forum_id}:date_confirmed"
                if confirming
                else f"forum:{forum_id}:rescheduled:{starts_at.isoformat()}"
            )
            await outbox_repo.fan_out(
                session,
                dict.fromkeys(recipients, forum_payload(row, board.title, event)),
                kind="forum_announcement",
                dedupe_prefix=prefix,
                now=now,
            )
            await self._audit(session, key, f"forum:{event}", "expert_forum", forum_id)
            return (await expert_forums_repo.forums(session, viewer_id=None, ids=[forum_id]))[0]

    async def cancel(self, key: IdentityKey, forum_id: int, reason: str | None) -> ExpertForum:
        """Cancel a forum; everyone who answered (and subscribers) is told."""
        now = self._clock()
        clean_reason = clean_text(reason, field="reason", max_length=500) if reason else None
        async with self._db.write("forum_cancel") as session:
            await self._staff(session, key, admin=True)
            row = await self._open_forum(session, forum_id)
            row.status, row.cancel_reason, row.updated_at = (
                ForumStatus.CANCELLED.value,
                clean_reason,
                now,
            )
            await expert_forums_repo.skip_pending_jobs(session, forum_id, now)
            board = await self._board(session, row)
            payload = forum_payload(row, board.title, "cancelled")
            payload["reason"] = clean_reason
            recipients = await self._interested_parties(session, row, board.slug)
            await outbox_repo.fan_out(
                session,
                dict.fromkeys(recipients, payload),
                kind="forum_announcement",
                dedupe_prefix=f"forum:{forum_id}:cancelled",
                now=now,
            )
            await self._audit(session, key, "forum:cancel", "expert_forum", forum_id, clean_reason)
            return (await expert_forums_repo.forums(session, viewer_id=None, ids=[forum_id]))[0]

    async def _open_forum(self, session: AsyncSession, forum_id: int) -> ExpertForumRow:
        row = await expert_forums_repo.forum_row(session, forum_id)
        if row is None:
            raise NotFound("forum_not_found", f"there is no expert forum {forum_id}")
        if row.status == ForumStatus.CANCELLED.value:
            raise Conflict("forum_cancelled", f"expert forum {forum_id} was cancelled")
        return row

    async def _board(self, session: AsyncSession, row: ExpertForumRow) -> BoardRow:
        board = await session.get(BoardRow, row.board_id)
        assert board is not None  # foreign key
        return board

    async def _interested_parties(
        self, session: AsyncSession, row: ExpertForumRow, board_slug: str
    ) -> set[int]:
        subscribed = await subscriptions_repo.subscribers(session, ["all", f"outcome:{board_slug}"])
        answered = await expert_forums_repo.rsvp_identities(session, row.id, EVERYONE_WHO_ANSWERED)
        return subscribed | set(answered)

    async def upcoming(self, key: IdentityKey) -> list[ExpertForum]:
        """Upcoming forums (dated soonest first, then "date TBC"), with my RSVP."""
        async with self._db.read("forums_upcoming") as session:
            viewer = await identities_repo.find_identity(session, key.value)
            return await expert_forums_repo.forums(
                session, viewer_id=viewer.id if viewer else 0, upcoming_after=self._clock()
            )

    async def get(self, key: IdentityKey, forum_id: int) -> ExpertForum:
        """One forum with my RSVP."""
        async with self._db.read("forum_get") as session:
            viewer = await identities_repo.find_identity(session, key.value)
            found = await expert_forums_repo.forums(
                session, viewer_id=viewer.id if viewer else 0, ids=[forum_id]
            )
        if not found:
            raise NotFound("forum_not_found", f"there is no expert forum {forum_id}")
        return found[0]

    async def rsvp(self, key: IdentityKey, forum_id: int, answer: RsvpStatus) -> ExpertForum:
        """Answer going / interested / not going. Full → waiting list, promoted in order."""
        if answer is RsvpStatus.WAITING:
            raise DomainError("invalid_rsvp", "answer going, interested or not_going")
        now = self._clock()
        async with self._db.write("forum_rsvp") as session:
            me = await identities_repo.ensure_identity(session, key.value, now)
            row = await self._open_forum(session, forum_id)
            if row.starts_at is not None and row.starts_at <= now:
                raise Conflict("forum_started", "this forum has already started")
            mine = await expert_forums_repo.rsvp_row(session, forum_id, me.id)
            previous = mine.status if mine is not None else None
            status: RsvpStatus = answer
            if answer is RsvpStatus.GOING and previous != RsvpStatus.GOING.value:
                full = (
                    row.capacity is not None
                    and await expert_forums_repo.going_count(session, forum_id) >= row.capacity
                )
                status = RsvpStatus.WAITING if full else RsvpStatus.GOING
            if mine is None:
                session.add(
                    RsvpRow(
                        forum_id=forum_id,
                        identity_id=me.id,
                        status=status.value,
                        created_at=now,
                        updated_at=now,
                    )
                )
            elif previous != status.value:
                mine.status, mine.updated_at = status.value, now
            await session.flush()
            if previous == RsvpStatus.GOING.value and status is not RsvpStatus.GOING:
                await self._promote(session, row, now)
            return (await expert_forums_repo.forums(session, viewer_id=me.id, ids=[forum_id]))[0]

    async def _promote(self, session: AsyncSession, row: ExpertForumRow, now: datetime) -> None:
        waiting = await expert_forums_repo.first_waiting(session, row.id)
        if waiting is None:
            return
        waiting.status, waiting.updated_at = RsvpStatus.GOING.value, now
        payload = forum_payload(row, (await self._board(session, row)).title, "place_available")
        payload["join_link"] = row.join_link
        await outbox_repo.fan_out(
            session,
            {waiting.identity_id: payload},
            kind="forum_announcement",
            dedupe_prefix=f"forum:{row.id}:promoted:{now.isoformat()}",
            now=now,
        )

    async def subscriptions(self, key: IdentityKey) -> list[str]:
        """My subscription topics."""
        async with self._db.read("subscriptions") as session:
            me = await identities_repo.find_identity(session, key.value)
            return await subscriptions_repo.topics_of(session, me.id) if me else []

    async def subscribe(self, key: IdentityKey, topic: str) -> list[str]:
        """Follow ``all``, ``digest`` or ``outcome:<slug>``."""
        now = self._clock()
        async with self._db.write("subscribe") as session:
            me = await identities_repo.ensure_identity(session, key.value, now)
            await self._check_topic(session, topic)
            await subscriptions_repo.subscribe(session, me.id, topic, now)
            return await subscriptions_repo.topics_of(session, me.id)

    async def unsubscribe(self, key: IdentityKey, topic: str | None) -> list[str]:
        """Stop following ``topic`` (or everything when None)."""
        async with self._db.write("unsubscribe") as session:
            me = await identities_repo.ensure_identity(session, key.value, self._clock())
            if topic is not None:
                await self._check_topic(session, topic)
            await subscriptions_repo.unsubscribe(session, me.id, topic)
            return await subscriptions_repo.topics_of(session, me.id)

    async def _check_topic(self, session: AsyncSession, topic: str) -> None:
        if topic in ("all", "digest"):
            return
        slug = topic.removeprefix("outcome:")
        if (
            not topic.startswith("outcome:")
            or await boards_repo.board_by_slug(session, slug) is None
        ):
            raise DomainError(
                "topic_invalid",
                "subscribe to all, digest, or outcome:<slug> of an existing outcome",
            )

    async def announce(self, key: IdentityKey, text: str, document_file_id: str | None) -> int:
        """Queue an announcement to every ``all`` subscriber; returns how many."""
        now = self._clock()
        async with self._db.write("announce") as session:
            await self._staff(session, key, admin=True)
            recipients = await subscriptions_repo.subscribers(session, ["all"])
            payload: dict[str, Any] = {"text": text, "document_file_id": document_file_id}
            stamp = now.isoformat()
            count = await outbox_repo.fan_out(
                session,
                dict.fromkeys(recipients, payload),
                kind="announcement",
                dedupe_prefix=f"announcement:{stamp}",
                now=now,
            )
            await self._audit(
                session,
                key,
                "announce",
                "announcement",
                None,
                details={"recipients": count, "document": document_file_id is not None},
            )
            return count
