"""Repository of the resources admins pin to boards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Resource
from forum_service.storage.tables import BoardRow, ResourceRow


def _resource(row: ResourceRow, slug: str) -> Resource:
    return Resource(
        id=row.id,
        board_slug=slug,
        title=row.title,
        description=row.description,
        url=row.url,
        document_file_id=row.document_file_id,
    )


async def resources(session: AsyncSession, board_id: int | None = None) -> list[Resource]:
    """The resources of one board (or of every board not archived), in board and pin order."""
    stmt = (
        select(ResourceRow, BoardRow.slug)
        .join(BoardRow, BoardRow.id == ResourceRow.board_id)
        .order_by(BoardRow.position, BoardRow.id, ResourceRow.position, ResourceRow.id)
    )
    if board_id is None:
        stmt = stmt.where(BoardRow.archived_at.is_(None))
    else:
        stmt = stmt.where(ResourceRow.board_id == board_id)
    return [_resource(row, slug) for row, slug in (await session.execute(stmt)).all()]


async def resource(session: AsyncSession, resource_id: int) -> Resource | None:
    """One resource, or None."""
    found = (
        await session.execute(
            select(ResourceRow, BoardRow.slug)
            .join(BoardRow, BoardRow.id == ResourceRow.board_id)
            .where(ResourceRow.id == resource_id)
        )
    ).one_or_none()
    return None if found is None else _resource(found[0], found[1])


async def count(session: AsyncSession, board_id: int) -> int:
    """How many resources a board has."""
    stmt = select(func.count()).select_from(ResourceRow).where(ResourceRow.board_id == board_id)
    return int(await session.scalar(stmt) or 0)


async def add(
    session: AsyncSession,
    *,
    board_id: int,
    slug: str,
    title: str,
    description: str,
    url: str | None,
    document_file_id: str | None,
    now: datetime,
) -> Resource:
    """Pin a resource after the board's last one."""
    last = await session.scalar(
        select(func.max(ResourceRow.position)).where(ResourceRow.board_id == board_id)
    )
    row = ResourceRow(
        board_id=board_id,
        title=title,
        description=description,
        url=url,
        document_file_id=document_file_id,
        position=int(last or 0) + 1,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _resource(row, slug)


async def remove(session: AsyncSession, resource_id: int) -> bool:
    """Unpin a resource; False if there was none with that id."""
    result = await session.execute(delete(ResourceRow).where(ResourceRow.id == resource_id))
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
