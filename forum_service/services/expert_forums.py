"""Expert forums, RSVPs (with a waiting list) and announcements.

Every change that people must hear about writes its notifications into the outbox in the
same transaction as the change itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from forum_service.domain import (
    Conflict,
    DomainError,
    ExpertForum,
    ExpertForumRecord,
    Forbidden,
    ForumFollowUp,
    ForumStatus,
    IdentityKey,
    JobKind,
    NotFound,
    RsvpStatus,
)
from forum_service.services.calendar import calendar_file_name, forum_calendar
from forum_service.services.staff import StaffService
from forum_service.storage import (
    boards_repo,
    expert_forums_repo,
    identities_repo,
    jobs_repo,
    outbox_repo,
    subscriptions_repo,
)
from forum_service.storage.sessions import Session
from forum_service.validation import clean_text
from forum_service.vault import Vault

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
EVERYONE_WHO_ANSWERED = (RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.WAITING)
#: The follow-up of a forum reaches everyone who answered at all: "not going" too, since a
#: recording and slides matter most to those who could not come.
FOLLOW_UP_RECIPIENTS = (*EVERYONE_WHO_ANSWERED, RsvpStatus.NOT_GOING)
#: How many past forums ``/forums past`` lists.
PAST_FORUMS_SHOWN = 20


def forum_payload(
    forum: ExpertForumRecord, event: str, *, calendar_at: datetime | None = None
) -> dict[str, Any]:
    """The snapshot of a forum carried by its notifications (times in UTC, ISO 8601).

    With ``calendar_at``, the payload also carries the forum's calendar file (``calendar``,
    the ``.ics`` text, and ``calendar_name``) when it has a date.
    """
    payload = _snapshot(forum, event)
    if calendar_at is not None and (ics := forum_calendar(forum, stamp=calendar_at)):
        payload["calendar"] = ics
        payload["calendar_name"] = calendar_file_name(forum.id)
    return payload


def _snapshot(forum: ExpertForumRecord, event: str) -> dict[str, Any]:
    return {
        "event": event,
        "forum_id": forum.id,
        "title": forum.title,
        "board_title": forum.board_title,
        "lead": forum.lead,
        "starts_at": forum.starts_at.isoformat() if forum.starts_at else None,
        "tbc_label": forum.tbc_label,
        "duration_minutes": forum.duration_minutes,
    }


def announced_to(board_slug: str) -> list[str]:
    """The subscription topics whose followers hear about a forum on ``board_slug``."""
    return ["all", f"outcome:{board_slug}"]


def _open(forum: ExpertForumRecord | None, forum_id: int) -> ExpertForumRecord:
    """Return ``forum``, refusing one that does not exist, was cancelled or was held."""
    if forum is None:
        raise NotFound("forum_not_found", f"there is no expert forum {forum_id}")
    if forum.status is ForumStatus.CANCELLED:
        raise Conflict("forum_cancelled", f"expert forum {forum_id} was cancelled")
    if forum.status is ForumStatus.HELD:
        raise Conflict("forum_held", f"expert forum {forum_id} has taken place already")
    return forum


async def _shown(
    session: Session, vault: Vault, forum_id: int, viewer_key: str | None
) -> ExpertForum:
    """The forum as ``viewer_key`` sees it; it exists (this transaction just read it)."""
    (forum,) = await expert_forums_repo.forums(
        session, vault, viewer_key=viewer_key, ids=[forum_id]
    )
    return forum


class ExpertForumService(StaffService):
    """Admins schedule, reschedule, cancel and announce; everyone lists and RSVPs.

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
            forum = await expert_forums_repo.add_forum(
                session,
                board=found,
                title=title,
                lead=lead,
                description=description,
                starts_at=starts_at,
                tbc_label=None if starts_at else tbc_label,
                duration_minutes=duration_minutes,
                capacity=capacity,
                join_link=join_link,
                now=now,
            )
            recipients = await subscriptions_repo.subscribers(
                session, self._vault, announced_to(found.slug)
            )
            await outbox_repo.fan_out(
                session,
                self._vault,
                dict.fromkeys(recipients, forum_payload(forum, "created", calendar_at=now)),
                kind="forum_announcement",
                dedupe_prefix=f"forum:{forum.id}:created",
                now=now,
            )
            if starts_at is not None:
                await self._schedule_reminders(session, forum.id, starts_at, now)
            await self._audit(session, key, "forum:create", "expert_forum", forum.id)
            return await _shown(session, self._vault, forum.id, None)

    async def _schedule_reminders(
        self, session: Session, forum_id: int, starts_at: datetime, now: datetime
    ) -> None:
        for label, offset in REMINDER_OFFSETS.items():
            due = starts_at - offset
            if due > now:
                await jobs_repo.schedule(
                    session,
                    job_key=f"reminder:{forum_id}:{label}:{starts_at.isoformat()}",
                    kind=JobKind.REMINDER,
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
            forum = _open(await expert_forums_repo.forum_record(session, forum_id), forum_id)
            if forum.starts_at == starts_at:
                raise DomainError("date_unchanged", "the forum already starts at that time")
            confirming = forum.starts_at is None and forum.date_confirmed_at is None
            event = "date_confirmed" if confirming else "rescheduled"
            forum = await expert_forums_repo.reschedule(
                session,
                forum_id,
                starts_at=starts_at,
                status=ForumStatus.SCHEDULED if confirming else ForumStatus.RESCHEDULED,
                date_confirmed_at=now if confirming else None,
                now=now,
            )
            await jobs_repo.skip_pending_for_forum(session, forum_id, now)
            await self._schedule_reminders(session, forum_id, starts_at, now)
            recipients = await self._interested_parties(session, forum)
            prefix = (
                f"forum:{forum_id}:date_confirmed"
                if confirming
                else f"forum:{forum_id}:rescheduled:{starts_at.isoformat()}"
            )
            await outbox_repo.fan_out(
                session,
                self._vault,
                dict.fromkeys(recipients, forum_payload(forum, event, calendar_at=now)),
                kind="forum_announcement",
                dedupe_prefix=prefix,
                now=now,
            )
            await self._audit(session, key, f"forum:{event}", "expert_forum", forum_id)
            return await _shown(session, self._vault, forum_id, None)

    async def cancel(self, key: IdentityKey, forum_id: int, reason: str | None) -> ExpertForum:
        """Cancel a forum; everyone who answered (and subscribers) is told."""
        now = self._clock()
        clean_reason = clean_text(reason, field="reason", max_length=500) if reason else None
        async with self._db.write("forum_cancel") as session:
            await self._staff(session, key, admin=True)
            _open(await expert_forums_repo.forum_record(session, forum_id), forum_id)
            forum = await expert_forums_repo.cancel(session, forum_id, reason=clean_reason, now=now)
            await jobs_repo.skip_pending_for_forum(session, forum_id, now)
            payload = forum_payload(forum, "cancelled", calendar_at=now)
            payload["reason"] = clean_reason
            recipients = await self._interested_parties(session, forum)
            await outbox_repo.fan_out(
                session,
                self._vault,
                dict.fromkeys(recipients, payload),
                kind="forum_announcement",
                dedupe_prefix=f"forum:{forum_id}:cancelled",
                now=now,
            )
            await self._audit(session, key, "forum:cancel", "expert_forum", forum_id, clean_reason)
            return await _shown(session, self._vault, forum_id, None)

    async def _interested_parties(self, session: Session, forum: ExpertForumRecord) -> set[str]:
        """Subscribers of the forum's topics and everyone who answered it (not "not going")."""
        subscribed = await subscriptions_repo.subscribers(
            session, self._vault, announced_to(forum.board_slug)
        )
        answered = await expert_forums_repo.rsvp_identities(
            session, self._vault, forum.id, EVERYONE_WHO_ANSWERED
        )
        return subscribed | set(answered)

    async def upcoming(self, key: IdentityKey) -> list[ExpertForum]:
        """Upcoming forums (dated soonest first, then "date TBC"), with my RSVP."""
        async with self._db.read("forums_upcoming") as session:
            return await expert_forums_repo.forums(
                session, self._vault, viewer_key=key.value, upcoming_after=self._clock()
            )

    async def past(self, key: IdentityKey) -> list[ExpertForum]:
        """Past forums (held, cancelled, or whose start has passed), newest first."""
        async with self._db.read("forums_past") as session:
            return await expert_forums_repo.forums(
                session,
                self._vault,
                viewer_key=key.value,
                past_at=self._clock(),
                limit=PAST_FORUMS_SHOWN,
            )

    async def mark_held(
        self,
        key: IdentityKey,
        forum_id: int,
        *,
        recording_url: str | None,
        slides_file_id: str | None,
        summary: str | None,
    ) -> ExpertForum:
        """Mark a forum held with its follow-up, delivered to everyone who answered it.

        Raises:
            DomainError: ``follow_up_empty`` (no recording, slides nor summary).
            Conflict: ``forum_cancelled``, ``forum_not_started`` (no date, or later),
                ``forum_held`` (marked held already).
        """
        if not (recording_url or slides_file_id or summary):
            raise DomainError(
                "follow_up_empty", "attach a recording link, slides (a PDF) or a summary"
            )
        now = self._clock()
        async with self._db.write("forum_held") as session:
            await self._staff(session, key, admin=True)
            forum = _open(await expert_forums_repo.forum_record(session, forum_id), forum_id)
            if forum.starts_at is None or forum.starts_at > now:
                raise Conflict(
                    "forum_not_started", f"expert forum {forum_id} has not taken place yet"
                )
            follow_up = ForumFollowUp(
                held_at=now,
                recording_url=recording_url,
                slides_file_id=slides_file_id,
                summary=summary,
            )
            forum = await expert_forums_repo.mark_held(session, forum_id, follow_up, now)
            payload = forum_payload(forum, "follow_up")
            payload |= {
                "recording_url": recording_url,
                "summary": summary,
                "document_file_id": slides_file_id,
            }
            answered = await expert_forums_repo.rsvp_identities(
                session, self._vault, forum_id, FOLLOW_UP_RECIPIENTS
            )
            await outbox_repo.fan_out(
                session,
                self._vault,
                dict.fromkeys(answered, payload),
                kind="forum_announcement",
                dedupe_prefix=f"forum:{forum_id}:follow_up",
                now=now,
            )
            await self._audit(
                session,
                key,
                "forum:held",
                "expert_forum",
                forum_id,
                details={
                    "recording": recording_url is not None,
                    "slides": slides_file_id is not None,
                    "summary": summary is not None,
                    "recipients": len(answered),
                },
            )
            return await _shown(session, self._vault, forum_id, None)

    async def get(self, key: IdentityKey, forum_id: int) -> ExpertForum:
        """One forum with my RSVP."""
        async with self._db.read("forum_get") as session:
            found = await expert_forums_repo.forums(
                session, self._vault, viewer_key=key.value, ids=[forum_id]
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
            me = await identities_repo.ensure_identity(session, self._vault, key.value, now)
            if me.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            # Locked: two people taking the last place at once must not both get it.
            found = await expert_forums_repo.forum_record(session, forum_id, lock=True)
            forum = _open(found, forum_id)
            if forum.starts_at is not None and forum.starts_at <= now:
                raise Conflict("forum_started", "this forum has already started")
            previous = await expert_forums_repo.rsvp_of(session, self._vault, forum_id, key.value)
            status: RsvpStatus = answer
            if answer is RsvpStatus.GOING and previous is not RsvpStatus.GOING:
                full = (
                    forum.capacity is not None
                    and await expert_forums_repo.going_count(session, forum_id) >= forum.capacity
                )
                status = RsvpStatus.WAITING if full else RsvpStatus.GOING
            await expert_forums_repo.set_rsvp(
                session, self._vault, forum_id, key.value, status, now
            )
            if previous is RsvpStatus.GOING and status is not RsvpStatus.GOING:
                await self._promote(session, forum, now)
            return await _shown(session, self._vault, forum_id, key.value)

    async def _promote(self, session: Session, forum: ExpertForumRecord, now: datetime) -> None:
        """Give a freed place to the first on the waiting list, and tell them (with the link)."""
        promoted = await expert_forums_repo.promote_first_waiting(
            session, self._vault, forum.id, now
        )
        if promoted is None:
            return
        payload = forum_payload(forum, "place_available", calendar_at=now)
        payload["join_link"] = forum.join_link
        await outbox_repo.fan_out(
            session,
            self._vault,
            {promoted: payload},
            kind="forum_announcement",
            dedupe_prefix=f"forum:{forum.id}:promoted:{now.isoformat()}",
            now=now,
        )

    async def announce(self, key: IdentityKey, text: str, document_file_id: str | None) -> int:
        """Queue an announcement to every ``all`` subscriber; returns how many."""
        now = self._clock()
        async with self._db.write("announce") as session:
            await self._staff(session, key, admin=True)
            recipients = await subscriptions_repo.subscribers(session, self._vault, ["all"])
            payload: dict[str, Any] = {"text": text, "document_file_id": document_file_id}
            stamp = now.isoformat()
            count = await outbox_repo.fan_out(
                session,
                self._vault,
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
