"""Repository of the notification outbox: rows the bot claims, delivers and acknowledges.

A notification is ``pending`` until the bot claims it, ``sending`` while the bot holds its
lease; once settled (sent, gave up, recipient unreachable) the row is deleted, so the outbox
holds only what is still to be sent. A retry makes it ``pending`` again, available later.
The recipient is stored sealed (``Vault.seal_key``), never as a reference to an identity.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Notification, NotificationLease, Sealed
from forum_service.storage.sessions import in_chunks, insert_or_ignore
from forum_service.storage.tables import NotificationRow
from forum_service.vault import Vault

RECIPIENT = "notifications.recipient"


async def notify(
    session: AsyncSession,
    vault: Vault,
    *,
    recipient_key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
    available_at: datetime | None = None,
) -> None:
    """Write a notification into the outbox, in the caller's transaction."""
    session.add(
        NotificationRow(
            recipient_seal=vault.seal_key(recipient_key, RECIPIENT),
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
    vault: Vault,
    recipients: dict[str, dict[str, Any]],
    *,
    kind: str,
    dedupe_prefix: str,
    now: datetime,
) -> int:
    """Write one notification per recipient (``identity key → payload``) in one transaction.

    Dedupe keys ``<prefix>:<the person's tag for prefix>`` make the same event impossible to
    queue twice for one person while it is pending; rows that already exist are skipped.

    Returns:
        How many recipients were given (skipped duplicates included).
    """
    if not recipients:
        return 0
    rows = [
        {
            "recipient_seal": vault.seal_key(key, RECIPIENT),
            "kind": kind,
            "payload": payload,
            "dedupe_key": f"{dedupe_prefix}:{vault.tag(key, dedupe_prefix)}",
            "status": "pending",
            "attempts": 0,
            "available_at": now,
            "created_at": now,
        }
        for key, payload in recipients.items()
    ]
    statement = insert_or_ignore(session, NotificationRow, ["dedupe_key"])
    for chunk in in_chunks(rows):
        await session.execute(statement, chunk)
    return len(rows)


async def claim(
    session: AsyncSession,
    vault: Vault,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_locked: bool,
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
        select(NotificationRow)
        .where(NotificationRow.id.in_(ids))
        .order_by(NotificationRow.available_at, NotificationRow.id)
    )
    return [
        Notification(
            id=row.id,
            recipient_key=vault.open_key(row.recipient_seal, RECIPIENT),
            kind=row.kind,
            payload=dict(row.payload),
            attempts=row.attempts,
            created_at=row.created_at,
        )
        for row in rows.scalars()
    ]


async def leases(session: AsyncSession, ids: Collection[int]) -> dict[int, NotificationLease]:
    """Return those of ``ids`` that are being sent (the ones an acknowledgement may settle)."""
    found: dict[int, NotificationLease] = {}
    for chunk in in_chunks(ids):
        rows = await session.execute(
            select(
                NotificationRow.id, NotificationRow.recipient_seal, NotificationRow.attempts
            ).where(NotificationRow.id.in_(chunk), NotificationRow.status == "sending")
        )
        for id_, seal, attempts in rows.all():
            found[id_] = NotificationLease(
                id=id_, recipient=Sealed(seal, RECIPIENT), attempts=attempts
            )
    return found


async def settle(session: AsyncSession, ids: Collection[int]) -> None:
    """Forget these notifications: delivered, given up on, or their recipient is unreachable.

    Deleted rather than marked: a settled notification is of no use to anybody, and a kept one
    would tell a copy of the database who was told what, when.
    """
    for chunk in in_chunks(ids):
        await session.execute(delete(NotificationRow).where(NotificationRow.id.in_(chunk)))


async def retry_later(session: AsyncSession, notification_id: int, available_at: datetime) -> None:
    """Put a notification back in the queue, to be claimed again from ``available_at``."""
    await session.execute(
        update(NotificationRow)
        .where(NotificationRow.id == notification_id)
        .values(status="pending", available_at=available_at, lease_expires_at=None)
    )


async def withdraw(session: AsyncSession, dedupe_key: str) -> int:
    """Delete a notification not handed out yet (an undone decision's); return how many."""
    result = await session.execute(
        delete(NotificationRow).where(
            NotificationRow.dedupe_key == dedupe_key, NotificationRow.status == "pending"
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def counts(session: AsyncSession) -> dict[str, int]:
    """Return the number of notifications per status."""
    rows = await session.execute(
        select(NotificationRow.status, func.count()).group_by(NotificationRow.status)
    )
    return {status: int(n) for status, n in rows.all()}
