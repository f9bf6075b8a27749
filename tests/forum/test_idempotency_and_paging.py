"""Idempotent creates and cursor pagination."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import func, select

from forum_service.api.keys import DATABASE
from forum_service.domain import PostStatus
from forum_service.storage.tables import PostRow
from tests.support.api import Api
from tests.support.storage import set_status


async def _count_posts(app: web.Application) -> int:
    async with app[DATABASE].read("count") as session:
        return int(await session.scalar(select(func.count()).select_from(PostRow)) or 0)


async def test_same_idempotency_key_twice_stores_one_post(api: Api, app: web.Application) -> None:
    who = api.new_identity()
    payload = {"board": "safety", "title": "Once", "body": "only once"}
    first = await api.client.post(
        "/api/v1/threads", json=payload, headers=api.headers(who, **{"Idempotency-Key": "tg-42"})
    )
    second = await api.client.post(
        "/api/v1/threads", json=payload, headers=api.headers(who, **{"Idempotency-Key": "tg-42"})
    )
    assert (first.status, second.status) == (201, 200)
    assert (await first.json())["post"]["id"] == (await second.json())["post"]["id"]
    assert await _count_posts(app) == 1


async def test_concurrent_replays_store_one_post(api: Api, app: web.Application) -> None:
    who = api.new_identity()
    payload = {"board": "safety", "title": "Race", "body": "racing"}
    responses = await asyncio.gather(
        *(
            api.client.post(
                "/api/v1/threads",
                json=payload,
                headers=api.headers(who, **{"Idempotency-Key": "same"}),
            )
            for _ in range(5)
        )
    )
    ids = {(await r.json())["post"]["id"] for r in responses}
    assert sorted(r.status for r in responses) == [200, 200, 200, 200, 201]
    assert len(ids) == 1
    assert await _count_posts(app) == 1


async def test_idempotency_key_reused_for_other_content_is_a_conflict(
    api: Api, app: web.Application
) -> None:
    who = api.new_identity()
    await api.call(
        "POST",
        "/api/v1/threads",
        who,
        json={"board": "safety", "title": "a", "body": "a"},
        expect=201,
        **{"Idempotency-Key": "k1"},
    )
    error = await api.call(
        "POST",
        "/api/v1/threads",
        who,
        json={"board": "safety", "title": "b", "body": "b"},
        expect=409,
        **{"Idempotency-Key": "k1"},
    )
    assert error["error"]["code"] == "idempotency_key_reused"
    assert await _count_posts(app) == 1


async def test_idempotency_keys_are_per_identity(api: Api, app: web.Application) -> None:
    payload = {"board": "safety", "title": "a", "body": "a"}
    for _ in range(2):
        await api.call(
            "POST",
            "/api/v1/threads",
            api.new_identity(),
            json=payload,
            expect=201,
            **{"Idempotency-Key": "shared"},
        )
    assert await _count_posts(app) == 2


async def test_invalid_idempotency_key_is_refused(api: Api) -> None:
    error = await api.call(
        "POST",
        "/api/v1/threads",
        api.new_identity(),
        json={"board": "safety", "title": "a", "body": "a"},
        expect=400,
        **{"Idempotency-Key": "x" * 101},
    )
    assert error["error"]["code"] == "idempotency_key_invalid"


async def _approved_thread(api: Api, app: web.Application, title: str) -> int:
    created = await api.new_thread(api.new_identity(), board="education", title=title)
    await set_status(app, created["post"]["id"], PostStatus.APPROVED)
    return int(created["thread_id"])


async def test_pagination_is_stable_under_concurrent_inserts(
    api: Api, app: web.Application
) -> None:
    originals = [await _approved_thread(api, app, f"old {n}") for n in range(7)]
    seen: list[int] = []
    page = await api.call(
        "GET", "/api/v1/boards/education/threads?limit=3", api.new_identity(), expect=200
    )
    seen += [t["id"] for t in page["threads"]]
    while page["next_cursor"]:
        # New threads arrive between page loads; they belong before the cursor.
        await _approved_thread(api, app, "newcomer")
        page = await api.call(
            "GET",
            f"/api/v1/boards/education/threads?limit=3&cursor={page['next_cursor']}",
            api.new_identity(),
            expect=200,
        )
        seen += [t["id"] for t in page["threads"]]
    assert seen == sorted(originals, reverse=True)


async def test_bad_cursor_and_limit_are_refused(api: Api) -> None:
    reader = api.new_identity()
    error = await api.call(
        "GET", "/api/v1/boards/education/threads?cursor=garbage", reader, expect=400
    )
    assert error["error"]["code"] == "cursor_invalid"
    error = await api.call("GET", "/api/v1/boards/education/threads?limit=0", reader, expect=400)
    assert error["error"]["code"] == "invalid_query"
    error = await api.call("GET", "/api/v1/boards/education/threads?limit=1000", reader, expect=400)
    assert error["error"]["code"] == "invalid_query"


async def test_my_posts_pages_newest_first(api: Api) -> None:
    who = api.new_identity()
    ids = [(await api.new_thread(who, title=f"t{n}"))["post"]["id"] for n in range(4)]
    first = await api.call("GET", "/api/v1/me/posts?limit=3", who, expect=200)
    rest = await api.call(
        "GET", f"/api/v1/me/posts?limit=3&cursor={first['next_cursor']}", who, expect=200
    )
    assert [p["id"] for p in first["posts"] + rest["posts"]] == sorted(ids, reverse=True)
    assert rest["next_cursor"] is None
