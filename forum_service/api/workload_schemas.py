"""Request and response bodies of duty and workload figures."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictBool

from forum_service.api.board_schemas import Request
from forum_service.domain import LaneWorkload


class DutyRequest(Request):
    """Go on or off duty (alerts about the queue)."""

    on_duty: StrictBool


class DutyOut(BaseModel):
    """Whether the caller is on duty."""

    on_duty: bool


class DayCount(BaseModel):
    """Items decided on one UTC day."""

    date: str = Field(description="YYYY-MM-DD (UTC)")
    count: int


class LaneWorkloadOut(BaseModel):
    """Workload figures of one lane, or of all lanes (``all``)."""

    lane: str = Field(description="urgent, flagged, review, low_risk, unscreened or all")
    decided: int = Field(description="items decided by a moderator over the window")
    per_day: list[DayCount]
    median_seconds: float | None = Field(description="median time from queue to decision")
    p90_seconds: float | None = Field(description="90th percentile time from queue to decision")
    waiting: int = Field(description="items waiting now")
    oldest_waiting_seconds: float = Field(description="how long the oldest waiting item has waited")

    @classmethod
    def of(cls, figures: LaneWorkload) -> LaneWorkloadOut:
        """From the domain value."""
        return cls(
            lane=figures.lane,
            decided=figures.decided,
            per_day=[DayCount(date=day, count=n) for day, n in figures.per_day],
            median_seconds=figures.median_seconds,
            p90_seconds=figures.p90_seconds,
            waiting=figures.waiting,
            oldest_waiting_seconds=figures.oldest_waiting_seconds,
        )


class WorkloadOut(BaseModel):
    """Workload figures over the last ``days`` UTC days, per lane and overall (last)."""

    days: int
    lanes: list[LaneWorkloadOut]
