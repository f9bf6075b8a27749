"""Domain values of the forum: frozen objects that cross the layers.

Repositories return these, never ORM rows, so nothing above storage can trigger hidden I/O.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from moderation.watchwords import WatchAction

T = TypeVar("T")

#: An identity key is the bot's one-way derivation (argon2id) of a Telegram user id: 32 bytes, hex.
IDENTITY_KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")

TITLE_MAX = 200
#: Ids (and every other integer column) are signed 64-bit in every database; the API accepts
#: ids, cursors and versions from 1 to MAX_ID.
MAX_ID = 2**63 - 1
#: What a board slug looks like (e.g. "long-term-support").
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
BODY_MAX = 4000
#: A content note ("sexual violence", "self-harm" ...) is short: a warning, not a summary.
CONTENT_NOTE_MAX = 80


class PostStatus(StrEnum):
    """Life cycle of a post: nothing is visible to others before a human approves it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    #: Reported as identifying someone or as a safety risk: hidden from everyone but its
    #: author until a moderator decides (then approved again, or hidden).
    HELD = "held"
    #: Taken back by its author before a moderator decided: out of the queue, text cleared.
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    """What an identity may do; checked in the service, never only in the bot."""

    PRACTITIONER = "practitioner"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def can_moderate(self) -> bool:
        """Whether this role may work the moderation queue."""
        return self in (Role.MODERATOR, Role.ADMIN)

    @property
    def rank(self) -> int:
        """Practitioner 0 < moderator 1 < admin 2."""
        return (Role.PRACTITIONER, Role.MODERATOR, Role.ADMIN).index(self)

    def may_act_on(self, target: Role) -> bool:
        """Whether this role may suspend, demote or remove someone holding ``target``.

        Moderators act on practitioners only (not on each other, so one moderator cannot lock
        the others out); admins act on everyone, admins included.
        """
        return self is Role.ADMIN or target.rank < self.rank


class RevisionKind(StrEnum):
    """Why a post's text changed."""

    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    MODERATOR_EDIT = "moderator_edit"


class DomainError(Exception):
    """A use case refused; ``code`` is stable and shown to API clients."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(DomainError):
    """The target does not exist or is not visible to the caller."""

    status = 404


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403


class Conflict(DomainError):
    """The target changed under the caller (stale version, already decided, already claimed)."""

    status = 409


class Gone(DomainError):
    """The target existed but can no longer be used (an expired, used-up or revoked code)."""

    status = 410


class RateLimited(DomainError):
    """Too many actions of one kind in the current window."""

    status = 429


@dataclass(frozen=True, slots=True)
class IdentityKey:
    """The bot's one-way identity key; the service never sees a Telegram id."""

    value: str

    @classmethod
    def parse(cls, raw: str | None) -> IdentityKey:
        """Validate a raw header value.

        Args:
            raw: the ``X-Forum-Identity`` header.

        Returns:
            The identity key.

        Raises:
            DomainError: ``identity_malformed`` when it is not 64 lowercase hex characters.
        """
        if raw is None or not IDENTITY_KEY_PATTERN.fullmatch(raw):
            raise DomainError(
                "identity_malformed",
                "X-Forum-Identity must be 64 lowercase hexadecimal characters",
            )
        return cls(raw)

    def __repr__(self) -> str:
        # Keep keys out of tracebacks and logs.
        return "IdentityKey(<redacted>)"


@dataclass(frozen=True, slots=True)
class PersonState:
    """What only the service may know of one identity, kept sealed on its row.

    Times are whole seconds since the epoch. ``post_times`` and ``report_times`` hold the last
    hour's actions only (rate limits); ``posts`` every own post id, oldest first ("my posts");
    ``follows`` the threads followed, oldest first ("/following").
    """

    created_at: int
    posts: tuple[int, ...] = ()
    post_times: tuple[int, ...] = ()
    report_times: tuple[int, ...] = ()
    follows: tuple[int, ...] = ()
    #: The current suspension, while the ``suspended`` flag is set.
    suspension: SuspensionState | None = None


@dataclass(frozen=True, slots=True)
class SuspensionState:
    """One suspension as the sealed state keeps it.

    ``audit_id`` is the audit line that started it: the suspension's identity, so an appeal is
    once per suspension. ``until`` is seconds since the epoch, None until a moderator lifts it.
    """

    audit_id: int
    until: int | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """A pseudonymous participant, known to the service only by its identity key."""

    id: int
    role: Role
    suspended: bool
    created_at: datetime
    state: PersonState
    member: bool = False
    membership_requested: bool = False


@dataclass(frozen=True, slots=True)
class Sealed:
    """A person's identity key as a row stores it; only ``Vault.open_key`` reads it."""

    blob: bytes
    context: str


@dataclass(frozen=True, slots=True)
class Board:
    """A forum board, one per MSCOS core outcome (admins may add more)."""

    id: int
    slug: str
    title: str
    description: str
    position: int
    approved_thread_count: int
    auto_approve_low_risk: bool
    #: One of the eight MSCOS core outcomes: never archived.
    core: bool = False
    #: Out of /outcomes, no new threads; its threads stay readable.
    archived: bool = False


@dataclass(frozen=True, slots=True)
class ThreadSummary:
    """A thread as listed on its board."""

    id: int
    board_slug: str
    title: str
    status: PostStatus
    author_pseudonym: str
    created_at: datetime
    last_activity_at: datetime
    approved_reply_count: int


@dataclass(frozen=True, slots=True)
class Post:
    """One post (the opening post of a thread or a reply)."""

    id: int
    thread_id: int
    board_slug: str
    thread_title: str
    is_opening: bool
    author_pseudonym: str
    body: str
    status: PostStatus
    revision: int
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    #: Shown before the text, which readers open with a tap (None: no note).
    content_note: str | None = None


@dataclass(frozen=True, slots=True)
class NoteChange:
    """A new content note for a post: ``note`` replaces the old one, None removes it."""

    note: str | None


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A thread with the posts the caller may see."""

    thread: ThreadSummary
    posts: tuple[Post, ...]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a cursor-paginated listing."""

    items: tuple[T, ...]
    next_cursor: str | None


class Screening(StrEnum):
    """Whether the model has looked at the current revision of a post."""

    UNSCREENED = "unscreened"
    SCREENED = "screened"
    NOT_SCREENED = "not_screened"


class DecisionAction(StrEnum):
    """What a moderator can decide on a queue item."""

    APPROVE = "approve"
    EDIT_APPROVE = "edit_approve"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class RejectReason:
    """A canned rejection reason that admins keep (``/reasons``): a button label and the
    sentence the author receives, in the reject keyboard's order."""

    id: int
    code: str
    label: str
    text: str
    position: int


class AppealStatus(StrEnum):
    """Where an appeal stands."""

    PENDING = "pending"
    UPHELD = "upheld"
    LIFTED = "lifted"


@dataclass(frozen=True, slots=True)
class Appeal:
    """An appeal against a suspension or a hidden post.

    ``subject`` is ``suspension:<audit id>`` or ``post:<post id>`` (one appeal per subject).
    ``text`` and ``appellant`` are None once the appeal has been answered (both are cleared).
    """

    id: int
    subject: str
    status: AppealStatus
    text: str | None
    appellant: Sealed | None
    created_at: datetime
    decided_at: datetime | None

    @property
    def post_id(self) -> int | None:
        """The hidden post appealed against, if any."""
        kind, _, ref = self.subject.partition(":")
        return int(ref) if kind == "post" else None

    @property
    def suspension_audit_id(self) -> int | None:
        """The audit line of the suspension appealed against, if any."""
        kind, _, ref = self.subject.partition(":")
        return int(ref) if kind == "suspension" else None


@dataclass(frozen=True, slots=True)
class Finding:
    """A PII finding on a post: its kind and character span (never the matched text)."""

    kind: str
    start: int
    end: int


#: Waiting raises an item's place in the queue by one priority point per this many hours.
AGING_HOURS_PER_POINT = 12.0


def queue_rank(priority: float, waited_seconds: float) -> float:
    """Where an item stands in the queue: its screening priority plus what waiting added.

    ``rank = priority + hours waited / AGING_HOURS_PER_POINT``. Screening gives 2.0 for "not
    screened" or PII, about 1 and up for a label over its threshold, under 1 for low risk; so
    a low-risk post that has waited a day overtakes a fresh flagged or unscreened one, and
    nothing waits for ever behind a stream of flagged posts.
    """
    return priority + max(0.0, waited_seconds) / 3600.0 / AGING_HOURS_PER_POINT


@dataclass(frozen=True, slots=True)
class ModerationItem:
    """A post waiting for (or past) a human decision, with everything the model said."""

    id: int
    version: int
    status: str
    screening: Screening
    route: str | None
    priority: float
    scorer: str | None
    scores: dict[str, float] | None
    findings: tuple[Finding, ...]
    watch_matches: tuple[dict[str, object], ...]
    reasons: tuple[str, ...]
    open_reports: int
    claimed_by_me: bool
    claimed_by_other: bool
    claim_expires_at: datetime | None
    post: Post
    created_at: datetime
    #: Seconds since the item entered the queue, and its place there (`queue_rank`).
    waited_seconds: int = 0
    rank: float = 0.0
    #: The handle of the moderator holding a live claim ("Moderator 4F2A9"), if any.
    claimed_by: str | None = None
    #: Kinds a moderator redacted in this version (the author is told with the decision).
    redactions: tuple[str, ...] = ()
    #: Until when the viewer may undo their decision on this item (None: not undoable by them).
    undo_until: datetime | None = None
    #: Seconds left on the live claim, and on the viewer's undo window (0: none).
    claim_seconds_left: int = 0
    undo_seconds_left: int = 0


@dataclass(frozen=True, slots=True)
class ModerationNote:
    """A moderators' note on a queue item or on an author (``about``: ``item``/``author``)."""

    id: int
    about: str
    author_handle: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ItemNotes:
    """What moderators wrote about an item and its author, and the author's history line."""

    item_id: int
    notes: tuple[ModerationNote, ...]
    history: str


@dataclass(frozen=True, slots=True)
class ItemVersion:
    """Which moderation item a post has, at which version (for a guarded update)."""

    id: int
    version: int


@dataclass(frozen=True, slots=True)
class Report:
    """An open report as moderators see it (never who reported)."""

    id: int
    post_id: int
    item_id: int | None
    reason: str
    created_at: datetime
    category: str = "other"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the append-only audit log."""

    id: int
    actor: str
    action: str
    target_type: str
    target_id: int | None
    reason: str | None
    details: dict[str, object] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    """A message waiting in the outbox for one recipient."""

    id: int
    recipient_key: str
    kind: str
    payload: dict[str, object]
    attempts: int
    created_at: datetime


class ForumStatus(StrEnum):
    """Life cycle of an expert forum."""

    SCHEDULED = "scheduled"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    #: It took place; an admin marked it held and attached its follow-up.
    HELD = "held"


class RsvpStatus(StrEnum):
    """A person's answer; ``waiting`` when the forum is full."""

    GOING = "going"
    INTERESTED = "interested"
    NOT_GOING = "not_going"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class ExpertForum:
    """An expert forum as people see it (the join link only for those going)."""

    id: int
    board_slug: str
    board_title: str
    title: str
    lead: str
    description: str
    starts_at: datetime | None
    tbc_label: str | None
    duration_minutes: int
    capacity: int | None
    status: ForumStatus
    cancel_reason: str | None
    going: int
    interested: int
    waiting: int
    my_rsvp: RsvpStatus | None
    join_link: str | None
    #: Raised on every reschedule and on cancellation: the calendar file's SEQUENCE.
    calendar_sequence: int = 0
    follow_up: ForumFollowUp | None = None


@dataclass(frozen=True, slots=True)
class ForumFollowUp:
    """What an admin attached when marking a forum held: any of a recording, slides, a summary."""

    held_at: datetime
    recording_url: str | None
    slides_file_id: str | None
    summary: str | None


class QuestionStatus(StrEnum):
    """A question sent in advance of an expert forum, through its moderator review."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ForumQuestion:
    """A question for a forum's lead, anonymous: nobody is shown who asked it."""

    id: int
    forum_id: int
    text: str
    status: QuestionStatus
    created_at: datetime
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class WatchedWordEntry:
    """A watched word as admins see it."""

    id: int
    word: str
    action: WatchAction
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A moderator or admin: the identity key is for deriving their handle and alerting them."""

    id: int
    key: str
    role: Role
    suspended: bool = False
    #: Alerted about the queue (``/duty on``); see services/alerts.py.
    on_duty: bool = True
    #: When they were last alerted about the queue, and whether items arrived since.
    alert_last_at: datetime | None = None
    alert_pending: bool = False


class MembershipMode(StrEnum):
    """Who may read and post (``FORUM_MEMBERSHIP``)."""

    OPEN = "open"  # everybody counts as a member
    INVITE = "invite"  # members join with an invite code
    APPROVAL = "approval"  # invite codes, or one request an admin approves


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite code: membership (role practitioner) or a staff role, for ``uses_left`` more
    people. ``code`` is the code itself when it was kept sealed (not for codes made before
    membership existed)."""

    id: int
    role: Role
    uses_left: int = 1
    expires_at: datetime | None = None
    revoked: bool = False
    label: str | None = None
    code: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MembershipRequest:
    """A pending request to join: its id, the text, when; the requester stays sealed."""

    id: int
    message: str
    created_at: datetime
    requester: Sealed


@dataclass(frozen=True, slots=True)
class QueueStats:
    """How the moderation queue stands (for metrics)."""

    pending: int
    unscreened: int
    oldest_pending_at: datetime | None


@dataclass(frozen=True, slots=True)
class NotificationLease:
    """A notification the bot holds under a lease (being sent): for whom, and tries so far."""

    id: int
    recipient: Sealed
    attempts: int


@dataclass(frozen=True, slots=True)
class ExpertForumRecord:
    """An expert forum as its use cases decide on it: every stored field, the join link included.

    Nobody is shown this: people get an ``ExpertForum``, whose link depends on their RSVP.
    """

    id: int
    board_slug: str
    board_title: str
    title: str
    lead: str
    description: str
    starts_at: datetime | None
    tbc_label: str | None
    duration_minutes: int
    capacity: int | None
    join_link: str | None
    status: ForumStatus
    cancel_reason: str | None
    date_confirmed_at: datetime | None
    calendar_sequence: int = 0
    follow_up: ForumFollowUp | None = None

    def as_seen(
        self, *, going: int, interested: int, waiting: int, my_rsvp: RsvpStatus | None
    ) -> ExpertForum:
        """The forum as one person sees it: the join link only if they are going."""
        return ExpertForum(
            id=self.id,
            board_slug=self.board_slug,
            board_title=self.board_title,
            title=self.title,
            lead=self.lead,
            description=self.description,
            starts_at=self.starts_at,
            tbc_label=self.tbc_label,
            duration_minutes=self.duration_minutes,
            capacity=self.capacity,
            status=self.status,
            cancel_reason=self.cancel_reason,
            going=going,
            interested=interested,
            waiting=waiting,
            my_rsvp=my_rsvp,
            join_link=self.join_link if my_rsvp is RsvpStatus.GOING else None,
            calendar_sequence=self.calendar_sequence,
            follow_up=self.follow_up,
        )


class JobKind(StrEnum):
    """What a scheduled job does when it falls due."""

    REMINDER = "reminder"
    DIGEST = "digest"
    #: Send the batched queue alerts whose window has passed.
    ALERT_FLUSH = "alert_flush"
    #: The admins' daily summary of items waiting longer than FORUM_QUEUE_SLA_HOURS.
    QUEUE_SLA = "queue_sla"


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A due job the scheduler has claimed (``kind`` is a ``JobKind`` value)."""

    id: int
    job_key: str
    kind: str
    forum_id: int | None
    payload: dict[str, object]
    due_at: datetime


@dataclass(frozen=True, slots=True)
class DigestThread:
    """A thread approved within a digest's week, as the digest lists it."""

    id: int
    title: str
    board_slug: str
    board_title: str


# --- safeguarding: the urgent lane, fast reports, helplines -----------------------------------

#: The queue lane of locating, threats, the author's own crisis and fast reports.
URGENT_LANE = "urgent"


def queue_order(route: str | None, rank: float, item_id: int) -> tuple[bool, float, int]:
    """Sort key of the queue: the urgent lane first, then by `queue_rank`, then oldest.

    Urgent items come first however long anything else has waited: waiting raises a rank
    without bound, so no priority number could keep them on top.
    """
    return (route != URGENT_LANE, -rank, item_id)


class ReportCategory(StrEnum):
    """Why a post is reported; the first two hide it at once (a "fast report")."""

    IDENTIFIES_SOMEONE = "identifies_someone"
    SAFETY_RISK = "safety_risk"
    OTHER = "other"

    @property
    def holds_post(self) -> bool:
        """Whether the post is hidden at once and goes to the urgent lane."""
        return self is not ReportCategory.OTHER

    @property
    def label(self) -> str:
        """How moderators and the alert name it."""
        return REPORT_CATEGORY_LABELS[self]


REPORT_CATEGORY_LABELS: dict[ReportCategory, str] = {
    ReportCategory.IDENTIFIES_SOMEONE: "identifies someone",
    ReportCategory.SAFETY_RISK: "safety risk",
    ReportCategory.OTHER: "other",
}


@dataclass(frozen=True, slots=True)
class Helpline:
    """A helpline or service of the signposting card (admins keep the list current)."""

    id: int
    name: str
    contact: str
    description: str
    position: int


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource pinned to a board: a https ``url`` or a PDF by Telegram ``document_file_id``."""

    id: int
    board_slug: str
    title: str
    description: str
    url: str | None
    document_file_id: str | None


@dataclass(frozen=True, slots=True)
class Newsletter:
    """A published weekly update: a text, a PDF by Telegram file id, or both."""

    id: int
    title: str
    body: str
    document_file_id: str | None
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Feedback:
    """Anonymous feedback as admins see it: the text, when, whether it was answered."""

    id: int
    message: str
    created_at: datetime
    replied: bool


# --- moderators' workload: alerts, the SLA summary, figures -----------------------------------

#: Every lane the figures report, in display order; items not yet screened have no route.
LANES: tuple[str, ...] = ("urgent", "flagged", "review", "low_risk", "unscreened")


def lane_of(route: str | None) -> str:
    """The lane an item counts in: its route, or ``unscreened`` before the worker saw it."""
    return route or "unscreened"


@dataclass(frozen=True, slots=True)
class Waiting:
    """Items waiting for a human in one lane (or all): how many, and since when the oldest."""

    lane: str
    count: int
    oldest_queued_at: datetime | None


@dataclass(frozen=True, slots=True)
class Decided:
    """One human decision: the item's lane, when it entered the queue and when it was decided."""

    lane: str
    queued_at: datetime
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class LaneWorkload:
    """Workload figures of one lane (or ``all``) over a window of days.

    Attributes:
        lane: the lane, or ``all``.
        per_day: items decided on each UTC day of the window, oldest day first.
        median_seconds / p90_seconds: time from entering the queue to the decision
            (None when nothing was decided).
        waiting: items waiting now; oldest_waiting_seconds: the oldest one's wait (0 if none).
    """

    lane: str
    per_day: tuple[tuple[str, int], ...]
    median_seconds: float | None
    p90_seconds: float | None
    waiting: int
    oldest_waiting_seconds: float

    @property
    def decided(self) -> int:
        """Items decided over the whole window."""
        return sum(count for _, count in self.per_day)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """An approved post found by search (an opening post stands for its thread)."""

    post_id: int
    thread_id: int
    thread_title: str
    board_slug: str
    is_opening: bool
    body: str
    author_pseudonym: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results; ``has_more`` when a next page exists."""

    hits: tuple[SearchHit, ...]
    page: int
    has_more: bool


#: A thread's shared link opens the bot with ``/start t<thread id>``; invite codes, which
#: arrive the same way, never look like that.
SHARED_THREAD_PAYLOAD = re.compile(r"t[0-9]+")


def new_invite_code() -> str:
    """A fresh invite code (membership or staff): 16 URL-safe characters, never ``t<digits>``."""
    while True:
        code = secrets.token_urlsafe(12)
        if SHARED_THREAD_PAYLOAD.fullmatch(code) is None:
            return code
