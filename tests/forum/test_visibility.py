"""Pending content is only for its author; approved content is for everyone."""

from __future__ import annotations

from aiohttp import web

from forum_service.domain import PostStatus
from tests.support.api import Api
from tests.support.storage import set_status


async def test_pending_thread_is_invisible_to_others_and_visible_to_its_author(
    api: Api, app: web.Application
) -> None:
    author, other = api.new_identity(), api.new_identity()
    created = await api.new_thread(author, title="Housing after the NRM", body="How do you...")
    assert created["post"]["status"] == "pending"
    thread_id, post_id = created["thread_id"], created["post"]["id"]

    listing = await api.call("GET", "/api/v1/boards/safety/threads", other, expect=200)
    assert listing["threads"] == []
    boards = await api.call("GET", "/api/v1/boards", other, expect=200)
    assert {b["slug"]: b["approved_thread_count"] for b in boards["boards"]}["safety"] == 0

    error = await api.call("GET", f"/api/v1/threads/{thread_id}", other, expect=404)
    assert error["error"]["code"] == "thread_not_found"
    error = await api.call("GET", f"/api/v1/posts/{post_id}", other, expect=404)
    assert error["error"]["code"] == "post_not_found"

    own = await api.call("GET", f"/api/v1/threads/{thread_id}", author, expect=200)
    assert [p["status"] for p in own["posts"]] == ["pending"]
    own_post = await api.call("GET", f"/api/v1/posts/{post_id}", author, expect=200)
    assert own_post["post"]["mine"] is True and own_post["post"]["body"] == "How do you..."
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert [(p["id"], p["status"]) for p in mine["posts"]] == [(post_id, "pending")]
    theirs = await api.call("GET", "/api/v1/me/posts", other, expect=200)
    assert theirs["posts"] == []


async def test_approved_thread_is_listed_and_readable_by_everyone(
    api: Api, app: web.Application
) -> None:
    author, reader = api.new_identity(), api.new_identity()
    created = await api.new_thread(author, board="housing", title="Approved one", body="Body")
    await set_status(app, created["post"]["id"], PostStatus.APPROVED)

    listing = await api.call("GET", "/api/v1/boards/housing/threads", reader, expect=200)
    assert [t["title"] for t in listing["threads"]] == ["Approved one"]
    boards = await api.call("GET", "/api/v1/boards", reader, expect=200)
    assert {b["slug"]: b["approved_thread_count"] for b in boards["boards"]}["housing"] == 1
    thread = await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=200)
    assert [(p["body"], p["status"]) for p in thread["posts"]] == [("Body", "approved")]
    assert thread["posts"][0]["mine"] is False


async def test_pending_reply_is_hidden_from_others_until_approved(
    api: Api, app: web.Application
) -> None:
    author, replier, reader = api.new_identity(), api.new_identity(), api.new_identity()
    created = await api.new_thread(author)
    thread_id = created["thread_id"]
    await set_status(app, created["post"]["id"], PostStatus.APPROVED)
    reply = await api.call(
        "POST", f"/api/v1/threads/{thread_id}/posts", replier, json={"body": "A reply"}, expect=201
    )
    assert reply["post"]["status"] == "pending"

    seen = await api.call("GET", f"/api/v1/threads/{thread_id}", reader, expect=200)
    assert [p["body"] for p in seen["posts"]] == ["Text"]
    seen_by_replier = await api.call("GET", f"/api/v1/threads/{thread_id}", replier, expect=200)
    assert [p["body"] for p in seen_by_replier["posts"]] == ["Text", "A reply"]

    await set_status(app, reply["post"]["id"], PostStatus.APPROVED)
    seen = await api.call("GET", f"/api/v1/threads/{thread_id}", reader, expect=200)
    assert [p["body"] for p in seen["posts"]] == ["Text", "A reply"]
    assert seen["thread"]["reply_count"] == 1


async def test_rejected_post_is_shown_only_to_its_author(api: Api, app: web.Application) -> None:
    author, other = api.new_identity(), api.new_identity()
    created = await api.new_thread(author)
    await set_status(app, created["post"]["id"], PostStatus.REJECTED)
    await api.call("GET", f"/api/v1/posts/{created['post']['id']}", other, expect=404)
    mine = await api.call("GET", f"/api/v1/posts/{created['post']['id']}", author, expect=200)
    assert mine["post"]["status"] == "rejected"


async def test_reply_to_unapproved_thread_is_refused(api: Api) -> None:
    author = api.new_identity()
    created = await api.new_thread(author)
    error = await api.call(
        "POST",
        f"/api/v1/threads/{created['thread_id']}/posts",
        author,
        json={"body": "early reply"},
        expect=400,
    )
    assert error["error"]["code"] == "thread_not_open"
