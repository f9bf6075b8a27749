"""Appeals: the person suspended, or the author of a hidden post, appeals once; every admin is
told; an admin upholds or lifts; the person is told the answer.

The text is screened for personal data before anything is stored (like a membership request)
and kept sealed, with the appellant's tag and sealed key only until the answer is sent.
"""

from __future__ import annotations

from typing import Any

from forum_service.domain import (
    AppealStatus,
    Conflict,
    DomainError,
    IdentityKey,
    NotFound,
    PostStatus,
    Role,
)
from forum_service.services.conclusion import Conclusion, conclude_item
from forum_service.services.staff import StaffService
from forum_service.services.suspensions import end_suspension
from forum_service.storage import (
    appeals_repo,
    audit_repo,
    boards_repo,
    identities_repo,
    moderation_repo,
    outbox_repo,
)
from forum_service.storage.sessions import Session
from forum_service.validation import clean_text
from forum_service.vault import from_epoch
from moderation.pii import PII_KIND_DESCRIPTIONS, find_pii

APPEAL_MAX = 1000
MESSAGE_MAX = 500
#: How much of a hidden post the admins are shown with an appeal against hiding it.
EXCERPT = 300


def _screened(text: str) -> str:
    """The appeal's text, checked and free of personal data the screen recognises.

    Raises:
        DomainError: ``appeal_empty``, ``appeal_too_long`` (> 1,000), ``text_control_characters``,
            ``appeal_contains_pii``.
    """
    cleaned = clean_text(text, field="appeal", max_length=APPEAL_MAX)
    findings = find_pii(cleaned)
    if findings:
        found = "; ".join(
            f"{PII_KIND_DESCRIPTIONS.get(f.kind, f.kind)} “{cleaned[f.start : f.end]}”"
            for f in findings
        )
        raise DomainError(
            "appeal_contains_pii",
            f"nothing was sent: your appeal looks like it contains personal data ({found}). "
            "Please leave it out and send it again",
        )
    return cleaned


class AppealService(StaffService):
    """Appeals against suspensions and hidden posts; answers are audited by admin handle."""

    async def appeal(self, key: IdentityKey, text: str, post_id: int | None = None) -> int:
        """Appeal against my suspension, or (with ``post_id``) the hiding of my post; once each.

        Returns:
            The appeal's id.

        Raises:
            DomainError: see :func:`_screened`.
            NotFound: ``post_not_found`` (also a post that is not mine).
            Conflict: ``not_suspended``, ``post_not_hidden``, ``appeal_already_sent``.
        """
        message = _screened(text)
        now = self._clock()
        async with self._db.write("appeal") as session:
            identity = await identities_repo.ensure_identity(session, self._vault, key.value, now)
            payload: dict[str, Any]
            if post_id is not None:
                found = await boards_repo.post_with_author(session, post_id)
                if found is None or self._vault.open_key(found[2].blob, found[2].context) != (
                    key.value
                ):
                    raise NotFound("post_not_found", f"you have no post {post_id}")
                post = found[0]
                if post.status is not PostStatus.HIDDEN:
                    raise Conflict(
                        "post_not_hidden",
                        f"post {post_id} is not hidden: only a hidden post can be appealed",
                    )
                subject = f"post:{post_id}"
                payload = {
                    "post_id": post_id,
                    "thread_title": post.thread_title,
                    "reason": post.rejection_reason,
                    "excerpt": post.body[:EXCERPT],
                }
            else:
                held = identity.state.suspension
                if not identity.suspended or held is None:
                    raise Conflict(
                        "not_suspended",
                        "you are not suspended; to appeal against a hidden post, give its id: "
                        "/appeal <post id> <text>",
                    )
                subject = f"suspension:{held.audit_id}"
                started = await audit_repo.entry(session, held.audit_id)
                payload = {
                    "reason": None if started is None else started.reason,
                    "until": None if held.until is None else from_epoch(held.until).isoformat(),
                }
            if await appeals_repo.exists(session, subject):
                raise Conflict(
                    "appeal_already_sent",
                    "you have appealed against this already: an appeal can be sent once, and "
                    "you are told the answer",
                )
            appeal_id = await appeals_repo.add(
                session, self._vault, key=key.value, subject=subject, text=message, now=now
            )
            admins = await identities_repo.staff(session, self._vault, [Role.ADMIN])
            payload.update(appeal_id=appeal_id, subject=subject.partition(":")[0], text=message)
            await outbox_repo.fan_out(
                session,
                self._vault,
                {a.key: payload for a in admins if a.key != key.value and not a.suspended},
                kind="appeal",
                dedupe_prefix=f"appeal:{appeal_id}",
                now=now,
            )
        return appeal_id

    async def decide(
        self, key: IdentityKey, appeal_id: int, *, lift: bool, message: str | None = None
    ) -> AppealStatus:
        """Uphold or lift (admins): lifting ends the suspension or publishes the post again.
        The person is told, with the admin's ``message`` if any; then the appeal forgets them.

        Raises:
            NotFound: ``appeal_not_found``.
            Conflict: ``appeal_answered`` (another admin answered first).
        """
        note = clean_text(message, field="message", max_length=MESSAGE_MAX) if message else None
        now = self._clock()
        async with self._db.write("decide_appeal") as session:
            await self._staff(session, key, admin=True)
            appeal = await appeals_repo.appeal(session, self._vault, appeal_id)
            if appeal is None:
                raise NotFound("appeal_not_found", f"there is no appeal {appeal_id}")
            if appeal.status is not AppealStatus.PENDING or appeal.appellant is None:
                raise Conflict("appeal_answered", f"appeal {appeal_id} has been answered already")
            person = self._vault.open_key(appeal.appellant.blob, appeal.appellant.context)
            status = AppealStatus.LIFTED if lift else AppealStatus.UPHELD
            if not await appeals_repo.answer(session, appeal_id, status, now):
                raise Conflict("appeal_answered", f"appeal {appeal_id} has been answered already")
            if lift:
                await self._lift(session, key, person, appeal.post_id, appeal.suspension_audit_id)
            await self._audit(
                session, key, f"appeal:{status.value}", "appeal", appeal_id, reason=note
            )
            await outbox_repo.notify(
                session,
                self._vault,
                recipient_key=person,
                kind="appeal_outcome",
                payload={
                    "subject": "post" if appeal.post_id is not None else "suspension",
                    "post_id": appeal.post_id,
                    "lifted": lift,
                    "message": note,
                },
                now=now,
                dedupe_key=f"appeal-outcome:{appeal_id}",
            )
        return status

    async def _lift(
        self,
        session: Session,
        key: IdentityKey,
        person: str,
        post_id: int | None,
        suspension_audit_id: int | None,
    ) -> None:
        """Undo what was appealed, if it still stands (a moderator may have undone it since)."""
        now = self._clock()
        if post_id is not None:
            found = await boards_repo.post_with_author(session, post_id)
            item = await moderation_repo.item_of_post(session, post_id)
            if found is None or item is None or found[0].status is not PostStatus.HIDDEN:
                return
            await conclude_item(
                session,
                item_id=item.id,
                expected_version=item.version,
                post=found[0],
                author=found[2],
                vault=self._vault,
                # The appeal's answer tells the author; no second notice.
                conclusion=Conclusion(
                    status=PostStatus.APPROVED, actor=self.handle(key), action="appeal:restore"
                ),
                now=now,
            )
            return
        identity = await identities_repo.ensure_identity(
            session, self._vault, person, now, lock=True
        )
        held = identity.state.suspension
        if identity.suspended and held is not None and held.audit_id == suspension_audit_id:
            # The answer to the appeal is the person's notice: no second one.
            await end_suspension(
                session,
                self._vault,
                key=person,
                identity=identity,
                why="appeal",
                now=now,
                tell=False,
            )
