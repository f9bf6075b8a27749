"""Request and response bodies of the moderation, admin and outbox routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from forum_service.api.board_schemas import (
    TEXT_PATTERN,
    Body,
    ContentNote,
    PostOut,
    Request,
    Title,
    custom_rule,
)
from forum_service.domain import (
    MAX_ID,
    AuditEntry,
    Finding,
    ModerationItem,
    NoteChange,
    Report,
)
from forum_service.services import redaction
from forum_service.validation import REASON_MAX, clean_reason

Reason = Annotated[
    StrictStr,
    Field(min_length=1, max_length=REASON_MAX, json_schema_extra={"pattern": TEXT_PATTERN}),
    AfterValidator(custom_rule(clean_reason)),
]


class ReviseRequest(Request):
    """Revise a rejected post and resubmit it."""

    body: Body
    title: Title | None = None
    content_note: ContentNote | None = Field(
        default=None, description="a new content note; null removes it; absent keeps it"
    )


class ReportRequest(Request):
    """Report an approved post; ``identifies_someone`` and ``safety_risk`` hide it at once."""

    category: Literal["identifies_someone", "safety_risk", "other"] = Field(
        default="other",
        description="identifies_someone and safety_risk hide the post until a moderator decides",
    )
    reason: Reason | None = Field(default=None, description="required for category other")


#: An id in a request body: the same range as in a path (`api.params.path_id`).
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
#: An item version as the queue showed it.
Version = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class ClaimRequest(Request):
    """Claim an item at the version the moderator saw."""

    version: Version


class DecisionRequest(Request):
    """A moderator's decision on a queue item."""

    version: Version
    action: Literal["approve", "edit_approve", "reject"]
    reason_code: StrictStr | None = Field(
        default=None,
        description="canned reason: personal_details, abusive, unsafe, off_topic, duplicate, other",
    )
    reason: Reason | None = Field(default=None, description="free text sent to the author")
    body: Body | None = Field(default=None, description="edit_approve: the edited text")
    title: Title | None = Field(default=None, description="edit_approve: the edited title")
    note: Reason | None = Field(default=None, description="edit_approve: what changed and why")
    content_note: ContentNote | None = Field(
        default=None,
        description="approve, edit_approve: set or change the content note; null removes it",
    )


def note_change(request: ReviseRequest | DecisionRequest) -> NoteChange | None:
    """The content note a request sets (or removes, when it says null); None if it says nothing."""
    if "content_note" not in request.model_fields_set:
        return None
    return NoteChange(request.content_note)


class HideRequest(Request):
    """Hide an approved post."""

    reason: Reason


class SuspendRequest(Request):
    """Suspend or reinstate the author of a post."""

    suspended: StrictBool
    reason: Reason | None = None
    days: Annotated[StrictInt, Field(ge=1, le=365)] | None = Field(
        default=None, description="suspend for this many days; absent: until lifted"
    )


class FindingOut(BaseModel):
    """A PII finding: kind and span in the text the screen saw (title + blank line + body)."""

    kind: str
    start: int
    end: int
    excerpt: str = Field(default="", description="the text the span covers (moderators only)")
    label: str = Field(default="", description='what its redact button says ("phone number")')
    placeholder: str = Field(default="", description='what redacting puts in ("[phone number]")')

    @classmethod
    def of(cls, item: ModerationItem, finding: Finding) -> FindingOut:
        """Describe one finding of ``item``."""
        post = item.post
        return cls(
            kind=finding.kind,
            start=finding.start,
            end=finding.end,
            excerpt=redaction.excerpt(
                post.thread_title if post.is_opening else None, post.body, finding
            ),
            label=redaction.button_name(finding.kind),
            placeholder=redaction.placeholder(finding.kind),
        )


class QueueItemOut(BaseModel):
    """A queue item with the model's scores, PII findings and reasons."""

    id: int
    version: int
    status: str
    screening: str
    route: str | None
    priority: float
    scorer: str | None
    scores: dict[str, float] | None
    pii: list[FindingOut]
    watched_words: list[dict[str, Any]]
    reasons: list[str]
    open_reports: int
    claimed_by_me: bool
    claimed_by_other: bool
    claim_expires_at: datetime | None
    post: PostOut
    created_at: datetime
    waited_seconds: int = Field(description="seconds since the item entered the queue")
    rank: float = Field(description="place in the queue: priority + hours waited / 12")
    claimed_by: str | None = Field(
        default=None, description='handle of the moderator holding a live claim ("Moderator 4F2A9")'
    )
    redactions: list[str] = Field(
        default_factory=list, description="kinds a moderator redacted in this version"
    )
    undo_until: datetime | None = Field(
        default=None, description="until when the caller may undo their decision on it"
    )
    claim_seconds_left: int = Field(default=0, description="seconds left on the live claim")
    undo_seconds_left: int = Field(default=0, description="seconds left to undo my decision")

    @classmethod
    def of(cls, item: ModerationItem) -> QueueItemOut:
        """Convert a domain item."""
        return cls(
            id=item.id,
            version=item.version,
            status=item.status,
            screening=item.screening.value,
            route=item.route,
            priority=item.priority,
            scorer=item.scorer,
            scores=item.scores,
            pii=[FindingOut.of(item, f) for f in item.findings],
            watched_words=[dict(m) for m in item.watch_matches],
            reasons=list(item.reasons),
            open_reports=item.open_reports,
            claimed_by_me=item.claimed_by_me,
            claimed_by_other=item.claimed_by_other,
            claim_expires_at=item.claim_expires_at,
            post=PostOut.of(item.post, mine=False),
            created_at=item.created_at,
            waited_seconds=item.waited_seconds,
            rank=item.rank,
            claimed_by=item.claimed_by,
            redactions=list(item.redactions),
            undo_until=item.undo_until,
            claim_seconds_left=item.claim_seconds_left,
            undo_seconds_left=item.undo_seconds_left,
        )


class QueueList(BaseModel):
    """Pending items by rank: risk first, raised by waiting (`domain.queue_rank`)."""

    items: list[QueueItemOut]


class QueueItemEnvelope(BaseModel):
    """One queue item."""

    item: QueueItemOut


class ReportOut(BaseModel):
    """An open report (never who filed it)."""

    id: int
    post_id: int
    item_id: int | None
    reason: str
    category: str
    created_at: datetime

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        """Convert a domain report."""
        return cls(
            id=report.id,
            post_id=report.post_id,
            item_id=report.item_id,
            reason=report.reason,
            category=report.category,
            created_at=report.created_at,
        )


class ReportList(BaseModel):
    """Open reports, oldest first."""

    reports: list[ReportOut]


class AuditEntryOut(BaseModel):
    """One audit line."""

    id: int
    actor: str
    action: str
    target_type: str
    target_id: int | None
    reason: str | None
    details: dict[str, Any] | None
    created_at: datetime

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        """Convert a domain audit entry."""
        return cls(
            id=entry.id,
            actor=entry.actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            reason=entry.reason,
            details=entry.details,
            created_at=entry.created_at,
        )


class AuditList(BaseModel):
    """Audit entries, newest first."""

    entries: list[AuditEntryOut]
    next_cursor: str | None


class WatchedWordRequest(Request):
    """Add a watched word or phrase."""

    word: Annotated[
        StrictStr, Field(min_length=1, max_length=100, json_schema_extra={"pattern": TEXT_PATTERN})
    ]
    action: Literal["block", "flag", "require_review"]


class WatchedWordOut(BaseModel):
    """A watched word."""

    id: int
    word: str
    action: str


class WatchedWordList(BaseModel):
    """Every watched word."""

    words: list[WatchedWordOut]


class InviteRequest(Request):
    """Create a one-time invite code."""

    role: Literal["moderator", "admin"] = "moderator"


class InviteOut(BaseModel):
    """A fresh invite code (shown once)."""

    code: str
    role: str
    expires_in_days: int


class RedeemRequest(Request):
    """Redeem an invite code."""

    code: Annotated[StrictStr, Field(min_length=1, max_length=100)]


class RemoveModeratorRequest(Request):
    """Remove a moderator by handle."""

    handle: Annotated[StrictStr, Field(min_length=1, max_length=40)]


class ModeratorOut(BaseModel):
    """A moderator or admin by handle."""

    handle: str
    role: str


class ModeratorList(BaseModel):
    """Moderators and admins."""

    moderators: list[ModeratorOut]


class AutoApproveRequest(Request):
    """Switch a board's auto-approval of low-risk posts."""

    enabled: StrictBool


class BootstrapRequest(Request):
    """Identity keys of the bot's configured bootstrap admins."""

    identity_keys: Annotated[
        # Documented only: the service answers a malformed key with 400 identity_malformed.
        list[Annotated[StrictStr, Field(json_schema_extra={"pattern": "^[0-9a-f]{64}$"})]],
        Field(max_length=50),
    ]


class CountOut(BaseModel):
    """A count."""

    count: int


class OutboxClaimRequest(Request):
    """Claim due notifications."""

    limit: Annotated[StrictInt, Field(ge=1, le=500)] = 50
    lease_seconds: Annotated[StrictInt, Field(ge=5, le=3600)] = 60


class NotificationOut(BaseModel):
    """A claimed notification with its recipient's identity key."""

    id: int
    recipient: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime


class NotificationList(BaseModel):
    """Claimed notifications."""

    notifications: list[NotificationOut]


class AckItem(Request):
    """Outcome of one notification."""

    id: BodyId
    outcome: Literal["sent", "retry", "blocked", "failed"]
    # StrictFloat takes whole numbers too, and documents the bounds (a union would not).
    retry_after: Annotated[StrictFloat, Field(ge=0, le=3600)] = 0
    rate_limited: StrictBool = Field(default=False, description="Telegram answered 429")


class OutboxAckRequest(Request):
    """Outcomes of claimed notifications."""

    acks: Annotated[list[AckItem], Field(max_length=1000)]
