"""The durable notification outbox as the bot sees it: claim a batch under a lease, then ack.

Delivery guarantee: a notification stays ``sending`` until acknowledged; if the bot dies
between sending and acknowledging, the lease expires and the same notifications are claimed
again. So nothing is lost, and what can repeat is bounded by the in-flight batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update

from forum_service.clock import Clock, utc_now
from forum_service.domain import DomainError, Notification
from forum_service.services.expert_forums import forget_subscriber
from forum_service.storage.database import Database
from forum_service.storage.tables import IdentityRow, NotificationRow

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
        now = self._clock()
        async with self._db.write("outbox_claim") as session:
            stmt = (
                select(NotificationRow.id)
                .where(
                    or_(
                        (NotificationRow.status == "pending")
                        & (NotificationRow.available_at <= now),
                        (NotificationRow.status == "sending")
                        & (NotificationRow.lease_expires_at < now),
                    )
                )
                .order_by(NotificationRow.available_at, NotificationRow.id)
                .limit(limit)
            )
            if self._db.dialect.supports_skip_locked:
                stmt = stmt.with_for_update(skip_locked=True)
            ids = list((await session.execute(stmt)).scalars())
            if not ids:
                return []
            await session.execute(
                update(NotificationRow)
                .where(NotificationRow.id.in_(ids))
                .values(
                    status="sending",
                    lease_expires_at=now + lease,
                    attempts=NotificationRow.attempts + 1,
                )
            )
            rows = await session.execute(
                select(NotificationRow, IdentityRow.key)
                .join(IdentityRow, IdentityRow.id == NotificationRow.recipient_id)
                .where(NotificationRow.id.in_(ids))
                .order_by(NotificationRow.available_at, NotificationRow.id)
            )
            return [
                Notification(
                    id=row.id,
                    recipient_key=key,
                    kind=row.kind,
                    payload=dict(row.payload),
                    attempts=row.attempts,
                    created_at=row.created_at,
                )
                for row, key in rows.all()
            ]

    async def ack(self, acks: list[Ack]) -> int:
        """Record outcomes; returns how many notifications were still ``sending``.

        An ack for a notification that is no longer ``sending`` (acknowledged already, or
        re-claimed after its lease expired) changes nothing: replays are harmless.
        """
        if len(acks) > 1000:
            raise DomainError("too_many_acks", "acknowledge at most 1,000 notifications at once")
        now = self._clock()
        changed = 0
        async with self._db.write("outbox_ack") as session:
            for ack in acks:
                row = await session.get(NotificationRow, ack.id)
                if row is None or row.status != "sending":
                    continue
                changed += 1
                row.lease_expires_at = None
                if ack.outcome is Outcome.SENT:
                    row.status, row.sent_at = "sent", now
                elif ack.outcome is Outcome.RETRY and row.attempts < MAX_ATTEMPTS:
                    row.status = "pending"
                    row.available_at = now + timedelta(seconds=max(ack.retry_after, 1.0))
                elif ack.outcome is Outcome.BLOCKED:
                    # The person blocked the bot (403) or deleted their delivery data: stop
                    # broadcasting to them; the rest of the broadcast goes on.
                    row.status = "dropped"
                    await forget_subscriber(session, row.recipient_id)
                else:
                    row.status = "failed"
        return changed

    async def counts(self) -> dict[str, int]:
        """Return the number of notifications per status (metrics, tests)."""
        from sqlalchemy import func

        async with self._db.read("outbox_counts") as session:
            rows = await session.execute(
                select(NotificationRow.status, func.count()).group_by(NotificationRow.status)
            )
            return {status: int(n) for status, n in rows.all()}
