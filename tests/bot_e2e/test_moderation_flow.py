"""Moderators reject (with a reason the author receives), edit-and-approve, and skip from /queue."""

from __future__ import annotations

import copy

import pytest

from fake_telegram import FakeTelegram
from tests.support.bot_harness import (
    BotRun,
    Person,
    buttons_of,
    has_buttons,
    my_post,
    queue_item_id,
    thread_id_of,
)

TITLE = "Referral to a safe house"
BODY = "Which referral route worked best for you when the survivor had no documents?"
QUEUE_BUTTONS = has_buttons("Approve", "Edit", "Reject", "Skip")


async def submitted(author: Person, title: str = TITLE, body: str = BODY) -> int:
    """The author starts a thread (one-line form; past the check with Send anyway if it finds
    something); returns its thread id."""
    answer = await author.send(
        f"/new housing {title} | {body}",
        until=lambda m: "Received" in author.shown(m) or "Send anyway" in buttons_of(m),
    )
    if "Send anyway" in answer.buttons:
        answer = await author.press(answer, "Send anyway", until="Received")
    return thread_id_of(answer)


async def reject(how: str, moderator: Person, reason: str) -> None:
    """Reject the first queue item with a reason button, a typed reason, or /reject."""
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    if how == "command":
        await moderator.send(f"/reject {queue_item_id(item)} {reason}", until="Done")
        return
    reasons = await moderator.press(item, "Reject", until="Why is it rejected?")
    if how == "button":
        await moderator.press(reasons, reason, until="Done")
        return
    await moderator.press(reasons, "Other (type a reason)", until="Type the reason")
    await moderator.send(reason, until="Done")


@pytest.mark.parametrize(
    ("how", "reason", "author_reads"),
    [
        ("button", "Off topic", "It is off topic for this board."),
        ("typed", "Please ask this in the housing clinic thread.", "the housing clinic thread."),
        ("command", "Names a shelter; please remove it.", "Names a shelter; please remove it."),
    ],
)
async def test_rejected_post_notifies_author_with_reason(
    how: str, reason: str, author_reads: str, author: Person, moderator: Person
) -> None:
    await submitted(author)
    mark = author.mark()

    await reject(how, moderator, reason)

    notice = await author.wait_for("was not published", since=mark)
    assert author_reads in notice.last_text
    assert TITLE in notice.last_text
    mine = await author.send("/myposts", until=my_post(TITLE))
    assert "not published" in mine.last_text and author_reads in mine.last_text
    assert "Revise and resubmit" in mine.buttons
    queue = await moderator.send("/queue", until="queue is empty")
    assert "Thank you" in queue.last_text


async def test_rejected_post_revised_from_myposts_returns_to_the_queue(
    bot: BotRun, author: Person, moderator: Person, reader: Person
) -> None:
    thread_id = await submitted(author)
    mark = author.mark()
    await reject("command", moderator, "Please remove the town name.")
    await author.wait_for("was not published", since=mark)
    mine = await author.send("/myposts", until=has_buttons("Revise and resubmit"))

    revised = "Which referral route worked best when the survivor had no documents at all?"
    await author.press(mine, "Revise and resubmit", until="Send the revised text")
    back = await author.send(revised, until="back with the moderators")
    assert "Thank you" in back.last_text
    mine = await author.send("/myposts", until=my_post(TITLE))
    assert "waiting for a moderator" in mine.last_text

    await bot.screen()
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert revised in item.text
    mark = author.mark()
    await moderator.press(item, "Approve", until="Done")
    thread = await reader.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert revised in thread.text
    await author.wait_for("was approved", since=mark)


async def test_edit_and_approve_publishes_edited_text_and_tells_author_what_changed(
    bot: BotRun, author: Person, moderator: Person, reader: Person
) -> None:
    original = "Call her caseworker on 07700 900123 before the hearing, she knows the family."
    thread_id = await submitted(author, body=original)
    await bot.screen()
    mark = author.mark()

    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert "PII: phone" in item.text
    await moderator.press(item, "Edit", until="Send the edited text")
    edited = "Call her caseworker [number removed] before the hearing, she knows the family."
    done = await moderator.send(edited, until="Done")
    assert "edit approve" in done.last_text

    thread = await reader.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert edited in thread.text
    assert "07700" not in thread.text
    notice = await author.wait_for("edited by a moderator", since=mark)
    assert "What changed: text edited (screen had found: phone)" in notice.last_text
    assert "07700" not in notice.last_text


async def test_an_unchanged_edit_is_refused_and_the_edit_step_waits_for_a_new_text(
    bot: BotRun, author: Person, moderator: Person, reader: Person
) -> None:
    original = "Does anyone know a trauma-informed GP practice taking new patients?"
    thread_id = await submitted(author, body=original)
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    await moderator.press(item, "Edit", until="Send the edited text")
    refused = await moderator.send(original, until="Send another text")
    assert "changes nothing" in refused.last_text
    edited = "Does anyone know a trauma-informed GP practice that is taking new patients?"
    await moderator.send(edited, until="Done")
    thread = await reader.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert edited in thread.text


async def test_skip_shows_the_next_item_in_the_queue(
    bot: BotRun, author: Person, moderator: Person
) -> None:
    await submitted(author, title="First question")
    await submitted(author, title="Second question")

    first = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert "First question" in first.text
    second = await moderator.press(first, "Skip", until=QUEUE_BUTTONS)
    assert "Second question" in second.text
    empty = await moderator.press(second, "Skip", until="No more items")
    assert "you skipped some" in empty.last_text
    again = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert "First question" in again.text


async def test_queue_is_refused_to_a_non_moderator_with_a_plain_sentence(
    bot: BotRun, author: Person
) -> None:
    await submitted(author)

    refused = await author.send("/queue", until="moderator")

    assert refused.last_text == "only moderators can do this"
    assert refused.last.reply_markup is None
    assert TITLE not in refused.text
    assert await bot.errors.wait_refusals(1) == ["moderator_only"]


async def test_stale_queue_button_gets_a_clear_message(author: Person, moderator: Person) -> None:
    await submitted(author)
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")

    stale = await moderator.press(item, "Approve", until="has changed")

    assert "already decided" in stale.last_text


@pytest.mark.parametrize("data", ["qa:not-an-id:1", "qc:{item}:1:no such reason", "qs:{item}"])
async def test_malformed_queue_button_data_is_refused_as_out_of_date(
    data: str, telegram: FakeTelegram, author: Person, moderator: Person
) -> None:
    await submitted(author)
    item = await moderator.send("/queue", until=QUEUE_BUTTONS)
    await moderator.press(item, "Reject", until="Why is it rejected?")
    # The same press again, with data an old bot version or a modified client could send.
    update = copy.deepcopy(telegram.updates[-1])
    update["update_id"] += 1
    update["callback_query"]["id"] = telegram.account.open_callback_query()
    update["callback_query"]["data"] = data.format(item=queue_item_id(item))
    mark = moderator.mark()

    await telegram.inject_raw(update)

    refused = await moderator.wait_for("out of date", since=mark)
    assert refused.last_text == "That button is out of date; use /queue."
    assert "Queue item" in (await moderator.send("/queue", until=QUEUE_BUTTONS)).text
