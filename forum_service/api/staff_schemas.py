"""Request and response bodies of reject reasons, staff suspensions and appeals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StrictBool, StrictInt, StrictStr

from forum_service.api.board_schemas import TEXT_PATTERN, Request, custom_rule
from forum_service.api.moderation_schemas import BodyId, Reason
from forum_service.domain import RejectReason
from forum_service.services.appeals import APPEAL_MAX
from forum_service.services.reasons import LABEL_MAX, TEXT_MAX
from forum_service.services.suspensions import MAX_DAYS
from forum_service.validation import clean_text


def _text(max_length: int, description: str) -> object:
    return Field(
        min_length=1,
        max_length=max_length,
        json_schema_extra={"pattern": TEXT_PATTERN},
        description=description,
    )


class RejectReasonOut(BaseModel):
    """A reject reason: its code (a decision's ``reason_code``), button label and sentence."""

    id: int
    code: str
    label: str
    text: str
    position: int

    @classmethod
    def of(cls, reason: RejectReason) -> RejectReasonOut:
        """Shape a domain reason."""
        return cls(
            id=reason.id,
            code=reason.code,
            label=reason.label,
            text=reason.text,
            position=reason.position,
        )


class RejectReasonList(BaseModel):
    """The reasons in the reject keyboard's order."""

    reasons: list[RejectReasonOut]


class RejectReasonRequest(Request):
    """A new reject reason; without ``text`` the label is what the author receives."""

    label: Annotated[StrictStr, _text(LABEL_MAX, "the button, one line")]
    text: Annotated[StrictStr, _text(TEXT_MAX, "what the author receives, one line")] | None = None


class MoveReasonRequest(Request):
    """Where a reason goes: 1 is first; a number past the end puts it last."""

    position: Annotated[StrictInt, Field(ge=1, le=1000)]


#: Days of a suspension; absent means until a moderator lifts it.
Days = Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)]


class StaffSuspensionRequest(Request):
    """Suspend or reinstate a moderator or admin by handle (admins)."""

    handle: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    suspended: StrictBool
    reason: Reason | None = None
    days: Days | None = None


class SuspensionOut(BaseModel):
    """What a suspension became (``until`` None: until lifted, or reinstated)."""

    count: int = 1
    until: datetime | None = None


class AppealRequest(Request):
    """My one appeal: against my suspension, or with ``post_id`` against hiding my post."""

    # Length checked by the text rule, so that the refusal says how long it was.
    text: Annotated[
        StrictStr,
        Field(
            min_length=1,
            json_schema_extra={"pattern": TEXT_PATTERN, "maxLength": APPEAL_MAX},
            description="refused if it contains personal data; at most 1,000 characters",
        ),
        AfterValidator(
            custom_rule(lambda raw: clean_text(raw, field="appeal", max_length=APPEAL_MAX))
        ),
    ]
    post_id: BodyId | None = None


class AppealOut(BaseModel):
    """A stored appeal."""

    id: int


class AppealDecisionRequest(Request):
    """An admin's answer: lift (undo the suspension or the hiding) or uphold."""

    lift: StrictBool
    message: Reason | None = Field(default=None, description="sent to the person with the answer")


class AppealDecisionOut(BaseModel):
    """The answer recorded."""

    status: str
