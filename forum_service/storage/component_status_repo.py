"""Repository of background components' health (the moderation model, the PII screen)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.tables import ComponentStatusRow


async def set_status(
    session: AsyncSession, name: str, *, state: str, detail: str, now: datetime
) -> None:
    """Record a component's state ("ok" or "degraded") with one line for operators."""
    row = await session.get(ComponentStatusRow, name)
    if row is None:
        session.add(ComponentStatusRow(name=name, state=state, detail=detail, updated_at=now))
    else:
        row.state, row.detail, row.updated_at = state, detail, now
    await session.flush()


async def statuses(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """Return ``name → (state, detail)`` of every component that reported."""
    rows = (await session.execute(select(ComponentStatusRow))).scalars()
    return {row.name: (row.state, row.detail) for row in rows}
