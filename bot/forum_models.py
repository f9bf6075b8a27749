"""What the forum service sends the bot and what the bot sends it, as frozen, typed values.

Answers are parsed into these models at the client (``bot.forum_client``), so a malformed
answer fails there with a clear error instead of as a ``KeyError`` deep in a handler. Only the
fields the bot uses are declared; fields the service adds later are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

PostStatus = Literal["pending", "approved", "rejected", "hidden", "held", "withdrawn"]
Role = Literal["practitioner", "moderator", "admin"]
#: Why a person reports a post; the first two hide it at once (a fast report).
ReportCategory = Literal["identifies_someone", "safety_risk", "other"]
#: What a person may answer for an expert forum.
RsvpChoice = Literal["going", "interested", "not_going"]
#: What the service records: a choice, or the waiting list when a full forum said "going".
RsvpStatus = Literal["going", "interested", "not_going", "waiting"]
DecisionAction = Literal["approve", "edit_approve", "reject"]
AckOutcome = Literal["sent", "retry", "blocked", "failed"]


class Answer(BaseModel):
    """Base of the service's answers: immutable; unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Board(Answer):
    """An outcome board."""

    slug: str
    title: str
    approved_thread_count: int


class ThreadSummary(Answer):
    """A thread as listed on its board."""

    id: int
    board: str
    title: str
    reply_count: int
    last_activity_at: AwareDatetime
    status: str = "approved"


class ThreadPage(Answer):
    """One page of a board's approved threads."""

    threads: tuple[ThreadSummary, ...]
    next_cursor: str | None


class Post(Answer):
    """A post; ``rejection_reason`` is only ever filled in for its author."""

    id: int
    board: str
    thread_title: str
    author: str
    body: str
    status: PostStatus
    rejection_reason: str | None = None
    created_at: AwareDatetime
    content_note: str | None = None


class DraftFinding(Answer):
    """Something the check before sending found; ``start``/``end`` index the checked text."""

    field: Literal["title", "body"]
    kind: str
    description: str
    placeholder: str
    start: int
    end: int


class DraftCheck(Answer):
    """A checked draft: the texts as they would be stored, what was found, the texts redacted."""

    clean: bool
    title: str | None
    body: str
    findings: tuple[DraftFinding, ...]
    redacted_title: str | None
    redacted_body: str


class ThreadDetail(Answer):
    """A thread with the posts the caller may see; ``next_after`` pages on."""

    thread: ThreadSummary
    posts: tuple[Post, ...]
    next_after: int | None


class CreatedThread(Answer):
    """A new (or replayed) thread with its opening post; ``signposting``: show the helplines."""

    thread_id: int
    post: Post
    signposting: bool = False


class CreatedReply(Answer):
    """A new (or replayed) reply; ``signposting``: its author may be in crisis."""

    post: Post
    signposting: bool = False


class Helpline(Answer):
    """A helpline or service of the signposting card."""

    id: int
    name: str
    contact: str
    description: str


class HelplineList(Answer):
    """The signposting card."""

    helplines: tuple[Helpline, ...]


class Me(Answer):
    """The caller's standing: role, membership, and how people join (``FORUM_MEMBERSHIP``)."""

    role: Role
    member: bool
    membership: Literal["open", "invite", "approval"]


class MemberInvite(Answer):
    """A membership code as admins see it (``code`` is None for codes made before 0007)."""

    id: int
    code: str | None
    uses_left: int
    expires_at: AwareDatetime | None
    label: str | None
    status: Literal["active", "used_up", "expired", "revoked"]


class MemberInviteList(Answer):
    """Membership codes, newest first."""

    invites: tuple[MemberInvite, ...]


class Created(Answer):
    """Something stored, by id."""

    id: int


class Finding(Answer):
    """A PII finding in a queued post: its kind, the text it covers, what redacting puts in."""

    kind: str
    excerpt: str = ""
    label: str = ""
    placeholder: str = ""


class QueueItem(Answer):
    """A moderation queue item with the screen's scores, findings and reasons."""

    id: int
    version: int
    screening: str
    route: str | None
    priority: float
    scorer: str | None
    scores: Mapping[str, float] | None
    pii: tuple[Finding, ...]
    reasons: tuple[str, ...]
    open_reports: int
    claimed_by_other: bool
    post: Post
    waited_seconds: int = 0
    claimed_by_me: bool = False
    #: The handle holding a live claim, and until when.
    claimed_by: str | None = None
    claim_expires_at: AwareDatetime | None = None
    #: Kinds redacted in this version (the author is told with the decision).
    redactions: tuple[str, ...] = ()
    #: Until when I may undo my decision on it.
    undo_until: AwareDatetime | None = None
    #: Seconds left on the live claim and on my undo window (0: none), by the service's clock.
    claim_seconds_left: int = 0
    undo_seconds_left: int = 0


class ModerationNote(Answer):
    """A moderators' note on an item or its author."""

    id: int
    about: str
    author_handle: str
    text: str
    created_at: AwareDatetime


class NoteEnvelope(Answer):
    """One note."""

    note: ModerationNote


class ItemNotes(Answer):
    """The notes on an item and on its author, and the author's history line."""

    item_id: int
    notes: tuple[ModerationNote, ...]
    history: str


class Report(Answer):
    """An open report (never who filed it)."""

    post_id: int
    item_id: int | None
    reason: str
    category: str = "other"


class Invite(Answer):
    """A fresh one-time invite code."""

    code: str
    expires_in_days: int


class Moderator(Answer):
    """A moderator or admin by handle."""

    handle: str
    role: Role


class WatchedWord(Answer):
    """A watched word or phrase and what it does to a post."""

    id: int
    word: str
    action: str


class ForumFollowUp(Answer):
    """What an admin attached when marking a forum held."""

    held_at: AwareDatetime
    recording_url: str | None = None
    slides_file_id: str | None = None
    summary: str | None = None


class ExpertForum(Answer):
    """A scheduled online expert forum; ``join_link`` only for people going.

    ``calendar`` is its ``.ics`` file (none while the date is TBC)."""

    id: int
    board_title: str
    title: str
    lead: str
    description: str
    starts_at: AwareDatetime | None
    tbc_label: str | None
    duration_minutes: int
    capacity: int | None
    going: int
    interested: int
    waiting: int
    my_rsvp: RsvpStatus | None
    join_link: str | None = None
    status: str = "scheduled"
    cancel_reason: str | None = None
    calendar: str | None = None
    follow_up: ForumFollowUp | None = None


class Notification(Answer):
    """A claimed notification; ``payload``'s shape depends on ``kind`` (see ``bot.render``)."""

    id: int
    recipient: str
    kind: str
    payload: Mapping[str, Any]


# The envelopes the service wraps values in (parsed by the client, unwrapped for callers).


class BoardList(Answer):
    """Every board."""

    boards: tuple[Board, ...]


class PostEnvelope(Answer):
    """One post."""

    post: Post


class PostList(Answer):
    """Some posts."""

    posts: tuple[Post, ...]


class QueueItemEnvelope(Answer):
    """One queue item."""

    item: QueueItem


class QueueList(Answer):
    """Queue items."""

    items: tuple[QueueItem, ...]


class ReportList(Answer):
    """Open reports."""

    reports: tuple[Report, ...]


class Granted(Answer):
    """A role granted or held."""

    role: Role


class ModeratorList(Answer):
    """The team."""

    moderators: tuple[Moderator, ...]


class WatchedWordList(Answer):
    """Every watched word."""

    words: tuple[WatchedWord, ...]


class ForumEnvelope(Answer):
    """One expert forum."""

    forum: ExpertForum


class ForumList(Answer):
    """Expert forums."""

    forums: tuple[ExpertForum, ...]


class ForumQuestion(Answer):
    """A question sent in advance of a forum (nobody is shown who asked it)."""

    id: int
    forum_id: int
    text: str
    status: Literal["pending", "approved", "rejected"]
    decided_by: str | None = None


class QuestionEnvelope(Answer):
    """One question."""

    question: ForumQuestion


class QuestionList(Answer):
    """A forum and its questions, oldest first."""

    forum: ExpertForum
    questions: tuple[ForumQuestion, ...]


class SubscriptionList(Answer):
    """Topics followed."""

    topics: tuple[str, ...]


class Count(Answer):
    """How many were affected."""

    count: int


class NotificationList(Answer):
    """Claimed notifications."""

    notifications: tuple[Notification, ...]


# What the bot sends: plain frozen values, turned into request bodies by the client.


@dataclass(frozen=True, slots=True)
class Decision:
    """A moderator's decision on a queue item (see the ``approve``/``reject``/``edit`` makers)."""

    action: DecisionAction
    reason_code: str | None = None
    reason: str | None = None
    body: str | None = None
    note: str | None = None
    content_note: str | None = None

    @classmethod
    def approve(cls, content_note: str | None = None) -> Decision:
        """Publish the post as it is (with ``content_note`` set or changed, when given)."""
        return cls("approve", content_note=content_note)

    @classmethod
    def reject(cls, reason_code: str, reason: str | None = None) -> Decision:
        """Refuse the post; the author receives the canned reason, or ``reason`` for "other"."""
        return cls("reject", reason_code=reason_code, reason=reason)

    @classmethod
    def edit(cls, body: str, note: str) -> Decision:
        """Replace the post's text, then publish it; ``note`` tells the author why."""
        return cls("edit_approve", body=body, note=note)

    def as_json(self) -> dict[str, Any]:
        """The decision's part of the request body (unset fields left out)."""
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True, slots=True)
class ForumDraft:
    """An expert forum to schedule: a start time, or none for "date TBC" (``tbc_label``)."""

    board: str
    title: str
    lead: str
    starts_at: datetime | None = None
    tbc_label: str | None = None
    capacity: int | None = None
    join_link: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The request body: a start time, else a TBC label, else neither (plain "TBC")."""
        body: dict[str, Any] = {"board": self.board, "title": self.title, "lead": self.lead}
        if self.capacity is not None:
            body["capacity"] = self.capacity
        if self.join_link is not None:
            body["join_link"] = self.join_link
        if self.starts_at is not None:
            body["starts_at"] = self.starts_at.isoformat()
        elif self.tbc_label:
            body["tbc_label"] = self.tbc_label
        return body


@dataclass(frozen=True, slots=True)
class Ack:
    """What became of one claimed notification."""

    id: int
    outcome: AckOutcome
    retry_after: float | None = None
    rate_limited: bool = False

    def as_json(self) -> dict[str, Any]:
        """The acknowledgement as the service reads it (defaults left out)."""
        body: dict[str, Any] = {"id": self.id, "outcome": self.outcome}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.rate_limited:
            body["rate_limited"] = True
        return body


class Resource(Answer):
    """A resource pinned to a board: a https link or a PDF by Telegram file id."""

    id: int
    board: str
    title: str
    description: str
    url: str | None
    document_file_id: str | None


class ResourceList(Answer):
    """Resources in board and pin order."""

    resources: tuple[Resource, ...]


class Newsletter(Answer):
    """A newsletter of the archive."""

    id: int
    title: str
    text: str
    document_file_id: str | None
    published_at: datetime


class Published(Answer):
    """A newsletter just published and how many subscribers receive it."""

    newsletter: Newsletter
    count: int


class NewsletterPage(Answer):
    """Past newsletters, newest first."""

    newsletters: tuple[Newsletter, ...]
    next_cursor: str | None


class FeedbackSent(Answer):
    """The feedback's id; ``signposting``: show the helplines now."""

    id: int
    signposting: bool


class AdminBoard(Answer):
    """A board as admins see it."""

    slug: str
    title: str
    description: str
    approved_thread_count: int
    core: bool
    archived: bool


class Duty(Answer):
    """Whether a moderator is on duty (alerted about the queue)."""

    on_duty: bool


class DayCount(Answer):
    """Items decided on one UTC day."""

    date: str
    count: int


class LaneWorkload(Answer):
    """Workload figures of one lane, or of all lanes (``all``)."""

    lane: str
    decided: int
    per_day: tuple[DayCount, ...]
    median_seconds: float | None
    p90_seconds: float | None
    waiting: int
    oldest_waiting_seconds: float


class Workload(Answer):
    """Workload figures over the last ``days`` days, per lane and overall (last)."""

    days: int
    lanes: tuple[LaneWorkload, ...]


# Staff operations (issue 19): reject reasons, suspensions, the audit log, appeals.


class RejectReason(Answer):
    """A reject reason: the button label, the sentence the author receives, its code."""

    id: int
    code: str
    label: str
    text: str
    position: int


class RejectReasonList(Answer):
    """The reasons in the reject keyboard's order."""

    reasons: tuple[RejectReason, ...]


class Suspension(Answer):
    """What a suspension became (``until`` None: until lifted)."""

    until: AwareDatetime | None = None


class AuditLine(Answer):
    """One line of the audit log, by moderator handle."""

    id: int
    actor: str
    action: str
    target_type: str
    target_id: int | None
    reason: str | None
    created_at: AwareDatetime


class AuditList(Answer):
    """Audit lines, newest first."""

    entries: tuple[AuditLine, ...]


class AppealDecision(Answer):
    """The answer an admin gave to an appeal (``upheld`` or ``lifted``)."""

    status: str


class Following(Answer):
    """Whether I follow a thread."""

    thread_id: int
    following: bool


class FollowingList(Answer):
    """The threads I follow."""

    threads: tuple[ThreadSummary, ...]


class SearchHit(Answer):
    """An approved post found by search."""

    post_id: int
    thread_id: int
    thread_title: str
    board: str
    is_opening: bool
    excerpt: str


class SearchResults(Answer):
    """One page of search results."""

    results: tuple[SearchHit, ...]
    page: int
    has_more: bool


class SimilarThreads(Answer):
    """Approved threads whose titles look like one being written."""

    threads: tuple[SearchHit, ...]
