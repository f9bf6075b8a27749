"""The durable notification outbox as the bot sees it: claim a batch under a lease, then ack.

Delivery guarantee: a notification stays ``sending`` until acknowledged; if the bot dies
between sending and acknowledging, the lease expires and the same notifications are claimed
again. So nothing is lost, and what can repeat is bounded by the in-flight batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from forum_service.clock import Clock, utc_now
from forum_service.domain import DomainError, Notification, NotificationLease
from forum_service.storage import outbox_repo, subscriptions_repo
from forum_service.storage.database import Database

MAX_ATTEMPTS = 8


class Outcome(StrEnum):
    """What happened to one claimed notification."""

    SENT = "sent"
    RETRY = "retry"  # transient failure (network, 429): try again after ``retry_after``
    BLOCKED = "blocked"  # the recipient blocked the bot or deleted their delivery data
    FAILED = "failed"  # permanent failure


@dataclass(frozen=True, slots=True)
class Ack:
    """The bot's report on one notification."""

    id: int
    outcome: Outcome
    retry_after: float = 0.0


class OutboxService:
    """Claim and acknowledge notifications.

    Args:
        db: the database.
        clock: time source.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, limit: int, lease: timedelta) -> list[Notification]:
        """Lease up to ``limit`` due notifications, oldest first."""
        async with self._db.write("outbox_claim") as session:
            return await outbox_repo.claim(
                session,
                now=self._clock(),
                lease=lease,
                limit=limit,
                skip_locked=self._db.dialect.supports_skip_locked,
            )

    async def ack(self, acks: list[Ack]) -> int:
        """Record outcomes; returns how many notifications were still ``sending``.

        An ack for a notification that is no longer ``sending`` (acknowledged already, earlier in
        the same list, or re-claimed after its lease expired) changes nothing: replays are harmless.
        """
        if len(acks) > 1000:
            raise DomainError("too_many_acks", "acknowledge at most 1,000 notifications at once")
        now = self._clock()
        sent: list[int] = []
        retries: dict[int, datetime] = {}
        dropped: list[NotificationLease] = []
        failed: list[int] = []
        async with self._db.write("outbox_ack") as session:
            held = await outbox_repo.leases(session, {ack.id for ack in acks})
            for ack in acks:
                lease = held.pop(ack.id, None)  # popped: a second ack of it finds it settled
                if lease is None:
                    continue
                if ack.outcome is Outcome.SENT:
                    sent.append(lease.id)
                elif ack.outcome is Outcome.RETRY and lease.attempts < MAX_ATTEMPTS:
                    retries[lease.id] = now + timedelta(seconds=max(ack.retry_after, 1.0))
                elif ack.outcome is Outcome.BLOCKED:
                    dropped.append(lease)
                else:
                    failed.append(lease.id)
            await outbox_repo.mark_sent(session, sent, now)
            for notification_id, available_at in retries.items():
                await outbox_repo.retry_later(session, notification_id, available_at)
            # The person blocked the bot (403) or deleted their delivery data: stop
            # broadcasting to them; the rest of the broadcast goes on.
            await outbox_repo.mark_dropped(session, [lease.id for lease in dropped])
            await subscriptions_repo.forget(session, {lease.recipient_id for lease in dropped})
            await outbox_repo.mark_failed(session, failed)
        return len(sent) + len(retries) + len(dropped) + len(failed)

    async def counts(self) -> dict[str, int]:
        """Return the number of notifications per status (metrics, tests)."""
        async with self._db.read("outbox_counts") as session:
            return await outbox_repo.counts(session)
