"""Repository of identities: the pseudonymous accounts behind identity keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Identity, Role, StaffMember
from forum_service.storage.sessions import insert_or_ignore
from forum_service.storage.tables import IdentityRow


def _identity(row: IdentityRow) -> Identity:
    return Identity(
        id=row.id, role=Role(row.role), suspended=row.suspended, created_at=row.created_at
    )


async def ensure_identity(session: AsyncSession, key: str, now: datetime) -> Identity:
    """Return the identity with ``key``, creating a practitioner on first sight.

    Uses ``INSERT ... ON CONFLICT DO NOTHING`` so two first requests at once cannot collide.
    """
    stmt = insert_or_ignore(session, IdentityRow, ["key"]).values(
        key=key, role=Role.PRACTITIONER.value, suspended=False, created_at=now
    )
    await session.execute(stmt)
    row = (await session.execute(select(IdentityRow).where(IdentityRow.key == key))).scalar_one()
    return _identity(row)


async def find_identity(session: AsyncSession, key: str) -> Identity | None:
    """Return the identity with ``key`` if the service has seen it."""
    row = (
        await session.execute(select(IdentityRow).where(IdentityRow.key == key))
    ).scalar_one_or_none()
    return None if row is None else _identity(row)


async def set_suspended(session: AsyncSession, identity_id: int, suspended: bool) -> None:
    """Suspend an identity, or lift its suspension."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(suspended=suspended)
    )


async def by_id(session: AsyncSession, identity_id: int) -> Identity | None:
    """Return the identity with this id, or None."""
    row = await session.get(IdentityRow, identity_id)
    return None if row is None else _identity(row)


async def set_role(session: AsyncSession, identity_id: int, role: Role) -> None:
    """Give an identity a role."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(role=role.value)
    )


async def staff(session: AsyncSession, roles: list[Role]) -> list[StaffMember]:
    """Every identity holding one of ``roles``."""
    rows = await session.execute(
        select(IdentityRow.id, IdentityRow.key, IdentityRow.role).where(
            IdentityRow.role.in_([role.value for role in roles])
        )
    )
    return [StaffMember(id=i, key=k, role=Role(r)) for i, k, r in rows.all()]
