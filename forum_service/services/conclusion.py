"""The one way a moderation item ends: a moderator's decision, hiding a post, auto-approval.

Each of them writes the same things in the caller's transaction — the item (a guarded
update: expected version, claim released), the post's status, one audit line, the author's
notification and, when it settles reports, the reporters' — so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forum_service.domain import Conflict, Post, PostStatus, Sealed
from forum_service.services import follows
from forum_service.services.safeguarding import tell_reporters
from forum_service.storage import audit_repo, boards_repo, moderation_repo, outbox_repo
from forum_service.storage.sessions import Session
from forum_service.vault import Vault


@dataclass(frozen=True, slots=True)
class Conclusion:
    """How an item ends and what is recorded about it.

    Attributes:
        status: The post's new status (approved, rejected or hidden).
        actor: Who concluded it, as the audit log names them ("Moderator 4F2A9").
        action: The audit action, e.g. ``decide:approve`` or ``hide``.
        reason: The reason the author receives (and the audit log keeps), if any.
        details: Extra audit details (never post text).
        outcome: The ``outcome`` of the author's notification; None sends none.
        notice: More fields of that notification (a moderator's note, what was edited).
        dedupe_key: Makes the notification once-only when the same conclusion is retried.
        clear_reports: Whether the post's open reports are settled by this conclusion (their
            reporters are then told whether the post was kept or removed).
        notify_at: When the author's notification may go out (None: at once); a decision
            that can still be undone is told after its undo window.
    """

    status: PostStatus
    actor: str
    action: str
    reason: str | None = None
    details: dict[str, Any] | None = None
    outcome: str | None = None
    notice: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None
    clear_reports: bool = False
    notify_at: datetime | None = None


async def conclude_item(
    session: Session,
    *,
    item_id: int,
    expected_version: int,
    post: Post,
    author: Sealed,
    vault: Vault,
    conclusion: Conclusion,
    now: datetime,
) -> None:
    """Write ``conclusion`` for the item of ``post``.

    Raises:
        Conflict: ``already_decided`` when the item is no longer at ``expected_version``
            (another moderator, a report or a revision got there first); nothing is written.
    """
    concluded = await moderation_repo.conclude(
        session,
        item_id,
        expected_version=expected_version,
        status=conclusion.status,
        now=now,
        clear_reports=conclusion.clear_reports,
    )
    if not concluded:
        raise Conflict("already_decided", f"item {item_id} was already decided")
    approved = conclusion.status is PostStatus.APPROVED
    await boards_repo.set_post_status(
        session,
        post.id,
        conclusion.status,
        now,
        rejection_reason=None if approved else conclusion.reason,
    )
    await audit_repo.audit(
        session,
        actor=conclusion.actor,
        action=conclusion.action,
        target_type="post",
        target_id=post.id,
        reason=conclusion.reason,
        details=conclusion.details,
        now=now,
    )
    if conclusion.outcome is not None:
        await outbox_repo.notify(
            session,
            vault,
            recipient_key=vault.open_key(author.blob, author.context),
            kind="post_decision",
            payload={
                "post_id": post.id,
                "thread_id": post.thread_id,
                "thread_title": post.thread_title,
                "outcome": conclusion.outcome,
                **conclusion.notice,
            },
            now=now,
            dedupe_key=conclusion.dedupe_key,
            available_at=conclusion.notify_at,
        )
    if approved:
        await follows.reply_approved(session, post, now)
    if conclusion.clear_reports:
        await tell_reporters(session, vault, post=post, kept=approved, now=now)
