"""Repository of invite codes (stored as hashes) that grant a staff role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
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


async def use_invite(session: AsyncSession, code_hash: str, now: datetime) -> Invite | None:
    """Mark an unused, unexpired invite as used and return it; None if there is none."""
    row = (
        await session.execute(select(InviteRow).where(InviteRow.code_hash == code_hash))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    row.used_at = now
    await session.flush()
    return Invite(id=row.id, role=Role(row.role))
