"""Repository of the signposting card's helplines (seeded by migration 0008)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Helpline
from forum_service.storage.tables import HelplineRow


def _helpline(row: HelplineRow) -> Helpline:
    return Helpline(
        id=row.id,
        name=row.name,
        contact=row.contact,
        description=row.description,
        position=row.position,
    )


async def helplines(session: AsyncSession) -> list[Helpline]:
    """Every helpline, in display order."""
    rows = await session.execute(select(HelplineRow).order_by(HelplineRow.position, HelplineRow.id))
    return [_helpline(row) for row in rows.scalars()]


async def count(session: AsyncSession) -> int:
    """How many helplines there are."""
    return int(await session.scalar(select(func.count()).select_from(HelplineRow)) or 0)


async def add(
    session: AsyncSession, *, name: str, contact: str, description: str, now: datetime
) -> Helpline:
    """Add a helpline at the end of the card."""
    last = await session.scalar(select(func.max(HelplineRow.position)))
    row = HelplineRow(
        name=name,
        contact=contact,
        description=description,
        position=int(last or 0) + 1,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _helpline(row)


async def remove(session: AsyncSession, helpline_id: int) -> bool:
    """Delete a helpline; False if there was none with that id."""
    result = await session.execute(delete(HelplineRow).where(HelplineRow.id == helpline_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
