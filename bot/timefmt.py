"""Reading and showing forum times in a person's timezone (the service stores UTC)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/London"
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$")


class TimeInputError(ValueError):
    """A date the user typed cannot be used; the message is shown to them."""


def zone(name: str) -> ZoneInfo:
    """Return the timezone called ``name`` (e.g. "Europe/London").

    Raises:
        TimeInputError: for an unknown name.
    """
    try:
        if "/" not in name and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeInputError(
            f"“{name[:40]}” is not a timezone I know; use Area/City, e.g. Europe/London."
        ) from None


def parse_start(text: str, tz_name: str) -> tuple[datetime | None, str | None]:
    """Parse "YYYY-MM-DD HH:MM" (in ``tz_name``) or "TBC" (optionally with a month).

    Returns:
        ``(start in UTC, None)`` for a date, ``(None, month or None)`` for TBC.

    Raises:
        TimeInputError: for anything else.
    """
    raw = text.strip()
    if "tbc" in raw.lower():
        month = next((m for m in MONTHS if m.lower() in raw.lower()), None)
        return None, month
    match = _DATE.match(raw)
    if not match:
        raise TimeInputError("Write the date as YYYY-MM-DD HH:MM (e.g. 2026-12-03 14:00) or TBC.")
    year, month_number, day, hour, minute = (int(g) for g in match.groups())
    try:
        local = datetime(year, month_number, day, hour, minute, tzinfo=zone(tz_name))
    except ValueError:
        raise TimeInputError("That date does not exist; use YYYY-MM-DD HH:MM.") from None
    return local.astimezone(UTC), None


def parse_moment(iso: str | None) -> datetime | None:
    """Read an ISO 8601 time from a notification payload (None stays None)."""
    return None if iso is None else datetime.fromisoformat(iso)


def show_start(starts_at: datetime | None, tbc_label: str | None, tz_name: str) -> str:
    """Show a forum's start for a person, e.g. "Thu 3 Dec 2026, 14:00 (Europe/London)"."""
    if starts_at is None:
        return f"{tbc_label}, date TBC" if tbc_label else "date TBC"
    local = starts_at.astimezone(zone(tz_name))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({tz_name})"
