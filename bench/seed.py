"""Bulk-loading a migrated database with SQLAlchemy core, far faster than going through the API.

Rows look like what the service writes (same tables, statuses and columns), tagged and sealed
with the bench's secrets (:func:`vault`, the ones ``bench.common.service_settings`` gives the
service), so the service reads them as its own: a post's ``author_tag``/``author_seal``, an
identity's ``lookup`` and sealed state listing its own posts, a subscription's member tag and
seal. Ids come back from ``INSERT ... RETURNING`` so sequences stay right on PostgreSQL.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bench.common import PSEUDONYM_SECRET, service_settings
from forum_service.pseudonyms import Pseudonymizer
from forum_service.storage.boards_repo import author_context
from forum_service.storage.subscriptions_repo import member_tag
from forum_service.storage.tables import (
    BoardRow,
    IdentityRow,
    ModerationItemRow,
    PostRevisionRow,
    PostRow,
    SubscriptionRow,
    ThreadRow,
)
from forum_service.vault import Vault, epoch_seconds

#: Rows per INSERT batch: keeps statements well under SQLite's and asyncpg's parameter limits.
CHUNK = 2_000
#: Identities this old get the full posting limit (new ones get a quarter of it).
SEASONED = timedelta(days=2)
#: The window of the posting rate limit: a seeded post this recent is in its author's state.
RATE_WINDOW = timedelta(hours=1)

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


@functools.cache
def vault() -> Vault:
    """The vault of the bench's secrets: the service under test tags and seals with the same."""
    return service_settings("sqlite+aiosqlite://").vault()


@functools.cache
def _pseudonyms() -> Pseudonymizer:
    return Pseudonymizer(PSEUDONYM_SECRET.encode())


@dataclass(frozen=True, slots=True)
class Forum:
    """What a seeded database holds: board slugs by id, the authors' identity keys and the ids
    of what was inserted."""

    boards: dict[int, str]
    identities: list[str]
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


def _state_context(lookup: str) -> str:
    # identities_repo's context for the sealed state (whose format is migration 0006's).
    return f"identities.state|{lookup}"


def _sealed_state(key: str, lookup: str, state: dict[str, Any]) -> bytes:
    return vault().seal_json({"k": key, **state}, _state_context(lookup))


async def insert_identities(
    conn: AsyncConnection, keys: Sequence[str], *, role: str = "practitioner"
) -> list[str]:
    """Insert seasoned identities (older than the new-identity window) with no posts yet.

    Returns:
        ``keys``: what :func:`insert_forum` and :func:`insert_subscriptions` take, since nothing
        in the database refers to an identity's row.
    """
    created = epoch_seconds(datetime.now(UTC) - SEASONED)
    rows = []
    for key in keys:
        lookup = vault().identity_lookup(key)
        state = {"c": created, "p": [], "tp": [], "tr": []}
        rows.append(
            {
                "lookup": lookup,
                "role": role,
                "suspended": False,
                "state": _sealed_state(key, lookup, state),
            }
        )
    await _insert(conn, IdentityRow.__table__, rows)
    return list(keys)


async def _add_own_posts(
    conn: AsyncConnection, own: dict[str, list[tuple[int, datetime]]], now: datetime
) -> None:
    """Add posts to their authors' sealed states, as the service does when it stores a post:
    every id to the own-posts list, the last hour's to the rate-limit times."""
    lookups = {vault().identity_lookup(key): key for key in own}
    states: dict[str, dict[str, Any]] = {}
    wanted = list(lookups)
    for start in range(0, len(wanted), CHUNK):
        rows = await conn.execute(
            select(IdentityRow.lookup, IdentityRow.state).where(
                IdentityRow.lookup.in_(wanted[start : start + CHUNK])
            )
        )
        for lookup, sealed in rows.all():
            states[lookup] = vault().open_json(sealed, _state_context(lookup))
    missing = sorted(lookups[lookup] for lookup in lookups.keys() - states.keys())
    if missing:
        raise ValueError(f"insert_identities first: {len(missing)} author(s) have no identity")
    since = epoch_seconds(now - RATE_WINDOW)
    updates = []
    for lookup, state in states.items():
        posts = own[lookups[lookup]]
        state["p"] = [*state["p"], *(post_id for post_id, _ in posts)]
        recent = (epoch_seconds(at) for _, at in posts)
        state["tp"] = [*state["tp"], *(t for t in recent if t >= since)]
        key = state.pop("k")
        updates.append({"row_lookup": lookup, "new_state": _sealed_state(key, lookup, state)})
    statement = (
        update(IdentityRow)
        .where(IdentityRow.lookup == bindparam("row_lookup"))
        .values(state=bindparam("new_state"))
    )
    for start in range(0, len(updates), CHUNK):
        await conn.execute(statement, updates[start : start + CHUNK])


async def insert_forum(
    conn: AsyncConnection,
    *,
    threads: int,
    posts_per_thread: int,
    authors: Sequence[str],
    board_slugs: Sequence[str] | None = None,
    bodies: Sequence[str] = BODIES,
) -> Forum:
    """Insert approved threads, each with an opening post and approved replies.

    Every post gets its first revision and a decided moderation item, as an approved post has,
    and its author's tag, sealed key and per-thread pseudonym; each author's sealed state
    (``authors`` are identity keys :func:`insert_identities` inserted) lists their new posts.
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
                "title": f"Practice question {n}",
                "status": "approved",
                "created_at": at,
                "last_activity_at": at,
            }
        )
    thread_ids = await _insert_returning_ids(conn, ThreadRow.__table__, thread_rows)
    post_rows: list[dict[str, Any]] = []
    post_authors: list[str] = []
    for t_index, thread_id in enumerate(thread_ids):
        at = thread_rows[t_index]["created_at"]
        for p in range(posts_per_thread):
            # The opening post's author (p == 0) is the thread's.
            author = authors[(t_index + p) % len(authors)]
            tag = vault().tag(author, f"thread:{thread_id}")
            post_authors.append(author)
            post_rows.append(
                {
                    "thread_id": thread_id,
                    "author_tag": tag,
                    "author_seal": vault().seal_key(author, author_context(tag)),
                    "pseudonym": _pseudonyms().for_thread(author, thread_id),
                    "is_opening": p == 0,
                    "body": bodies[(t_index * posts_per_thread + p) % len(bodies)],
                    "status": "approved",
                    "revision": 1,
                    "created_at": at,
                    "updated_at": at,
                    "approved_at": at,
                }
            )
    post_ids = await _insert_returning_ids(conn, PostRow.__table__, post_rows)
    own: dict[str, list[tuple[int, datetime]]] = {}
    for post_id, author, post in zip(post_ids, post_authors, post_rows, strict=True):
        own.setdefault(author, []).append((post_id, post["created_at"]))
    await _add_own_posts(conn, own, now)
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
                "queued_at": at,
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


async def insert_subscriptions(
    conn: AsyncConnection, keys: Sequence[str], topic: str = "all"
) -> None:
    """Subscribe people (identity keys) to ``topic``: all announcements unless told."""
    now = datetime.now(UTC)
    rows = []
    for key in keys:
        tag = member_tag(vault(), key, topic)
        # subscriptions_repo's context for the sealed member.
        seal = vault().seal_key(key, f"subscriptions.member|{tag}")
        rows.append({"member_tag": tag, "member_seal": seal, "topic": topic, "created_at": now})
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
