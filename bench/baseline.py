"""The bare baseline the API is measured against: aiohttp handlers issuing the same SQL.

No middleware, no service token, no validation, no pydantic, no ORM objects, no domain layer:
each handler opens the same kind of unit of work on the same ``Database`` (same engine, pool
and SQLite transaction mode) and runs the statements the service runs for that request, as
SQLAlchemy core, then answers with ``json.dumps`` of the rows. The benchmark checks that both
issue the same number of statements per request, so the ratio between them is the cost of the
service's layers, not of a different query.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from aiohttp import web
from sqlalchemy import Table, and_, event, func, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.storage.database import Database
from forum_service.storage.tables import (
    BoardRow,
    IdentityRow,
    ModerationItemRow,
    PostRevisionRow,
    PostRow,
    ThreadRow,
    WatchedWordRow,
)

DATABASE = web.AppKey("bench_database", Database)
COUNTER = web.AppKey("bench_statements", dict)

IDENTITY = cast(Table, IdentityRow.__table__)
THREADS = cast(Table, ThreadRow.__table__)
POSTS = cast(Table, PostRow.__table__)
BOARDS = cast(Table, BoardRow.__table__)
REVISIONS = cast(Table, PostRevisionRow.__table__)
ITEMS = cast(Table, ModerationItemRow.__table__)
WATCHED_WORDS = cast(Table, WatchedWordRow.__table__)

# The same joins as boards_repo.thread_with_author and boards_repo._post_select.
_THREAD = (
    select(THREADS, BOARDS.c.slug, POSTS.c.pseudonym)
    .join(BOARDS, BOARDS.c.id == THREADS.c.board_id)
    .join(POSTS, and_(POSTS.c.thread_id == THREADS.c.id, POSTS.c.is_opening.is_(True)))
)
_POSTS = (
    select(POSTS, THREADS.c.title, BOARDS.c.slug)
    .join(THREADS, THREADS.c.id == POSTS.c.thread_id)
    .join(BOARDS, BOARDS.c.id == THREADS.c.board_id)
)


def count_statements(db: Database) -> dict[str, int]:
    """Count every statement the engine sends; returns the live counter."""
    counter = {"statements": 0}

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        counter["statements"] += 1

    return counter


def create_baseline_app(db: Database, counter: dict[str, int]) -> web.Application:
    """The baseline application on ``db``; ``counter`` is served at ``/_bench/statements``."""
    app = web.Application()
    app[DATABASE] = db
    app[COUNTER] = counter
    app.router.add_get("/threads/{thread_id}", read_thread)
    app.router.add_post("/threads/{thread_id}/posts", create_post)
    app.router.add_get("/noop", noop)
    app.router.add_get("/_bench/statements", statements)
    return app


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, default=str), status=status, content_type="application/json"
    )


async def _identity_id(session: AsyncSession, key: str, now: datetime) -> int:
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        upsert(IDENTITY)
        .values(key=key, role="practitioner", suspended=False, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = (await session.execute(select(IDENTITY).where(IDENTITY.c.key == key))).one()
    return int(row.id)


async def _thread(session: AsyncSession, thread_id: int) -> dict[str, Any] | None:
    row = (await session.execute(_THREAD.where(THREADS.c.id == thread_id))).one_or_none()
    if row is None:
        return None
    replies = await session.execute(
        select(POSTS.c.thread_id, func.count())
        .where(
            POSTS.c.thread_id.in_([thread_id]),
            POSTS.c.status == "approved",
            POSTS.c.is_opening.is_(False),
        )
        .group_by(POSTS.c.thread_id)
    )
    thread = dict(row._mapping)
    thread["approved_reply_count"] = sum(int(n) for _, n in replies.all())
    return thread


async def read_thread(request: web.Request) -> web.Response:
    """GET /threads/{id}: the service's read_thread statements, nothing else."""
    db = request.app[DATABASE]
    key = request.headers["X-Forum-Identity"]
    thread_id = int(request.match_info["thread_id"])
    async with db.write("bench_read_thread") as session:
        viewer = await _identity_id(session, key, datetime.now(UTC))
        thread = await _thread(session, thread_id)
        if thread is None:
            raise web.HTTPNotFound()
        posts = await session.execute(
            _POSTS.where(
                POSTS.c.thread_id == thread_id,
                POSTS.c.id > 0,
                or_(POSTS.c.status == "approved", POSTS.c.author_id == viewer),
            )
            .order_by(POSTS.c.id)
            .limit(51)
        )
        rows = [dict(row._mapping) for row in posts.all()]
    return _json({"thread": thread, "posts": rows[:50]})


async def create_post(request: web.Request) -> web.Response:
    """POST /threads/{id}/posts: the service's reply statements, nothing else."""
    db = request.app[DATABASE]
    key = request.headers["X-Forum-Identity"]
    thread_id = int(request.match_info["thread_id"])
    body = (await request.json())["body"]
    now = datetime.now(UTC)
    async with db.write("bench_reply") as session:
        author = await _identity_id(session, key, now)
        await session.execute(
            select(func.count())
            .select_from(POSTS)
            .where(POSTS.c.author_id == author, POSTS.c.created_at >= now - timedelta(hours=1))
        )
        await session.execute(select(WATCHED_WORDS))
        if await _thread(session, thread_id) is None:
            raise web.HTTPNotFound()
        post_id = (
            await session.execute(
                insert(POSTS)
                .values(
                    thread_id=thread_id,
                    author_id=author,
                    pseudonym="Practitioner BENCH",
                    is_opening=False,
                    body=body,
                    status="pending",
                    revision=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(POSTS.c.id)
            )
        ).scalar_one()
        await session.execute(
            insert(REVISIONS).values(
                post_id=post_id, revision=1, kind="submitted", body=body, created_at=now
            )
        )
        await session.execute(
            insert(ITEMS).values(
                post_id=post_id,
                status="pending",
                version=1,
                screening="unscreened",
                screen_attempts=0,
                priority=0.0,
                open_reports=0,
                created_at=now,
                updated_at=now,
            )
        )
        row = (await session.execute(_POSTS.where(POSTS.c.id == post_id))).one()
    return _json({"post": dict(row._mapping)}, status=201)


async def noop(request: web.Request) -> web.Response:
    """No database at all: the ceiling of the load generator and the HTTP stack."""
    return _json({"ok": True})


async def statements(request: web.Request) -> web.Response:
    """How many statements the shared engine has sent so far."""
    return _json(request.app[COUNTER])
