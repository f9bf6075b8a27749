"""The moderators' use cases: the queue, claims, decisions, hiding, reports (suspensions:
``services.suspensions``)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from forum_service.clock import Clock, utc_now
from forum_service.domain import (
    Conflict,
    DecisionAction,
    DomainError,
    Forbidden,
    IdentityKey,
    ModerationItem,
    NoteChange,
    NotFound,
    PostStatus,
    Report,
    Sealed,
)
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services import redaction
from forum_service.services.conclusion import Conclusion, conclude_item
from forum_service.services.staff import StaffService
from forum_service.storage import (
    boards_repo,
    moderation_repo,
    outbox_repo,
    reject_reasons_repo,
)
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session
from forum_service.validation import clean_body, clean_text, clean_title

CLAIM_TTL = timedelta(minutes=10)
REASON_MAX = 500
#: How long a moderator may undo their own decision (``FORUM_UNDO_SECONDS``); the author is
#: told only once it has passed, so an undone decision never reaches them.
UNDO_WINDOW = timedelta(minutes=5)


async def rejection_reason(session: Session, code: str | None, text: str | None) -> str:
    """Build the sentence an author receives from a reject reason (``/reasons``) and/or text.

    Raises:
        DomainError: ``reason_unknown`` for an unknown code, ``reason_required`` when neither
            a reason (other than "other", the free-text option) nor text is given.
    """
    canned = ""
    if code is not None and code != "other":
        found = await reject_reasons_repo.by_code(session, code)
        if found is None:
            known = ", ".join(r.code for r in await reject_reasons_repo.reasons(session))
            raise DomainError("reason_unknown", f"unknown reason; use one of {known}, other")
        canned = found.text
    extra = clean_text(text, field="reason", max_length=REASON_MAX) if text else ""
    reason = " ".join(part for part in (canned, extra) if part)
    if not reason:
        raise DomainError("reason_required", "give a reason the author will receive")
    return reason


def _decision_key(item_id: int, version: int) -> str:
    """The dedupe key of the author's notification of a decision on ``version``."""
    return f"decision:{item_id}:{version}"


def _redaction_changes(kinds: tuple[str, ...]) -> list[str]:
    """What the author is told of a moderator's redactions ("phone number replaced by
    [phone number]"), once per kind."""
    return [
        f"{redaction.description(kind)} replaced by {redaction.placeholder(kind)}"
        for kind in dict.fromkeys(kinds)
    ]


def claimed_message(item: ModerationItem) -> str:
    """Who holds an item and for how long ("Moderator 4F2A9 is working on item 5 (claimed
    for 8 more minutes)")."""
    who = item.claimed_by or "Another moderator"
    if not item.claim_seconds_left:
        return f"{who} is working on item {item.id}"
    minutes = max(1, math.ceil(item.claim_seconds_left / 60))
    return (
        f"{who} is working on item {item.id} (claimed for {minutes} more "
        f"minute{'s' if minutes != 1 else ''}); it comes back when they skip it or the claim ends"
    )


def _after_report(outcome: str, held: bool) -> str | None:
    """The author's notice when a reported post is kept: none, unless it was held (then
    "restored", or "edited" with what changed)."""
    if not held:
        return None
    return "restored" if outcome == "approved" else outcome


class ModerationService(StaffService):
    """Queue work for moderators and admins; every action lands in the audit log.

    Args:
        db: the database.
        pseudonyms: derives the moderator handles written to the audit log.
        clock: time source.
        undo_window: how long a decision may be undone (zero: never; the author is told at once).
    """

    def __init__(
        self,
        db: Database,
        pseudonyms: Pseudonymizer,
        *,
        clock: Clock = utc_now,
        undo_window: timedelta = UNDO_WINDOW,
    ) -> None:
        super().__init__(db, pseudonyms, clock=clock)
        self._undo_window = undo_window

    async def queue(self, key: IdentityKey, limit: int) -> list[ModerationItem]:
        """Return pending items, highest risk first."""
        async with self._db.write("moderation_queue") as session:
            await self._staff(session, key, admin=False)
            return await moderation_repo.queue(
                session, self.claim_tag(key), self._clock(), limit=limit
            )

    async def get(self, key: IdentityKey, item_id: int) -> ModerationItem:
        """Return one item."""
        async with self._db.write("moderation_item") as session:
            await self._staff(session, key, admin=False)
            return (await self._open_item(session, item_id, self.claim_tag(key), self._clock()))[0]

    async def claim(self, key: IdentityKey, item_id: int, version: int) -> ModerationItem:
        """Claim an item for ``CLAIM_TTL`` so other moderators skip it; claims expire."""
        now = self._clock()
        async with self._db.write("moderation_claim") as session:
            await self._staff(session, key, admin=False)
            me = self.claim_tag(key)
            item, _ = await self._open_item(session, item_id, me, now)
            self._check_open(item, version)
            claimed = await moderation_repo.set_claim(
                session,
                item_id,
                expected_version=version,
                moderator_claim=me,
                expires_at=now + CLAIM_TTL,
                now=now,
                handle=self.handle(key),
            )
            if not claimed:
                # Someone got there between the read and the update: say who (or what) did.
                current = (await self._open_item(session, item_id, me, now))[0]
                self._check_open(current, version)
                raise Conflict(
                    "claimed_by_other", f"another moderator is working on item {item_id}"
                )
            await self._audit(session, key, "claim", "item", item_id)
            return (await self._open_item(session, item_id, me, now))[0]

    async def release(self, key: IdentityKey, item_id: int) -> ModerationItem:
        """Give up one's own claim (Skip): other moderators see the item again at once.

        Releasing an item one does not hold changes nothing (a repeated Skip is harmless).
        """
        now = self._clock()
        async with self._db.write("moderation_release") as session:
            await self._staff(session, key, admin=False)
            me = self.claim_tag(key)
            await self._open_item(session, item_id, me, now)
            if await moderation_repo.release_claim(session, item_id, moderator_claim=me, now=now):
                await self._audit(session, key, "release", "item", item_id)
            return (await self._open_item(session, item_id, me, now))[0]

    async def redact(
        self, key: IdentityKey, item_id: int, *, version: int, finding: int
    ) -> ModerationItem:
        """Replace one PII finding's span by its placeholder ("[phone number]") in a new
        revision; the post stays pending and the author is told with the decision.

        ``finding`` is the finding's position (0-based) in the item as the moderator saw it at
        ``version``; the item gets a new version, so a second tap on the same button is stale.
        """
        now = self._clock()
        async with self._db.write("moderation_redact") as session:
            await self._staff(session, key, admin=False)
            me = self.claim_tag(key)
            item, _ = await self._open_item(session, item_id, me, now)
            self._check_open(item, version)
            post = item.post
            if await moderation_repo.screened_revision(session, item_id) != post.revision:
                raise Conflict(
                    "findings_out_of_date",
                    "the post changed since it was screened; use Edit to change it",
                )
            title = post.thread_title if post.is_opening else None
            done = redaction.redact_one(title, post.body, item.findings, finding)
            kind = item.findings[finding].kind
            new_title = clean_title(done.title) if done.title not in (None, title) else None
            revision = await boards_repo.add_moderator_edit(
                session, post.id, body=clean_body(done.body), title=new_title, now=now
            )
            recorded = await moderation_repo.record_redaction(
                session,
                item_id,
                expected_version=version,
                findings=done.findings,
                kinds=[*item.redactions, kind],
                revision=revision,
                now=now,
            )
            if not recorded:
                raise Conflict("stale_version", f"item {item_id} changed; reload it and try again")
            await self._audit(
                session,
                key,
                "redact",
                "item",
                item_id,
                details={"kind": kind, "revision": revision},
            )
            return (await self._open_item(session, item_id, me, now))[0]

    async def undo(self, key: IdentityKey, item_id: int, version: int) -> ModerationItem:
        """Undo one's own decision within the undo window: the item is back in the queue
        (claimed by the undoing moderator), the post pending again, and the author's
        notification, not sent yet, withdrawn.

        ``version`` is the item's version after the decision (the decision's answer gives it).
        """
        now = self._clock()
        async with self._db.write("moderation_undo") as session:
            await self._staff(session, key, admin=False)
            me = self.claim_tag(key)
            item, _ = await self._open_item(session, item_id, me, now)
            if item.status == PostStatus.PENDING.value:
                raise Conflict("not_decided", f"item {item_id} is not decided; nothing to undo")
            if item.version != version:
                raise Conflict(
                    "undo_not_available",
                    f"item {item_id} changed after that decision; it can no longer be undone",
                )
            decided_by, until = await moderation_repo.undo_state(session, item_id)
            if until is None:
                raise Conflict(
                    "undo_not_available", f"the decision on item {item_id} cannot be undone"
                )
            if decided_by != me:
                raise Forbidden(
                    "not_your_decision",
                    f"only the moderator who decided item {item_id} can undo it",
                )
            if until <= now:
                raise Conflict(
                    "undo_expired",
                    f"the {self._window_words()} to undo item {item_id} have passed; "
                    "the author has been told",
                )
            prior = await moderation_repo.undo_decision(
                session,
                item_id,
                expected_version=version,
                decided_by=me,
                now=now,
                claim_expires_at=now + CLAIM_TTL,
                handle=self.handle(key),
            )
            if prior is None:
                raise Conflict("undo_not_available", f"item {item_id} changed; reload it")
            await boards_repo.set_post_status(session, item.post.id, prior, now)
            await outbox_repo.withdraw(session, _decision_key(item_id, version - 1))
            await self._audit(session, key, "undo", "item", item_id, details={"version": version})
            return (await self._open_item(session, item_id, me, now))[0]

    def _window_words(self) -> str:
        minutes = self._undo_window.total_seconds() / 60
        return f"{minutes:g} minutes" if minutes != 1 else "1 minute"

    @staticmethod
    async def _open_item(
        session: Session, item_id: int, viewer_claim: str, now: datetime
    ) -> tuple[ModerationItem, Sealed]:
        found = await moderation_repo.item(session, item_id, viewer_claim, now)
        if found is None:
            raise NotFound("item_not_found", f"there is no queue item {item_id}")
        return found

    @staticmethod
    def _check_open(item: ModerationItem, version: int) -> None:
        if item.status != PostStatus.PENDING.value:
            raise Conflict("already_decided", f"item {item.id} was already decided")
        if item.version != version:
            raise Conflict(
                "stale_version",
                f"item {item.id} changed (now version {item.version}); reload it and try again",
            )
        if item.claimed_by_other:
            raise Conflict("claimed_by_other", claimed_message(item))

    async def decide(
        self,
        key: IdentityKey,
        item_id: int,
        *,
        version: int,
        action: DecisionAction,
        reason_code: str | None = None,
        reason_text: str | None = None,
        body: str | None = None,
        title: str | None = None,
        note: str | None = None,
        content_note: NoteChange | None = None,
    ) -> ModerationItem:
        """Approve, edit-then-approve or reject an item; the author is notified.

        Approving may set, change or (``NoteChange(None)``) remove the post's content note.
        Two moderators deciding the same item: the second gets ``already_decided`` (409), because
        the version check and the status change happen in one guarded update.
        """
        if content_note is not None and action is DecisionAction.REJECT:
            raise DomainError(
                "content_note_not_allowed",
                "a content note is set when approving; a rejected post is not shown",
            )
        now = self._clock()
        async with self._db.write("moderation_decide") as session:
            await self._staff(session, key, admin=False)
            item, author = await self._open_item(session, item_id, self.claim_tag(key), now)
            self._check_open(item, version)
            post = item.post
            # Published before, and back because of a report (held: a fast report).
            reopened_report = post.status in (PostStatus.APPROVED, PostStatus.HELD)
            held = post.status is PostStatus.HELD
            details: dict[str, Any] = {"version": version}
            notice: dict[str, Any] = {}
            reason: str | None = None
            if action is DecisionAction.REJECT:
                reason = await rejection_reason(session, reason_code, reason_text)
                new_status = PostStatus.HIDDEN if reopened_report else PostStatus.REJECTED
                outcome = "hidden" if reopened_report else "rejected"
                notice["reason"] = reason
            else:
                new_status = PostStatus.APPROVED
                outcome = "approved"
                if action is DecisionAction.EDIT_APPROVE:
                    details.update(await self._apply_edit(session, item, body, title, note, now))
                    outcome = "edited"
                    notice.update(note=details.get("note"), changes=details["changes"])
                if content_note is not None and content_note.note != post.content_note:
                    await boards_repo.set_content_note(session, post.id, content_note.note)
                    # The audit line says what happened to the note, not what it says.
                    details["content_note"] = (
                        "removed"
                        if content_note.note is None
                        else "changed"
                        if post.content_note
                        else "added"
                    )
                    notice["content_note"] = content_note.note
            if item.redactions:
                told = _redaction_changes(item.redactions)
                notice["changes"] = [*told, *notice.get("changes", [])]
                if outcome == "approved":
                    outcome = "edited"
            if reopened_report:
                details["reports_resolved"] = await moderation_repo.resolve_reports(
                    session, post.id
                )
            # A decision on a report settled it and told the reporters: not undoable.
            undoable = self._undo_window > timedelta(0) and not reopened_report
            await conclude_item(
                session,
                item_id=item_id,
                expected_version=version,
                post=post,
                author=author,
                vault=self._vault,
                conclusion=Conclusion(
                    status=new_status,
                    actor=self.handle(key),
                    action=f"decide:{action.value}",
                    reason=reason,
                    details=details,
                    # A kept post after a report needs no message to its author, unless
                    # it was held: then they saw it hidden and are told it is back.
                    outcome=_after_report(outcome, held)
                    if reopened_report and new_status is PostStatus.APPROVED
                    else outcome,
                    notice=notice,
                    dedupe_key=_decision_key(item_id, version),
                    clear_reports=reopened_report,
                    notify_at=now + self._undo_window if undoable else None,
                ),
                now=now,
            )
            if undoable:
                await moderation_repo.mark_undoable(
                    session,
                    item_id,
                    version=version + 1,
                    decided_by=self.claim_tag(key),
                    until=now + self._undo_window,
                    post_status=post.status,
                )
            return (await self._open_item(session, item_id, self.claim_tag(key), now))[0]

    async def _apply_edit(
        self,
        session: Session,
        item: ModerationItem,
        body: str | None,
        title: str | None,
        note: str | None,
        now: datetime,
    ) -> dict[str, Any]:
        """Store a moderator's edit as a new revision; describe it without the removed text."""
        if body is None and title is None:
            raise DomainError("edit_required", "edit_approve needs a new body or title")
        post = item.post
        current_body = await boards_repo.post_body(session, post.id)
        assert current_body is not None
        new_body = clean_body(body) if body is not None else current_body
        new_title = None
        changes: list[str] = []
        if title is not None:
            if not post.is_opening:
                raise DomainError("title_not_editable", "only an opening post has a title")
            new_title = clean_title(title)
            changes.append("title edited")
        if new_body != current_body:
            redacted = sorted({f.kind for f in item.findings})
            changes.append(
                "text edited" + (f" (screen had found: {', '.join(redacted)})" if redacted else "")
            )
        if not changes:
            raise DomainError("edit_unchanged", "the edit changes nothing; approve instead")
        revision = await boards_repo.add_moderator_edit(
            session, post.id, body=new_body, title=new_title, now=now
        )
        clean_note = clean_text(note, field="note", max_length=REASON_MAX) if note else None
        return {"changes": changes, "note": clean_note, "revision": revision}

    async def hide(self, key: IdentityKey, post_id: int, reason_text: str) -> None:
        """Hide an approved post now (e.g. after a report); the author is told why."""
        now = self._clock()
        async with self._db.write("moderation_hide") as session:
            reason = await rejection_reason(session, None, reason_text)
            await self._staff(session, key, admin=False)
            found = await boards_repo.post_with_author(session, post_id)
            if found is None:
                raise NotFound("post_not_found", f"there is no post {post_id}")
            post, _, author = found
            if post.status not in (PostStatus.APPROVED, PostStatus.HELD):
                raise Conflict("not_approved", "only an approved post can be hidden")
            item = await moderation_repo.item_of_post(session, post_id)
            # Every post gets its item when it is created (boards service, one insert path).
            assert item is not None
            await moderation_repo.resolve_reports(session, post_id)
            # An approval still in its undo window has not been told yet: the author hears
            # "hidden" only, not "approved" five minutes after it.
            await outbox_repo.withdraw(session, _decision_key(item.id, item.version - 1))
            await conclude_item(
                session,
                item_id=item.id,
                expected_version=item.version,
                post=post,
                author=author,
                vault=self._vault,
                conclusion=Conclusion(
                    status=PostStatus.HIDDEN,
                    actor=self.handle(key),
                    action="hide",
                    reason=reason,
                    outcome="hidden",
                    notice={"reason": reason},
                    clear_reports=True,
                ),
                now=now,
            )

    async def reports(self, key: IdentityKey, limit: int) -> list[Report]:
        """Return open reports, oldest first."""
        async with self._db.write("moderation_reports") as session:
            await self._staff(session, key, admin=False)
            return await moderation_repo.open_reports(session, limit)
