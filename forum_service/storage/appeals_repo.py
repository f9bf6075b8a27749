"""Repository of appeals against a suspension or a hidden post (one per subject).

A row holds the appellant's tag for that appeal only, their identity key sealed (to tell them
the answer) and their text sealed; both seals are cleared once the appeal is answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Appeal, AppealStatus, Sealed
from forum_service.storage.tables import AppealRow
from forum_service.vault import PAD_BLOCK, Vault


def appellant_tag(vault: Vault, key: str, subject: str) -> str:
    """A person's tag for the appeal about ``subject``."""
    return vault.tag(key, f"appeal:{subject}")


def appellant_context(tag: str) -> str:
    """What an appeal's sealed appellant is bound to."""
    return f"appeals.appellant|{tag}"


def text_context(tag: str) -> str:
    """What an appeal's sealed text is bound to."""
    return f"appeals.text|{tag}"


def _appeal(vault: Vault, row: AppealRow) -> Appeal:
    tag = row.appellant_tag
    return Appeal(
        id=row.id,
        subject=row.subject,
        status=AppealStatus(row.status),
        text=None
        if row.text_seal is None
        else vault.open(row.text_seal, text_context(tag)).decode(),
        appellant=None
        if row.appellant_seal is None
        else Sealed(row.appellant_seal, appellant_context(tag)),
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


async def exists(session: AsyncSession, subject: str) -> bool:
    """Whether ``subject`` has been appealed already (answered or not)."""
    found = await session.scalar(select(AppealRow.id).where(AppealRow.subject == subject))
    return found is not None


async def add(
    session: AsyncSession, vault: Vault, *, key: str, subject: str, text: str, now: datetime
) -> int:
    """Store an appeal (the caller checked there is none about ``subject``); returns its id."""
    tag = appellant_tag(vault, key, subject)
    row = AppealRow(
        subject=subject,
        appellant_tag=tag,
        appellant_seal=vault.seal_key(key, appellant_context(tag)),
        # Padded: the length of a sealed text says little about what was written.
        text_seal=vault.seal(text.encode(), text_context(tag), block=PAD_BLOCK),
        status=AppealStatus.PENDING.value,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def appeal(session: AsyncSession, vault: Vault, appeal_id: int) -> Appeal | None:
    """One appeal, its text opened while it is pending."""
    row = await session.get(AppealRow, appeal_id)
    return None if row is None else _appeal(vault, row)


async def pending(session: AsyncSession, vault: Vault, limit: int) -> list[Appeal]:
    """Pending appeals, oldest first."""
    rows = await session.execute(
        select(AppealRow)
        .where(AppealRow.status == AppealStatus.PENDING.value)
        .order_by(AppealRow.id)
        .limit(limit)
    )
    return [_appeal(vault, row) for row in rows.scalars()]


async def answer(
    session: AsyncSession, appeal_id: int, status: AppealStatus, now: datetime
) -> bool:
    """Record the answer and forget who appealed and what they wrote.

    Returns:
        False when another admin answered it first (nothing is written).
    """
    result = await session.execute(
        update(AppealRow)
        .where(AppealRow.id == appeal_id, AppealRow.status == AppealStatus.PENDING.value)
        .values(status=status.value, decided_at=now, appellant_seal=None, text_seal=None)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
