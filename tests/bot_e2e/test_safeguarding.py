"""Safeguarding through the real bot: the urgent lane and its alerts, the signposting card,
/helplines, and a report that hides a post at once and tells the reporter the outcome."""

from __future__ import annotations

import re

from tests.support.bot_harness import BotRun, Person, has_buttons, queue_item_id, thread_id_of

QUEUE = has_buttons("Approve", "Reject")
CRISIS_BODY = "I'm sorry to write this here. I can't go on. I've been cutting again."
ALERT = "Urgent post waiting in the queue"


def _alerts(person: Person, since: int) -> list[str]:
    return [text for text in person.received(since) if ALERT in text]


async def test_a_crisis_post_shows_the_card_at_once_tops_the_queue_and_alerts_staff_once(
    bot: BotRun, author: Person, reader: Person, moderator: Person, admin: Person
) -> None:
    await reader.send("/new housing Deposits | Who pays the deposit for a new tenancy?", "Received")
    staff_marks = {person: person.mark() for person in (moderator, admin)}

    received = await author.send(f"/new trauma-informed Today | {CRISIS_BODY}", "Samaritans")
    card = received.last_text
    assert "Thank you for telling us" in card and "you do not have to face it alone" in card
    for line in ("08000 121 700", "116 123", "0808 800 5000", "999"):
        assert line in card
    assert received.shown[-2].startswith("Received — thread")

    await bot.screen()
    await moderator.wait_for(ALERT, since=staff_marks[moderator])
    await admin.wait_for(ALERT, since=staff_marks[admin])
    await bot.screen()  # nothing new to screen: no second alert
    await bot.outbox_settled()

    for person, mark in staff_marks.items():
        (alert,) = _alerts(person, mark)
        assert alert == (
            "🚨 Urgent post waiting in the queue: the author may be in crisis "
            "(self-harm or suicidal thoughts), /queue"
        )
    assert _alerts(author, 0) == [] and _alerts(reader, 0) == []
    item = await moderator.send("/queue", until=QUEUE)
    assert "urgent" in item.text and CRISIS_BODY in item.text
    assert "Who pays the deposit" not in item.text, "the urgent item comes first"


async def test_a_reply_that_discloses_a_crisis_shows_the_card_and_a_calm_one_does_not(
    bot: BotRun, author: Person, reader: Person, moderator: Person
) -> None:
    received = await author.send("/new medical GP | How do you register with a GP?", "Received")
    item = await moderator.send("/queue", until=QUEUE)
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    thread_id = thread_id_of(received)

    calm = await reader.send(f"/reply {thread_id} The survivor said she wanted to end it.", "post")
    card = await reader.send(f"/reply {thread_id} I want to end it.", until="116 123")

    assert "Received — your reply" in calm.last_text
    assert not any("Samaritans" in text for text in calm.shown)
    assert "Thank you for telling us" in card.last_text


async def test_helplines_lists_the_seed_and_only_admins_change_it(
    bot: BotRun, reader: Person, admin: Person, moderator: Person
) -> None:
    listed = await reader.send("/helplines", until="Helplines and services")
    assert "Modern Slavery &amp; Exploitation Helpline" not in listed.last_text, "shown as text"
    for line in ("Modern Slavery & Exploitation Helpline: 08000 121 700", "Samaritans: 116 123"):
        assert line in listed.last_text
    assert "Ids (for /helplines remove)" not in listed.last_text

    added = await admin.send(
        "/helplines add Shout | text SHOUT to 85258 | Free 24/7 text support",
        until="Added helpline",
    )
    helpline_id = int(re.search(r"Added helpline (\d+)", added.last_text).group(1))  # type: ignore[union-attr]
    shown = await reader.send("/helplines", until="Shout")
    assert "Shout: text SHOUT to 85258" in shown.last_text and "Free 24/7" in shown.last_text
    ids = await admin.send("/helplines", until="Ids (for /helplines remove)")
    assert f"{helpline_id} Shout" in ids.last_text

    for outsider in (reader, moderator):
        refused = await outsider.send("/helplines add Mine | 123", until="only admins")
        assert refused.last_text == "only admins can do this"
        refused = await outsider.send(f"/helplines remove {helpline_id}", until="only admins")
    usage = await admin.send("/helplines add | 123", until="Use /helplines")
    assert "add &lt;name&gt;" not in usage.last_text
    await admin.send(f"/helplines remove {helpline_id}", until="Removed helpline")
    gone = await reader.send("/helplines", until="Helplines and services")
    assert "Shout" not in gone.last_text
    assert await bot.errors.wait_refusals(4) == ["admin_only"] * 4


async def test_an_identifies_someone_report_hides_the_reply_at_once_and_tells_the_reporter(
    bot: BotRun, author: Person, reader: Person, moderator: Person, admin: Person
) -> None:
    received = await author.send("/new safety Moving on | What helps after a move?", "Received")
    item = await moderator.send("/queue", until=QUEUE)
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    thread_id = thread_id_of(received)
    secret = "She lives above the bakery on Mill Street now."
    await author.send(f"/reply {thread_id} {secret}", until="Received")
    item = await moderator.send("/queue", until=QUEUE)
    await moderator.send(f"/approve {queue_item_id(item)}", until="Done")
    thread = await reader.send(f"/read {thread_id}", until=has_buttons("Reply"))
    reply_id = re.findall(r"· post (\d+)", thread.text)[-1]
    staff_marks = {person: person.mark() for person in (moderator, admin)}
    onlooker = bot.person(777_000_555, "Onlooker")

    asked = await reader.send(f"/report {reply_id}", until=has_buttons("Identifies someone"))
    thanks = await reader.press(asked, "Identifies someone", until="Thank you")

    assert f"post {reply_id} is hidden until a moderator decides" in thanks.last_text
    seen = await onlooker.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert "Hidden while a moderator reviews it." in seen.text and secret not in seen.text
    own = await author.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert secret in own.text and "hidden while a moderator reviews it" in own.text
    for person, mark in staff_marks.items():
        alert = await person.wait_for(ALERT, since=mark)
        assert alert.last_text.endswith("reported as identifies someone, /queue")
    item = await moderator.send("/queue", until=QUEUE)
    assert "urgent: reported as identifies someone" in item.text

    reader_mark, author_mark = reader.mark(), author.mark()
    reasons = await moderator.press(item, "Reject", until="Why is it rejected?")
    await moderator.press(reasons, "Personal details", until="Done")

    told = await reader.wait_for("Thank you for your report", since=reader_mark)
    assert f"reviewed post {reply_id} and removed it" in told.last_text
    await author.wait_for("was hidden", since=author_mark)
    after = await onlooker.send(f"/read {thread_id}", until=has_buttons("Reply"))
    assert secret not in after.text and "Hidden while" not in after.text
    await bot.outbox_settled()
    assert len(_alerts(moderator, staff_marks[moderator])) == 1
