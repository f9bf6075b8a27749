"""Members' routes of a community of practice: follow a thread, search, similar threads,
withdraw a pending post."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.board_schemas import PostEnvelope, PostOut, ThreadOut
from forum_service.api.keys import FOLLOWS, SEARCH, WITHDRAWALS
from forum_service.api.openapi import Doc, Param, documented
from forum_service.api.params import QueryInt, path_id
from forum_service.api.responses import json_response
from forum_service.api.search_schemas import (
    Following,
    FollowingList,
    SearchHitOut,
    SearchResults,
    SimilarThreads,
)
from forum_service.domain import DomainError
from forum_service.services.search import QUERY_MAX

routes = web.RouteTableDef()

QUERY = Param(
    "q",
    "query",
    "the words to find (plain words: no search syntax)",
    {"type": "string", "maxLength": QUERY_MAX},
    required=True,
)
BOARD = Param("board", "query", "only this outcome board (its slug)")
PAGE = QueryInt("page", 1, 1, 100, "page of results (5 per page)")
TITLE = Param(
    "title", "query", "the title being written", {"type": "string", "maxLength": QUERY_MAX}
)


def _following(request: web.Request, following: bool) -> web.Response:
    return json_response(Following(thread_id=path_id(request, "thread_id"), following=following))


@routes.get("/api/v1/threads/{thread_id}/follow")
@documented(Doc("Whether I follow a thread", Following, errors=(400,), tags=("follow",)))
async def follow_state(request: web.Request) -> web.Response:
    """Whether the caller follows the thread."""
    thread_id = path_id(request, "thread_id")
    following = await request.app[FOLLOWS].is_following(acting_identity(request), thread_id)
    return _following(request, following)


@routes.put("/api/v1/threads/{thread_id}/follow")
@documented(
    Doc(
        "Follow an approved thread: its new replies are told in batches",
        Following,
        errors=(400, 404),
        tags=("follow",),
    )
)
async def follow(request: web.Request) -> web.Response:
    """Follow a thread (repeating it changes nothing)."""
    thread_id = path_id(request, "thread_id")
    await request.app[FOLLOWS].set_following(acting_identity(request), thread_id, following=True)
    return _following(request, True)


@routes.delete("/api/v1/threads/{thread_id}/follow")
@documented(Doc("Stop following a thread", Following, errors=(400, 404), tags=("follow",)))
async def unfollow(request: web.Request) -> web.Response:
    """Unfollow a thread."""
    thread_id = path_id(request, "thread_id")
    await request.app[FOLLOWS].set_following(acting_identity(request), thread_id, following=False)
    return _following(request, False)


@routes.get("/api/v1/me/following")
@documented(Doc("The threads I follow", FollowingList, errors=(400,), tags=("follow",)))
async def following(request: web.Request) -> web.Response:
    """List the approved threads the caller follows."""
    threads = await request.app[FOLLOWS].following(acting_identity(request))
    return json_response(FollowingList(threads=[ThreadOut.of(t) for t in threads]))


@routes.get("/api/v1/search")
@documented(
    Doc(
        "Search approved threads and posts (full-text, ranked, 5 per page)",
        SearchResults,
        params=(QUERY, BOARD, PAGE.param()),
        errors=(400, 404),
        tags=("search",),
    )
)
async def search(request: web.Request) -> web.Response:
    """Search approved posts; pending, rejected, held, hidden and withdrawn ones never appear."""
    acting_identity(request)
    query = request.query.get("q")
    if query is None:
        raise DomainError("query_empty", "search for at least one word (q=...)")
    page, found = await request.app[SEARCH].search(
        query, board=request.query.get("board") or None, page=PAGE.read(request)
    )
    return json_response(
        SearchResults(
            results=[SearchHitOut.of(f.hit, f.excerpt) for f in found],
            page=page.page,
            has_more=page.has_more,
        )
    )


@routes.get("/api/v1/threads-similar")
@documented(
    Doc(
        "Up to three approved threads whose titles look like this one (before writing a new one)",
        SimilarThreads,
        params=(TITLE,),
        errors=(400,),
        tags=("search",),
    )
)
async def similar(request: web.Request) -> web.Response:
    """Threads similar to a title being written."""
    acting_identity(request)
    title = request.query.get("title", "")
    if len(title) > QUERY_MAX:
        raise DomainError("query_too_long", f"a title has at most {QUERY_MAX} characters")
    hits = await request.app[SEARCH].similar_threads(title)
    return json_response(SimilarThreads(threads=[SearchHitOut.of(h, "") for h in hits]))


@routes.post("/api/v1/posts/{post_id}/withdraw")
@documented(
    Doc(
        "Withdraw my post before a moderator decides: out of the queue, its text erased",
        PostEnvelope,
        errors=(400, 404, 409),
        tags=("forum",),
    )
)
async def withdraw(request: web.Request) -> web.Response:
    """Withdraw the caller's pending post."""
    post = await request.app[WITHDRAWALS].withdraw(
        acting_identity(request), path_id(request, "post_id")
    )
    return json_response(PostEnvelope(post=PostOut.of(post, mine=True)))
