"""Repository of invite codes (stored as hashes) that grant a staff role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Invite, Role
from forum_service.storage.tables import InviteRow


async def add_invite(
    session: AsyncSession,
    *,
    code_hash: str,
    role: Role,
    created_by: str,
    expires_at: datetime,
    now: datetime,
) -> int:
    """Store a new invite and return its id."""
    row = InviteRow(
        code_hash=code_hash,
        role=role.value,
        created_by=created_by,
        expires_at=expires_at,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def valid_invite(session: AsyncSession, code_hash: str, now: datetime) -> Invite | None:
    """Return the unused, unexpired invite with this code hash, or None."""
    row = (
        await session.execute(select(InviteRow).where(InviteRow.code_hash == code_hash))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    return Invite(id=row.id, role=Role(row.role))


async def mark_used(session: AsyncSession, invite_id: int, now: datetime) -> bool:
    """Use up an invite; False if it was used meanwhile (so it grants its role once)."""
    result = await session.execute(
        update(InviteRow)
        .where(InviteRow.id == invite_id, InviteRow.used_at.is_(None))
        .values(used_at=now)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
