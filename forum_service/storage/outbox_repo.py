"""Repository of the notification outbox: rows the bot claims, delivers and acknowledges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.tables import NotificationRow


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
