"""Cached thread reads and boards' pages (0019_read_path) answer what the database holds now.

Each test reads first (so the entry is cached), changes the data — through the API of another
process, or by a plain SQL statement no service code made — and reads again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import text

from forum_service.api.keys import BOARDS, DATABASE
from forum_service.api.rendered import Renderings
from forum_service.domain import IdentityKey, PostStatus
from forum_service.services.read_cache import CachedThread, VersionedLru
from forum_service.storage import boards_repo
from forum_service.storage.database import Database
from tests.support.api import Api, approve_post, make_moderator


async def _sql(app: web.Application, statement: str, **params: Any) -> None:
    async with app[DATABASE].write("test_sql") as session:
        await session.execute(text(statement), params)


async def _approved_thread(api: Api, author: str, moderator: str, board: str = "safety") -> int:
    created = await api.new_thread(author, board=board, title="Cached", body="Opening")
    await approve_post(api, moderator, created["post"]["id"])
    return int(created["thread_id"])


async def _read(api: Api, reader: str, thread_id: int, expect: int = 200) -> Any:
    return await api.call("GET", f"/api/v1/threads/{thread_id}", reader, expect=expect)


async def test_a_reply_approved_in_one_process_shows_in_another_cached_read(
    api: Api, second_api: Api
) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    thread_id = await _approved_thread(api, author, moderator)
    first = await _read(second_api, reader, thread_id)
    assert [p["body"] for p in first["posts"]] == ["Opening"]
    assert await _read(second_api, reader, thread_id) == first  # now from the cache
    reply = await api.call(
        "POST", f"/api/v1/threads/{thread_id}/posts", author, json={"body": "A reply"}, expect=201
    )
    # Pending: its author sees it in the second process too, the reader does not.
    assert await _read(second_api, reader, thread_id) == first
    mine = await _read(second_api, author, thread_id)
    assert [(p["body"], p["status"]) for p in mine["posts"]] == [
        ("Opening", "approved"),
        ("A reply", "pending"),
    ]
    await approve_post(api, moderator, reply["post"]["id"])
    after = await _read(second_api, reader, thread_id)
    assert [p["body"] for p in after["posts"]] == ["Opening", "A reply"]
    assert after["thread"]["reply_count"] == first["thread"]["reply_count"] + 1


async def test_a_post_changed_by_any_statement_is_read_again(
    api: Api, app: web.Application
) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    thread_id = await _approved_thread(api, author, moderator)
    (post,) = (await _read(api, reader, thread_id))["posts"]
    await _sql(app, "UPDATE posts SET body = 'Edited by SQL' WHERE id = :id", id=post["id"])
    assert [p["body"] for p in (await _read(api, reader, thread_id))["posts"]] == ["Edited by SQL"]
    await _sql(app, "UPDATE posts SET status = 'held' WHERE id = :id", id=post["id"])
    # Held: its place stays, its text goes for everyone but its author...
    shown = await _read(api, reader, thread_id)
    assert [(p["body"], p["status"]) for p in shown["posts"]] == [("", "held")]
    # ...and when the thread follows its opening post, the whole thread waits.
    await _sql(app, "UPDATE threads SET status = 'held' WHERE id = :id", id=thread_id)
    assert (await _read(api, reader, thread_id, expect=404))["error"]["code"] == "thread_held"
    own = await _read(api, author, thread_id)
    assert [(p["body"], p["status"]) for p in own["posts"]] == [("Edited by SQL", "held")]


async def test_a_renamed_board_or_thread_is_read_again(api: Api, app: web.Application) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    thread_id = await _approved_thread(api, author, moderator)
    before = await _read(api, reader, thread_id)
    assert before["thread"]["title"] == "Cached"
    await _sql(app, "UPDATE threads SET title = 'Renamed' WHERE id = :id", id=thread_id)
    after = await _read(api, reader, thread_id)
    assert after["thread"]["title"] == "Renamed"
    assert {p["thread_title"] for p in after["posts"]} == {"Renamed"}
    await _sql(app, "UPDATE boards SET slug = 'safety-2' WHERE slug = 'safety'")
    moved = await _read(api, reader, thread_id)
    assert moved["thread"]["board"] == "safety-2"
    assert {p["board"] for p in moved["posts"]} == {"safety-2"}


async def test_a_board_page_cached_in_one_process_follows_changes_made_in_another(
    api: Api, second_api: Api, app: web.Application
) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    path = "/api/v1/boards/housing/threads"

    async def page() -> list[tuple[int, str, int]]:
        body = await second_api.call("GET", path, reader, expect=200)
        return [(t["id"], t["title"], t["reply_count"]) for t in body["threads"]]

    before = await page()
    assert await page() == before  # cached
    thread_id = await _approved_thread(api, author, moderator, board="housing")
    assert (await page())[0] == (thread_id, "Cached", 0)
    reply = await api.call(
        "POST", f"/api/v1/threads/{thread_id}/posts", author, json={"body": "More"}, expect=201
    )
    assert (await page())[0] == (thread_id, "Cached", 0)  # pending replies are not counted
    await approve_post(api, moderator, reply["post"]["id"])
    assert (await page())[0] == (thread_id, "Cached", 1)
    # A reply hidden by a statement no service code made: its count goes at once.
    await _sql(app, "UPDATE posts SET status = 'hidden' WHERE id = :id", id=reply["post"]["id"])
    assert (await page())[0] == (thread_id, "Cached", 0)
    await _sql(app, "UPDATE threads SET status = 'hidden' WHERE id = :id", id=thread_id)
    assert await page() == before
    missing = await second_api.call("GET", "/api/v1/boards/no-such/threads", reader, expect=404)
    assert missing["error"]["code"] == "board_not_found"


async def test_the_cached_filter_is_the_sql_filter(api: Api, app: web.Application) -> None:
    """``CachedThread.visible`` against ``visible_posts`` for every viewer, position and size."""
    db: Database = app[DATABASE]
    people = [api.new_identity() for _ in range(3)]
    moderator = api.new_identity()
    await make_moderator(api, moderator)
    thread_id = await _approved_thread(api, people[0], moderator)
    for n in range(11):
        await api.call(
            "POST",
            f"/api/v1/threads/{thread_id}/posts",
            people[n % 3],
            json={"body": f"reply {n}"},
            expect=201,
        )
    statuses = [s.value for s in PostStatus]
    chooser = random.Random(18)
    async with db.read("test") as session:
        ids = [post.id for post, _ in await boards_repo.thread_posts(session, thread_id, limit=99)]
    for post_id in ids[1:]:
        await _sql(
            app,
            "UPDATE posts SET status = :s WHERE id = :id",
            s=chooser.choice(statuses),
            id=post_id,
        )
    service = app[BOARDS]
    async with db.read("test") as session:
        header = await boards_repo.thread_with_author(session, thread_id)
        posts = await boards_repo.thread_posts(session, thread_id, limit=99)
        assert header is not None
        cached = CachedThread(thread=header[0], author_tag=header[1], posts=tuple(posts))
        assert {post.status for post, _ in posts} > {PostStatus.APPROVED}
        for person in [*people, api.new_identity()]:
            tag = service._thread_tag(IdentityKey.parse(person), thread_id)
            for after in (0, ids[0], ids[5], ids[-1]):
                for limit in (1, 3, 50):
                    expected = await boards_repo.visible_posts(
                        session, thread_id, tag, after_id=after, limit=limit
                    )
                    assert cached.visible(tag, after_id=after, limit=limit) == expected


def test_the_cache_keeps_to_its_budget_and_versions() -> None:
    cache: VersionedLru[str, str] = VersionedLru(10)
    cache.put("a", (1, 1), "A", weight=6)
    cache.put("b", (1, 1), "B", weight=3)
    assert cache.get("a", (1, 1)) == "A"  # a is now the most recently used
    assert cache.get("a", (1, 2)) is None  # another version: not this entry
    cache.put("c", (1, 1), "C", weight=4)  # 13 > 10: b, the least recently used, goes
    assert (cache.get("b", (1, 1)), cache.get("a", (1, 1)), len(cache)) == (None, "A", 2)
    cache.put("d", (1, 1), "D", weight=11)  # larger than the whole budget: not kept
    assert cache.get("d", (1, 1)) is None


def test_a_rendering_is_reused_only_for_the_very_answer_it_was_made_from() -> None:
    renderings = Renderings(kept=2)
    made: list[str] = []

    def render(text: str) -> Callable[[], ThreadCount]:
        def build() -> ThreadCount:
            made.append(text)
            return ThreadCount(title=text)

        return build

    first, equal_but_new = ["a"], ["a"]
    assert renderings.response("k", first, render("one")).body == b'{"title":"one"}'
    assert renderings.response("k", first, render("two")).body == b'{"title":"one"}'
    # An equal answer that is another object (a reader's own view, a reloaded entry): anew.
    assert renderings.response("k", equal_but_new, render("three")).body == b'{"title":"three"}'
    renderings.response("x", first, render("four"))
    renderings.response("y", first, render("five"))  # over 2 kept: "k" goes
    renderings.response("k", equal_but_new, render("six"))
    assert made == ["one", "three", "four", "five", "six"]


class ThreadCount(BaseModel):
    """A model to render."""

    title: str


async def _version(app: web.Application, name: str) -> int:
    async with app[DATABASE].read("test_version") as session:
        found = await session.scalar(
            text("SELECT version FROM cache_versions WHERE name = :name"), {"name": name}
        )
    return int(found or 0)


async def test_resealing_authors_bumps_no_version_but_a_visible_change_does(
    api: Api, app: web.Application
) -> None:
    """A rekey rewrites every post's ``author_seal`` in one transaction: readers see nothing of
    it, so the triggers must neither bump nor lock the thread's and board's version rows (on
    PostgreSQL those row locks, held to the end of a rekey, could deadlock with moderators)."""
    author, moderator = api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    thread_id = await _approved_thread(api, author, moderator)
    async with app[DATABASE].read("test_board") as session:
        board = await session.scalar(
            text("SELECT board_id FROM threads WHERE id = :id"), {"id": thread_id}
        )
    names = (f"thread:{thread_id}", f"board:{board}")
    before = [await _version(app, name) for name in names]
    assert before[0] > 0  # the thread's writes so far did bump it
    reseal = "UPDATE posts SET author_seal = author_seal WHERE thread_id = :id"
    await _sql(app, reseal, id=thread_id)
    assert [await _version(app, name) for name in names] == before
    await _sql(app, "UPDATE posts SET content_note = 'Seen' WHERE thread_id = :id", id=thread_id)
    after = [await _version(app, name) for name in names]
    assert after[0] > before[0] and after[1] > before[1]


def test_the_post_trigger_watches_every_column_but_the_seal() -> None:
    """A column added to ``posts`` later must be added to the trigger's list (or be sealed)."""
    import importlib.util
    from pathlib import Path

    from forum_service.storage.rekey_repo import SEALED_COLUMNS
    from forum_service.storage.tables import PostRow

    path = Path(boards_repo.__file__).parent / "migrations" / "versions" / "0019_read_path.py"
    spec = importlib.util.spec_from_file_location("read_path_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    sealed = {c.column for c in SEALED_COLUMNS if c.table is PostRow}
    assert sealed == {"author_seal"}
    assert set(migration.POST_COLUMNS_READERS_SEE) == set(PostRow.__table__.columns.keys()) - sealed
