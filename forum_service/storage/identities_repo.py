"""Repository of identities: the pseudonymous accounts behind identity keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Identity, Role
from forum_service.storage.tables import IdentityRow


def _identity(row: IdentityRow) -> Identity:
    return Identity(
        id=row.id, role=Role(row.role), suspended=row.suspended, created_at=row.created_at
    )


async def ensure_identity(session: AsyncSession, key: str, now: datetime) -> Identity:
    """Return the identity with ``key``, creating a practitioner on first sight.

    Uses ``INSERT ... ON CONFLICT DO NOTHING`` so two first requests at once cannot collide.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(IdentityRow)
        .values(key=key, role=Role.PRACTITIONER.value, suspended=False, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
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
