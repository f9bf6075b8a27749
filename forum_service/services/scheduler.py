"""Due-dated jobs: forum reminders (24 h and 1 h before), the weekly digest, the batched queue
alerts and the admins' daily SLA summary (`services/alerts.py`), and the batched news of new
replies to followed threads (``services.follows``).

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

from forum_service.clock import Clock, utc_now
from forum_service.domain import ForumStatus, JobKind, RsvpStatus, ScheduledJob
from forum_service.services import alerts, follows
from forum_service.services.expert_forums import forum_payload
from forum_service.services.suspensions import end_expired_suspensions
from forum_service.storage import (
    boards_repo,
    expert_forums_repo,
    jobs_repo,
    outbox_repo,
    subscriptions_repo,
)
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session

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
        alert_batch: the queue alerts' batch window (``FORUM_ALERT_BATCH_MINUTES``).
        queue_sla: the wait after which an item is in the SLA summary (``FORUM_QUEUE_SLA_HOURS``).
        follow_batch: how long a thread's first new reply waits for others before its
            followers are told (``FORUM_FOLLOW_BATCH_SECONDS``).
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = utc_now,
        alert_batch: timedelta = alerts.DEFAULT_BATCH_WINDOW,
        queue_sla: timedelta = alerts.DEFAULT_SLA,
        follow_batch: timedelta = timedelta(seconds=300),
    ) -> None:
        self._db = db
        self._clock = clock
        self._alert_batch = alert_batch
        self._queue_sla = queue_sla
        self._follow_batch = follow_batch

    async def ensure_digest(self) -> None:
        """Make sure the next weekly digest is scheduled (its key makes this idempotent)."""
        now = self._clock()
        async with self._db.write("digest_ensure") as session:
            if not await jobs_repo.has_pending(session, JobKind.DIGEST):
                due = next_digest_time(now)
                await _schedule_digest(session, since=due - timedelta(days=7), due=due, now=now)

    async def ensure_sla_summary(self) -> None:
        """Make sure the next daily SLA summary is scheduled (idempotent, like the digest)."""
        now = self._clock()
        async with self._db.write("sla_summary_ensure") as session:
            if not await jobs_repo.has_pending(session, JobKind.QUEUE_SLA):
                await alerts.schedule_sla_summary(session, due=alerts.next_sla_time(now), now=now)

    async def run_due(self, limit: int = 20) -> int:
        """Process due jobs; returns how many."""
        now = self._clock()
        async with self._db.write("jobs_run") as session:
            jobs = await jobs_repo.claim_due(
                session, now=now, limit=limit, skip_locked=self._db.dialect.supports_skip_locked
            )
            done: list[int] = []
            skipped: list[int] = []
            for job in jobs:
                ran = True
                if job.kind == JobKind.REMINDER:
                    ran = await self._reminder(session, job, now)
                elif job.kind == JobKind.DIGEST:
                    await self._digest(session, job, now)
                elif job.kind == JobKind.ALERT_FLUSH:
                    await alerts.flush_batches(
                        session, self._db.vault, now=now, window=self._alert_batch
                    )
                elif job.kind == JobKind.QUEUE_SLA:
                    # The next summary is scheduled in the same transaction: the chain holds.
                    await alerts.schedule_sla_summary(
                        session, due=alerts.next_sla_time(now), now=now
                    )
                    await alerts.sla_summary(
                        session, self._db.vault, job_key=job.job_key, now=now, sla=self._queue_sla
                    )
                (done if ran else skipped).append(job.id)
            await jobs_repo.finish(session, done=done, skipped=skipped, now=now)
        return len(jobs)

    async def end_suspensions(self) -> int:
        """End the suspensions whose time is up; returns how many."""
        return await end_expired_suspensions(self._db, self._clock())

    async def send_follow_batches(self) -> int:
        """Tell followers of the threads whose batch of new replies is due; returns how many."""
        async with self._db.write("follow_batches") as session:
            return await follows.send_due_batches(
                session, self._db.vault, now=self._clock(), window=self._follow_batch
            )

    async def _reminder(self, session: Session, job: ScheduledJob, now: datetime) -> bool:
        """Remind those going or interested; False (skipped) when the forum no longer starts
        at the time the reminder was scheduled for (rescheduled, cancelled, gone)."""
        assert job.forum_id is not None
        forum = await expert_forums_repo.forum_record(session, job.forum_id)
        if (
            forum is None
            or forum.status is ForumStatus.CANCELLED
            or forum.starts_at is None
            or forum.starts_at.isoformat() != job.payload.get("starts_at")
        ):
            return False
        people = await expert_forums_repo.rsvp_identities(
            session, self._db.vault, forum.id, (RsvpStatus.GOING, RsvpStatus.INTERESTED)
        )
        base = forum_payload(forum, "reminder")
        base["offset"] = job.payload.get("offset")
        recipients: dict[str, dict[str, Any]] = {}
        for key, status in people.items():
            payload = dict(base, rsvp=status.value)
            if status is RsvpStatus.GOING:
                payload["join_link"] = forum.join_link  # the link only for those going
            recipients[key] = payload
        await outbox_repo.fan_out(
            session,
            self._db.vault,
            recipients,
            kind="forum_reminder",
            dedupe_prefix=job.job_key,
            now=now,
        )
        return True

    async def _digest(self, session: Session, job: ScheduledJob, now: datetime) -> None:
        """Send each digest reader the week's new threads of the outcomes they follow."""
        since = datetime.fromisoformat(str(job.payload["since"]))
        until = job.due_at
        # The next digest is scheduled in the same transaction: the chain never breaks.
        await _schedule_digest(session, since=until, due=next_digest_time(until), now=now)
        threads = await boards_repo.threads_approved_between(session, since=since, until=until)
        if not threads:
            return  # nothing new: nobody gets an empty digest
        recipients: dict[str, dict[str, Any]] = {}
        readers = await subscriptions_repo.digest_readers(session, self._db.vault)
        for key, outcomes in readers.items():
            mine = [
                {"id": t.id, "title": t.title, "board": t.board_slug, "board_title": t.board_title}
                for t in threads
                if not outcomes or t.board_slug in outcomes  # no outcome followed: every one
            ]
            if mine:
                recipients[key] = {
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "threads": mine,
                }
        await outbox_repo.fan_out(
            session, self._db.vault, recipients, kind="digest", dedupe_prefix=job.job_key, now=now
        )

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 5.0) -> None:
        """Run due jobs until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.ensure_digest()
                await self.ensure_sla_summary()
                while await self.run_due():
                    pass
                await self.end_suspensions()
                while await self.send_follow_batches():
                    pass
            except Exception as error:  # keep scheduling; jobs stay pending on failure
                log.error("scheduler pass failed: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


async def _schedule_digest(
    session: Session, *, since: datetime, due: datetime, now: datetime
) -> None:
    """Schedule the digest of ``[since, due)``, due at ``due`` (once: the key is its due time)."""
    await jobs_repo.schedule(
        session,
        job_key=f"digest:{due.isoformat()}",
        kind=JobKind.DIGEST,
        forum_id=None,
        payload={"since": since.isoformat()},
        due_at=due,
        now=now,
    )
