"""Repository of invite codes: membership codes for partner organisations and staff codes.

A code is stored hashed (how a redeemed code is found) and sealed (so admins can see it again
in ``/invites``). Nothing here records who redeemed a code: a use only lowers ``uses_left``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Invite, Role
from forum_service.storage.tables import InviteRow
from forum_service.vault import Vault


def hash_code(code: str) -> str:
    """The lookup value of a code (codes are random: an unkeyed hash is enough)."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def code_context(code_hash: str) -> str:
    """What a code's sealed copy is bound to."""
    return f"invites.code_seal|{code_hash}"


def _invite(vault: Vault, row: InviteRow) -> Invite:
    code = (
        None
        if row.code_seal is None
        else vault.open(row.code_seal, code_context(row.code_hash)).decode()
    )
    return Invite(
        id=row.id,
        role=Role(row.role),
        uses_left=row.uses_left,
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None,
        label=row.label,
        code=code,
        created_at=row.created_at,
    )


async def add_invite(
    session: AsyncSession,
    vault: Vault,
    *,
    code: str,
    role: Role,
    created_by: str,
    expires_at: datetime,
    now: datetime,
    uses: int = 1,
    label: str | None = None,
) -> int:
    """Store a new invite (hashed and sealed) and return its id."""
    code_hash = hash_code(code)
    row = InviteRow(
        code_hash=code_hash,
        code_seal=vault.seal(code.encode(), code_context(code_hash)),
        role=role.value,
        created_by=created_by,
        expires_at=expires_at,
        created_at=now,
        uses_left=uses,
        label=label,
    )
    session.add(row)
    await session.flush()
    return row.id


async def invite_by_code(session: AsyncSession, vault: Vault, code: str) -> Invite | None:
    """Return the invite with this code whatever its state (used up, expired, revoked), or None."""
    row = (
        await session.execute(select(InviteRow).where(InviteRow.code_hash == hash_code(code)))
    ).scalar_one_or_none()
    return None if row is None else _invite(vault, row)


async def use(session: AsyncSession, invite_id: int) -> bool:
    """Take one use of an invite; False if none was left meanwhile or it was revoked."""
    result = await session.execute(
        update(InviteRow)
        .where(
            InviteRow.id == invite_id,
            InviteRow.uses_left > 0,
            InviteRow.revoked_at.is_(None),
        )
        .values(uses_left=InviteRow.uses_left - 1)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def revoke(session: AsyncSession, invite_id: int, now: datetime) -> bool:
    """Revoke an invite; False if it was revoked already."""
    result = await session.execute(
        update(InviteRow)
        .where(InviteRow.id == invite_id, InviteRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def member_invites(session: AsyncSession, vault: Vault, limit: int) -> list[Invite]:
    """Membership codes, newest first."""
    rows = await session.execute(
        select(InviteRow)
        .where(InviteRow.role == Role.PRACTITIONER.value)
        .order_by(InviteRow.id.desc())
        .limit(limit)
    )
    return [_invite(vault, row) for row in rows.scalars()]
