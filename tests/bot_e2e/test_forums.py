"""Expert forums, subscriptions and reliable delivery through the real bot and the fake Bot API.

The service runs on a clock that follows real time plus an offset the tests move forward, so
reminders and leases come due without sleeping for hours (or minutes).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from telegram import Bot

from bot.delivery import Dispatcher
from bot.delivery_store import DeliveryStore
from bot.forum_client import ForumClient
from bot.forum_models import Ack
from bot.identity import IdentityDeriver
from fake_telegram import FakeTelegram, RateStats
from forum_service.api.keys import DATABASE, EXPERT_FORUMS, OUTBOX
from forum_service.domain import IdentityKey, PostStatus
from forum_service.services.scheduler import Scheduler, next_digest_time
from forum_service.storage.tables import PostRow
from tests.support.api import SERVICE_TOKEN
from tests.support.bot_harness import IDENTITY_PEPPER, STORE_SECRET, BotRun, Person, has_buttons
from tests.support.clocks import ShiftedClock
from tests.support.people import ADMIN, READER
from tests.support.storage import set_status

FORUM_TITLE = "Safety from any trafficker or other abuser — expert forum"
LINK = "https://meet.example.org/safety-forum"


def london(moment: datetime) -> str:
    """A time as an admin in the default timezone types it."""
    return moment.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M")


def forum_id_of(text: str) -> int:
    """The forum id shown as "(forum N)"."""
    return int(text.split("(forum ", 1)[1].split(")", 1)[0])


def shown_to(telegram: FakeTelegram, chat_id: int, since: int = 0) -> list[str]:
    """Text of every message delivered to a chat (HTML as sent)."""
    return [
        m.text or ""
        for m in telegram.sent[since:]
        if m.ok and m.chat_id == chat_id and m.method in ("sendMessage", "sendDocument")
    ]


async def test_tbc_forum_is_announced_then_date_confirmed_once(
    bot: BotRun, admin: Person, reader: Person, clock: ShiftedClock
) -> None:
    await reader.send("/subscribe all", until="Subscribed")
    scheduled = await admin.send(
        f"/schedule safety | {FORUM_TITLE} | TBC November | Dr Amara Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    await reader.wait_for(("New expert forum", FORUM_TITLE, "November, date TBC"))

    mark = reader.mark()
    first_date = clock() + timedelta(days=3)
    await admin.send(f"/reschedule {forum_id} {london(first_date)}", until="Updated")
    confirmed = await reader.wait_for("Date confirmed", since=mark)
    assert london(first_date)[11:] in confirmed.last_text

    await admin.send(
        f"/reschedule {forum_id} {london(first_date + timedelta(days=1))}", until="Updated"
    )
    await reader.wait_for("rescheduled", since=mark)
    await bot.outbox_settled()
    received = reader.received(mark)
    assert sum("Date confirmed" in text for text in received) == 1


async def test_going_gets_the_link_with_the_reminder_interested_does_not_and_cancel_tells_both(
    bot: BotRun,
    app: web.Application,
    admin: Person,
    author: Person,
    reader: Person,
    clock: ShiftedClock,
) -> None:
    starts = clock() + timedelta(hours=30)
    scheduled = await admin.send(
        f"/schedule safety | {FORUM_TITLE} | {london(starts)} | Dr Amara Okafor | {LINK}",
        until="Scheduled",
    )
    forum_id = forum_id_of(scheduled.last_text)
    listing = await author.send("/forums", until=has_buttons("Going", "Interested", "Not going"))
    going = await author.press(listing, "Going", until="You are going")
    assert LINK in going.last_text
    listing = await reader.send("/forums", until=has_buttons("Going", "Interested", "Not going"))
    interested = await reader.press(listing, "Interested", until="interested")
    assert LINK not in interested.last_text

    clock.advance(timedelta(hours=7))  # past the 24-hour mark
    assert await Scheduler(app[DATABASE], clock=clock).run_due() == 1
    author_reminder = await author.wait_for("Starts in 24 hours")
    reader_reminder = await reader.wait_for("Starts in 24 hours")
    assert LINK in author_reminder.last_text
    assert LINK not in reader_reminder.last_text

    await admin.send(f"/cancelforum {forum_id} The lead is unwell", until="cancelled")
    for person in (author, reader):
        notice = await person.wait_for("Expert forum cancelled")
        assert "The lead is unwell" in notice.last_text


async def test_reminders_due_while_the_bot_was_stopped_are_sent_after_restart_once(
    bot: BotRun, app: web.Application, admin: Person, author: Person, clock: ShiftedClock
) -> None:
    starts = clock() + timedelta(hours=30)
    await admin.send(
        f"/schedule safety | {FORUM_TITLE} | {london(starts)} | Dr Okafor | {LINK}",
        until="Scheduled",
    )
    listing = await author.send("/forums", until=has_buttons("Going"))
    await author.press(listing, "Going", until="You are going")
    await bot.stop()
    mark = author.mark()
    clock.advance(timedelta(hours=7))
    scheduler = Scheduler(app[DATABASE], clock=clock)
    assert await scheduler.run_due() == 1
    assert shown_to(bot.telegram, author.chat_id, mark) == [], "nobody sends while the bot is down"

    await bot.start()
    await author.wait_for("Starts in 24 hours", since=mark)
    assert await scheduler.run_due() == 0
    await bot.outbox_settled()
    reminders = [t for t in shown_to(bot.telegram, author.chat_id, mark) if "Starts in" in t]
    assert len(reminders) == 1


async def _subscribers(
    service: TestServer, store_path: Path, count: int, first_chat: int
) -> list[int]:
    """``count`` subscribers of all announcements, each with a delivery record in the bot's
    store (identity keys made directly: deriving argon2id keys would only slow the test)."""
    chats = list(range(first_chat, first_chat + count))
    client = ForumClient(str(service.make_url("")), SERVICE_TOKEN)
    await client.open()
    try:
        async with DeliveryStore(store_path, STORE_SECRET.encode()) as store:
            for chat_id in chats:
                key = secrets.token_hex(32)
                await store.remember(key, chat_id)
                await client.subscribe(key, "all")
    finally:
        await client.close()
    return chats


#: More subscribers than Telegram's 30 messages/s: sent all at once they would break the limit.
#: (The benchmark, ``python -m bench.broadcast``, sends to 5,000.)
BROADCAST_SUBSCRIBERS = 40


async def test_broadcast_stays_within_telegram_limits_and_retries_a_429(
    bot: BotRun, service: TestServer, store_path: Path, admin: Person, telegram: FakeTelegram
) -> None:
    chats = await _subscribers(service, store_path, BROADCAST_SUBSCRIBERS, first_chat=5_000_000)
    # The last of the batch, refused just before the batch is acknowledged: a retry that
    # ignored retry_after would follow as soon as the per-chat pacing allows, about 1 s later.
    throttled = chats[-1]
    telegram.fail_next(throttled, status=429, retry_after=2)
    mark = len(telegram.sent)
    sent = await admin.send("/announce Weekly update: new referral guidance", until="Queued for")
    assert f"{BROADCAST_SUBSCRIBERS} subscriber" in sent.last_text
    counts = await bot.outbox_settled()
    assert counts.get("sent") == BROADCAST_SUBSCRIBERS and not counts.get("failed")

    delivered = [m for m in telegram.sent[mark:] if m.ok and m.chat_id in set(chats)]
    assert sorted(m.chat_id or 0 for m in delivered) == chats, "each subscriber exactly once"
    stats = telegram.rate_stats()
    assert stats.max_per_second <= 30, stats.max_per_second
    refused = [m for m in telegram.sent[mark:] if m.chat_id == throttled and m.error_code == 429]
    retried = [m for m in delivered if m.chat_id == throttled]
    assert len(refused) == 1 and len(retried) == 1
    assert retried[0].timestamp - refused[0].timestamp >= 2.0, "retry_after was honoured"


async def test_announcements_in_quick_succession_reach_each_chat_at_most_once_a_second(
    bot: BotRun, service: TestServer, store_path: Path, admin: Person, telegram: FakeTelegram
) -> None:
    # Few enough subscribers that one announcement reaches them all in well under a second:
    # only the dispatcher's per-chat pacing keeps the second one from following too soon.
    chats = await _subscribers(service, store_path, 10, first_chat=5_100_000)
    texts = ("First update: referral guidance", "Second update: a correction")
    mark = len(telegram.sent)
    for text in texts:
        await admin.send(f"/announce {text}", until="Queued for 10")
    counts = await bot.outbox_settled()
    assert counts.get("sent") == 2 * len(chats) and not counts.get("failed")

    delivered = [m for m in telegram.sent[mark:] if m.ok and m.chat_id in set(chats)]
    received = sorted((m.chat_id or 0, t) for m in delivered for t in texts if t in (m.text or ""))
    assert received == sorted((c, t) for c in chats for t in texts), (
        "each announcement once to each"
    )
    gaps = RateStats.of(delivered).min_interval_per_chat
    assert sorted(gaps) == chats
    assert all(gap >= 1.0 for gap in gaps.values()), gaps


async def test_a_blocked_subscriber_is_unsubscribed_and_the_rest_still_receive_it(
    bot: BotRun, service: TestServer, store_path: Path, admin: Person, telegram: FakeTelegram
) -> None:
    chats = await _subscribers(service, store_path, 20, first_chat=6_000_000)
    blocked = chats[3]
    telegram.block_chat(blocked)
    mark = len(telegram.sent)
    await admin.send("/announce First update", until="Queued for 20")
    counts = await bot.outbox_settled()
    assert counts.get("sent") == 19 and counts.get("dropped") == 1
    assert sorted(m.chat_id for m in telegram.sent[mark:] if m.ok and m.chat_id in chats) == [
        c for c in chats if c != blocked
    ]
    second = await admin.send("/announce Second update", until="Queued for")
    assert "19 subscriber" in second.last_text, "the blocked person was unsubscribed"


async def test_pdf_announcement_is_forwarded_by_file_id(
    bot: BotRun, admin: Person, reader: Person, telegram: FakeTelegram
) -> None:
    await reader.send("/subscribe all", until="Subscribed")
    mark = len(telegram.sent)
    await telegram.send_document(
        admin.user, "BQACAgQAAxkBAAIBweekly-update-pdf", "/announce The weekly update is attached"
    )
    await admin.wait_for("Queued for 1", since=mark)
    await bot.outbox_settled()
    documents = [m for m in telegram.sent[mark:] if m.method == "sendDocument" and m.ok]
    assert [(m.chat_id, m.params.get("document")) for m in documents] == [
        (reader.chat_id, "BQACAgQAAxkBAAIBweekly-update-pdf")
    ]
    assert "weekly update is attached" in (documents[0].text or "")


class CrashBeforeAck(ForumClient):
    """A forum client whose process "dies" right after sending, before acknowledging."""

    async def outbox_ack(self, acks: Sequence[Ack]) -> int:
        raise SystemExit("simulated crash between send and acknowledge")


async def test_a_crash_between_send_and_ack_loses_nothing_and_repeats_only_that_batch(
    bot: BotRun,
    service: TestServer,
    store_path: Path,
    admin: Person,
    telegram: FakeTelegram,
    clock: ShiftedClock,
) -> None:
    await bot.stop()  # only the crashing sender runs at first
    chats = await _subscribers(service, store_path, 12, first_chat=7_000_000)
    assert await _announce_as_admin(bot) == 12
    crashing = CrashBeforeAck(str(service.make_url("")), SERVICE_TOKEN)
    await crashing.open()
    mark = len(telegram.sent)
    try:
        async with (
            DeliveryStore(store_path, STORE_SECRET.encode()) as store,
            Bot(telegram.token, base_url=telegram.base_url) as sending_bot,
        ):
            sender = Dispatcher(sending_bot, crashing, store, batch=5, lease=timedelta(seconds=60))
            with pytest.raises(SystemExit):
                await sender.drain_once()
    finally:
        await crashing.close()
    in_flight = {m.chat_id for m in telegram.sent[mark:] if m.ok and m.chat_id in chats}
    assert len(in_flight) == 5, sender.counters

    clock.advance(timedelta(seconds=61))  # the crashed sender's lease expires
    await bot.start()
    counts = await bot.outbox_settled()
    assert counts == {"sent": 12}
    per_chat = {chat: 0 for chat in chats}
    for m in telegram.sent[mark:]:
        if m.ok and m.chat_id in per_chat:
            per_chat[m.chat_id] += 1
    assert all(n >= 1 for n in per_chat.values()), "nothing lost"
    repeated = {chat for chat, n in per_chat.items() if n > 1}
    assert repeated == in_flight, "only the in-flight batch repeats, once"
    assert max(per_chat.values()) == 2


def _key_of(person: tuple[int, str, str]) -> IdentityKey:
    """The identity key the bot derives for one of the test people."""
    return IdentityKey(IdentityDeriver(IDENTITY_PEPPER.encode()).identity_key(person[0]))


async def _announce_as_admin(bot: BotRun) -> int:
    """Queue an announcement while the bot is stopped (as /announce would)."""
    return await bot.service[EXPERT_FORUMS].announce(
        _key_of(ADMIN), "Crash test announcement", None
    )


async def test_digest_lists_approved_threads_of_followed_outcomes_and_nothing_for_an_empty_week(
    bot: BotRun,
    app: web.Application,
    reader: Person,
    author: Person,
    clock: ShiftedClock,
    telegram: FakeTelegram,
) -> None:
    await reader.send("/subscribe digest", until="Subscribed")
    await reader.send("/subscribe housing", until="Subscribed")
    for board, title in (("housing", "Move-on accommodation"), ("medical", "GP registration")):
        await author.send(f"/new {board} {title} | Details of the question", until="Received")
    async with app[DATABASE].read("ids") as session:
        ids = list((await session.execute(select(PostRow.id))).scalars())
    for post_id in ids:
        await set_status(app, post_id, PostStatus.APPROVED)
    scheduler = Scheduler(app[DATABASE], clock=clock)
    await scheduler.ensure_digest()
    clock.offset = next_digest_time(clock()) - datetime.now(UTC) + timedelta(minutes=1)
    mark = reader.mark()
    assert await scheduler.run_due() == 1
    digest = await reader.wait_for("This week on the forum", since=mark)
    assert "Move-on accommodation" in digest.last_text and "/read" in digest.last_text
    assert "GP registration" not in digest.last_text
    clock.advance(timedelta(days=7))
    assert await scheduler.run_due() == 1
    await bot.outbox_settled()
    digests = [t for t in shown_to(telegram, reader.chat_id, mark) if "This week" in t]
    assert len(digests) == 1, "an empty week sends nothing"


async def test_bad_forum_input_gets_a_clear_message_and_changes_nothing(
    bot: BotRun, app: web.Application, admin: Person, reader: Person, clock: ShiftedClock
) -> None:
    scheduled = await admin.send(
        f"/schedule safety | {FORUM_TITLE} | TBC | Dr Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    cases = [
        (
            admin,
            f"/reschedule 99999 {london(clock() + timedelta(days=2))}",
            "there is no expert forum 99999",
        ),
        (admin, f"/reschedule {forum_id} 2020-01-01 10:00", "must be in the future"),
        (admin, f"/reschedule {forum_id} tomorrow 10am", "YYYY-MM-DD HH:MM"),
        (admin, "/schedule safety | Title | 2026-13-45 10:00 | Lead", "does not exist"),
        (admin, "/schedule nowhere | Title | TBC | Lead", "no outcome called"),
        (reader, "/timezone Mars/Olympus_Mons", "not a timezone I know"),
        (reader, "/schedule safety | Sneaky | TBC | Someone", "only admins"),
        (reader, f"/cancelforum {forum_id}", "only admins"),
        (reader, "/announce hello everyone", "only admins"),
        (reader, "/subscribe nowhere", "subscribe to all, digest"),
    ]
    for person, text, expected in cases:
        answer = await person.send(text, until=expected)
        assert expected in answer.last_text
    upcoming = await app[EXPERT_FORUMS].upcoming(_key_of(READER))
    assert [(f.id, f.status.value, f.starts_at) for f in upcoming] == [
        (forum_id, "scheduled", None)
    ]
    assert await app[OUTBOX].counts() == {} and not app[OUTBOX].settled, "nothing queued"
