"""/exit and the Exit button: the chat's last 48 hours deleted, the person's state forgotten."""

from __future__ import annotations

import pytest

from bot.settings import BotSettings
from fake_telegram import FakeTelegram, SentMessage
from tests.support.bot_harness import BotRun, Person, has_buttons, queue_item_id, thread_id_of

HOURS = 3600
#: How long /exit's answer stays in these tests.
NOTICE_SECONDS = 0.3


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    """A notice that disappears quickly, and room for a person sending many messages."""
    return bot_settings.model_copy(
        update={"bot_exit_notice_seconds": NOTICE_SECONDS, "bot_user_burst": 500}
    )


def in_chat(telegram: FakeTelegram, person: Person) -> set[int]:
    """The ids of the messages that still exist in the person's chat (theirs and the bot's)."""
    last = max(
        [m.message_id or 0 for m in telegram.sent if m.chat_id == person.chat_id]
        + [u["message"]["message_id"] for u in telegram.updates if "message" in u]
    )
    return {i for i in range(1, last + 1) if telegram.current_message(person.chat_id, i)}


async def exit_now(person: Person, command: str = "/exit") -> SentMessage:
    """Send /exit and wait for its answer (as sent: it may be gone before it is read)."""
    since = person.mark()
    await person.telegram.send_text(person.user, command)
    return await cleared(person, since)


async def cleared(person: Person, since: int) -> SentMessage:
    """The answer of /exit, once it has deleted itself."""
    notice = await person.telegram.wait_for(
        lambda m: (
            m.method == "sendMessage"
            and m.chat_id == person.chat_id
            and "Cleared." in (m.text or "")
        ),
        since=since,
    )
    await person.telegram.wait_for(
        lambda m: (
            m.method == "deleteMessage"
            and m.chat_id == person.chat_id
            and m.message_id == notice.message_id
        ),
        since=since,
    )
    return notice


def delete_calls(telegram: FakeTelegram, chat_id: int) -> list[list[int]]:
    """The ids the bot asked Telegram to delete in one chat, per deleteMessages call."""
    return [
        list(m.params["message_ids"])
        for m in telegram.sent
        if m.method == "deleteMessages" and m.chat_id == chat_id
    ]


async def test_exit_deletes_this_chats_last_48_hours_and_leaves_other_chats_alone(
    bot: BotRun, telegram: FakeTelegram, reader: Person, author: Person
) -> None:
    await reader.send("/start", until="Welcome")
    await author.send("/start", until="Welcome")
    old = in_chat(telegram, reader)
    assert old == {1, 2}
    telegram.advance_clock(49 * HOURS)
    await reader.send("/outcomes", until="MSCOS core outcomes")
    await reader.send("/help", until="Reading")
    await telegram.send_text(reader.user, "a line the bot does not answer")
    before = in_chat(telegram, reader)
    author_before = in_chat(telegram, author)

    notice = await exit_now(reader)

    recent = before - old
    exit_command = notice.message_id - 1  # the person's /exit, just before the answer
    deleted = {m for chat, m in telegram.deleted if chat == reader.chat_id}
    assert deleted == recent | {exit_command, notice.message_id}
    # Older than 48 hours: not even attempted (Telegram would refuse).
    assert [m for call in delete_calls(telegram, reader.chat_id) for m in call if m in old] == []
    assert in_chat(telegram, reader) == old
    # Someone else's chat: untouched.
    assert delete_calls(telegram, author.chat_id) == []
    assert in_chat(telegram, author) == author_before
    assert "deleted 6 messages" in (notice.text or "")
    assert "cannot delete messages older than 48 hours" in (notice.text or "")
    assert "before I last restarted" in (notice.text or "")


async def test_exit_ends_an_unfinished_new_thread(author: Person) -> None:
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Access to education", until="title of your thread")

    await exit_now(author)

    mark = author.mark()
    await author.telegram.send_text(author.user, "A title typed after the exit")
    await author.send("/myposts", until="You have not posted yet")
    assert author.received(mark) == ["You have not posted yet. Start with /new."]
    # The outcome buttons went with the rest: nothing to press any more.
    assert author.telegram.current_message(author.chat_id, boards.last.message_id or 0) is None


async def test_the_exit_button_under_a_thread_works_like_exit_and_takes_deliveries_too(
    bot: BotRun, telegram: FakeTelegram, author: Person, moderator: Person
) -> None:
    received = await author.send("/new safety Leaving quickly | Some text", until="Received")
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    delivered = await author.wait_for("was approved")  # sent by the outbox dispatcher
    thread = await author.send(f"/read {thread_id_of(received)}", until=has_buttons("Exit"))
    await author.press(thread, "Reply", until="Your reply?")

    since = author.mark()
    await telegram.press_button(author.user, thread.last, thread.buttons["Exit"])
    query_id = telegram.updates[-1]["callback_query"]["id"]
    await cleared(author, since)

    assert in_chat(telegram, author) == set()
    deleted = {m for chat, m in telegram.deleted if chat == author.chat_id}
    assert {delivered.last.message_id, thread.last.message_id} <= deleted
    assert query_id in {answer.callback_query_id for answer in telegram.callback_answers}
    # The reply it was waiting for is forgotten: a stray line posts nothing.
    mark = author.mark()
    await telegram.send_text(author.user, "not a reply any more")
    listed = await author.send("/myposts", until="post ")
    assert author.received(mark) == listed.shown
    assert len(listed.shown) == 1 and "Leaving quickly" in listed.last_text


async def test_exit_deletes_in_batches_of_100_and_retries_what_telegram_refused(
    bot: BotRun, telegram: FakeTelegram, reader: Person
) -> None:
    for n in range(150):
        await telegram.send_text(reader.user, f"line {n}")
    await reader.send("/start", until="Welcome")  # the 150 lines were seen before this
    telegram.fail_next(reader.chat_id, status=400, description="Bad Request: try again")

    refused = await exit_now(reader)

    assert "could not be deleted just now: send /exit again" in (refused.text or "")
    calls = delete_calls(telegram, reader.chat_id)
    assert [len(call) for call in calls] == [100, 53]  # 150 lines, /start, its answer, /exit
    assert len(in_chat(telegram, reader)) == 100  # the refused batch is still there
    await exit_now(reader)
    assert in_chat(telegram, reader) == set()


async def test_exit_with_nothing_recent_says_so_and_still_leaves_no_trace(
    telegram: FakeTelegram, reader: Person
) -> None:
    await reader.send("/start", until="Welcome")
    telegram.advance_clock(48 * HOURS)

    notice = await exit_now(reader)

    assert "deleted 1 message " in (notice.text or "")  # only the /exit itself
    assert in_chat(telegram, reader) == {1, 2}


async def test_exit_forgets_a_moderators_skipped_items_and_unfinished_edit(
    author: Person, moderator: Person
) -> None:
    await author.send("/new safety First thread | First text", until="Received")
    await author.send("/new housing Second thread | Second text", until="Received")
    first = await moderator.send("/queue", until=has_buttons("Skip"))
    second = await moderator.press(first, "Skip", until=has_buttons("Edit"))
    assert queue_item_id(second) != queue_item_id(first)
    await moderator.press(second, "Edit", until="Send the edited text")

    await exit_now(moderator)

    mark = moderator.mark()
    await moderator.telegram.send_text(moderator.user, "Not an edit any more")
    again = await moderator.send("/queue", until=has_buttons("Skip"))
    assert moderator.received(mark) == again.shown  # the line was not taken as an edit
    assert queue_item_id(again) == queue_item_id(first)  # the skip is forgotten
