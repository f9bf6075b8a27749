"""Repository of anonymous feedback to the admins.

A row is one feedback: ``author_tag`` is its author's tag for that one feedback (a fresh
scope per row, so two feedbacks of one person share nothing), the identity key sealed (to
deliver the admins' one reply) and the text sealed. Replying clears the sealed key: after
that, nothing on the row leads back to anyone.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Feedback, Sealed
from forum_service.storage.tables import FeedbackRow
from forum_service.vault import PAD_BLOCK, Vault


def author_context(tag: str) -> str:
    """What a feedback's sealed author is bound to."""
    return f"feedback.author|{tag}"


def message_context(tag: str) -> str:
    """What a feedback's sealed text is bound to."""
    return f"feedback.message|{tag}"


async def add(session: AsyncSession, vault: Vault, key: str, message: str, now: datetime) -> int:
    """Store a feedback and return its id."""
    # A scope of its own: the tag equals nothing else, not even the same person's next feedback.
    tag = vault.tag(key, f"feedback:{secrets.token_hex(16)}")
    row = FeedbackRow(
        author_tag=tag,
        author_seal=vault.seal_key(key, author_context(tag)),
        message_seal=vault.seal(message.encode(), message_context(tag), block=PAD_BLOCK),
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def feedback(
    session: AsyncSession, vault: Vault, feedback_id: int
) -> tuple[Feedback, Sealed | None] | None:
    """A feedback with its text opened and its sealed author (None once replied), or None."""
    row = await session.get(FeedbackRow, feedback_id)
    if row is None:
        return None
    found = Feedback(
        id=row.id,
        message=vault.open(row.message_seal, message_context(row.author_tag)).decode(),
        created_at=row.created_at,
        replied=row.replied_at is not None,
    )
    author = (
        None if row.author_seal is None else Sealed(row.author_seal, author_context(row.author_tag))
    )
    return found, author


async def mark_replied(session: AsyncSession, feedback_id: int, now: datetime) -> bool:
    """Record the one reply and forget the author; False if someone replied already."""
    result = await session.execute(
        update(FeedbackRow)
        .where(FeedbackRow.id == feedback_id, FeedbackRow.replied_at.is_(None))
        .values(replied_at=now, author_seal=None)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def open_ids(session: AsyncSession) -> list[int]:
    """Ids of the feedback not yet answered, oldest first."""
    rows = await session.scalars(
        select(FeedbackRow.id).where(FeedbackRow.replied_at.is_(None)).order_by(FeedbackRow.id)
    )
    return list(rows)
