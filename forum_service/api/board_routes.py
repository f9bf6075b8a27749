"""Practitioner routes: boards, threads, posts."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.board_schemas import (
    BoardList,
    BoardOut,
    CreatedReply,
    CreatedThread,
    CreateReplyRequest,
    CreateThreadRequest,
    Me,
    PostEnvelope,
    PostList,
    PostOut,
    ThreadDetail,
    ThreadList,
    ThreadOut,
)
from forum_service.api.keys import BOARDS, MEMBERSHIP, METRICS, RENDERINGS
from forum_service.api.openapi import Doc, Param, documented
from forum_service.api.params import (
    QueryInt,
    idempotency_key,
    json_body,
    path_id,
    query_cursor,
)
from forum_service.api.responses import json_response
from forum_service.domain import MAX_ID
from forum_service.services.membership import counts_as_member

routes = web.RouteTableDef()

IDEMPOTENCY = Param(
    "Idempotency-Key",
    "header",
    "repeat-safe create: the same key stores one post",
    {"type": "string", "pattern": "^[ -~]{1,100}$"},
)
CURSOR = Param("cursor", "query", "opaque cursor from the previous page")
PAGE = QueryInt("limit", 20, 1, 100, "page size")
POSTS_AFTER = QueryInt("after", 0, 0, MAX_ID, "read posts after this post id")
POSTS_PAGE = QueryInt("limit", 50, 1, 200, "posts per page")
LIMIT = PAGE.param()


@routes.get("/api/v1/boards")
@documented(
    Doc(
        "List the boards with their counts of approved threads",
        BoardList,
        tags=("forum",),
    )
)
async def list_boards(request: web.Request) -> web.Response:
    """List every board."""
    boards = await request.app[BOARDS].list_boards()
    return request.app[RENDERINGS].response(
        "boards", boards, lambda: BoardList(boards=[BoardOut.of(board) for board in boards])
    )


@routes.get("/api/v1/boards/{slug}/threads")
@documented(
    Doc(
        "List a board's approved threads, newest activity first",
        ThreadList,
        params=(CURSOR, LIMIT),
        errors=(400, 404),
        tags=("forum",),
    )
)
async def list_threads(request: web.Request) -> web.Response:
    """List a board's approved threads with cursor pagination."""
    limit = PAGE.read(request)
    slug, cursor = request.match_info["slug"], request.query.get("cursor")
    page = await request.app[BOARDS].list_threads(slug, cursor, limit)
    return request.app[RENDERINGS].response(
        ("threads", slug, cursor, limit),
        page,
        lambda: ThreadList(
            threads=[ThreadOut.of(t) for t in page.items], next_cursor=page.next_cursor
        ),
    )


@routes.post("/api/v1/threads")
@documented(
    Doc(
        "Start a thread (stored as pending until a moderator approves it)",
        CreatedThread,
        status=201,
        request=CreateThreadRequest,
        params=(IDEMPOTENCY,),
        errors=(400, 403, 404, 409, 422, 429),
        tags=("forum",),
    )
)
async def create_thread(request: web.Request) -> web.Response:
    """Create a pending thread with its opening post."""
    key = acting_identity(request)
    body = CreateThreadRequest.model_validate(await json_body(request))
    created = await request.app[BOARDS].create_thread(
        key, body.board, body.title, body.body, idempotency_key(request), body.content_note
    )
    if not created.replayed:
        request.app[METRICS].posts_created.inc()
    return json_response(
        CreatedThread(
            thread_id=created.post.thread_id,
            post=PostOut.of(created.post, mine=True),
            signposting=created.signposting,
        ),
        status=200 if created.replayed else 201,
    )


@routes.get("/api/v1/threads/{thread_id}")
@documented(
    Doc(
        "Read a thread: approved posts (and the caller's own pending or rejected ones)",
        ThreadDetail,
        params=(
            POSTS_AFTER.param(),
            POSTS_PAGE.param(),
        ),
        errors=(400, 404),
        tags=("forum",),
    )
)
async def read_thread(request: web.Request) -> web.Response:
    """Read one thread."""
    key = acting_identity(request)
    thread_id = path_id(request, "thread_id")
    after = POSTS_AFTER.read(request)
    limit = POSTS_PAGE.read(request)
    answer = await request.app[BOARDS].read_thread(key, thread_id, after_post_id=after, limit=limit)

    def render() -> ThreadDetail:
        view, more = answer
        posts = [PostOut.of(post, mine=False) for post in view.posts]
        return ThreadDetail(
            thread=ThreadOut.of(view.thread),
            posts=posts,
            next_after=posts[-1].id if more and posts else None,
        )

    # A reader's own view is a new answer each time; the public one is kept (read_cache).
    return request.app[RENDERINGS].response(("thread", thread_id, after, limit), answer, render)


@routes.post("/api/v1/threads/{thread_id}/posts")
@documented(
    Doc(
        "Reply to an approved thread (stored as pending)",
        CreatedReply,
        status=201,
        request=CreateReplyRequest,
        params=(IDEMPOTENCY,),
        errors=(400, 403, 404, 409, 422, 429),
        tags=("forum",),
    )
)
async def reply(request: web.Request) -> web.Response:
    """Create a pending reply."""
    key = acting_identity(request)
    thread_id = path_id(request, "thread_id")
    body = CreateReplyRequest.model_validate(await json_body(request))
    created = await request.app[BOARDS].reply(
        key, thread_id, body.body, idempotency_key(request), body.content_note
    )
    if not created.replayed:
        request.app[METRICS].posts_created.inc()
    return json_response(
        CreatedReply(post=PostOut.of(created.post, mine=True), signposting=created.signposting),
        status=200 if created.replayed else 201,
    )


@routes.get("/api/v1/posts/{post_id}")
@documented(Doc("Read one post", PostEnvelope, errors=(400, 404), tags=("forum",)))
async def read_post(request: web.Request) -> web.Response:
    """Read one post; unapproved posts only for their author."""
    key = acting_identity(request)
    post, mine = await request.app[BOARDS].read_post(key, path_id(request, "post_id"))
    return json_response(PostEnvelope(post=PostOut.of(post, mine=mine)))


@routes.get("/api/v1/me/posts")
@documented(
    Doc(
        "List my posts with their status (newest first)",
        PostList,
        params=(CURSOR, LIMIT),
        errors=(400,),
        tags=("forum",),
    )
)
async def my_posts(request: web.Request) -> web.Response:
    """List the caller's posts of every status."""
    key = acting_identity(request)
    limit = PAGE.read(request)
    posts, next_cursor = await request.app[BOARDS].my_posts(key, query_cursor(request), limit)
    return json_response(
        PostList(
            posts=[PostOut.of(post, mine=True) for post in posts],
            next_cursor=str(next_cursor) if next_cursor else None,
        )
    )


@routes.get("/api/v1/me")
@documented(
    Doc(
        "My role and standing: whether I am a member, and how people join",
        Me,
        errors=(400,),
        tags=("forum",),
        members_only=False,
    )
)
async def me(request: web.Request) -> web.Response:
    """Return the caller's role and membership (the bot shows commands accordingly)."""
    identity = await request.app[BOARDS].whoami(acting_identity(request))
    mode = request.app[MEMBERSHIP].mode
    return json_response(
        Me(
            role=identity.role.value,
            suspended=identity.suspended,
            member=counts_as_member(identity, mode),
            membership=mode.value,
        )
    )
