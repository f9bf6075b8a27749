"""Repository of boards, threads, posts and identities. Returns frozen domain objects only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Executable,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import (
    SLUG,
    Board,
    DigestThread,
    Post,
    PostStatus,
    RevisionKind,
    Sealed,
    ThreadSummary,
)
from forum_service.storage.batched_reads import batched_reads
from forum_service.storage.database import Database
from forum_service.storage.tables import (
    BoardRow,
    CacheVersionRow,
    IdempotencyKeyRow,
    PostRevisionRow,
    PostRow,
    ThreadRow,
)

APPROVED = PostStatus.APPROVED.value
HELD = PostStatus.HELD.value


# Hot reads select the columns they need (SQLAlchemy Core: rows, not ORM entities, so no
# identity map or attribute instrumentation per row) and build the frozen domain objects.
_BOARD_COLUMNS: tuple[Any, ...] = (
    BoardRow.id,
    BoardRow.slug,
    BoardRow.title,
    BoardRow.description,
    BoardRow.position,
    BoardRow.approved_thread_count,
    BoardRow.auto_approve_low_risk,
    BoardRow.core,
    BoardRow.archived_at,
)
_THREAD_COLUMNS: tuple[Any, ...] = (
    ThreadRow.id,
    BoardRow.slug,
    ThreadRow.title,
    ThreadRow.status,
    PostRow.pseudonym,
    ThreadRow.created_at,
    ThreadRow.last_activity_at,
)
_POST_COLUMNS: tuple[Any, ...] = (
    PostRow.id,
    PostRow.thread_id,
    BoardRow.slug,
    ThreadRow.title,
    PostRow.is_opening,
    PostRow.pseudonym,
    PostRow.body,
    PostRow.status,
    PostRow.revision,
    PostRow.rejection_reason,
    PostRow.created_at,
    PostRow.updated_at,
    PostRow.approved_at,
    PostRow.content_note,
    PostRow.author_tag,
)


async def list_boards(session: AsyncSession, *, archived: bool = False) -> list[Board]:
    """Return the boards in display order with their counts of approved threads.

    Archived boards only when ``archived`` is true (the admins' list).
    """
    stmt = select(*_BOARD_COLUMNS).order_by(BoardRow.position, BoardRow.id)
    if not archived:
        stmt = stmt.where(BoardRow.archived_at.is_(None))
    rows = await session.execute(stmt)
    return [_board(row) for row in rows]


async def boards_version(session: AsyncSession) -> int:
    """Return the boards' version: triggers bump it whenever a board row changes (0017)."""
    rows = await _core(
        session, select(CacheVersionRow.version).where(CacheVersionRow.name == "boards")
    )
    return int(rows[0][0]) if rows else 0


async def boards_version_now(db: Database) -> int:
    """``boards_version`` as one statement on the driver, outside any unit of work."""
    return (await batched_reads(db).versions.get(_BOARDS_NAME)) or 0


async def _core(
    session: AsyncSession, stmt: Executable, params: dict[str, Any] | None = None
) -> Sequence[Any]:
    """Run a read on the session's connection: plain Core rows, no ORM execution step.

    Hot reads pass a statement built once at import with ``bindparam``s and their ``params``:
    building the expression per call was ~20% of a thread read's samples.
    """
    connection = await session.connection()
    return (await connection.execute(stmt, params)).all()


def _board(row: Any) -> Board:
    return Board(
        id=row[0],
        slug=row[1],
        title=row[2],
        description=row[3],
        position=row[4],
        approved_thread_count=int(row[5]),
        auto_approve_low_risk=bool(row[6]),
        core=bool(row[7]),
        archived=row[8] is not None,
    )


async def board_by_slug(session: AsyncSession, slug: str) -> Board | None:
    """Return the board called ``slug``, or None (also for text that cannot be a slug)."""
    if SLUG.fullmatch(slug) is None:  # e.g. a NUL, which PostgreSQL refuses to compare
        return None
    rows = await _core(session, select(*_BOARD_COLUMNS).where(BoardRow.slug == slug))
    return _board(rows[0]) if rows else None


def _thread_select(*extra: Any) -> Select[Any]:
    return (
        select(*_THREAD_COLUMNS, *extra)
        .join(BoardRow, BoardRow.id == ThreadRow.board_id)
        .join(PostRow, and_(PostRow.thread_id == ThreadRow.id, PostRow.is_opening.is_(True)))
    )


async def list_threads(
    session: AsyncSession,
    board_id: int,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[ThreadSummary]:
    """Return approved threads of a board, newest activity first, after a keyset position.

    Args:
        session: the unit of work.
        board_id: the board.
        after: ``(last_activity_at, id)`` of the last thread already shown, or None.
        limit: the most threads to return.
    """
    params: dict[str, Any] = {"board_id": board_id, "n": limit}
    stmt = _THREAD_PAGE
    if after is not None:
        params["at"], params["after_id"] = after
        stmt = _THREAD_PAGE_AFTER
    rows = await _core(session, stmt, params)
    counts = await _reply_counts(session, [row[0] for row in rows])
    return [_thread(row, counts.get(row[0], 0)) for row in rows]


_THREAD_PAGE = (
    _thread_select()
    .where(ThreadRow.board_id == bindparam("board_id"), ThreadRow.status == APPROVED)
    .order_by(ThreadRow.last_activity_at.desc(), ThreadRow.id.desc())
    .limit(bindparam("n"))
)
_THREAD_PAGE_AFTER = _THREAD_PAGE.where(
    or_(
        ThreadRow.last_activity_at < bindparam("at", type_=ThreadRow.last_activity_at.type),
        and_(
            ThreadRow.last_activity_at == bindparam("at", type_=ThreadRow.last_activity_at.type),
            ThreadRow.id < bindparam("after_id"),
        ),
    )
)


async def _reply_counts(session: AsyncSession, thread_ids: list[int]) -> dict[int, int]:
    if not thread_ids:
        return {}
    rows = await _core(session, _REPLY_COUNTS, {"thread_ids": thread_ids})
    return {thread_id: int(n) for thread_id, n in rows}


_REPLY_COUNTS = (
    select(PostRow.thread_id, func.count())
    .where(
        PostRow.thread_id.in_(bindparam("thread_ids", expanding=True)),
        PostRow.status == APPROVED,
        PostRow.is_opening.is_(False),
    )
    .group_by(PostRow.thread_id)
)


def _thread(row: Any, replies: int) -> ThreadSummary:
    """A row of :data:`_THREAD_COLUMNS` as a summary."""
    return ThreadSummary(
        id=row[0],
        board_slug=row[1],
        title=row[2],
        status=PostStatus(row[3]),
        author_pseudonym=row[4],
        created_at=row[5],
        last_activity_at=row[6],
        approved_reply_count=replies,
    )


def author_context(author_tag: str) -> str:
    """What a post's sealed author is bound to."""
    return f"posts.author|{author_tag}"


async def thread_with_author(
    session: AsyncSession, thread_id: int
) -> tuple[ThreadSummary, str] | None:
    """Return a thread (any status) and its author's tag in it, or None."""
    rows = await _core(session, _THREAD_WITH_AUTHOR, {"thread_id": thread_id})
    if not rows:
        return None
    row = rows[0]
    counts = await _reply_counts(session, [row[0]])
    return _thread(row, counts.get(row[0], 0)), row[7]


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """What a reply needs of its thread: whether it is open, whose it is, and what a post
    of it shows (its board and title)."""

    status: PostStatus
    author_tag: str
    board_slug: str
    title: str


async def reply_target(session: AsyncSession, thread_id: int) -> ReplyTarget | None:
    """Return the thread a reply goes to (any status), or None; one statement, no counts."""
    rows = await _core(session, _REPLY_TARGET, {"thread_id": thread_id})
    if not rows:
        return None
    status, author_tag, slug, title = rows[0]
    return ReplyTarget(PostStatus(status), author_tag, slug, title)


_REPLY_TARGET = (
    select(ThreadRow.status, PostRow.author_tag, BoardRow.slug, ThreadRow.title)
    .join(BoardRow, BoardRow.id == ThreadRow.board_id)
    .join(PostRow, and_(PostRow.thread_id == ThreadRow.id, PostRow.is_opening.is_(True)))
    .where(ThreadRow.id == bindparam("thread_id"))
)


def _post_select(*extra: Any) -> Select[Any]:
    stmt: Select[Any] = (
        select(*_POST_COLUMNS, *extra)
        .join(ThreadRow, ThreadRow.id == PostRow.thread_id)
        .join(BoardRow, BoardRow.id == ThreadRow.board_id)
    )
    return stmt


_THREAD_WITH_AUTHOR = _thread_select(PostRow.author_tag).where(
    ThreadRow.id == bindparam("thread_id")
)


def _post(row: Any) -> Post:
    """A row of :data:`_POST_COLUMNS` as a post."""
    return Post(
        id=row[0],
        thread_id=row[1],
        board_slug=row[2],
        thread_title=row[3],
        is_opening=bool(row[4]),
        author_pseudonym=row[5],
        body=row[6],
        status=PostStatus(row[7]),
        revision=row[8],
        rejection_reason=row[9],
        created_at=row[10],
        updated_at=row[11],
        approved_at=row[12],
        content_note=row[13],
    )


async def visible_posts(
    session: AsyncSession, thread_id: int, viewer_tag: str, *, after_id: int, limit: int
) -> list[Post]:
    """Return approved posts of a thread plus the viewer's own unapproved ones, oldest first.

    A held post (a fast report, waiting for a moderator) keeps its place for everyone, but
    only its author gets its text: others get it with an empty body. ``viewer_tag`` is the
    viewer's tag in this thread.
    """
    params = {"thread_id": thread_id, "after_id": after_id, "viewer": viewer_tag, "n": limit}
    posts = []
    for row in await _core(session, _VISIBLE_POSTS, params):
        post = _post(row)
        if post.status is PostStatus.HELD and row[14] != viewer_tag:
            post = replace(post, body="")
        posts.append(post)
    return posts


_VISIBLE_POSTS = (
    _post_select()
    .where(
        PostRow.thread_id == bindparam("thread_id"),
        PostRow.id > bindparam("after_id"),
        or_(PostRow.status.in_([APPROVED, HELD]), PostRow.author_tag == bindparam("viewer")),
    )
    .order_by(PostRow.id)
    .limit(bindparam("n"))
)


# --- versions of cached reads (migration 0019_read_path) -------------------------------------

_BOARDS_NAME = "boards"

_BOARD_PAGE_VERSIONS = select(CacheVersionRow.name, CacheVersionRow.version).where(
    or_(
        CacheVersionRow.name == _BOARDS_NAME,
        CacheVersionRow.name
        == literal_column("'board:'", String)
        + cast(
            select(BoardRow.id).where(BoardRow.slug == bindparam("slug")).scalar_subquery(), String
        ),
    )
)


def _versions(rows: Sequence[Sequence[Any]]) -> tuple[int, int]:
    """(the boards' version, the other row's): a row nobody has bumped yet counts as 0."""
    found = {str(name): int(version) for name, version in rows}
    boards = found.pop(_BOARDS_NAME, 0)
    return boards, next(iter(found.values()), 0)


async def thread_versions_now(db: Database, thread_id: int) -> tuple[int, int]:
    """The versions a cached read of thread ``thread_id`` depends on, as one driver statement.

    ``boards`` (its board's slug) and ``thread:<id>``: triggers bump the latter in the
    transaction of any change to the thread's row or any of its posts. Concurrent requests'
    reads share one statement (``storage.batched_reads``), each started after it was asked.
    """
    name = f"thread:{thread_id}"
    found = await batched_reads(db).versions.get_many((_BOARDS_NAME, name))
    return found[_BOARDS_NAME] or 0, found[name] or 0


async def board_page_versions_now(db: Database, slug: str) -> tuple[int, int]:
    """The versions a cached page of board ``slug`` depends on, as one driver statement.

    ``boards`` (the board's own row) and ``board:<id>``: bumped by any change to a thread of
    the board and by a change to an approved or opening post in one. ``slug`` must match SLUG.
    """
    return _versions(await db.fetch_plain(_BOARD_PAGE_VERSIONS, slug=slug))


async def thread_posts(
    session: AsyncSession, thread_id: int, *, limit: int
) -> list[tuple[Post, str]]:
    """Every post of a thread (any status) with its author's tag, oldest first, at most ``limit``.

    What a cached thread filters per viewer as :func:`visible_posts` does in SQL.
    """
    rows = await _core(session, _THREAD_POSTS, {"thread_id": thread_id, "n": limit})
    return [(_post(row), row[14]) for row in rows]


_THREAD_POSTS = (
    _post_select()
    .where(PostRow.thread_id == bindparam("thread_id"))
    .order_by(PostRow.id)
    .limit(bindparam("n"))
)


async def post_with_author(session: AsyncSession, post_id: int) -> tuple[Post, str, Sealed] | None:
    """Return one post (any status), its author's tag and sealed identity key, or None."""
    row = (
        await session.execute(_post_select(PostRow.author_seal).where(PostRow.id == post_id))
    ).one_or_none()
    if row is None:
        return None
    author_tag = row[14]
    return _post(row), author_tag, Sealed(row[15], author_context(author_tag))


async def posts_by_ids(session: AsyncSession, post_ids: list[int]) -> list[Post]:
    """Return these posts, newest first ("my posts": the ids come from the sealed state)."""
    if not post_ids:
        return []
    stmt = _post_select().where(PostRow.id.in_(post_ids)).order_by(PostRow.id.desc())
    return [_post(row) for row in await session.execute(stmt)]


def stored_time(now: datetime) -> datetime:
    """``now`` as a time column stores and reads it back (``tables.UTCDateTime``: whole
    seconds, UTC), for objects built from what was just written instead of read again."""
    return now.astimezone(UTC).replace(microsecond=0)


async def insert_thread(session: AsyncSession, *, board_id: int, title: str, now: datetime) -> int:
    """Insert a pending thread and return its id."""
    connection = await session.connection()
    result = await connection.execute(
        _INSERT_THREAD,
        {
            "board_id": board_id,
            "title": title,
            "status": PostStatus.PENDING.value,
            "created_at": now,
            "last_activity_at": now,
        },
    )
    return int(result.scalar_one())


async def insert_post(
    session: AsyncSession,
    *,
    thread_id: int,
    board_slug: str,
    thread_title: str,
    author_tag: str,
    author_seal: bytes,
    pseudonym: str,
    body: str,
    is_opening: bool,
    title: str | None,
    now: datetime,
    content_note: str | None = None,
) -> Post:
    """Insert a pending post with its first revision and return it as stored.

    ``author_seal`` must be sealed for :func:`author_context` of ``author_tag``. Core inserts
    built once (the post's id by ``RETURNING``), no unit-of-work flush, and the post is built
    from what was written rather than read back: a create was 13 statements through the ORM.
    """
    connection = await session.connection()
    result = await connection.execute(
        _INSERT_POST,
        {
            "thread_id": thread_id,
            "author_tag": author_tag,
            "author_seal": author_seal,
            "pseudonym": pseudonym,
            "is_opening": is_opening,
            "body": body,
            "status": PostStatus.PENDING.value,
            "revision": 1,
            "created_at": now,
            "updated_at": now,
            "content_note": content_note,
        },
    )
    post_id = int(result.scalar_one())
    await connection.execute(
        _INSERT_REVISION,
        {
            "post_id": post_id,
            "revision": 1,
            "kind": RevisionKind.SUBMITTED.value,
            "title": title,
            "body": body,
            "created_at": now,
        },
    )
    at = stored_time(now)
    return Post(
        id=post_id,
        thread_id=thread_id,
        board_slug=board_slug,
        thread_title=thread_title,
        is_opening=is_opening,
        author_pseudonym=pseudonym,
        body=body,
        status=PostStatus.PENDING,
        revision=1,
        rejection_reason=None,
        created_at=at,
        updated_at=at,
        approved_at=None,
        content_note=content_note,
    )


_INSERT_THREAD = insert(ThreadRow).returning(ThreadRow.id)
_INSERT_POST = insert(PostRow).returning(PostRow.id)
_INSERT_REVISION = insert(PostRevisionRow)


async def set_post_status(
    session: AsyncSession,
    post_id: int,
    status: PostStatus,
    now: datetime,
    *,
    rejection_reason: str | None = None,
) -> None:
    """Move a post (and, for an opening post, its thread) to ``status``.

    Approving a reply bumps its thread's last activity so the board lists it first.
    """
    post = (await session.execute(select(PostRow).where(PostRow.id == post_id))).scalar_one()
    post.status = status.value
    post.updated_at = now
    post.rejection_reason = rejection_reason
    if status is PostStatus.APPROVED:
        post.approved_at = now
    thread_values: dict[str, object] = {}
    if post.is_opening:
        thread_values["status"] = status.value
        thread = (
            await session.execute(
                select(ThreadRow.board_id, ThreadRow.status).where(ThreadRow.id == post.thread_id)
            )
        ).one()
        # The board keeps its count of approved threads, so listing boards does not recount
        # every thread on each request (that grew with the forum).
        delta = int(status is PostStatus.APPROVED) - int(thread.status == APPROVED)
        if delta:
            await session.execute(
                update(BoardRow)
                .where(BoardRow.id == thread.board_id)
                .values(approved_thread_count=BoardRow.approved_thread_count + delta)
            )
    if status is PostStatus.APPROVED:
        thread_values["last_activity_at"] = now
    if thread_values:
        await session.execute(
            update(ThreadRow).where(ThreadRow.id == post.thread_id).values(**thread_values)
        )
    await session.flush()


async def add_revision(
    session: AsyncSession,
    post_id: int,
    *,
    body: str,
    title: str | None,
    kind: RevisionKind,
    now: datetime,
) -> int:
    """Make ``body`` (and ``title`` of an opening post) the current text, keeping the history.

    The post goes back to pending. Returns the new revision number.
    """
    post = (await session.execute(select(PostRow).where(PostRow.id == post_id))).scalar_one()
    post.status = PostStatus.PENDING.value
    post.rejection_reason = None
    post.updated_at = now
    if post.is_opening:
        await session.execute(
            update(ThreadRow)
            .where(ThreadRow.id == post.thread_id)
            .values(status=PostStatus.PENDING.value)
        )
    return await _new_revision(session, post, body=body, title=title, kind=kind, now=now)


async def set_content_note(session: AsyncSession, post_id: int, note: str | None) -> None:
    """Set (or, with None, remove) a post's content note."""
    await session.execute(update(PostRow).where(PostRow.id == post_id).values(content_note=note))


async def post_body(session: AsyncSession, post_id: int) -> str | None:
    """Return the current text of a post, or None if there is no such post."""
    body: str | None = await session.scalar(select(PostRow.body).where(PostRow.id == post_id))
    return body


async def add_moderator_edit(
    session: AsyncSession, post_id: int, *, body: str, title: str | None, now: datetime
) -> int:
    """Store a moderator's edit as the current revision; the post's status is not changed.

    Returns the new revision number.
    """
    post = (await session.execute(select(PostRow).where(PostRow.id == post_id))).scalar_one()
    return await _new_revision(
        session, post, body=body, title=title, kind=RevisionKind.MODERATOR_EDIT, now=now
    )


async def _new_revision(
    session: AsyncSession,
    post: PostRow,
    *,
    body: str,
    title: str | None,
    kind: RevisionKind,
    now: datetime,
) -> int:
    post.revision += 1
    post.body = body
    if title is not None:
        await session.execute(
            update(ThreadRow).where(ThreadRow.id == post.thread_id).values(title=title)
        )
    session.add(
        PostRevisionRow(
            post_id=post.id,
            revision=post.revision,
            kind=kind.value,
            title=title,
            body=body,
            created_at=now,
        )
    )
    await session.flush()
    return post.revision


async def find_idempotent_post(session: AsyncSession, scope: str) -> tuple[int, str] | None:
    """Return ``(post_id, fingerprint)`` recorded for an idempotency scope, if any.

    ``scope`` is the person's tag for the client's key (``idempotency:<key>``).
    """
    rows = await _core(session, _IDEMPOTENT_POST, {"scope": scope})
    return None if not rows else (rows[0][0], rows[0][1])


_IDEMPOTENT_POST = select(IdempotencyKeyRow.post_id, IdempotencyKeyRow.fingerprint).where(
    IdempotencyKeyRow.scope == bindparam("scope")
)


async def remember_idempotency_key(
    session: AsyncSession, scope: str, fingerprint: str, post_id: int, now: datetime
) -> None:
    """Record which post an idempotency key created (one per person and key)."""
    connection = await session.connection()
    await connection.execute(
        _INSERT_IDEMPOTENCY,
        {"scope": scope, "fingerprint": fingerprint, "post_id": post_id, "created_at": now},
    )


_INSERT_IDEMPOTENCY = insert(IdempotencyKeyRow)


async def set_auto_approve(session: AsyncSession, board_id: int, enabled: bool) -> None:
    """Switch a board's auto-approval of low-risk posts."""
    await session.execute(
        update(BoardRow).where(BoardRow.id == board_id).values(auto_approve_low_risk=enabled)
    )


async def threads_approved_between(
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


async def add_board(session: AsyncSession, *, slug: str, title: str, now: datetime) -> Board:
    """Add a board after the last one (the caller checked the slug is free)."""
    last = await session.scalar(select(func.max(BoardRow.position)))
    row = BoardRow(
        slug=slug,
        title=title,
        description="",
        position=int(last or 0) + 1,
        auto_approve_low_risk=False,
        approved_thread_count=0,
        core=False,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return Board(
        id=row.id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        position=row.position,
        approved_thread_count=0,
        auto_approve_low_risk=False,
        core=False,
        archived=False,
    )


async def rename_board(session: AsyncSession, board_id: int, title: str) -> None:
    """Give a board a new title (its slug stays: links and subscriptions keep working)."""
    await session.execute(update(BoardRow).where(BoardRow.id == board_id).values(title=title))


async def archive_board(session: AsyncSession, board_id: int, now: datetime) -> bool:
    """Archive a board; False if it was archived already."""
    result = await session.execute(
        update(BoardRow)
        .where(BoardRow.id == board_id, BoardRow.archived_at.is_(None))
        .values(archived_at=now)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
