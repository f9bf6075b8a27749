"""The calendar file (RFC 5545 ``.ics``) of an expert forum, built with ``icalendar``.

One VEVENT per forum with a UID that never changes, so a calendar that imported it replaces
the entry when a reschedule (``METHOD:REQUEST``, a higher ``SEQUENCE``) or the cancellation
(``METHOD:CANCEL``, ``STATUS:CANCELLED``) arrives. Times are UTC (``...Z``): every calendar
shows them in its own time zone. The file names nobody: no organiser, no attendees, no join
link (that goes to people going only, in their own messages).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from forum_service.domain import ExpertForum, ExpertForumRecord, ForumStatus

PRODUCT_ID = "-//MSCOS Community Forum//Expert forums//EN"
UID_DOMAIN = "mscos-community-forum"


def forum_uid(forum_id: int) -> str:
    """The forum's calendar UID: the same in every file sent about it."""
    return f"expert-forum-{forum_id}@{UID_DOMAIN}"


def calendar_file_name(forum_id: int) -> str:
    """The file name the calendar is sent under."""
    return f"expert-forum-{forum_id}.ics"


def forum_calendar(forum: ExpertForum | ExpertForumRecord, *, stamp: datetime) -> str | None:
    """The forum's ``.ics`` text, or None while its date is TBC (no calendar entry yet).

    Args:
        forum: the forum as stored now (its status decides REQUEST or CANCEL).
        stamp: when the file is made (``DTSTAMP``).
    """
    if forum.starts_at is None:
        return None
    cancelled = forum.status is ForumStatus.CANCELLED
    starts = forum.starts_at.astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", forum_uid(forum.id))
    event.add("dtstamp", stamp.astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", starts)
    event.add("dtend", starts + timedelta(minutes=forum.duration_minutes))
    event.add("sequence", forum.calendar_sequence)
    event.add("summary", forum.title)
    event.add("description", _description(forum))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics.decode("utf-8")


def _description(forum: ExpertForum | ExpertForumRecord) -> str:
    lines = [f"Expert forum on {forum.board_title}, led by {forum.lead}."]
    if forum.description:
        lines.append(forum.description)
    if forum.status is ForumStatus.CANCELLED:
        reason = f" {forum.cancel_reason}" if forum.cancel_reason else ""
        lines.append(f"This forum was cancelled.{reason}")
    else:
        lines.append(f"Answer, and get the join link, in the forum's bot: /forums {forum.id}")
    return "\n\n".join(lines)
