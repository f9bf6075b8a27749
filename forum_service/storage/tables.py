"""ORM mapping of the forum schema. Only Alembic migrations bring it to a database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        # Whole seconds: nothing finer is shown or needed, and finer times correlate rows.
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


#: Every integer column is 64-bit: ids come from outside up to 2**63 - 1 (api.params), and
#: PostgreSQL's INTEGER would answer an error past 2**31. On SQLite, INTEGER already holds
#: 64 bits, and only an INTEGER PRIMARY KEY is the auto-incrementing rowid.
BIG_INT = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention Alembic relies on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), int: BIG_INT}


#: The full-text search index (migration 0013) is written in raw DDL per dialect (an FTS5
#: virtual table and its shadow tables on SQLite, ``tsvector`` documents on PostgreSQL) and kept
#: by triggers; it is not mapped here, and schema comparisons leave out these names.
SEARCH_INDEX_PREFIX = "search_posts"


def is_mapped_name(name: str | None, type_: str, _parent: object = None) -> bool:
    """Alembic ``include_name``: everything but the search index's tables."""
    return not (type_ == "table" and (name or "").startswith(SEARCH_INDEX_PREFIX))


class BoardRow(Base):
    """A board per MSCOS core outcome."""

    __tablename__ = "boards"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(BIG_INT, default=0)
    auto_approve_low_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    # Maintained by boards_repo.set_post_status, the only place a thread's status changes.
    approved_thread_count: Mapped[int] = mapped_column(BIG_INT, default=0, server_default="0")
    created_at: Mapped[datetime]
    # One of the eight MSCOS core outcomes (migration 0014): never archived.
    core: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archived boards leave /outcomes and take no new threads; their threads stay readable.
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)


#: Tags (``forum_service.vault``) are 32 hex characters; lookups 64.
TAG = String(32)


class IdentityRow(Base):
    """A pseudonymous participant: a role, a flag, and what only the service may read.

    ``lookup`` is ``HMAC(secret, identity key)``; the key itself, when the identity was first
    seen, its own posts and its recent actions (rate limits) are in ``state``, sealed. Nothing
    else in the database refers to this row.
    """

    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="practitioner")
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # May read and post (FORUM_MEMBERSHIP): how they joined is recorded nowhere.
    member: Mapped[bool] = mapped_column(Boolean, default=False)
    # Has sent their one membership request (approval mode).
    membership_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    # Staff only: alerted about the queue (on for a new moderator); when last alerted, and
    # whether items arrived since (the next batched alert). See services/alerts.py.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    alert_last_at: Mapped[datetime | None] = mapped_column(nullable=True)
    alert_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class ThreadRow(Base):
    """A thread; its status follows its opening post."""

    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_board_listing", "board_id", "status", "last_activity_at", "id"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]


class PostRow(Base):
    """A post; the body is the current revision, earlier ones live in ``post_revisions``.

    Its author is ``author_tag`` (equal for one person within this thread only) and
    ``author_seal`` (their identity key, sealed: only the service opens it).
    """

    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_visible", "thread_id", "status", "id"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_tag: Mapped[str] = mapped_column(TAG)
    author_seal: Mapped[bytes] = mapped_column(LargeBinary)
    pseudonym: Mapped[str] = mapped_column(String(40))
    is_opening: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(BIG_INT, default=1)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    content_note: Mapped[str | None] = mapped_column(String(80), nullable=True)


class PostRevisionRow(Base):
    """Append-only history of a post's text (submitted, resubmitted, edited by a moderator)."""

    __tablename__ = "post_revisions"
    __table_args__ = (
        UniqueConstraint("post_id", "revision", name="uq_post_revisions_post_revision"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    revision: Mapped[int] = mapped_column(BIG_INT)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class IdempotencyKeyRow(Base):
    """Remembers which post a client's ``Idempotency-Key`` created, per identity.

    ``scope`` is the person's tag for that key: neither the key nor the person is stored.
    """

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    scope: Mapped[str] = mapped_column(TAG, unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    created_at: Mapped[datetime]


def _queued_when_created(context: Any) -> Any:
    return context.get_current_parameters()["created_at"]


class ModerationItemRow(Base):
    """One review item per post: screening results, queue state and the decision.

    ``screening``: ``unscreened`` (the worker has not scored this revision yet), ``screened``,
    ``not_screened`` (the model failed: humans review it unscreened). ``status``: ``pending``
    (in the human queue), ``approved``, ``rejected``, ``hidden``. A report or a resubmission
    reopens the same row (``version`` increments on every transition, so stale decisions fail).
    """

    __tablename__ = "moderation_items"
    __table_args__ = (
        Index("ix_moderation_items_queue", "status", "priority", "id"),
        Index("ix_moderation_items_screening", "screening", "lease_expires_at"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(BIG_INT, default=1)
    screening: Mapped[str] = mapped_column(String(16))
    screened_revision: Mapped[int | None] = mapped_column(BIG_INT, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    screen_attempts: Mapped[int] = mapped_column(BIG_INT, default=0)
    route: Mapped[str | None] = mapped_column(String(16), nullable=True)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    scorer: Mapped[str | None] = mapped_column(String(40), nullable=True)
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reasons: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    open_reports: Mapped[int] = mapped_column(BIG_INT, default=0)
    # The claiming moderator's claim tag (stable per moderator, like their audit handle).
    claimed_by: Mapped[str | None] = mapped_column(TAG, nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # When the item last entered the human queue (post, revision, report): time to decision
    # is decided_at - queued_at. An insert that does not say is queued when it was created.
    queued_at: Mapped[datetime] = mapped_column(default=_queued_when_created)
    # The worker auto-approved it: not counted in the moderators' workload figures.
    decided_by_policy: Mapped[bool] = mapped_column(Boolean, default=False)
    # The claiming moderator's handle, to tell others who is looking (the audit log names
    # them already).
    claimed_by_handle: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # An undoable decision: who made it (claim tag), until when, and the post's status before.
    decided_by: Mapped[str | None] = mapped_column(TAG, nullable=True)
    undo_until: Mapped[datetime | None] = mapped_column(nullable=True)
    undo_post_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The kinds a moderator redacted in this version ({"kinds": [...]}), told to the author.
    redactions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ModerationNoteRow(Base):
    """A moderators' note on a queue item or on an author, seen by moderators and admins only.

    ``subject`` is ``item:<item id>`` or ``author:<the author's tag for moderation:notes>``
    (one scope for every note on one person, unrelated to their posts' tags); the text is
    sealed, bound to the subject. Nothing here names the post an author note was written from.
    """

    __tablename__ = "moderation_notes"
    __table_args__ = (Index("ix_moderation_notes_subject", "subject"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    subject: Mapped[str] = mapped_column(String(48))
    author_handle: Mapped[str] = mapped_column(String(40))
    body_seal: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class ReportRow(Base):
    """A practitioner's report of an approved post (one per person per post, by their tag).

    ``reporter_seal`` is the reporter's identity key, sealed, kept only until they are told
    the outcome (kept or removed), then cleared. ``category``: ``identifies_someone``,
    ``safety_risk`` (both hold the post at once) or ``other``.
    """

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("post_id", "reporter_tag", name="uq_reports_post_reporter"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    reporter_tag: Mapped[str] = mapped_column(TAG)
    reason: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    category: Mapped[str] = mapped_column(String(24), default="other", server_default="other")
    reporter_seal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class AuditEntryRow(Base):
    """Append-only record of every moderator and admin action (never the removed text)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(BIG_INT, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime]


class NotificationRow(Base):
    """Durable outbox: one message for one recipient, written with the change that causes it.

    ``status``: ``pending`` → ``sending`` (claimed under a lease); the row is deleted once the
    bot settles it (sent, gave up, recipient unreachable). The recipient is sealed.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "available_at", "id"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    recipient_seal: Mapped[bytes] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(BIG_INT, default=0)
    available_at: Mapped[datetime]
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]


class WatchedWordRow(Base):
    """An admin-managed watched word or phrase."""

    __tablename__ = "watched_words"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    word: Mapped[str] = mapped_column(String(100), unique=True)
    action: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class InviteRow(Base):
    """An invite code: membership (``role`` practitioner) or a staff role, for ``uses_left``
    more people until ``expires_at``.

    The code is stored hashed (lookup) and sealed (admins see it again in ``/invites``);
    ``label`` names the partner organisation it is for. Who redeemed it is stored nowhere.
    """

    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    uses_left: Mapped[int] = mapped_column(BIG_INT, default=1)
    label: Mapped[str | None] = mapped_column(String(120), nullable=True)
    code_seal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class MembershipRequestRow(Base):
    """A non-member's pending request to join (approval mode); deleted once decided.

    The requester is ``requester_tag`` (theirs for requests only) and ``requester_seal``; the
    short text they wrote is sealed too.
    """

    __tablename__ = "membership_requests"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    requester_tag: Mapped[str] = mapped_column(TAG, unique=True)
    requester_seal: Mapped[bytes] = mapped_column(LargeBinary)
    message_seal: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class CacheVersionRow(Base):
    """A cached read's version, bumped by triggers when its data changes (migration 0017)."""

    __tablename__ = "cache_versions"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BIG_INT)


class ComponentStatusRow(Base):
    """Last reported state of a background component (e.g. the moderation worker's model)."""

    __tablename__ = "component_status"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]


class ExpertForumRow(Base):
    """An online expert forum: a dated (or "date TBC") session on one outcome, led by an expert.

    ``lead`` is the expert's display name as published, not a practitioner identity.
    ``status``: ``scheduled``, ``rescheduled`` or ``cancelled``.
    """

    __tablename__ = "expert_forums"
    __table_args__ = (Index("ix_expert_forums_upcoming", "status", "starts_at"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    title: Mapped[str] = mapped_column(String(200))
    lead: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(nullable=True)
    tbc_label: Mapped[str | None] = mapped_column(String(40), nullable=True)
    duration_minutes: Mapped[int] = mapped_column(BIG_INT, default=60)
    capacity: Mapped[int | None] = mapped_column(BIG_INT, nullable=True)
    join_link: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    date_confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Migration 0015: the calendar file's SEQUENCE, and the follow-up of a forum marked held.
    calendar_sequence: Mapped[int] = mapped_column(BIG_INT, default=0, server_default="0")
    held_at: Mapped[datetime | None] = mapped_column(nullable=True)
    recording_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    slides_file_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)


class ForumQuestionRow(Base):
    """A question sent in advance of a forum; shown to its lead only once a moderator approved it.

    The asker is ``asker_tag`` only (their tag for this forum's questions, a scope of its own,
    so it matches neither their RSVP nor anything else): enough to cap questions per person,
    never enough to reach or name them. ``decided_by`` is the moderator's handle.
    """

    __tablename__ = "forum_questions"
    __table_args__ = (
        Index("ix_forum_questions_forum_status", "forum_id", "status", "id"),
        Index("ix_forum_questions_forum_asker", "forum_id", "asker_tag"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("expert_forums.id"))
    asker_tag: Mapped[str] = mapped_column(TAG)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(40), nullable=True)


class RsvpRow(Base):
    """One person's answer for one forum; ``waiting`` holds a place in line by ``updated_at``.

    The person is ``member_tag`` (theirs for this forum only) and ``member_seal`` (sealed).
    """

    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("forum_id", "member_tag", name="uq_rsvps_forum_member"),
        Index("ix_rsvps_forum_status", "forum_id", "status", "updated_at"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("expert_forums.id"))
    member_tag: Mapped[str] = mapped_column(TAG)
    member_seal: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SubscriptionRow(Base):
    """What a person follows: ``all`` announcements, the weekly ``digest``, ``outcome:<slug>``.

    The person is ``member_tag`` (theirs for this topic only) and ``member_seal`` (sealed).
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("topic", "member_tag", name="uq_subscriptions_topic_member"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    member_tag: Mapped[str] = mapped_column(TAG)
    member_seal: Mapped[bytes] = mapped_column(LargeBinary)
    topic: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime]


class ScheduledJobRow(Base):
    """A due-dated job (forum reminder, weekly digest): rows, not timers, so restarts lose none.

    The unique ``job_key`` (e.g. ``reminder:7:24h:2026-11-30T14:00``) makes scheduling the same
    job twice impossible; ``status`` goes ``pending`` → ``done`` | ``skipped``.
    """

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    job_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("expert_forums.id"), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)


class VaultCheckRow(Base):
    """One row: what recognises the secrets this database was written with (``vault.KeyCheck``)."""

    __tablename__ = "vault_check"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    sealed_canary: Mapped[bytes] = mapped_column(LargeBinary)
    tag_canary: Mapped[str] = mapped_column(TAG)


class HelplineRow(Base):
    """A helpline or service of the signposting card, in display order (admins manage it)."""

    __tablename__ = "helplines"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(BIG_INT, default=0)
    created_at: Mapped[datetime]


class ResourceRow(Base):
    """A resource an admin pinned to a board: a https link or a PDF by Telegram file id."""

    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_board", "board_id", "position", "id"),)
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_file_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    position: Mapped[int] = mapped_column(BIG_INT, default=0)
    created_at: Mapped[datetime]


class RejectReasonRow(Base):
    """A canned rejection reason (admins keep them): the reject keyboard's buttons, in order.

    ``code`` is what a decision names (``reason_code``); ``text`` what the author receives.
    """

    __tablename__ = "reject_reasons"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(BIG_INT, default=0)
    created_at: Mapped[datetime]


class NewsletterRow(Base):
    """A published weekly update: a text, a PDF by Telegram file id, or both."""

    __tablename__ = "newsletters"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    document_file_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    published_at: Mapped[datetime]


class FeedbackRow(Base):
    """Anonymous feedback to the admins (``/feedback``), never shown publicly.

    The author is ``author_tag`` (theirs for this one feedback only) and ``author_seal`` (their
    identity key, sealed), kept only until an admin replies (once), then cleared. The text is
    sealed too: only admins read it, through the service.
    """

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    author_tag: Mapped[str] = mapped_column(TAG, unique=True)
    author_seal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    message_seal: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    replied_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AppealRow(Base):
    """An appeal against a suspension or a hidden post: one per ``subject``.

    ``subject`` is ``suspension:<audit id>`` or ``post:<post id>``. The person is
    ``appellant_tag`` (theirs for this appeal only) and ``appellant_seal``; their text is sealed
    too. Both seals are cleared once an admin has answered and the person has been told.
    """

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), unique=True)
    appellant_tag: Mapped[str] = mapped_column(TAG)
    appellant_seal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    text_seal: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)


class FollowRow(Base):
    """One person following one thread (notified of its approved replies, in batches).

    The person is ``follower_tag`` (theirs for ``follow:<thread id>`` only) and
    ``follower_seal`` (their key, sealed: the service must reach them).
    """

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("thread_id", "follower_tag", name="uq_follows_thread_follower"),
    )
    id: Mapped[int] = mapped_column(BIG_INT, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    follower_tag: Mapped[str] = mapped_column(TAG)
    follower_seal: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class FollowPendingReplyRow(Base):
    """An approved reply its thread's followers have not been told of yet (one batch per
    thread, sent by the scheduler once the oldest has waited ``FORUM_FOLLOW_BATCH_SECONDS``)."""

    __tablename__ = "follow_pending_replies"
    __table_args__ = (Index("ix_follow_pending_replies_thread", "thread_id", "approved_at"),)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    approved_at: Mapped[datetime]
