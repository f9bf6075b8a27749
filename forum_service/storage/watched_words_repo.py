"""Repository of the admins' watched words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import WatchedWordEntry
from forum_service.storage.tables import WatchedWordRow
from moderation.watchwords import WatchAction, WatchedWord


def _entry(row: WatchedWordRow) -> WatchedWordEntry:
    return WatchedWordEntry(
        id=row.id, word=row.word, action=WatchAction(row.action), created_at=row.created_at
    )


async def entries(session: AsyncSession) -> list[WatchedWordEntry]:
    """Every watched word, alphabetically."""
    rows = (await session.execute(select(WatchedWordRow).order_by(WatchedWordRow.word))).scalars()
    return [_entry(row) for row in rows]


async def watched_words(session: AsyncSession) -> list[WatchedWord]:
    """Every watched word, as the screening pipeline takes them."""
    connection = await session.connection()  # Core, columns only: it runs on every post
    rows = await connection.execute(_WATCHED_WORDS)
    return [WatchedWord(word=word, action=WatchAction(action)) for word, action in rows]


_WATCHED_WORDS = select(WatchedWordRow.word, WatchedWordRow.action)


async def put(
    session: AsyncSession, word: str, action: WatchAction, now: datetime
) -> WatchedWordEntry:
    """Add a watched word, or change the action of an existing one."""
    row = (
        await session.execute(select(WatchedWordRow).where(WatchedWordRow.word == word))
    ).scalar_one_or_none()
    if row is None:
        row = WatchedWordRow(word=word, action=action.value, created_at=now)
        session.add(row)
    else:
        row.action = action.value
    await session.flush()
    return _entry(row)


async def remove(session: AsyncSession, word_id: int) -> bool:
    """Delete a watched word; False if there was none with that id."""
    result = await session.execute(delete(WatchedWordRow).where(WatchedWordRow.id == word_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
