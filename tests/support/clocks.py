"""A clock tests move forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftedClock:
    """Real time plus an offset that tests move forward (the ``clock`` fixture)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Jump forward."""
        self.offset += delta
