"""Request and response bodies of expert forums, RSVPs and announcements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from forum_service.api.board_schemas import Request, custom_rule, text_schema
from forum_service.domain import DomainError, ExpertForum, ForumFollowUp, ForumQuestion
from forum_service.services.calendar import forum_calendar
from forum_service.validation import clean_text

#: Expert forums are planned this far ahead at most.
LATEST_YEAR = 2100


def _in_range(value: datetime) -> datetime:
    # 9999-12-31T23:59:59-12:00 parses, but has no UTC equivalent (a 500 before this rule).
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or utc.year > LATEST_YEAR:
        raise PydanticCustomError(
            "time_out_of_range",
            f"the time must be before the year {LATEST_YEAR + 1}",
            {"custom": True},
        )
    # Forums are timed to the second (the database keeps no finer times).
    return value.replace(microsecond=0)


#: JSON carries times as ISO 8601 strings; strict mode would refuse them, so parse leniently here.
IsoTime = Annotated[AwareDatetime, Field(strict=False), AfterValidator(_in_range)]


def _documented(limit: int) -> Any:
    # What clean_text checks, written into the OpenAPI document (see board_schemas.text_schema).
    return Field(json_schema_extra=text_schema(limit))


def _line(field: str, limit: int) -> AfterValidator:
    return AfterValidator(custom_rule(lambda raw: clean_text(raw, field=field, max_length=limit)))


def _https(raw: str, field: str) -> str:
    # The common text rule first (control and direction characters, invisible-only text).
    link = clean_text(raw, field=field, max_length=500)
    if (
        not link.startswith("https://")
        or len(link) <= len("https://")
        or not link.isascii()
        or any(c.isspace() for c in link)
    ):
        raise DomainError(
            f"{field}_invalid", f"{field} must be an https:// URL in ASCII (≤ 500 chars)"
        )
    return link


def _link(raw: str) -> str:
    return _https(raw, "join_link")


def _recording(raw: str) -> str:
    return _https(raw, "recording_url")


class CreateForumRequest(Request):
    """Schedule an expert forum; omit ``starts_at`` for "date TBC" (``tbc_label``: "November")."""

    board: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    title: Annotated[StrictStr, _line("title", 200), _documented(200)]
    lead: Annotated[StrictStr, _line("lead", 120), _documented(120)]
    description: Annotated[StrictStr, _line("description", 2000), _documented(2000)] | None = None
    starts_at: IsoTime | None = None
    tbc_label: Annotated[StrictStr, _line("tbc_label", 40), _documented(40)] | None = None
    duration_minutes: Annotated[StrictInt, Field(ge=15, le=480)] = 60
    capacity: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    join_link: Annotated[StrictStr, AfterValidator(custom_rule(_link))] | None = None


class RescheduleRequest(Request):
    """Set a forum's (new) start time."""

    starts_at: IsoTime


class CancelForumRequest(Request):
    """Cancel a forum."""

    reason: Annotated[StrictStr, Field(max_length=500)] | None = None


class RsvpRequest(Request):
    """Answer for a forum."""

    status: Literal["going", "interested", "not_going"]


class AnnounceRequest(Request):
    """An announcement to every "all" subscriber; optionally a Telegram document file id."""

    text: Annotated[StrictStr, _line("text", 3500), _documented(3500)]
    document_file_id: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None


class HeldRequest(Request):
    """Mark a forum held and attach its follow-up: at least one of the three."""

    recording_url: Annotated[StrictStr, AfterValidator(custom_rule(_recording))] | None = None
    slides_file_id: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None
    summary: Annotated[StrictStr, _line("summary", 1500), _documented(1500)] | None = None


class QuestionRequest(Request):
    """A question in advance (checked by the service: ≤ 500 characters, no personal data)."""

    text: StrictStr


class QuestionDecisionRequest(Request):
    """Approve or reject a question."""

    approve: StrictBool


class FollowUpOut(BaseModel):
    """What an admin attached when marking a forum held."""

    held_at: datetime
    recording_url: str | None
    slides_file_id: str | None = Field(description="a Telegram file id of the slides (PDF)")
    summary: str | None

    @classmethod
    def of(cls, follow_up: ForumFollowUp) -> FollowUpOut:
        """Convert a domain follow-up."""
        return cls(
            held_at=follow_up.held_at,
            recording_url=follow_up.recording_url,
            slides_file_id=follow_up.slides_file_id,
            summary=follow_up.summary,
        )


class ForumOut(BaseModel):
    """An expert forum."""

    id: int
    board: str
    board_title: str
    title: str
    lead: str
    description: str
    starts_at: datetime | None
    tbc_label: str | None
    duration_minutes: int
    capacity: int | None
    status: str
    cancel_reason: str | None
    going: int
    interested: int
    waiting: int
    my_rsvp: str | None
    join_link: str | None = Field(description="only for people going")
    calendar: str | None = Field(
        default=None, description="the forum's .ics calendar file (none while the date is TBC)"
    )
    follow_up: FollowUpOut | None = None

    @classmethod
    def of(cls, forum: ExpertForum) -> ForumOut:
        """Convert a domain forum (its calendar file stamped now)."""
        return cls(
            calendar=forum_calendar(forum, stamp=datetime.now(UTC)),
            follow_up=FollowUpOut.of(forum.follow_up) if forum.follow_up else None,
            id=forum.id,
            board=forum.board_slug,
            board_title=forum.board_title,
            title=forum.title,
            lead=forum.lead,
            description=forum.description,
            starts_at=forum.starts_at,
            tbc_label=forum.tbc_label,
            duration_minutes=forum.duration_minutes,
            capacity=forum.capacity,
            status=forum.status.value,
            cancel_reason=forum.cancel_reason,
            going=forum.going,
            interested=forum.interested,
            waiting=forum.waiting,
            my_rsvp=forum.my_rsvp.value if forum.my_rsvp else None,
            join_link=forum.join_link,
        )


class ForumEnvelope(BaseModel):
    """One forum."""

    forum: ForumOut


class ForumList(BaseModel):
    """Upcoming forums."""

    forums: list[ForumOut]


class QuestionOut(BaseModel):
    """A question sent in advance; nobody is shown who asked it."""

    id: int
    forum_id: int
    text: str
    status: str
    created_at: datetime
    decided_by: str | None = Field(description="the moderator's handle")

    @classmethod
    def of(cls, question: ForumQuestion) -> QuestionOut:
        """Convert a domain question."""
        return cls(
            id=question.id,
            forum_id=question.forum_id,
            text=question.text,
            status=question.status.value,
            created_at=question.created_at,
            decided_by=question.decided_by,
        )


class QuestionEnvelope(BaseModel):
    """One question."""

    question: QuestionOut


class QuestionList(BaseModel):
    """A forum and its questions (every status, oldest first)."""

    forum: ForumOut
    questions: list[QuestionOut]
