"""Repository of moderators' notes on queue items and on authors (text sealed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import ModerationNote
from forum_service.storage.tables import ModerationNoteRow
from forum_service.vault import PAD_BLOCK, Vault

#: The tag scope of author notes: every note on one person shares it, and nothing else does.
AUTHOR_SCOPE = "moderation:notes"


def item_subject(item_id: int) -> str:
    """The subject of a note on a queue item."""
    return f"item:{item_id}"


def author_subject(author_tag: str) -> str:
    """The subject of a note on an author (their tag for :data:`AUTHOR_SCOPE`)."""
    return f"author:{author_tag}"


def body_context(subject: str) -> str:
    """What a note's sealed text is bound to."""
    return f"moderation_notes.body|{subject}"


async def add_note(
    session: AsyncSession,
    vault: Vault,
    *,
    subject: str,
    author_handle: str,
    text: str,
    now: datetime,
) -> int:
    """Store a note (its text sealed for :func:`body_context`, padded so its length says
    little); return its id."""
    row = ModerationNoteRow(
        subject=subject,
        author_handle=author_handle,
        body_seal=vault.seal(text.encode(), body_context(subject), block=PAD_BLOCK),
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def notes(
    session: AsyncSession, vault: Vault, subjects: dict[str, str], *, limit: int
) -> list[ModerationNote]:
    """The newest ``limit`` notes on these subjects (``subject → about``), oldest first."""
    rows = (
        await session.execute(
            select(ModerationNoteRow)
            .where(ModerationNoteRow.subject.in_(list(subjects)))
            .order_by(ModerationNoteRow.id.desc())
            .limit(limit)
        )
    ).scalars()
    return [
        ModerationNote(
            id=row.id,
            about=subjects[row.subject],
            author_handle=row.author_handle,
            text=vault.open(row.body_seal, body_context(row.subject)).decode(),
            created_at=row.created_at,
        )
        for row in reversed(list(rows))
    ]
