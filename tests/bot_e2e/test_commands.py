"""/start, /outcomes, /cancel, /report and /forgetme (/help: test_help.py)."""

from __future__ import annotations

import re

import pytest

from telegram_text import TELEGRAM_MESSAGE_LIMIT
from tests.support.bot_harness import (
    BotRun,
    Person,
    has_buttons,
    my_post,
    queue_item_id,
    thread_id_of,
)

OUTCOMES = [
    "Working with core outcomes as a set",
    "Secure and suitable housing",
    "Safety from any trafficker or other abuser",
    "Long-term, consistent support",
    "Trauma-informed services",
    "Finding purpose in life and self-actualisation",
    "Access to medical treatment",
    "Access to education",
]


async def test_start_explains_the_rules_and_the_anonymity(author: Person) -> None:
    start = await author.send("/start", until="Welcome")

    assert "Your anonymity" in start.last_text
    assert "never receives your Telegram name, username or id" in start.last_text
    assert "copy of the forum's database without its keys" in start.last_text
    assert "The running forum can link them, because moderation needs it" in start.last_text
    assert "/forgetme" in start.last_text
    assert "read by a moderator" in start.last_text


async def test_outcomes_lists_the_eight_boards(author: Person) -> None:
    boards = await author.send("/outcomes", until="MSCOS core outcomes")

    for title in OUTCOMES:
        assert title in boards.last_text
    assert sorted(boards.buttons) == sorted(OUTCOMES)
    assert "(safety)" in boards.last_text and "0 threads" in boards.last_text


async def test_cancel_leaves_the_new_thread_flow_without_posting(author: Person) -> None:
    boards = await author.send("/new", until="Which outcome")
    await author.press(boards, "Access to education", until="title of your thread")

    cancelled = await author.send("/cancel", until="Cancelled")
    assert cancelled.last_text == "Cancelled. Nothing was sent."

    mark = author.mark()
    await author.telegram.send_text(author.user, "A stray line after cancelling")
    await author.send("/myposts", until="You have not posted yet")
    assert author.received(mark) == ["You have not posted yet. Start with /new."]
    nothing = await author.send("/cancel", until="nothing to cancel")
    assert nothing.last_text == "There is nothing to cancel."


async def test_cancel_leaves_a_moderator_edit_and_keeps_the_item(
    author: Person, moderator: Person
) -> None:
    await author.send("/new housing Rent deposits | Who pays the deposit?", until="Received")
    item = await moderator.send("/queue", until=has_buttons("Edit"))
    await moderator.press(item, "Edit", until="Send the edited text")

    await moderator.send("/cancel", until="Cancelled")
    mark = moderator.mark()
    await moderator.telegram.send_text(moderator.user, "Not an edit any more")
    again = await moderator.send("/queue", until=has_buttons("Approve"))

    assert "Who pays the deposit?" in again.text
    assert not any(text.startswith("Done") for text in moderator.received(mark))


async def test_report_puts_an_approved_post_back_in_the_queue(
    bot: BotRun, author: Person, moderator: Person, reader: Person
) -> None:
    received = await author.send(
        "/new trauma-informed Grounding techniques | What helps in the first interview?",
        until="Received",
    )
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    thread = await reader.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    match = re.search(r"post (\d+)", thread.text)
    assert match is not None
    post_id = match.group(1)

    asked = await reader.send(f"/report {post_id}", until=has_buttons("Other", "Safety risk"))
    assert "Why are you reporting" in asked.last_text
    needs_reason = await reader.press(asked, "Other", until="what is wrong")
    assert f"/report {post_id} <reason>" in needs_reason.last_text
    asked = await reader.send(
        f"/report {post_id} It names the interview location.", until=has_buttons("Other")
    )
    thanks = await reader.press(asked, "Other", until="Thank you")
    assert "Your report is anonymous" in thanks.last_text
    again = await reader.send(f"/report {post_id} once more", until=has_buttons("Other"))
    again = await reader.press(again, "Other", until="already reported")
    assert again.last_text == "you have already reported this post"

    # A report alerts the moderators at once (before /reports could race with it).
    await moderator.wait_for("A reported post is back in the queue")
    reports = await moderator.send("/reports", until="It names the interview location.")
    assert f"post {post_id}" in reports.last_text.lower() or str(post_id) in reports.last_text
    reopened = await moderator.send("/queue", until=has_buttons("Approve", "Reject"))
    assert "Reported 1 time(s)" in reopened.text
    assert "What helps in the first interview?" in reopened.text

    mark = author.mark()
    reasons = await moderator.press(reopened, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Puts someone at risk", until="Done")
    hidden = await author.wait_for("was hidden", since=mark)
    assert "It could put a survivor, a witness or a member at risk." in hidden.last_text
    gone = await reader.send(f"/read {thread_id_of(received)}", until="no thread")
    assert "What helps" not in gone.text
    assert await bot.errors.wait_refusals(2) == ["already_reported", "thread_not_found"]


async def test_forgetme_deletes_delivery_data_so_decisions_are_not_delivered(
    bot: BotRun, author: Person, moderator: Person
) -> None:
    await author.send(
        "/new medical GP registration | How do you register without an address?", until="Received"
    )

    forgot = await author.send("/forgetme", until="delivery data")
    assert forgot.last_text.startswith("Done: I deleted your delivery data.")
    again = await author.send("/forgetme", until="delivery data")
    assert again.last_text == "I hold no delivery data for you."

    mark = author.mark()
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.press(item, "Approve", until="Done")
    counts = await bot.outbox_settled()

    assert counts == {"dropped": 1}
    assert author.received(mark) == []
    # The post itself is unaffected: its author can still follow it (and is remembered again).
    mine = await author.send("/myposts", until=my_post("GP registration"))
    assert "published" in mine.last_text


async def test_many_long_reports_are_listed_within_the_message_limit(
    bot: BotRun, author: Person, moderator: Person
) -> None:
    received = await author.send("/new purpose Volunteering | Has volunteering helped?", "Received")
    item = await moderator.send("/queue", until=has_buttons("Approve"))
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    thread = await author.send(f"/read {thread_id_of(received)}", until=has_buttons("Reply"))
    match = re.search(r"· post (\d+)", thread.text)
    assert match is not None
    reasons = [f"Report {n}: " + "this names a place and a date. " * 15 for n in range(10)]
    for n, reason in enumerate(reasons):
        reporter = bot.person(777_000_900 + n, f"Reporter{n}")
        asked = await reporter.send(f"/report {match.group(1)} {reason}", has_buttons("Other"))
        await reporter.press(asked, "Other", until="Thank you")

    listed = await moderator.send("/reports", until="Work them with /queue")

    assert len(listed.messages) > 1
    assert all(len(shown) <= TELEGRAM_MESSAGE_LIMIT for shown in listed.shown)
    for reason in reasons:
        assert reason.strip() in listed.text


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/read ²", "There is no outcome called “²”"),
        ("/reply ² thanks", "Which thread?"),
        ("/report ² spam", "Use /report"),
        ("/approve ²", "Use /approve"),
        ("/cancelforum ²", "Use /cancelforum"),
    ],
)
async def test_a_digit_that_is_not_a_number_gets_the_usage_not_an_error(
    command: str, answer: str, admin: Person
) -> None:
    # "²".isdigit() is true, but no id is written that way.
    assert answer in (await admin.send(command, until=answer)).last_text
