"""What readers see: user text shown literally, long threads split within Telegram's limit."""

from __future__ import annotations

from fake_telegram import FakeTelegram
from telegram_text import TELEGRAM_MESSAGE_LIMIT, telegram_length
from tests.support.bot_harness import BotRun, Person, has_buttons, queue_item_id, thread_id_of

MARKUP = "<b>x</b> & <script>"


async def approve_all(moderator: Person, count: int) -> None:
    """Approve the first ``count`` queue items with /approve."""
    for _ in range(count):
        item = await moderator.send("/queue", until=has_buttons("Approve"))
        await moderator.send(f"/approve {queue_item_id(item)}", until="Done")


async def test_html_in_a_post_is_shown_literally_when_read(
    author: Person, moderator: Person, reader: Person
) -> None:
    title = f"Tags {MARKUP} in a title"
    body = f"Someone wrote {MARKUP} here & there; 3 < 4 and 5 > 2."
    received = await author.send(f"/new safety {title} | {body}", until="Received")
    assert title in received.last_text
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    assert title in item.text and body in item.text
    await moderator.press(item, "Approve", until="Done")

    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))

    assert title in thread.text and body in thread.text
    sent = "".join(message.text or "" for message in thread.messages)
    assert "<script>" not in sent and "&lt;script&gt;" in sent
    listed = await reader.send("/read safety", until="Safety from any trafficker")
    assert title in listed.text


async def test_unknown_outcome_and_refusals_echo_user_text_literally(
    bot: BotRun, author: Person, reader: Person
) -> None:
    unknown = await reader.send(f"/read {MARKUP}", until="There is no outcome")
    assert MARKUP.split()[0] in unknown.last_text

    refused = await author.send(f"/new {MARKUP.split()[0]} Title | text", until="no board")
    assert "<b>x</b>" in refused.last_text
    assert await bot.errors.wait_refusals(1) == ["board_not_found"]


async def test_long_thread_is_sent_in_several_messages_each_within_the_limit(
    telegram: FakeTelegram, author: Person, moderator: Person, reader: Person
) -> None:
    def body(word: str) -> str:
        text = " ".join(f"{word}{i}" for i in range(1000))
        return text[:3900]

    opening, first, second = body("opening"), body("firstreply"), body("secondreply")
    received = await author.send(f"/new education Long thread | {opening}", until="Received")
    thread_id = thread_id_of(received)
    await approve_all(moderator, 1)
    await reader.send(f"/reply {thread_id} {first}", until="Received")
    await author.send(f"/reply {thread_id} {second}", until="Received")
    await approve_all(moderator, 2)

    boards = await reader.send("/read", until="Which outcome?")
    threads = await reader.press(
        boards, "Access to education", until=has_buttons(f"Open #{thread_id}: Long thread")
    )
    thread = await reader.press(
        threads, f"Open #{thread_id}: Long thread", until=has_buttons("Reply")
    )

    assert len(thread.messages) >= 3
    for message, shown in zip(thread.messages, thread.shown, strict=True):
        assert telegram_length(shown) <= TELEGRAM_MESSAGE_LIMIT
        assert telegram_length(message.text or "") <= TELEGRAM_MESSAGE_LIMIT
    whole = "\n".join(thread.shown)
    assert telegram_length(whole) > 10_000
    for text in (opening, first, second):
        assert text in whole
