"""Repository of the canned rejection reasons admins keep, in the reject keyboard's order."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import RejectReason
from forum_service.storage.tables import RejectReasonRow


def _reason(row: RejectReasonRow) -> RejectReason:
    return RejectReason(
        id=row.id, code=row.code, label=row.label, text=row.text, position=row.position
    )


async def reasons(session: AsyncSession) -> list[RejectReason]:
    """Every reason, in order."""
    rows = await session.execute(
        select(RejectReasonRow).order_by(RejectReasonRow.position, RejectReasonRow.id)
    )
    return [_reason(row) for row in rows.scalars()]


async def by_code(session: AsyncSession, code: str) -> RejectReason | None:
    """The reason a decision names, or None."""
    row = await session.scalar(select(RejectReasonRow).where(RejectReasonRow.code == code))
    return None if row is None else _reason(row)


async def add(session: AsyncSession, *, label: str, text: str, now: datetime) -> RejectReason:
    """Add a reason at the end of the list; its code is ``reason_<id>``."""
    last = await session.scalar(select(func.max(RejectReasonRow.position)))
    # A unique placeholder until the id is known (codes are unique).
    row = RejectReasonRow(
        code=f"pending_{uuid.uuid4().hex}",
        label=label,
        text=text,
        position=(last or 0) + 1,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    row.code = f"reason_{row.id}"
    await session.flush()
    return _reason(row)


async def remove(session: AsyncSession, reason_id: int) -> bool:
    """Delete a reason; False if there is none with this id."""
    result = await session.execute(delete(RejectReasonRow).where(RejectReasonRow.id == reason_id))
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def set_order(session: AsyncSession, ids: list[int]) -> None:
    """Number the reasons 1, 2, … in the order of ``ids``."""
    for position, reason_id in enumerate(ids, start=1):
        await session.execute(
            update(RejectReasonRow).where(RejectReasonRow.id == reason_id).values(position=position)
        )
