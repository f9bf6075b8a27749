"""Request and response bodies of the membership routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr

from forum_service.api.board_schemas import TEXT_PATTERN, Request
from forum_service.domain import Invite
from forum_service.services.membership import (
    DEFAULT_DAYS,
    DEFAULT_USES,
    LABEL_MAX,
    MAX_DAYS,
    MAX_USES,
    REQUEST_MAX,
)

InviteStatus = Literal["active", "used_up", "expired", "revoked"]


class MemberInviteRequest(Request):
    """Create a membership code for a partner organisation."""

    uses: Annotated[StrictInt, Field(ge=1, le=MAX_USES)] = DEFAULT_USES
    days: Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS
    label: (
        Annotated[
            StrictStr,
            Field(max_length=LABEL_MAX, description="who the code is for; shown to admins only"),
        ]
        | None
    ) = None


class MemberInviteOut(BaseModel):
    """A membership code as admins see it (``code`` is null for codes made before 0007)."""

    id: int
    code: str | None
    uses_left: int
    expires_at: datetime | None
    label: str | None
    status: InviteStatus

    @classmethod
    def of(cls, invite: Invite, now: datetime) -> MemberInviteOut:
        """Shape a domain invite."""
        status: InviteStatus = "active"
        if invite.revoked:
            status = "revoked"
        elif invite.expires_at is not None and invite.expires_at < now:
            status = "expired"
        elif invite.uses_left <= 0:
            status = "used_up"
        return cls(
            id=invite.id,
            code=invite.code,
            uses_left=invite.uses_left,
            expires_at=invite.expires_at,
            label=invite.label,
            status=status,
        )


class MemberInviteList(BaseModel):
    """Membership codes, newest first."""

    invites: list[MemberInviteOut]


class RevokeInviteRequest(Request):
    """Withdraw an invite code."""

    code: Annotated[StrictStr, Field(min_length=1, max_length=100)]


class MembershipRequestIn(Request):
    """A non-member's one short request to join (approval mode)."""

    text: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=REQUEST_MAX,
            json_schema_extra={"pattern": TEXT_PATTERN},
            description="one line; refused if it contains personal data",
        ),
    ]


class MembershipRequestOut(BaseModel):
    """A stored request."""

    id: int


class MembershipDecisionRequest(Request):
    """An admin's answer to a request."""

    approve: StrictBool


class Joined(BaseModel):
    """The caller after redeeming a code."""

    role: str
    member: bool
