"""What the weekly digest reads of the boards: the threads approved within its week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import DigestThread, PostStatus
from forum_service.storage.tables import BoardRow, PostRow, ThreadRow


async def approved_threads(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[DigestThread]:
    """Return the approved threads whose opening post was approved in ``[since, until)``."""
    rows = await session.execute(
        select(ThreadRow.id, ThreadRow.title, BoardRow.slug, BoardRow.title)
        .join(BoardRow, BoardRow.id == ThreadRow.board_id)
        .join(PostRow, and_(PostRow.thread_id == ThreadRow.id, PostRow.is_opening.is_(True)))
        .where(
            ThreadRow.status == PostStatus.APPROVED.value,
            PostRow.approved_at >= since,
            PostRow.approved_at < until,
        )
        .order_by(ThreadRow.id)
    )
    return [
        DigestThread(id=thread_id, title=title, board_slug=slug, board_title=board_title)
        for thread_id, title, slug, board_title in rows.all()
    ]
