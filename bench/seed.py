"""Bulk-loading a migrated database with SQLAlchemy core, far faster than going through the API.

Rows look like what the service writes (same tables, statuses and columns); ids come back from
``INSERT ... RETURNING`` so sequences stay right on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from forum_service.storage.tables import (
    BoardRow,
    IdentityRow,
    ModerationItemRow,
    PostRevisionRow,
    PostRow,
    SubscriptionRow,
    ThreadRow,
)

#: Rows per INSERT batch: keeps statements well under SQLite's and asyncpg's parameter limits.
CHUNK = 2_000
#: Identities this old get the full posting limit (new ones get a quarter of it).
SEASONED = timedelta(days=2)

BODIES = (
    "We supported a survivor into secure housing after six months in emergency placements; "
    "what made the difference was a named caseworker who stayed the same throughout.",
    "How do other services handle safety planning when the trafficker is still in contact "
    "with the family? We use a shared risk review every fortnight.",
    "Trauma-informed intake: we stopped asking for the whole story at the first meeting and "
    "engagement improved noticeably.",
    "Access to GP registration remains the main barrier to medical treatment in our area; "
    "a letter template from the local authority helped.",
)


def identity_key(label: str) -> str:
    """A deterministic identity key (64 hex characters, like the bot's argon2id output)."""
    return hashlib.sha256(f"bench-identity:{label}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Forum:
    """What a seeded database holds: board slugs by id and the ids of what was inserted."""

    boards: dict[int, str]
    identities: list[int]
    threads: list[int]
    posts: int


async def _boards(conn: AsyncConnection) -> dict[int, str]:
    rows = await conn.execute(select(BoardRow.id, BoardRow.slug).order_by(BoardRow.position))
    return {int(board_id): str(slug) for board_id, slug in rows.all()}


async def _insert_returning_ids(
    conn: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]
) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        result = await conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(chunk)
        )
        ids.extend(int(row_id) for row_id in result.scalars())
    return ids


async def _insert(conn: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await conn.execute(insert(table), list(rows[start : start + CHUNK]))


async def insert_identities(
    conn: AsyncConnection, keys: Sequence[str], *, role: str = "practitioner"
) -> list[int]:
    """Insert seasoned identities (older than the new-identity window); returns their ids."""
    now = datetime.now(UTC) - SEASONED
    rows = [{"key": k, "role": role, "suspended": False, "created_at": now} for k in keys]
    return await _insert_returning_ids(conn, IdentityRow.__table__, rows)


async def insert_forum(
    conn: AsyncConnection,
    *,
    threads: int,
    posts_per_thread: int,
    authors: Sequence[int],
    board_slugs: Sequence[str] | None = None,
) -> Forum:
    """Insert approved threads, each with an opening post and approved replies.

    Every post gets its first revision and a decided moderation item, as an approved post has.
    Threads are spread round-robin over the boards (or over ``board_slugs``); activity times
    are spread over the past days so board listings have a real order to sort.

    Returns:
        What was inserted.
    """
    boards = await _boards(conn)
    chosen = [i for i, slug in boards.items() if board_slugs is None or slug in board_slugs]
    now = datetime.now(UTC)
    thread_rows: list[dict[str, Any]] = []
    for n in range(threads):
        at = now - timedelta(minutes=threads - n)
        thread_rows.append(
            {
                "board_id": chosen[n % len(chosen)],
                "author_id": authors[n % len(authors)],
                "title": f"Practice question {n}",
                "status": "approved",
                "created_at": at,
                "last_activity_at": at,
            }
        )
    thread_ids = await _insert_returning_ids(conn, ThreadRow.__table__, thread_rows)
    post_rows: list[dict[str, Any]] = []
    for t_index, thread_id in enumerate(thread_ids):
        at = thread_rows[t_index]["created_at"]
        for p in range(posts_per_thread):
            author = authors[(t_index + p) % len(authors)]
            post_rows.append(
                {
                    "thread_id": thread_id,
                    "author_id": author,
                    "pseudonym": f"Practitioner {author:04X}",
                    "is_opening": p == 0,
                    "body": BODIES[(t_index + p) % len(BODIES)],
                    "status": "approved",
                    "revision": 1,
                    "created_at": at,
                    "updated_at": at,
                    "approved_at": at,
                }
            )
    post_ids = await _insert_returning_ids(conn, PostRow.__table__, post_rows)
    revisions: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for post_id, post in zip(post_ids, post_rows, strict=True):
        at = post["created_at"]
        revisions.append(
            {
                "post_id": post_id,
                "revision": 1,
                "kind": "submitted",
                "title": None,
                "body": post["body"],
                "created_at": at,
            }
        )
        items.append(
            {
                "post_id": post_id,
                "status": "approved",
                "version": 2,
                "screening": "screened",
                "screened_revision": 1,
                "screen_attempts": 1,
                "route": "low_risk",
                "priority": 0.0,
                "open_reports": 0,
                "created_at": at,
                "updated_at": at,
                "decided_at": at,
            }
        )
    await _insert(conn, PostRevisionRow.__table__, revisions)
    await _insert(conn, ModerationItemRow.__table__, items)
    # Bulk rows bypass the service, so bring the boards' approved-thread counters up to date.
    await conn.execute(
        text(
            "UPDATE boards SET approved_thread_count = (SELECT count(*) FROM threads"
            " WHERE threads.board_id = boards.id AND threads.status = 'approved')"
        )
    )
    return Forum(boards=boards, identities=list(authors), threads=thread_ids, posts=len(post_ids))


async def insert_subscriptions(conn: AsyncConnection, identity_ids: Sequence[int]) -> None:
    """Subscribe identities to all announcements."""
    now = datetime.now(UTC)
    rows = [{"identity_id": i, "topic": "all", "created_at": now} for i in identity_ids]
    await _insert(conn, SubscriptionRow.__table__, rows)


class Seeder:
    """Opens a short-lived engine on a database for bulk loading; use ``async with``.

    Args:
        url: the database URL.
    """

    def __init__(self, url: str) -> None:
        self._engine = create_async_engine(url, poolclass=NullPool)

    async def __aenter__(self) -> AsyncConnection:
        self._conn = await self._engine.connect()
        await self._conn.begin()
        return self._conn

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                await self._conn.commit()
            else:
                await self._conn.rollback()
            await self._conn.close()
        finally:
            await self._engine.dispose()
