"""Repository of the newsletter archive (the weekly updates admins publish)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Newsletter
from forum_service.storage.tables import NewsletterRow


def _newsletter(row: NewsletterRow) -> Newsletter:
    return Newsletter(
        id=row.id,
        title=row.title,
        body=row.body,
        document_file_id=row.document_file_id,
        published_at=row.published_at,
    )


async def add(
    session: AsyncSession, *, title: str, body: str, document_file_id: str | None, now: datetime
) -> Newsletter:
    """Archive a newsletter."""
    row = NewsletterRow(title=title, body=body, document_file_id=document_file_id, published_at=now)
    session.add(row)
    await session.flush()
    return _newsletter(row)


async def newest(session: AsyncSession, *, before: int | None, limit: int) -> list[Newsletter]:
    """Newsletters newest first (ids grow with time), those older than id ``before`` if given."""
    stmt = select(NewsletterRow).order_by(NewsletterRow.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(NewsletterRow.id < before)
    return [_newsletter(row) for row in (await session.execute(stmt)).scalars()]


async def newsletter(session: AsyncSession, newsletter_id: int) -> Newsletter | None:
    """One newsletter, or None."""
    row = await session.get(NewsletterRow, newsletter_id)
    return None if row is None else _newsletter(row)
