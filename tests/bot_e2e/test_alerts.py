"""Alerts and duty through the real bot (issue 19): on-duty staff are told when the queue has
items (at once, then batched), urgent posts at once, nothing off duty; /duty; the admins' SLA
summary; /modstats."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from forum_service.api.keys import DATABASE
from forum_service.services.alerts import next_sla_time
from forum_service.services.scheduler import Scheduler
from forum_service.services.screening import ScreeningWorker
from moderation.policy import ModerationPolicy
from tests.support.bot_harness import BotRun, Person, queue_item_id
from tests.support.clocks import ShiftedClock
from tests.support.scorers import KeywordScorer

FIRST = "📥 A post is waiting in the queue, /queue"
QUEUE_ALERT = "📥"
URGENT = "🚨 Urgent post waiting in the queue"
CRISIS = "I'm sorry to write this here. I can't go on. I've been cutting again."


def _worker(app: web.Application, clock: ShiftedClock) -> ScreeningWorker:
    """The moderation worker on the service's clock."""
    return ScreeningWorker(
        app[DATABASE], KeywordScorer, ModerationPolicy(), batch_size=50, clock=clock
    )


def _queue_alerts(person: Person, since: int) -> list[str]:
    return [text for text in person.received(since) if text.startswith(QUEUE_ALERT)]


async def test_a_post_alerts_the_moderator_once_per_window_then_a_batch_says_how_many_wait(
    bot: BotRun,
    author: Person,
    moderator: Person,
    admin: Person,
    app: web.Application,
    clock: ShiftedClock,
) -> None:
    worker, scheduler = _worker(app, clock), Scheduler(app[DATABASE], clock=clock)
    mark = moderator.mark()
    await author.send("/new housing Deposits | Who pays the deposit for a new tenancy?", "Received")
    await worker.run_once()
    await moderator.wait_for(FIRST, since=mark)
    await admin.wait_for(FIRST, since=mark)

    clock.advance(timedelta(minutes=2))
    await author.send("/new medical GP | How do you register with a GP?", "Received")
    await worker.run_once()
    await bot.outbox_settled()
    assert _queue_alerts(moderator, mark) == [FIRST + " (/duty off to stop these alerts)"]

    clock.advance(timedelta(minutes=9))
    assert await scheduler.run_due() == 1
    batch = await moderator.wait_for("2 items wait in the queue", since=mark)
    assert batch.last_text == "📥 2 items wait in the queue, the oldest for 11 min, /queue"
    await bot.outbox_settled()
    assert len(_queue_alerts(moderator, mark)) == 2
    assert _queue_alerts(author, 0) == [], "practitioners are never alerted"


async def test_an_urgent_post_alerts_at_once_inside_the_window(
    bot: BotRun, author: Person, moderator: Person, app: web.Application, clock: ShiftedClock
) -> None:
    worker = _worker(app, clock)
    mark = moderator.mark()
    await author.send("/new housing Deposits | Who pays the deposit for a new tenancy?", "Received")
    await worker.run_once()
    await moderator.wait_for(FIRST, since=mark)

    clock.advance(timedelta(minutes=1))
    await author.send(f"/new trauma-informed Today | {CRISIS}", "Samaritans")
    await worker.run_once()
    alert = await moderator.wait_for(URGENT, since=mark)
    assert "the author may be in crisis" in alert.last_text and "cutting" not in alert.text


async def test_duty_off_gets_nothing_and_duty_on_brings_the_alerts_back(
    bot: BotRun,
    author: Person,
    moderator: Person,
    admin: Person,
    reader: Person,
    app: web.Application,
    clock: ShiftedClock,
) -> None:
    worker = _worker(app, clock)
    state = await moderator.send("/duty", until="You are on duty")
    assert "/duty off to stop" in state.last_text
    await moderator.send("/duty off", until="You are off duty")
    await moderator.send("/duty", until="You are off duty")
    usage = await moderator.send("/duty maybe", until="Use /duty on or /duty off.")
    assert usage.last_text == "Use /duty on or /duty off."
    refused = await reader.send("/duty on", until="only moderators")
    assert refused.last_text == "only moderators can do this"

    mark = moderator.mark()
    await author.send("/new housing Deposits | Who pays the deposit for a new tenancy?", "Received")
    await author.send(f"/new trauma-informed Today | {CRISIS}", "Samaritans")
    await worker.run_once()
    await admin.wait_for(URGENT)
    await admin.wait_for(FIRST)
    await bot.outbox_settled()
    assert moderator.received(mark) == [], "off duty: nothing at all"

    await moderator.send("/duty on", until="You are on duty")
    mark = moderator.mark()
    clock.advance(timedelta(minutes=11))
    await author.send("/new medical GP | How do you register with a GP?", "Received")
    await worker.run_once()
    told = await moderator.wait_for("3 items wait in the queue", since=mark)
    assert told.last_text.startswith("📥 3 items wait in the queue, the oldest for 11 min")


async def test_the_sla_summary_reaches_admins_only_once_something_waited_longer(
    bot: BotRun,
    author: Person,
    moderator: Person,
    admin: Person,
    app: web.Application,
    clock: ShiftedClock,
) -> None:
    worker, scheduler = _worker(app, clock), Scheduler(app[DATABASE], clock=clock)
    await author.send("/new housing Deposits | Who pays the deposit for a new tenancy?", "Received")
    await worker.run_once()
    await scheduler.ensure_sla_summary()
    await bot.outbox_settled()
    marks = {person: person.mark() for person in (admin, moderator)}

    clock.advance(next_sla_time(clock()) - clock() + timedelta(minutes=1))  # under 24 h
    assert await scheduler.run_due() >= 1
    await bot.outbox_settled()
    assert not any("⏰" in text for text in admin.received(marks[admin]))

    clock.advance(timedelta(days=1))  # the next day's summary: it has waited over 24 h
    assert await scheduler.run_due() >= 1
    summary = await admin.wait_for("waited longer than 24 h", since=marks[admin])
    assert summary.last_text.startswith("⏰ 1 item waited longer than 24 h; the oldest for ")
    assert "• low risk: 1, oldest " in summary.last_text
    await bot.outbox_settled()
    assert not any("⏰" in text for text in moderator.received(marks[moderator]))


async def test_modstats_shows_decisions_times_to_decision_and_what_waits(
    bot: BotRun,
    author: Person,
    moderator: Person,
    admin: Person,
    app: web.Application,
    clock: ShiftedClock,
) -> None:
    worker = _worker(app, clock)
    for title in ("Deposits", "Registering", "Benefits", "Schools"):
        await author.send(f"/new housing {title} | A question about {title.lower()}?", "Received")
    await worker.run_once()
    # Waits of 10, 30 and 60 minutes; the fourth still waits (70 min, "1 h", when /modstats runs).
    for minutes, command in ((10, "/approve"), (20, "/approve"), (30, "/reject")):
        clock.advance(timedelta(minutes=minutes))
        item = await moderator.send("/queue", until="Queue item")
        reason = " Please leave out the caseworker's name." if command == "/reject" else ""
        await moderator.send(f"{command} {queue_item_id(item)}{reason}", until="Done")
    clock.advance(timedelta(minutes=10))

    refused = await moderator.send("/modstats", until="only admins")
    assert refused.last_text == "only admins can do this"
    for bad in ("/modstats 0", "/modstats 91", "/modstats week", "/modstats 1 2"):
        usage = await admin.send(bad, until="Use /modstats")
        assert usage.last_text == "Use /modstats, or /modstats <days> (1 to 90)."
    stats = await admin.send("/modstats 2", until="Moderation, last 2 days")
    lines = stats.last_text.split("\n")
    assert lines[1].startswith("Decided per day: ")
    assert (
        sum(
            int(day.split(": ")[1])
            for day in lines[1].removeprefix("Decided per day: ").split(" · ")
        )
        == 3
    )
    # Inclusive quantiles of 10, 30, 60 min: median 30, p90 30 + 0.8 · 30 = 54 min.
    assert "• low risk: 3 decided, median 30 min, p90 54 min; 1 waiting, oldest 1 h" in lines
    assert "• all lanes: 3 decided, median 30 min, p90 54 min; 1 waiting, oldest 1 h" in lines
    assert not any(line.startswith("• urgent") for line in lines), "empty lanes left out"
