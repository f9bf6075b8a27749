"""The bare baseline the API is measured against: aiohttp handlers issuing the same SQL.

No middleware, no service token, no validation, no pydantic, no ORM objects, no domain layer:
each handler opens the same kind of unit of work on the same ``Database`` (same engine, pool
and SQLite transaction mode) and runs the statements the service runs for that request, as
SQLAlchemy core, then answers with ``json.dumps`` of the rows. The benchmark checks that both
issue the same number of statements per request, so the ratio between them is the cost of the
service's layers, not of a different query.

Authorship is unlinkable at rest (``forum_service.vault``), so the rows the baseline reads and
writes need the same tags and seals as the service's: it derives them with the database's vault
(``db.vault``), the least any handler on this schema must do (an identity's row is found by its
lookup, a post's author is its tag and seal, "my posts" are listed in the sealed state only).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from aiohttp import web
from sqlalchemy import Table, and_, event, func, insert, or_, select, update
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
from forum_service.vault import Vault, epoch_seconds

DATABASE = web.AppKey("bench_database", Database)
COUNTER = web.AppKey("bench_statements", dict)

IDENTITY = cast(Table, IdentityRow.__table__)
THREADS = cast(Table, ThreadRow.__table__)
POSTS = cast(Table, PostRow.__table__)
BOARDS = cast(Table, BoardRow.__table__)
REVISIONS = cast(Table, PostRevisionRow.__table__)
ITEMS = cast(Table, ModerationItemRow.__table__)
WATCHED_WORDS = cast(Table, WatchedWordRow.__table__)

#: The window of the posting rate limit (services.boards.RATE_WINDOW).
RATE_WINDOW = timedelta(hours=1)
#: The default page of ``GET /api/v1/me/posts``.
MY_POSTS_PAGE = 20

# The same joins as boards_repo.thread_with_author and boards_repo._post_select.
_THREAD = (
    select(THREADS, BOARDS.c.slug, POSTS.c.pseudonym, POSTS.c.author_tag)
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
    app.router.add_get("/me/posts", my_posts)
    app.router.add_get("/noop", noop)
    app.router.add_get("/_bench/statements", statements)
    return app


def _post_out(row: Any) -> dict[str, Any]:
    """A post row as an answer: everything but the author's tag and seal (never shown)."""
    post = dict(row._mapping)
    del post["author_tag"], post["author_seal"]
    return post


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, default=str), status=status, content_type="application/json"
    )


def _state_context(lookup: str) -> str:
    return f"identities.state|{lookup}"


def _seal_state(vault: Vault, key: str, lookup: str, state: dict[str, Any]) -> bytes:
    return vault.seal_json({"k": key, **state}, _state_context(lookup))


async def _identity(
    session: AsyncSession, vault: Vault, key: str, now: datetime
) -> tuple[int, str, dict[str, Any]]:
    """identities_repo.ensure_identity(lock=True): the row's id, lookup and opened state."""
    lookup = vault.identity_lookup(key)
    fresh = {"c": epoch_seconds(now), "p": [], "tp": [], "tr": []}
    upsert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        upsert(IDENTITY)
        .values(
            lookup=lookup,
            role="practitioner",
            suspended=False,
            state=_seal_state(vault, key, lookup, fresh),
        )
        .on_conflict_do_nothing(index_elements=["lookup"])
    )
    row = (
        await session.execute(select(IDENTITY).where(IDENTITY.c.lookup == lookup).with_for_update())
    ).one()
    state = vault.open_json(row.state, _state_context(lookup))
    del state["k"]
    return int(row.id), lookup, state


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
    """GET /threads/{id}: the service's read_thread statements, nothing else.

    Like the service, it reads no identity: the viewer is their tag in this thread.
    """
    db = request.app[DATABASE]
    key = request.headers["X-Forum-Identity"]
    thread_id = int(request.match_info["thread_id"])
    viewer = db.vault.tag(key, f"thread:{thread_id}")
    async with db.read("bench_read_thread") as session:
        thread = await _thread(session, thread_id)
        if thread is None or (thread["status"] != "approved" and thread["author_tag"] != viewer):
            raise web.HTTPNotFound()
        posts = await session.execute(
            _POSTS.where(
                POSTS.c.thread_id == thread_id,
                POSTS.c.id > 0,
                or_(POSTS.c.status == "approved", POSTS.c.author_tag == viewer),
            )
            .order_by(POSTS.c.id)
            .limit(51)
        )
        rows = [_post_out(row) for row in posts.all()]
    del thread["author_tag"]
    return _json({"thread": thread, "posts": rows[:50]})


async def create_post(request: web.Request) -> web.Response:
    """POST /threads/{id}/posts: the service's reply statements, nothing else."""
    db = request.app[DATABASE]
    key = request.headers["X-Forum-Identity"]
    thread_id = int(request.match_info["thread_id"])
    body = (await request.json())["body"]
    now = datetime.now(UTC)
    vault = db.vault
    tag = vault.tag(key, f"thread:{thread_id}")
    async with db.write("bench_reply") as session:
        identity_id, lookup, state = await _identity(session, vault, key, now)
        since = epoch_seconds(now - RATE_WINDOW)
        recent = [t for t in state["tp"] if t >= since]
        await session.execute(select(WATCHED_WORDS))
        if await _thread(session, thread_id) is None:
            raise web.HTTPNotFound()
        post_id = (
            await session.execute(
                insert(POSTS)
                .values(
                    thread_id=thread_id,
                    author_tag=tag,
                    author_seal=vault.seal_key(key, f"posts.author|{tag}"),
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
                queued_at=now,
            )
        )
        state |= {"p": [*state["p"], post_id], "tp": [*recent, epoch_seconds(now)]}
        await session.execute(
            update(IDENTITY)
            .where(IDENTITY.c.id == identity_id)
            .values(state=_seal_state(vault, key, lookup, state))
        )
        row = (await session.execute(_POSTS.where(POSTS.c.id == post_id))).one()
    return _json({"post": _post_out(row)}, status=201)


async def my_posts(request: web.Request) -> web.Response:
    """GET /me/posts: the service's my_posts statements, nothing else.

    The ids of one's posts are in one's sealed state only, so it is opened to list them.
    """
    db = request.app[DATABASE]
    key = request.headers["X-Forum-Identity"]
    lookup = db.vault.identity_lookup(key)
    async with db.read("bench_my_posts") as session:
        row = (
            await session.execute(select(IDENTITY).where(IDENTITY.c.lookup == lookup))
        ).one_or_none()
        own: list[int] = []
        if row is not None:
            own = sorted(db.vault.open_json(row.state, _state_context(lookup))["p"], reverse=True)
        rows = []
        if own:
            posts = await session.execute(
                _POSTS.where(POSTS.c.id.in_(own[:MY_POSTS_PAGE])).order_by(POSTS.c.id.desc())
            )
            rows = [_post_out(row) for row in posts.all()]
    more = len(own) > MY_POSTS_PAGE
    return _json({"posts": rows, "next_cursor": rows[-1]["id"] if more and rows else None})


async def noop(request: web.Request) -> web.Response:
    """No database at all: the ceiling of the load generator and the HTTP stack."""
    return _json({"ok": True})


async def statements(request: web.Request) -> web.Response:
    """How many statements the shared engine has sent so far."""
    return _json(request.app[COUNTER])
