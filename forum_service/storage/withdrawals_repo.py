"""What withdrawing a pending post erases: its text, every revision of it, its thread's title
(an opening post), its content note and what screening recorded about its text."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.tables import ModerationItemRow, PostRevisionRow, PostRow, ThreadRow


async def erase_text(session: AsyncSession, post_id: int, *, thread_id: int | None) -> None:
    """Clear a post's text everywhere it is kept; ``thread_id`` also clears that thread's title.

    Screening's findings and reasons quote spans of the text (a phone number found), so they
    go too; the item keeps its status, times and version.
    """
    await session.execute(
        update(PostRow).where(PostRow.id == post_id).values(body="", content_note=None)
    )
    await session.execute(
        update(PostRevisionRow)
        .where(PostRevisionRow.post_id == post_id)
        .values(body="", title=None)
    )
    await session.execute(
        update(ModerationItemRow)
        .where(ModerationItemRow.post_id == post_id)
        .values(findings=None, reasons=None, scores=None)
    )
    if thread_id is not None:
        await session.execute(update(ThreadRow).where(ThreadRow.id == thread_id).values(title=""))
