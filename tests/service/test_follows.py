"""Following threads over the real service: authors follow their own threads, follow and
unfollow, /following, and approved replies told to followers once per batch, never to the
replier, through the outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.services.scheduler import Scheduler
from forum_service.storage import outbox_repo
from forum_service.storage.tables import NotificationRow
from tests.support.api import Api, make_admin, make_moderator
from tests.support.clocks import ShiftedClock
from tests.support.moderating import approved_thread, decide, reply

WINDOW = timedelta(seconds=300)


@pytest.fixture
async def moderator(api: Api) -> str:
    """A moderator who approves what the tests need approved."""
    key = api.new_identity()
    await make_moderator(api, key)
    return key


@pytest.fixture
def scheduler(app: web.Application, clock: ShiftedClock) -> Scheduler:
    """The real scheduler on the service's clock."""
    return Scheduler(app[DATABASE], clock=clock, follow_batch=WINDOW)


async def _replies_news(app: web.Application) -> list[tuple[str, dict[str, Any]]]:
    """Every ``thread_replies`` notification in the outbox: (recipient key, payload)."""
    db = app[DATABASE]
    async with db.read("t") as session:
        rows = (
            await session.execute(
                select(NotificationRow)
                .where(NotificationRow.kind == "thread_replies")
                .order_by(NotificationRow.id)
            )
        ).scalars()
        return [
            (db.vault.open_key(row.recipient_seal, outbox_repo.RECIPIENT), row.payload)
            for row in rows
        ]


async def _following(api: Api, who: str) -> list[int]:
    body = await api.call("GET", "/api/v1/me/following", who, expect=200)
    return [thread["id"] for thread in body["threads"]]


async def test_starting_or_replying_follows_and_anyone_can_follow_and_unfollow(
    api: Api, moderator: str
) -> None:
    author, replier, reader = api.new_identity(), api.new_identity(), api.new_identity()
    thread = await approved_thread(api, moderator, author, title="Interpreters", body="Who?")
    thread_id = thread["thread_id"]
    await reply(api, replier, thread_id, "We use a charity")
    assert await _following(api, author) == [thread_id]
    assert await _following(api, replier) == [thread_id]
    assert await _following(api, reader) == []
    state = await api.call("GET", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    assert state == {"thread_id": thread_id, "following": False}
    followed = await api.call("PUT", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    assert followed["following"] is True
    await api.call("PUT", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    assert await _following(api, reader) == [thread_id], "following twice is following once"
    gone = await api.call("DELETE", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    assert gone["following"] is False
    assert await _following(api, reader) == []
    state = await api.call("GET", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    assert state["following"] is False


async def test_following_a_thread_that_is_not_approved_or_does_not_exist_is_refused(
    api: Api,
) -> None:
    author, reader = api.new_identity(), api.new_identity()
    pending = await api.new_thread(author, title="Pending", body="not yet")
    for thread_id in (pending["thread_id"], 999_999):
        body = await api.call("PUT", f"/api/v1/threads/{thread_id}/follow", reader, expect=404)
        assert body["error"]["code"] == "thread_not_found"
    bad = await api.call("PUT", "/api/v1/threads/0x1/follow", reader, expect=400)
    assert bad["error"]["code"] == "invalid_id"


async def test_replies_reach_followers_once_per_batch_and_never_the_replier(
    api: Api, app: web.Application, moderator: str, scheduler: Scheduler, clock: ShiftedClock
) -> None:
    author, first, second, reader = (api.new_identity() for _ in range(4))
    thread = await approved_thread(api, moderator, author, title="Court dates", body="Advice?")
    thread_id = thread["thread_id"]
    await api.call("PUT", f"/api/v1/threads/{thread_id}/follow", reader, expect=200)
    replies = [
        await reply(api, first, thread_id, "One"),
        await reply(api, second, thread_id, "Two"),
        await reply(api, first, thread_id, "Three"),
    ]
    pending = await reply(api, second, thread_id, "Four, not approved yet")
    for post_id in replies:
        await decide(api, moderator, post_id, "approve")

    assert await scheduler.send_follow_batches() == 0, "the batch waits for its window"
    assert await _replies_news(app) == []
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    news = {key: payload for key, payload in await _replies_news(app)}
    assert len(await _replies_news(app)) == len(news), "one message per person per batch"
    assert {key: payload["count"] for key, payload in news.items()} == {
        author: 3,
        reader: 3,
        first: 1,  # only the reply by someone else
        second: 2,
    }
    assert news[reader]["thread_title"] == "Court dates"
    assert news[reader]["thread_id"] == thread_id
    assert await scheduler.send_follow_batches() == 0, "a batch is sent once"

    # The next reply opens the next batch; its author (second) is not told of it.
    await decide(api, moderator, pending, "approve")
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    later = await _replies_news(app)
    assert len(later) == 4 + 3
    assert {key for key, _ in later[4:]} == {author, reader, first}


async def test_a_reply_approved_again_after_a_report_or_hidden_before_the_batch_is_not_told(
    api: Api, app: web.Application, moderator: str, scheduler: Scheduler, clock: ShiftedClock
) -> None:
    author, replier, reporter = api.new_identity(), api.new_identity(), api.new_identity()
    thread = await approved_thread(api, moderator, author, title="Shelters", body="Where?")
    post_id = await reply(api, replier, thread["thread_id"], "Try the council")
    await decide(api, moderator, post_id, "approve")
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/hide",
        moderator,
        json={"reason": "off topic"},
        expect=200,
    )
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    assert await _replies_news(app) == [], "a reply hidden before its batch is not announced"

    kept = await reply(api, replier, thread["thread_id"], "The council's duty line")
    await decide(api, moderator, kept, "approve")
    clock.advance(WINDOW)
    await scheduler.send_follow_batches()
    assert [key for key, _ in await _replies_news(app)] == [author]
    await api.call(
        "POST", f"/api/v1/posts/{kept}/reports", reporter, json={"reason": "check"}, expect=201
    )
    await decide(api, moderator, kept, "approve")
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 0, "kept after a report: no second news"


async def test_unfollowing_stops_the_news(
    api: Api, app: web.Application, moderator: str, scheduler: Scheduler, clock: ShiftedClock
) -> None:
    author, replier = api.new_identity(), api.new_identity()
    thread = await approved_thread(api, moderator, author, title="Benefits", body="?")
    await api.call("DELETE", f"/api/v1/threads/{thread['thread_id']}/follow", author, expect=200)
    post_id = await reply(api, replier, thread["thread_id"], "Universal Credit")
    await decide(api, moderator, post_id, "approve")
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    assert await _replies_news(app) == []


async def test_a_removed_member_follows_nothing_and_hears_nothing(
    api: Api, app: web.Application, moderator: str, scheduler: Scheduler, clock: ShiftedClock
) -> None:
    author, removed, replier = api.new_identity(), api.new_identity(), api.new_identity()
    admin = api.new_identity()
    await make_admin(api, admin)
    invite = await api.call(
        "POST",
        "/api/v1/admin/member-invites",
        admin,
        json={"uses": 1, "days": 1, "label": "test"},
        expect=201,
    )
    await api.call(
        "POST", "/api/v1/invites/redeem", removed, json={"code": invite["code"]}, expect=200
    )
    thread = await approved_thread(api, moderator, author, title="Removal", body="?")
    own = await approved_thread(api, moderator, removed, title="Mine", body="mine")
    await api.call("PUT", f"/api/v1/threads/{thread['thread_id']}/follow", removed, expect=200)
    assert sorted(await _following(api, removed)) == sorted([thread["thread_id"], own["thread_id"]])
    await api.call(
        "DELETE", f"/api/v1/admin/posts/{own['post']['id']}/author-membership", admin, expect=200
    )
    post_id = await reply(api, replier, thread["thread_id"], "News")
    await decide(api, moderator, post_id, "approve")
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    assert [key for key, _ in await _replies_news(app)] == [author]
    assert await _following(api, removed) == []
