"""Repository of the notification outbox: rows the bot claims, delivers and acknowledges.

A notification is ``pending`` until the bot claims it, ``sending`` while the bot holds its lease,
then ``sent``, ``failed`` or ``dropped`` (recipient unreachable); a retry makes it ``pending``
again, available later.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Notification, NotificationLease
from forum_service.storage.sessions import in_chunks, insert_or_ignore
from forum_service.storage.tables import IdentityRow, NotificationRow


async def notify(
    session: AsyncSession,
    *,
    recipient_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    available_at: datetime | None = None,
) -> None:
    """Write a notification into the outbox, in the caller's transaction."""
    session.add(
        NotificationRow(
            recipient_id=recipient_id,
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key,
            status="pending",
            attempts=0,
            available_at=available_at or now,
            created_at=now,
        )
    )
    await session.flush()


async def fan_out(
    session: AsyncSession,
    recipients: dict[int, dict[str, Any]],
    *,
    kind: str,
    dedupe_prefix: str,
    now: datetime,
) -> int:
    """Write one notification per recipient (``identity_id → payload``) in one transaction.

    Dedupe keys ``<prefix>:<identity id>`` make the same event impossible to queue twice for one
    person; rows that already exist are skipped.

    Returns:
        How many recipients were given (skipped duplicates included).
    """
    if not recipients:
        return 0
    rows = [
        {
            "recipient_id": identity_id,
            "kind": kind,
            "payload": payload,
            "dedupe_key": f"{dedupe_prefix}:{identity_id}",
            "status": "pending",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
        }
        for identity_id, payload in recipients.items()
    ]
    statement = insert_or_ignore(session, NotificationRow, ["dedupe_key"])
    for chunk in in_chunks(rows):
        await session.execute(statement, chunk)
    return len(rows)


async def claim(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int, skip_locked: bool
) -> list[Notification]:
    """Lease up to ``limit`` due notifications (or ones whose lease expired), oldest first.

    On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``, so several claimers take
    disjoint batches.
    """
    candidates = (
        select(NotificationRow.id)
        .where(
            or_(
                (NotificationRow.status == "pending") & (NotificationRow.available_at <= now),
                (NotificationRow.status == "sending") & (NotificationRow.lease_expires_at < now),
            )
        )
        .order_by(NotificationRow.available_at, NotificationRow.id)
        .limit(limit)
    )
    if skip_locked:
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list((await session.execute(candidates)).scalars())
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


async def leases(session: AsyncSession, ids: Collection[int]) -> dict[int, NotificationLease]:
    """Return those of ``ids`` that are being sent (the ones an acknowledgement may settle)."""
    found: dict[int, NotificationLease] = {}
    for chunk in in_chunks(ids):
        rows = await session.execute(
            select(
                NotificationRow.id, NotificationRow.recipient_id, NotificationRow.attempts
            ).where(NotificationRow.id.in_(chunk), NotificationRow.status == "sending")
        )
        for id_, recipient_id, attempts in rows.all():
            found[id_] = NotificationLease(id=id_, recipient_id=recipient_id, attempts=attempts)
    return found


async def _settle(session: AsyncSession, ids: Collection[int], **values: Any) -> None:
    for chunk in in_chunks(ids):
        await session.execute(
            update(NotificationRow)
            .where(NotificationRow.id.in_(chunk))
            .values(lease_expires_at=None, **values)
        )


async def mark_sent(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """Record that these notifications were delivered."""
    await _settle(session, ids, status="sent", sent_at=now)


async def retry_later(session: AsyncSession, notification_id: int, available_at: datetime) -> None:
    """Put a notification back in the queue, to be claimed again from ``available_at``."""
    await _settle(session, [notification_id], status="pending", available_at=available_at)


async def mark_dropped(session: AsyncSession, ids: Collection[int]) -> None:
    """Give up on these notifications: their recipients cannot be reached any more."""
    await _settle(session, ids, status="dropped")


async def mark_failed(session: AsyncSession, ids: Collection[int]) -> None:
    """Give up on these notifications after a permanent failure or too many tries."""
    await _settle(session, ids, status="failed")


async def counts(session: AsyncSession) -> dict[str, int]:
    """Return the number of notifications per status."""
    rows = await session.execute(
        select(NotificationRow.status, func.count()).group_by(NotificationRow.status)
    )
    return {status: int(n) for status, n in rows.all()}
