"""The durable notification outbox as the bot sees it: claim a batch under a lease, then ack.

Delivery guarantee: a notification stays ``sending`` until acknowledged; if the bot dies
between sending and acknowledging, the lease expires and the same notifications are claimed
again. So nothing is lost, and what can repeat is bounded by the in-flight batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
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

    Settled notifications are deleted; what became of them is counted in :attr:`settled` (since
    this process started) and reported to ``on_settled`` (the Prometheus counter).

    Args:
        db: the database.
        clock: time source.
        on_settled: called after each acknowledgement with ``outcome → count`` (``sent``,
            ``dropped``: recipient unreachable, ``failed``: permanent or out of tries).
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock = utc_now,
        on_settled: Callable[[Mapping[str, int]], None] | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._on_settled = on_settled
        self.settled: Counter[str] = Counter()

    async def claim(self, limit: int, lease: timedelta) -> list[Notification]:
        """Lease up to ``limit`` due notifications, oldest first."""
        async with self._db.write("outbox_claim") as session:
            return await outbox_repo.claim(
                session,
                self._db.vault,
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
        settled: list[int] = []
        outcomes: Counter[str] = Counter()
        retries: dict[int, datetime] = {}
        dropped: list[NotificationLease] = []
        async with self._db.write("outbox_ack") as session:
            held = await outbox_repo.leases(session, {ack.id for ack in acks})
            for ack in acks:
                lease = held.pop(ack.id, None)  # popped: a second ack of it finds it settled
                if lease is None:
                    continue
                if ack.outcome is Outcome.RETRY and lease.attempts < MAX_ATTEMPTS:
                    retries[lease.id] = now + timedelta(seconds=max(ack.retry_after, 1.0))
                    continue
                # Sent, blocked, failed for good, or out of tries: nothing more to do with it.
                settled.append(lease.id)
                if ack.outcome is Outcome.BLOCKED:
                    dropped.append(lease)
                    outcomes["dropped"] += 1
                else:
                    outcomes["sent" if ack.outcome is Outcome.SENT else "failed"] += 1
            for notification_id, available_at in retries.items():
                await outbox_repo.retry_later(session, notification_id, available_at)
            await outbox_repo.settle(session, settled)
            # The person blocked the bot (403) or deleted their delivery data: stop
            # broadcasting to them; the rest of the broadcast goes on.
            if dropped:
                vault = self._db.vault
                await subscriptions_repo.forget(
                    session,
                    vault,
                    {vault.open_key(d.recipient.blob, d.recipient.context) for d in dropped},
                    await subscriptions_repo.all_topics(session),
                )
        self.settled.update(outcomes)
        if self._on_settled is not None and outcomes:
            self._on_settled(outcomes)
        return len(settled) + len(retries)

    async def counts(self) -> dict[str, int]:
        """Return the number of notifications per status (metrics, tests)."""
        async with self._db.read("outbox_counts") as session:
            return await outbox_repo.counts(session)
