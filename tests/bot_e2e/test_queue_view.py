"""The moderator's queue view in the bot: claims keep two moderators apart, one-tap
redaction, Undo on the confirmation, moderators' notes with the author's history line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot_e2e.test_moderation_flow import submitted
from tests.support.bot_harness import BotRun, Person, has_buttons, queue_item_id
from tests.support.clocks import ShiftedClock

QUEUE_BUTTONS = has_buttons("Approve", "Edit", "Reject", "Skip")
SECOND_MODERATOR = (777000555, "Orlaith", "second_warden")


@pytest.fixture
async def second(bot: BotRun, admin: Person) -> Person:
    person = bot.person(*SECOND_MODERATOR)
    await bot.make_moderator(admin, person)
    return person


async def test_two_moderators_get_different_items_and_see_who_holds_the_other(
    author: Person, moderator: Person, second: Person
) -> None:
    await submitted(author, "Housing benefit appeal", "Has anyone appealed a refusal?")
    await submitted(author, "Interpreter for a GP visit", "Which services are free?")
    first_view = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert "Claimed by you for 10 more minutes" in first_view.text
    second_view = await second.send("/queue", until=QUEUE_BUTTONS)
    first_id, second_id = queue_item_id(first_view), queue_item_id(second_view)
    assert first_id != second_id
    assert f"item {first_id}: claimed by Moderator " in second_view.text
    assert "for 10 more minutes" in second_view.text

    # A decision on the item the first moderator holds is refused in words, not a 409.
    refused = await second.send(f"/approve {first_id}", until="is working on item")
    assert f"is working on item {first_id} (claimed for 10 more minutes)" in refused.last_text
    assert "409" not in refused.text
    # Skip releases the claim: the item is free for the second moderator at once.
    await moderator.press(first_view, "Skip", until=lambda m: True)
    await second.press(second_view, "Approve", until="Done")
    again = await second.send("/queue", until=QUEUE_BUTTONS)
    assert queue_item_id(again) == first_id


async def test_a_redact_button_replaces_the_phone_number_and_the_author_is_told(
    bot: BotRun, author: Person, moderator: Person
) -> None:
    await submitted(author, "Contact after the move", "Her new mobile is 07700 900123, texts ok.")
    await bot.screen()
    view = await moderator.send("/queue", until=has_buttons("Redact phone number", "Approve"))
    assert "1. phone number: «07700 900123» → [phone number]" in view.text
    redacted = await moderator.press(view, "Redact phone number", until=QUEUE_BUTTONS)
    assert "Her new mobile is [phone number], texts ok." in redacted.text
    assert "07700 900123" not in redacted.shown[-1]
    assert "Redact phone number" not in redacted.buttons
    mark = author.mark()
    await moderator.press(redacted, "Approve", until="Done")
    told = await author.wait_for("was edited by a moderator and approved", since=mark)
    assert "What changed: phone number replaced by [phone number]" in told.last_text


@pytest.mark.undo_window(300)
async def test_undo_puts_the_item_back_and_the_author_gets_one_correct_notification(
    bot: BotRun, author: Person, moderator: Person, clock: ShiftedClock
) -> None:
    await submitted(author, "Safe house referral", "Which route worked for you?")
    mark = author.mark()
    view = await moderator.send("/queue", until=QUEUE_BUTTONS)
    item_id = queue_item_id(view)
    done = await moderator.press(view, "Approve", until=has_buttons("Undo"))
    assert "The author is told in 5 more minutes" in done.last_text
    undone = await moderator.press(done, "Undo", until=QUEUE_BUTTONS)
    assert f"Undone: item {item_id} is back in the queue" in undone.text
    assert queue_item_id(undone) == item_id
    reasons = await moderator.press(undone, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Off topic", until="Done")
    # The same Undo button again: refused in words.
    stale = await moderator.press(done, "Undo", until="Cannot undo")
    assert "can no longer be undone" in stale.last_text

    clock.advance(timedelta(minutes=6))
    await author.wait_for("was not published", since=mark)
    await bot.outbox_settled()
    decisions = [t for t in author.received(mark) if "Your post in" in t]
    assert len(decisions) == 1 and "It is off topic for this board." in decisions[0]


async def test_notes_are_for_moderators_and_show_in_the_queue_with_the_history_line(
    author: Person, moderator: Person
) -> None:
    await submitted(author, "First try", "A question about a named shelter.")
    view = await moderator.send("/queue", until=QUEUE_BUTTONS)
    reasons = await moderator.press(view, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Personal details", until="Done")
    await submitted(author, "Second try", "The same question without the name.")
    view = await moderator.send("/queue", until=QUEUE_BUTTONS)
    item_id = queue_item_id(view)
    assert "1 earlier post by this author was rejected: identifying details" in view.text

    await moderator.send(f"/note {item_id} Checked with the admin team.", until="Note added")
    await moderator.send(f"/authornote {item_id} Tends to name places.", until="Note added")
    refused = await author.send(f"/note {item_id} let me in", until="only moderators")
    assert "Note added" not in refused.text
    await author.send(f"/notes {item_id}", until="only moderators")
    usage = await moderator.send("/note", until="Use /note")
    assert "&lt;" not in usage.last_text

    await moderator.press(view, "Skip", until=lambda m: True)
    again = await moderator.send("/queue", until=QUEUE_BUTTONS)
    assert "[item] Moderator " in again.text and "Checked with the admin team." in again.text
    assert "[author] Moderator " in again.text and "Tends to name places." in again.text
    listed = await moderator.send(f"/notes {item_id}", until="Moderators' notes")
    assert "Tends to name places." in listed.text
