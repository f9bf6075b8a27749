"""The expert-forum lifecycle through the real bot, the fake Bot API and the real service:
calendar files, questions in advance, the follow-up after a forum and past forums.

Calendar files are read back from what the bot uploaded and parsed with ``icalendar``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from fake_telegram import FakeTelegram
from tests.support.bot_harness import BotRun, Person, has_buttons
from tests.support.clocks import ShiftedClock

TITLE = "Safety from any trafficker or other abuser — expert forum"
LONDON = ZoneInfo("Europe/London")


def london(moment: datetime) -> str:
    """A time as an admin in the default timezone types it."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def typed_as_utc(moment: datetime) -> datetime:
    """The UTC instant an admin means by ``london(moment)`` (to the minute)."""
    typed = datetime.strptime(london(moment), "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
    return typed.astimezone(UTC)


def forum_id_of(text: str) -> int:
    """The forum id shown as "(forum N)"."""
    return int(text.split("(forum ", 1)[1].split(")", 1)[0])


def last_calendar(telegram: FakeTelegram, person: Person) -> Calendar:
    """The last .ics file the bot uploaded to ``person``, parsed."""
    files = [(name, data) for name, data in telegram.uploads_to(person.chat_id)]
    calendars = [data for name, data in files if name.endswith(".ics")]
    assert calendars, f"no calendar file among {[name for name, _ in files]}"
    return Calendar.from_ical(calendars[-1])


def the_event(calendar: Calendar) -> dict[str, object]:
    (event,) = calendar.walk("VEVENT")
    return {
        "uid": str(event["UID"]),
        "start": event.decoded("DTSTART"),
        "end": event.decoded("DTEND"),
        "sequence": int(event["SEQUENCE"]),
        "status": str(event["STATUS"]),
        "summary": str(event["SUMMARY"]),
        "method": str(calendar["METHOD"]),
    }


async def test_calendar_files_carry_the_utc_time_a_higher_sequence_on_reschedule_and_cancel(
    bot: BotRun, admin: Person, reader: Person, clock: ShiftedClock
) -> None:
    await reader.send("/subscribe all", until="Subscribed")
    starts = clock() + timedelta(days=3)
    scheduled = await admin.send(
        f"/schedule safety | {TITLE} | {london(starts)} | Dr Amara Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    await reader.wait_for(("New expert forum", "calendar file"))
    announced = the_event(last_calendar(bot.telegram, reader))
    assert announced["start"] == typed_as_utc(starts)
    assert announced["end"] == typed_as_utc(starts) + timedelta(minutes=60)
    assert announced["method"] == "REQUEST"
    assert announced["summary"] == TITLE
    assert announced["sequence"] == 0
    assert announced["uid"] == f"expert-forum-{forum_id}@mscos-community-forum"

    listing = await reader.send("/forums", until=f"Forum {forum_id}: open this file")
    assert has_buttons("Going", "Interested")(listing.messages[-2])
    assert the_event(last_calendar(bot.telegram, reader)) == announced | {
        "sequence": 0,
    }

    later = starts + timedelta(days=1, hours=2)
    await admin.send(f"/reschedule {forum_id} {london(later)}", until="Updated")
    await reader.wait_for(("rescheduled", "calendar file"))
    moved = the_event(last_calendar(bot.telegram, reader))
    assert moved["uid"] == announced["uid"]
    assert moved["start"] == typed_as_utc(later)
    assert moved["method"] == "REQUEST"
    assert int(str(moved["sequence"])) > int(str(announced["sequence"]))

    await admin.send(f"/cancelforum {forum_id} The lead is unwell", until="cancelled")
    await reader.wait_for(("Expert forum cancelled", "calendar file"))
    cancelled = the_event(last_calendar(bot.telegram, reader))
    assert (cancelled["uid"], cancelled["method"], cancelled["status"]) == (
        announced["uid"],
        "CANCEL",
        "CANCELLED",
    )
    assert int(str(cancelled["sequence"])) > int(str(moved["sequence"]))


async def test_a_tbc_forum_has_no_calendar_file_until_its_date_is_confirmed(
    bot: BotRun, admin: Person, reader: Person, clock: ShiftedClock
) -> None:
    await reader.send("/subscribe all", until="Subscribed")
    scheduled = await admin.send(
        f"/schedule safety | {TITLE} | TBC November | Dr Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    notice = await reader.wait_for("New expert forum")
    assert notice.last.method == "sendMessage"
    assert bot.telegram.uploads_to(reader.chat_id) == []
    date = clock() + timedelta(days=5)
    await admin.send(f"/reschedule {forum_id} {london(date)}", until="Updated")
    await reader.wait_for(("Date confirmed", "calendar file"))
    assert the_event(last_calendar(bot.telegram, reader))["start"] == typed_as_utc(date)


async def test_question_in_advance_needs_an_answer_and_reaches_the_lead_only_once_approved(
    bot: BotRun,
    admin: Person,
    author: Person,
    reader: Person,
    moderator: Person,
    clock: ShiftedClock,
) -> None:
    starts = clock() + timedelta(days=2)
    scheduled = await admin.send(
        f"/schedule safety | {TITLE} | {london(starts)} | Dr Amara Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    question = "How do you plan safety when the exploiter is a family member?"

    refused = await reader.send(f"/ask {forum_id} {question}", until="Going or Interested")
    assert "Thank you" not in refused.text
    listing = await author.send("/forums", until=has_buttons("Going", "Interested"))
    answered = await author.press(listing, "Interested", until="interested")
    assert f"/ask {forum_id}" in answered.last_text
    await author.send(f"/ask {forum_id}", until="Use /ask")
    await author.send(f"/ask {forum_id} Call Maria on 07700 900123 first?", until="personal data")
    too_long = await author.send(f"/ask {forum_id} {'x' * 501}", until="the limit is 500")
    assert "Thank you" not in too_long.text
    await author.send(f"/ask 999999 {question}", until="no expert forum")
    await author.send(f"/ask {forum_id} {question}", until="Thank you")
    await moderator.wait_for(("question in advance", f"/questions {forum_id}"))

    await author.send(f"/questions {forum_id}", until="only moderators")
    review = await moderator.send(f"/questions {forum_id}", until="Questions for Dr Amara Okafor")
    assert "No approved questions yet" in review.last_text
    assert question not in review.last_text
    pending = [m for m in review.messages if has_buttons("Approve", "Reject")(m)]
    assert len(pending) == 1
    assert question in moderator.shown(pending[0])
    assert "Practitioner" not in moderator.shown(pending[0])
    await moderator.press(pending[0], "Approve", until="approved")
    await moderator.press(pending[0], "Approve", until="decided already")

    listed = await admin.send(f"/questions {forum_id}", until="Questions for Dr Amara Okafor")
    assert f"1. {question}" in listed.last_text
    assert "No questions wait for review" in listed.text


async def test_follow_up_reaches_everyone_who_answered_and_stays_on_the_page_and_in_past_forums(
    bot: BotRun,
    telegram: FakeTelegram,
    admin: Person,
    author: Person,
    reader: Person,
    clock: ShiftedClock,
) -> None:
    starts = clock() + timedelta(hours=2)
    scheduled = await admin.send(
        f"/schedule safety | {TITLE} | {london(starts)} | Dr Okafor", until="Scheduled"
    )
    forum_id = forum_id_of(scheduled.last_text)
    listing = await author.send("/forums", until=has_buttons("Going"))
    await author.press(listing, "Going", until="You are going")
    listing = await reader.send("/forums", until=has_buttons("Not going"))
    await reader.press(listing, "Not going", until="not going")
    await admin.send(f"/forumheld {forum_id} A summary", until="not taken place yet")

    clock.advance(timedelta(hours=3))
    await admin.send(f"/forumheld {forum_id}", until="at least one of the three")
    await admin.send(
        f"/forumheld {forum_id} http://rec.example.org/v1", until="must be an https://"
    )
    recording = "https://rec.example.org/forum-recording"
    summary = "Safety planning across the four domains; referral routes."
    mark = len(telegram.sent)
    await telegram.send_document(
        admin.user, "BQAC-forum-slides-pdf", f"/forumheld {forum_id} {recording} {summary}"
    )
    await admin.wait_for("is marked held", since=mark)
    for person in (author, reader):
        notice = await person.wait_for(("follow-up", recording, summary), since=mark)
        assert notice.last.method == "sendDocument"
        assert notice.last.params.get("document") == "BQAC-forum-slides-pdf"
    await admin.send(f"/forumheld {forum_id} {summary}", until="taken place already")

    page = await reader.send(f"/forums {forum_id}", until=f"Slides of forum {forum_id}")
    assert recording in page.text and summary in page.text and "Held" in page.text
    past = await reader.send("/forums past", until="Past expert forums")
    assert TITLE in past.last_text and "held" in past.last_text
    upcoming = await reader.send("/forums", until="No expert forums are scheduled")
    assert TITLE not in upcoming.last_text
    await reader.send("/forums soon", until="Use /forums")
