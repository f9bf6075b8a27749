"""A practitioner posts, a moderator approves from /queue, another practitioner reads it."""

from __future__ import annotations

import pytest

from bot.texts import GROUP_POINTER
from fake_telegram import FakeTelegram
from tests.support.bot_harness import BotRun, Person, Reply, has_buttons, my_post, thread_id_of
from tests.support.dbdump import dump_all_tables

TITLE = "Safe housing after a raid"
BODY = "How do you keep a survivor's new address away from the people who exploited her?"


async def start_thread_guided(author: Person, title: str, body: str) -> Reply:
    """/new → outcome button → title → text → no content note → preview → "Send to moderators"."""
    boards = await author.send("/new", until="Which outcome")
    asked_title = await author.press(
        boards, "Safety from any trafficker or other abuser", until="title of your thread"
    )
    assert asked_title.last_text.startswith("The title")
    await author.send(title, until="Now the text")
    notes = await author.send(body, until=has_buttons("Sexual violence", "Other…", "None"))
    assert "content note" in notes.last_text
    preview = await author.press(notes, "None", until=has_buttons("Send to moderators", "Cancel"))
    assert "Preview" in preview.last_text
    assert title in preview.last_text and body in preview.last_text
    return await author.press(preview, "Send to moderators", until="Received")


async def start_thread_one_line(author: Person, title: str, body: str) -> Reply:
    """``/new safety Title | text``."""
    return await author.send(f"/new safety {title} | {body}", until="Received")


@pytest.mark.parametrize("form", ["guided", "one_line"])
async def test_new_thread_waits_for_approval_from_queue_then_is_readable_and_author_notified(
    form: str, bot: BotRun, author: Person, moderator: Person, reader: Person
) -> None:
    start = start_thread_guided if form == "guided" else start_thread_one_line
    received = await start(author, TITLE, BODY)
    assert "waiting for a moderator" in received.last_text
    thread_id = thread_id_of(received)

    mine = await author.send("/myposts", until=my_post(TITLE))
    assert "waiting for a moderator" in mine.last_text

    # Not visible to anyone else before a moderator approves it.
    listed = await reader.send("/read safety", until="Safety from any trafficker")
    assert TITLE not in listed.text and "No threads yet" in listed.text

    report = await bot.screen()
    assert report.recorded == 1
    item = await moderator.send("/queue", until=has_buttons("Approve", "Edit", "Reject", "Skip"))
    assert TITLE in item.text and BODY in item.text
    assert "Screening: screened by keyword-test" in item.text

    mark = author.mark()
    done = await moderator.press(item, "Approve", until="Done")
    assert "approve" in done.last_text

    boards = await reader.send("/read", until="Which outcome?")
    threads = await reader.press(
        boards,
        "Safety from any trafficker or other abuser",
        until=has_buttons(f"Open #{thread_id}: {TITLE}"),
    )
    assert TITLE in threads.last_text
    thread = await reader.press(threads, f"Open #{thread_id}: {TITLE}", until=has_buttons("Reply"))
    assert TITLE in thread.text and BODY in thread.text
    assert "waiting" not in thread.text

    notified = await author.wait_for("was approved", since=mark)
    assert TITLE in notified.last_text
    mine = await author.send("/myposts", until=my_post(TITLE))
    assert "published" in mine.last_text


async def test_replayed_new_thread_update_creates_no_duplicate_post(
    telegram: FakeTelegram, author: Person, database_url: str
) -> None:
    first = await start_thread_one_line(author, TITLE, BODY)
    (original,) = [u for u in telegram.updates if "message" in u and "/new" in u["message"]["text"]]

    mark = author.mark()
    await telegram.inject_raw(original)
    again = await author.wait_for("Received", since=mark)

    assert thread_id_of(again) == thread_id_of(first)
    tables = await dump_all_tables(database_url)
    assert len(tables["posts"]) == 1
    assert len(tables["threads"]) == 1


async def test_cancel_button_on_the_preview_sends_nothing(
    author: Person, database_url: str
) -> None:
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Access to medical treatment", until="title of your thread")
    await author.send(TITLE, until="Now the text")
    notes = await author.send(BODY, until=has_buttons("None"))
    preview = await author.press(notes, "None", until=has_buttons("Cancel"))

    cancelled = await author.press(preview, "Cancel", until="Cancelled")

    assert cancelled.last_text == "Cancelled. Nothing was sent."
    assert (await dump_all_tables(database_url))["posts"] == []


async def test_reply_button_on_a_thread_sends_a_reply_to_the_moderators(
    author: Person, moderator: Person, reader: Person
) -> None:
    received = await start_thread_one_line(author, TITLE, BODY)
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.press(item, "Approve", until="Done")
    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))

    await reader.press(thread, "Reply", until="Your reply?")
    answer = "We use a PO box held by the support service."
    received_reply = await reader.send(answer, until="Received")

    assert (
        "your reply" in received_reply.last_text
        and "waiting for a moderator" in received_reply.last_text
    )
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    assert answer in item.text and TITLE in item.text


async def test_posting_is_refused_in_a_group_chat(telegram: FakeTelegram, author: Person) -> None:
    group = -100_555_000_111
    mark = author.mark()

    await telegram.send_text(author.user, f"/new safety {TITLE} | {BODY}", chat_id=group)
    refused = await telegram.wait_for(lambda m: m.chat_id == group, since=mark)

    assert refused.text == GROUP_POINTER.format(username=telegram.account.user["username"])
