"""Following, search, withdrawing and sharing, end to end: the real PTB Application against the
fake Bot API and the real service (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from aiohttp import web

from fake_telegram.objects import SentMessage
from forum_service.api.keys import DATABASE
from forum_service.domain import PostStatus
from forum_service.services.scheduler import Scheduler
from tests.support.bot_harness import BotRun, Person, Reply, has_buttons, my_post, thread_id_of
from tests.support.clocks import ShiftedClock
from tests.support.storage import set_status

WINDOW = timedelta(seconds=300)


async def _post_thread(person: Person, board: str, title: str, body: str) -> tuple[int, int]:
    """A one-line /new; returns (thread id, opening post id)."""
    received = await person.send(f"/new {board} {title} | {body}", until="Received")
    mine = await person.send("/myposts", until=my_post(title))
    post_id = int(mine.last_text.split()[1])
    return thread_id_of(received), post_id


async def _approve_next(moderator: Person) -> None:
    """The moderator approves the item /queue shows first."""
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.press(item, "Approve", until="Done")


def _url_buttons(message: SentMessage) -> dict[str, str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["url"] for row in rows for b in row if "url" in b}


async def test_search_finds_approved_posts_pages_on_filters_by_outcome_and_hides_pending(
    bot: BotRun, app: web.Application, reader: Person
) -> None:
    ids = []
    for n in range(7):
        writer = bot.person(880000100 + n, f"Writer{n}")
        board = "housing" if n < 2 else "safety"
        thread_id, post_id = await _post_thread(
            writer, board, f"Interpreter question {n}", "An interpreter for a survivor"
        )
        await set_status(app, post_id, PostStatus.APPROVED)
        ids.append(thread_id)
    pending = bot.person(880000200, "Pending")
    await _post_thread(pending, "housing", "Interpreter unseen", "interpreter hiddenword")

    first = await reader.send("/search interpreter", until=has_buttons("More results ›"))
    assert "Found for “interpreter”" in first.last_text and "(page 1)" in first.last_text
    assert "unseen" not in first.last_text
    second = await reader.press(first, "More results ›", until="(page 2)")
    assert "Previous" in " ".join(second.buttons)
    shown = first.last_text + second.last_text
    assert all(f"/read {thread_id}" in shown for thread_id in ids)
    assert "unseen" not in shown

    housing = await reader.send("/search housing: interpreter", until="Found for")
    assert f"/read {ids[0]}" in housing.last_text and f"/read {ids[1]}" in housing.last_text
    assert f"/read {ids[2]}" not in housing.last_text

    nothing = await reader.send("/search hiddenword", until="Nothing found")
    assert "hiddenword" in nothing.last_text
    odd = await reader.send('/search "interpreter* -(^', until="Found for")
    assert "/read" in odd.last_text, "search syntax is ignored, the word is searched"
    near = await reader.send("/search NEAR(interpreter", until="Nothing found")
    assert "NEAR(interpreter" in near.last_text, "NEAR is a word here, and no post has it"
    empty = await reader.send("/search", until="What should I look for?")
    assert "/search housing: tenancy" in empty.last_text
    unknown = await reader.send("/search nowhere: interpreter", until="There is no outcome")
    assert "nowhere" in unknown.last_text


async def test_a_reply_reaches_followers_once_per_batch_never_the_replier(
    bot: BotRun,
    app: web.Application,
    clock: ShiftedClock,
    author: Person,
    reader: Person,
    moderator: Person,
) -> None:
    thread_id, _ = await _post_thread(author, "safety", "Court support", "Who goes with them?")
    await _approve_next(moderator)
    opened = await reader.send(f"/read {thread_id}", until=has_buttons("Follow"))
    followed = await reader.press(opened, "Follow", until="You follow thread")
    assert str(thread_id) in followed.last_text
    listing = await reader.send("/following", until="Threads you follow")
    assert f"/read {thread_id}" in listing.last_text
    again = await reader.send(f"/read {thread_id}", until=has_buttons("Unfollow"))
    assert "Follow" not in again.buttons

    replier = bot.person(880000300, "Replier")
    mark = replier.mark()
    await replier.send(f"/reply {thread_id} An advocate from our service", until="Received")
    await replier.send(f"/reply {thread_id} And a second point", until="Received")
    await _approve_next(moderator)
    await _approve_next(moderator)
    scheduler = Scheduler(app[DATABASE], clock=clock, follow_batch=WINDOW)
    assert await scheduler.send_follow_batches() == 0
    clock.advance(WINDOW)
    assert await scheduler.send_follow_batches() == 1
    told = await reader.wait_for("2 new replies in", since=mark)
    assert "Court support" in told.last_text and f"/read {thread_id}" in told.last_text
    await author.wait_for("2 new replies in", since=mark)
    await bot.outbox_settled()
    for person in (reader, author):
        assert sum("new replies in" in text for text in person.received(mark)) == 1
    assert not any("new repl" in text for text in replier.received(mark))

    gone = await reader.press(listing, f"Unfollow #{thread_id}: Court support", until="no longer")
    assert str(thread_id) in gone.last_text
    assert "no thread" in (await reader.send("/following", until="You follow no")).last_text


async def test_withdraw_a_pending_post_from_myposts_and_not_once_decided(
    author: Person, moderator: Person
) -> None:
    await author.send(
        "/new safety Second thoughts | I should not have written this", until="Received"
    )
    mine = await author.send("/myposts", until=my_post("Second thoughts"))
    assert "Withdraw" in mine.buttons
    done = await author.press(mine, "Withdraw", until="is withdrawn")
    assert "text is deleted" in done.last_text
    empty = await moderator.send("/queue", until="The queue is empty")
    assert "Second thoughts" not in empty.text
    later = await author.send("/myposts", until="withdrawn by you")
    assert "Withdraw" not in later.buttons
    refused = await author.press(mine, "Withdraw", until="can no longer be withdrawn")
    assert "withdrew it already" in refused.last_text

    await author.send("/new safety Decided one | Kept text", until="Received")
    pending_view = await author.send("/myposts", until=my_post("Decided one"))
    await _approve_next(moderator)
    decided = await author.press(pending_view, "Withdraw", until="can no longer be withdrawn")
    assert "a moderator has decided it" in decided.last_text


async def test_the_share_link_opens_the_thread_for_a_member(
    bot: BotRun, app: web.Application, author: Person, reader: Person
) -> None:
    thread_id, post_id = await _post_thread(author, "medical", "GP registration", "No address")
    await set_status(app, post_id, PostStatus.APPROVED)
    opened = await reader.send(f"/read {thread_id}", until=has_buttons("Follow"))
    share = unquote(_url_buttons(opened.last)["Share"])
    username = bot.telegram.account.user["username"]
    assert share.endswith(f"https://t.me/{username}?start=t{thread_id}")
    shown = await reader.send(f"/start t{thread_id}", until=has_buttons("Reply"))
    assert "GP registration" in shown.text and "No address" in shown.text


async def test_similar_threads_are_shown_after_the_title_in_new(
    app: web.Application, author: Person, reader: Person
) -> None:
    _, post_id = await _post_thread(author, "housing", "Cuckooing of tenancies", "Flat taken")
    await set_status(app, post_id, PostStatus.APPROVED)
    boards = await reader.send("/new", until="Which outcome")
    await reader.press(boards, "Secure and suitable housing", until="title of your thread")
    asked = await reader.send("Cuckooing and tenancies: what works?", until="Now the text")
    assert "Threads like yours" in asked.text and "Cuckooing of tenancies" in asked.text
    plain = await reader.send("/new", until="Which outcome")
    await reader.press(plain, "Access to education", until="title of your thread")
    fresh = await reader.send("School places for teenagers", until="Now the text")
    assert "Threads like yours" not in fresh.text


@pytest.mark.membership("invite")
async def test_the_share_link_shows_a_non_member_how_to_join(
    bot: BotRun, app: web.Application, admin: Person
) -> None:
    thread_id, post_id = await _post_thread(admin, "safety", "Members only", "Inside")
    await set_status(app, post_id, PostStatus.APPROVED)
    stranger = bot.person(880000400, "Stranger")
    told: Reply = await stranger.send(f"/start t{thread_id}", until="Someone shared a thread")
    assert "/join" in told.last_text and "Inside" not in told.text
    shown = await admin.send(f"/start t{thread_id}", until=has_buttons("Reply"))
    assert "Inside" in shown.text
