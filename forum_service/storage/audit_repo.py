"""Repository of the append-only audit log of moderator and admin actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import AuditEntry
from forum_service.storage.tables import AuditEntryRow


async def audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: int | None,
    reason: str | None,
    details: dict[str, Any] | None,
    now: datetime,
) -> int:
    """Append one line to the audit log; returns its id."""
    row = AuditEntryRow(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def audit_log(
    session: AsyncSession, *, before_id: int | None, limit: int
) -> list[AuditEntry]:
    """Return audit entries, newest first."""
    stmt = select(AuditEntryRow).order_by(AuditEntryRow.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(AuditEntryRow.id < before_id)
    return [_entry(row) for row in (await session.execute(stmt)).scalars()]


async def entry(session: AsyncSession, entry_id: int) -> AuditEntry | None:
    """One audit line, or None."""
    row = await session.get(AuditEntryRow, entry_id)
    return None if row is None else _entry(row)


def _entry(row: AuditEntryRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        actor=row.actor,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        reason=row.reason,
        details=row.details,
        created_at=row.created_at,
    )
