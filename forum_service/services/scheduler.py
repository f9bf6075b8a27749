"""Due-dated jobs: forum reminders (24 h and 1 h before) and the weekly digest.

Jobs are rows (``scheduled_jobs``), not timers: whatever is due when the scheduler runs —
even hours late after a restart — is processed once (the job's status flips in the same
transaction that writes its notifications, and notification dedupe keys stop repeats).
Precision is the scheduler's polling interval (seconds); a reminder for a forum that was
rescheduled or cancelled is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.clock import Clock, utc_now
from forum_service.domain import ForumStatus, JobKind, PostStatus, RsvpStatus
from forum_service.services.expert_forums import forum_payload
from forum_service.storage import expert_forums_repo, jobs_repo, outbox_repo
from forum_service.storage.database import Database
from forum_service.storage.tables import (
    BoardRow,
    PostRow,
    ScheduledJobRow,
    SubscriptionRow,
    ThreadRow,
)

log = logging.getLogger(__name__)

DIGEST_WEEKDAY = 0  # Monday
DIGEST_HOUR = 8  # 08:00 UTC


def next_digest_time(after: datetime) -> datetime:
    """Return the first Monday 08:00 UTC strictly after ``after``."""
    base = after.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    days = (DIGEST_WEEKDAY - base.weekday()) % 7
    candidate = base + timedelta(days=days)
    return candidate if candidate > after else candidate + timedelta(days=7)


class Scheduler:
    """Processes due jobs.

    Args:
        db: the database.
        clock: time source.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def ensure_digest(self) -> None:
        """Make sure the next weekly digest is scheduled (its key makes this idempotent)."""
        now = self._clock()
        async with self._db.write("digest_ensure") as session:
            pending = await session.scalar(
                select(ScheduledJobRow.id).where(
                    ScheduledJobRow.kind == "digest", ScheduledJobRow.status == "pending"
                )
            )
            if pending is None:
                due = next_digest_time(now)
                await jobs_repo.schedule(
                    session,
                    job_key=f"digest:{due.isoformat()}",
                    kind=JobKind.DIGEST,
                    forum_id=None,
                    payload={"since": (due - timedelta(days=7)).isoformat()},
                    due_at=due,
                    now=now,
                )

    async def run_due(self, limit: int = 20) -> int:
        """Process due jobs; returns how many."""
        now = self._clock()
        async with self._db.write("jobs_run") as session:
            stmt = (
                select(ScheduledJobRow)
                .where(ScheduledJobRow.status == "pending", ScheduledJobRow.due_at <= now)
                .order_by(ScheduledJobRow.due_at, ScheduledJobRow.id)
                .limit(limit)
            )
            if self._db.dialect.supports_skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            jobs = list((await session.execute(stmt)).scalars())
            for job in jobs:
                if job.kind == "reminder":
                    await self._reminder(session, job, now)
                elif job.kind == "digest":
                    await self._digest(session, job, now)
                job.done_at = now
                if job.status == "pending":
                    job.status = "done"
        return len(jobs)

    async def _reminder(self, session: AsyncSession, job: ScheduledJobRow, now: datetime) -> None:
        assert job.forum_id is not None
        forum = await expert_forums_repo.forum_record(session, job.forum_id)
        if (
            forum is None
            or forum.status is ForumStatus.CANCELLED
            or forum.starts_at is None
            or forum.starts_at.isoformat() != job.payload.get("starts_at")
        ):
            job.status = "skipped"
            return
        people = await expert_forums_repo.rsvp_identities(
            session, forum.id, (RsvpStatus.GOING, RsvpStatus.INTERESTED)
        )
        base = forum_payload(forum, "reminder")
        base["offset"] = job.payload.get("offset")
        recipients: dict[int, dict[str, Any]] = {}
        for identity_id, status in people.items():
            payload = dict(base, rsvp=status.value)
            if status is RsvpStatus.GOING:
                payload["join_link"] = forum.join_link  # the link only for those going
            recipients[identity_id] = payload
        await outbox_repo.fan_out(
            session, recipients, kind="forum_reminder", dedupe_prefix=job.job_key, now=now
        )

    async def _digest(self, session: AsyncSession, job: ScheduledJobRow, now: datetime) -> None:
        since = datetime.fromisoformat(job.payload["since"])
        until = job.due_at
        # The next digest is scheduled in the same transaction: the chain never breaks.
        due = next_digest_time(until)
        await jobs_repo.schedule(
            session,
            job_key=f"digest:{due.isoformat()}",
            kind=JobKind.DIGEST,
            forum_id=None,
            payload={"since": until.isoformat()},
            due_at=due,
            now=now,
        )
        threads = (
            await session.execute(
                select(ThreadRow.id, ThreadRow.title, BoardRow.slug, BoardRow.title)
                .join(BoardRow, BoardRow.id == ThreadRow.board_id)
                .join(
                    PostRow, and_(PostRow.thread_id == ThreadRow.id, PostRow.is_opening.is_(True))
                )
                .where(
                    ThreadRow.status == PostStatus.APPROVED.value,
                    PostRow.approved_at >= since,
                    PostRow.approved_at < until,
                )
                .order_by(ThreadRow.id)
            )
        ).all()
        if not threads:
            return  # nothing new: nobody gets an empty digest
        topics = (
            await session.execute(select(SubscriptionRow.identity_id, SubscriptionRow.topic))
        ).all()
        followed: dict[int, set[str]] = {}
        digest_readers: set[int] = set()
        for identity_id, topic in topics:
            if topic == "digest":
                digest_readers.add(identity_id)
            elif topic.startswith("outcome:"):
                followed.setdefault(identity_id, set()).add(topic.removeprefix("outcome:"))
        recipients: dict[int, dict[str, Any]] = {}
        for identity_id in digest_readers:
            outcomes = followed.get(identity_id)  # no outcome followed: every outcome
            mine = [
                {"id": t_id, "title": title, "board": slug, "board_title": board_title}
                for t_id, title, slug, board_title in threads
                if outcomes is None or slug in outcomes
            ]
            if mine:
                recipients[identity_id] = {
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "threads": mine,
                }
        await outbox_repo.fan_out(
            session, recipients, kind="digest", dedupe_prefix=job.job_key, now=now
        )

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 5.0) -> None:
        """Run due jobs until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.ensure_digest()
                while await self.run_due():
                    pass
            except Exception as error:  # keep scheduling; jobs stay pending on failure
                log.error("scheduler pass failed: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
