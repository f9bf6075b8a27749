"""The ceiling ``bench.wrk`` measures the service against: bare aiohttp and the raw driver.

Each handler issues the statements the service issues for the same request, as hand-written
SQL through the same driver the service uses (``aiosqlite`` / ``asyncpg``, no SQLAlchemy at
all), and answers with ``json.dumps`` of the same document. No middleware, no validation, no
ORM, no pydantic, no cache: what is left is the least any handler on this schema must do (an
identity's row is found by its keyed lookup, a post's author is its tag and seal), so the ratio
service / baseline is the cost of the service's own layers.

The gated routes do the membership check the service does in its default mode
(``FORUM_MEMBERSHIP=invite``): one indexed look-up of the caller's row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.engine import make_url

from forum_service.pseudonyms import Pseudonymizer
from forum_service.vault import Vault, epoch_seconds

#: The window of the posting rate limit (services.boards.RATE_WINDOW).
RATE_WINDOW = timedelta(hours=1)

_PLACEHOLDER = re.compile(r"\$\d+")


class RawDatabase:
    """A few connections of the raw driver, one statement API for both databases."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        self._parsed = parsed
        self._free: asyncio.Queue[Any] = asyncio.Queue()
        self._pool: Any = None
        self._sqlite_conns: list[Any] = []

    async def open(self, size: int) -> None:
        """Open ``size`` connections (SQLite) or a pool of that size (PostgreSQL)."""
        if self.sqlite:
            import aiosqlite

            for _ in range(size):
                # BEGIN is ours (isolation_level None), as in storage.database.
                conn = await aiosqlite.connect(
                    self._parsed.database, timeout=30, isolation_level=None
                )
                for pragma in (
                    "PRAGMA foreign_keys=ON",
                    "PRAGMA journal_mode=WAL",
                    "PRAGMA busy_timeout=30000",
                    "PRAGMA synchronous=NORMAL",
                ):
                    await conn.execute(pragma)
                self._sqlite_conns.append(conn)
                self._free.put_nowait(conn)
        else:
            import asyncpg

            p = self._parsed
            self._pool = await asyncpg.create_pool(
                user=p.username,
                password=p.password,
                host=p.host,
                port=p.port,
                database=p.database,
                min_size=size,
                max_size=size,
            )

    async def close(self) -> None:
        """Close every connection."""
        for conn in self._sqlite_conns:
            await conn.close()
        if self._pool is not None:
            await self._pool.close()

    @contextlib.asynccontextmanager
    async def transaction(self, write: bool = False) -> AsyncIterator[Conn]:
        """One transaction on one connection (``BEGIN IMMEDIATE`` for SQLite writes)."""
        if self.sqlite:
            conn = await self._free.get()
            try:
                await conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield Conn(conn, sqlite=True)
                    await conn.execute("COMMIT")
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
            finally:
                self._free.put_nowait(conn)
        else:
            async with self._pool.acquire() as conn, conn.transaction():
                yield Conn(conn, sqlite=False)


class Conn:
    """``fetch``/``fetchrow``/``execute`` with ``$n`` placeholders on either driver."""

    def __init__(self, conn: Any, *, sqlite: bool) -> None:
        self._conn = conn
        self._sqlite = sqlite

    async def fetch(self, sql: str, *args: Any) -> Sequence[Sequence[Any]]:
        """Every row of ``sql``."""
        if self._sqlite:
            async with self._conn.execute(_PLACEHOLDER.sub("?", sql), args) as cursor:
                rows: Sequence[Sequence[Any]] = await cursor.fetchall()
                return rows
        records: Sequence[Sequence[Any]] = await self._conn.fetch(sql, *args)
        return records

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        """The first row of ``sql``, or None."""
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: Any) -> None:
        """Run ``sql`` for its effect."""
        if self._sqlite:
            await self._conn.execute(_PLACEHOLDER.sub("?", sql), args)
        else:
            await self._conn.execute(sql, *args)


RAW = web.AppKey("bench_raw_database", RawDatabase)
VAULT = web.AppKey("bench_vault", Vault)
PSEUDONYMS = web.AppKey("bench_pseudonyms", Pseudonymizer)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, default=str), status=status, content_type="application/json"
    )


def _stamp(raw: Any, sqlite: bool) -> Any:
    """A stored time as the service writes it out (ISO 8601, UTC); the driver's own type."""
    if raw is None:
        return None
    if sqlite:
        return str(raw).replace(" ", "T") + "Z"
    return raw.replace(tzinfo=UTC).isoformat()


def _bind_time(now: datetime, sqlite: bool) -> Any:
    naive = now.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(sep=" ") if sqlite else naive


async def _require_member(conn: Conn, vault: Vault, key: str) -> bool:
    row = await conn.fetchrow(
        "SELECT member, role FROM identities WHERE lookup = $1", vault.identity_lookup(key)
    )
    return row is not None and (bool(row[0]) or row[1] in ("moderator", "admin"))


BOARDS_SQL = (
    "SELECT slug, title, description, approved_thread_count FROM boards ORDER BY position, id"
)
THREAD_SQL = (
    "SELECT t.id, b.slug, t.title, t.status, p.pseudonym, t.created_at, t.last_activity_at,"
    " p.author_tag FROM threads t JOIN boards b ON b.id = t.board_id"
    " JOIN posts p ON p.thread_id = t.id AND p.is_opening WHERE t.id = $1"
)
REPLIES_SQL = (
    "SELECT thread_id, count(*) FROM posts WHERE thread_id = $1 AND status = 'approved'"
    " AND NOT is_opening GROUP BY thread_id"
)
POST_COLUMNS = (
    "p.id, p.thread_id, b.slug, t.title, p.is_opening, p.pseudonym, p.body, p.status,"
    " p.revision, p.rejection_reason, p.created_at, p.updated_at, p.approved_at, p.content_note,"
    " p.author_tag"
)
POSTS_FROM = " FROM posts p JOIN threads t ON t.id = p.thread_id JOIN boards b ON b.id = t.board_id"


def _thread_out(row: Sequence[Any], replies: int, sqlite: bool) -> dict[str, Any]:
    return {
        "id": row[0],
        "board": row[1],
        "title": row[2],
        "status": row[3],
        "author": row[4],
        "created_at": _stamp(row[5], sqlite),
        "last_activity_at": _stamp(row[6], sqlite),
        "reply_count": replies,
    }


def _post_out(row: Sequence[Any], sqlite: bool, *, mine: bool) -> dict[str, Any]:
    return {
        "id": row[0],
        "thread_id": row[1],
        "board": row[2],
        "thread_title": row[3],
        "is_opening": bool(row[4]),
        "author": row[5],
        "body": row[6],
        "status": row[7],
        "revision": row[8],
        "rejection_reason": row[9] if mine else None,
        "mine": mine,
        "created_at": _stamp(row[10], sqlite),
        "updated_at": _stamp(row[11], sqlite),
        "approved_at": _stamp(row[12], sqlite),
        "content_note": row[13],
    }


def _forbidden() -> web.Response:
    return _json({"error": {"code": "membership_required", "message": "members only"}}, 403)


async def list_boards(request: web.Request) -> web.Response:
    """GET /boards: the membership check and the boards query."""
    raw, vault = request.app[RAW], request.app[VAULT]
    key = request.headers["X-Forum-Identity"]
    async with raw.transaction() as conn:
        if not await _require_member(conn, vault, key):
            return _forbidden()
        rows = await conn.fetch(BOARDS_SQL)
    boards = [
        {"slug": r[0], "title": r[1], "description": r[2], "approved_thread_count": r[3]}
        for r in rows
    ]
    return _json({"boards": boards})


async def list_threads(request: web.Request) -> web.Response:
    """GET /boards/{slug}/threads: a board's first page of 20 approved threads."""
    raw, vault = request.app[RAW], request.app[VAULT]
    key = request.headers["X-Forum-Identity"]
    sqlite = raw.sqlite
    async with raw.transaction() as conn:
        if not await _require_member(conn, vault, key):
            return _forbidden()
        board = await conn.fetchrow(
            "SELECT id FROM boards WHERE slug = $1", request.match_info["slug"]
        )
        if board is None:
            raise web.HTTPNotFound()
        rows = await conn.fetch(
            "SELECT t.id, b.slug, t.title, t.status, p.pseudonym, t.created_at,"
            " t.last_activity_at FROM threads t JOIN boards b ON b.id = t.board_id"
            " JOIN posts p ON p.thread_id = t.id AND p.is_opening"
            " WHERE t.board_id = $1 AND t.status = 'approved'"
            " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 21",
            board[0],
        )
        ids = [int(r[0]) for r in rows]
        counts: dict[int, int] = {}
        if ids:
            marks = ", ".join(f"${n}" for n in range(1, len(ids) + 1))
            for thread_id, n in await conn.fetch(
                f"SELECT thread_id, count(*) FROM posts WHERE thread_id IN ({marks})"  # noqa: S608 - placeholders only
                " AND status = 'approved' AND NOT is_opening GROUP BY thread_id",
                *ids,
            ):
                counts[int(thread_id)] = int(n)
    threads = [_thread_out(r, counts.get(int(r[0]), 0), sqlite) for r in rows[:20]]
    return _json({"threads": threads, "next_cursor": "more" if len(rows) > 20 else None})


async def read_thread(request: web.Request) -> web.Response:
    """GET /threads/{id}: the thread, its reply count and its first 50 visible posts."""
    raw, vault = request.app[RAW], request.app[VAULT]
    key = request.headers["X-Forum-Identity"]
    thread_id = int(request.match_info["thread_id"])
    viewer = vault.tag(key, f"thread:{thread_id}")
    sqlite = raw.sqlite
    async with raw.transaction() as conn:
        if not await _require_member(conn, vault, key):
            return _forbidden()
        thread = await conn.fetchrow(THREAD_SQL, thread_id)
        if thread is None or (thread[3] != "approved" and thread[7] != viewer):
            raise web.HTTPNotFound()
        replies = sum(int(r[1]) for r in await conn.fetch(REPLIES_SQL, thread_id))
        posts = await conn.fetch(
            f"SELECT {POST_COLUMNS}{POSTS_FROM}"
            " WHERE p.thread_id = $1 AND p.id > $2"
            " AND (p.status IN ('approved', 'held') OR p.author_tag = $3) ORDER BY p.id LIMIT 51",
            thread_id,
            0,
            viewer,
        )
    out = [_post_out(r, sqlite, mine=False) for r in posts[:50]]
    return _json({"thread": _thread_out(thread, replies, sqlite), "posts": out, "next_after": None})


async def create_post(request: web.Request) -> web.Response:
    """POST /threads/{id}/posts: the reply's statements, in one write transaction."""
    raw, vault = request.app[RAW], request.app[VAULT]
    key = request.headers["X-Forum-Identity"]
    idempotency = request.headers.get("Idempotency-Key")
    thread_id = int(request.match_info["thread_id"])
    body = str((await request.json())["body"])
    now = datetime.now(UTC)
    sqlite = raw.sqlite
    lookup = vault.identity_lookup(key)
    context = f"identities.state|{lookup}"
    tag = vault.tag(key, f"thread:{thread_id}")
    scope = None if idempotency is None else vault.tag(key, f"idempotency:{idempotency}")
    at = _bind_time(now, sqlite)
    async with raw.transaction(write=True) as conn:
        if not await _require_member(conn, vault, key):
            return _forbidden()
        fresh = vault.seal_json(
            {"k": key, "c": epoch_seconds(now), "p": [], "tp": [], "tr": []}, context
        )
        await conn.execute(
            "INSERT INTO identities (lookup, role, suspended, member, membership_requested, state)"
            " VALUES ($1, 'practitioner', $2, $3, $4, $5) ON CONFLICT (lookup) DO NOTHING",
            lookup,
            False,
            False,
            False,
            fresh,
        )
        lock = "" if sqlite else " FOR UPDATE"
        identity = await conn.fetchrow(
            f"SELECT id, suspended, state FROM identities WHERE lookup = $1{lock}",  # noqa: S608
            lookup,
        )
        assert identity is not None
        if scope is not None:
            await conn.fetch(
                "SELECT post_id, fingerprint FROM idempotency_keys WHERE scope = $1", scope
            )
        state = vault.open_json(identity[2], context)
        since = epoch_seconds(now - RATE_WINDOW)
        recent = [t for t in state["tp"] if t >= since]
        await conn.fetch("SELECT id, word, action, created_at FROM watched_words")
        thread = await conn.fetchrow(THREAD_SQL, thread_id)
        if thread is None or thread[3] != "approved":
            raise web.HTTPNotFound()
        await conn.fetch(REPLIES_SQL, thread_id)
        pseudonym = request.app[PSEUDONYMS].for_thread(key, thread_id)
        post = await conn.fetchrow(
            "INSERT INTO posts (thread_id, author_tag, author_seal, pseudonym, is_opening, body,"
            " status, revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
            " 'pending', 1, $7, $8) RETURNING id",
            thread_id,
            tag,
            vault.seal_key(key, f"posts.author|{tag}"),
            pseudonym,
            False,
            body,
            at,
            at,
        )
        assert post is not None
        post_id = int(post[0])
        await conn.execute(
            "INSERT INTO post_revisions (post_id, revision, kind, body, created_at)"
            " VALUES ($1, 1, 'submitted', $2, $3)",
            post_id,
            body,
            at,
        )
        await conn.execute(
            "INSERT INTO moderation_items (post_id, status, version, screening, screen_attempts,"
            " priority, open_reports, created_at, updated_at, queued_at)"
            " VALUES ($1, 'pending', 1, 'unscreened', 0, 0.0, 0, $2, $3, $4)",
            post_id,
            at,
            at,
            at,
        )
        state["p"] = [*state["p"], post_id]
        state["tp"] = [*recent, epoch_seconds(now)]
        await conn.execute(
            "UPDATE identities SET state = $1 WHERE id = $2",
            vault.seal_json(state, context),
            identity[0],
        )
        if scope is not None:
            await conn.execute(
                "INSERT INTO idempotency_keys (scope, fingerprint, post_id, created_at)"
                " VALUES ($1, $2, $3, $4)",
                scope,
                "0" * 64,
                post_id,
                at,
            )
        row = await conn.fetchrow(
            f"SELECT {POST_COLUMNS}{POSTS_FROM} WHERE p.id = $1",
            post_id,
        )
    assert row is not None
    return _json({"post": _post_out(row, sqlite, mine=True), "signposting": False}, status=201)


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: ``SELECT 1`` and the components' states, every call."""
    raw = request.app[RAW]
    async with raw.transaction() as conn:
        await conn.fetch("SELECT 1")
        rows = await conn.fetch("SELECT name, state, detail FROM component_status")
    degraded = any(r[1] != "ok" for r in rows)
    return _json(
        {
            "status": "degraded" if degraded else "ok",
            "database": "reachable",
            "details": {r[0]: {"state": r[1], "detail": r[2]} for r in rows},
        }
    )


def create_app(
    url: str, vault: Vault, pseudonyms: Pseudonymizer, pool_size: int
) -> web.Application:
    """The baseline application on the database at ``url``."""
    app = web.Application()
    raw = RawDatabase(url)
    app[RAW] = raw
    app[VAULT] = vault
    app[PSEUDONYMS] = pseudonyms

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        await raw.open(pool_size)
        yield
        await raw.close()

    app.cleanup_ctx.append(lifetime)
    app.router.add_get("/boards", list_boards)
    app.router.add_get("/boards/{slug}/threads", list_threads)
    app.router.add_get("/threads/{thread_id}", read_thread)
    app.router.add_post("/threads/{thread_id}/posts", create_post)
    app.router.add_get("/healthz", healthz)
    return app
