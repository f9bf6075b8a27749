"""Bulk-seeded rows are the service's own: it finds their authors, their own posts, their
subscribers, and the baseline reads the same rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bench.baseline import count_statements, create_baseline_app
from bench.common import PSEUDONYM_SECRET, SQLITE, scratch_database, service_settings
from bench.seed import Seeder, identity_key, insert_forum, insert_identities, insert_subscriptions
from forum_service.domain import IdentityKey, RateLimited
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services.boards import BoardService
from forum_service.storage import subscriptions_repo, vault_repo
from forum_service.storage.database import Database

AUTHORS = [identity_key(f"seed-test-{n}") for n in range(3)]


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[tuple[Database, list[int]]]:
    """A migrated database with 4 threads of 3 posts by 3 authors, and 2 subscribers."""
    async with scratch_database(SQLITE, tmp_path, "seed") as url:
        async with Seeder(url) as conn:
            authors = await insert_identities(conn, AUTHORS)
            forum = await insert_forum(conn, threads=4, posts_per_thread=3, authors=authors)
            await insert_subscriptions(conn, authors[:2])
        db = Database(url, vault=service_settings(url).vault())
        try:
            await vault_repo.verify_keys(db)
            yield db, forum.threads
        finally:
            await db.dispose()


async def test_the_service_lists_each_authors_own_seeded_posts(
    seeded: tuple[Database, list[int]],
) -> None:
    db, threads = seeded
    boards = BoardService(db, Pseudonymizer(PSEUDONYM_SECRET.encode()))
    seen: set[int] = set()
    for key in AUTHORS:
        posts, cursor = await boards.my_posts(IdentityKey.parse(key), None, 20)
        assert len(posts) == 4 and cursor is None  # 12 posts, 3 authors, round-robin
        assert [p.id for p in posts] == sorted((p.id for p in posts), reverse=True)
        for post in posts:
            _, mine = await boards.read_post(IdentityKey.parse(key), post.id)
            assert mine
        seen |= {p.id for p in posts}
    assert len(seen) == 12
    # The opening post's author is the thread's: they see it as theirs, others do not.
    view, _ = await boards.read_thread(IdentityKey.parse(AUTHORS[0]), threads[0])
    opening = view.posts[0]
    assert (await boards.read_post(IdentityKey.parse(AUTHORS[0]), opening.id))[1]
    assert not (await boards.read_post(IdentityKey.parse(AUTHORS[1]), opening.id))[1]


async def test_seeded_authors_are_seasoned_and_their_recent_posts_count(
    seeded: tuple[Database, list[int]],
) -> None:
    db, threads = seeded
    key = IdentityKey.parse(AUTHORS[2])
    # Each author wrote 4 posts in the last few minutes. Seasoned, the limit is 8 (a new
    # identity would get 8 // 4 = 2 and be refused); at a limit of 4 those 4 posts use it up.
    limited = BoardService(db, Pseudonymizer(PSEUDONYM_SECRET.encode()), posts_per_hour=4)
    with pytest.raises(RateLimited):
        await limited.reply(key, threads[1], "A reply from a seeded author.", None)
    boards = BoardService(db, Pseudonymizer(PSEUDONYM_SECRET.encode()), posts_per_hour=8)
    created = await boards.reply(key, threads[1], "A reply from a seeded author.", None)
    posts, _ = await boards.my_posts(key, None, 20)
    assert posts[0].id == created.post.id and len(posts) == 5


async def test_the_service_opens_seeded_subscriptions(seeded: tuple[Database, list[int]]) -> None:
    db, _ = seeded
    async with db.read("test") as session:
        assert await subscriptions_repo.subscribers(session, db.vault, ["all"]) == set(AUTHORS[:2])


async def test_the_baseline_lists_the_same_own_posts(seeded: tuple[Database, list[int]]) -> None:
    db, _ = seeded
    boards = BoardService(db, Pseudonymizer(PSEUDONYM_SECRET.encode()))
    expected, _ = await boards.my_posts(IdentityKey.parse(AUTHORS[1]), None, 20)
    app = create_baseline_app(db, count_statements(db))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/me/posts", headers={"X-Forum-Identity": AUTHORS[1]})
        assert response.status == 200
        listed = (await response.json())["posts"]
    assert [post["id"] for post in listed] == [post.id for post in expected]
