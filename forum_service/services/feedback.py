"""Anonymous feedback to the admins ("We'd love to hear from you") and their one reply.

The text is screened before anything is stored, like a membership request: a finding of
personal data refuses it and says what was found. It reaches every admin through the outbox
with its id only, never who wrote it; an admin may reply once, through the service, which
opens the sealed author to deliver the reply and then forgets it. Nothing of it is ever
shown publicly. Feedback counts against the hourly report limit (one shared budget for
messages to staff).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from forum_service.domain import (
    Conflict,
    DomainError,
    Feedback,
    Forbidden,
    IdentityKey,
    NotFound,
    RateLimited,
    Role,
)
from forum_service.services.boards import REPORTS_PER_HOUR, within_window
from forum_service.services.staff import StaffService
from forum_service.storage import feedback_repo, identities_repo, outbox_repo
from forum_service.validation import clean_text
from moderation.pii import PII_KIND_DESCRIPTIONS, find_pii
from moderation.risk_patterns import discloses_crisis

FEEDBACK_MAX = 2000
REPLY_MAX = 2000
#: Notification kinds.
FEEDBACK = "feedback"
FEEDBACK_REPLY = "feedback_reply"


@dataclass(frozen=True, slots=True)
class SentFeedback:
    """What the author is told: the feedback's id, and whether to show the helplines now."""

    id: int
    signposting: bool


def _refuse_pii(text: str, field: str) -> None:
    findings = find_pii(text)
    if findings:
        found = "; ".join(
            f"{PII_KIND_DESCRIPTIONS.get(f.kind, f.kind)} “{text[f.start : f.end]}”"
            for f in findings
        )
        raise DomainError(
            f"{field}_contains_pii",
            f"nothing was sent: it looks like it contains personal data ({found}). "
            "Please leave it out: the admins do not need to know who anyone is",
        )


class FeedbackService(StaffService):
    """Members send feedback; admins read it in their notifications and reply once.

    Args:
        db: the database.
        pseudonyms: derives the handles admins are audited under.
        clock: time source.
    """

    async def send(self, key: IdentityKey, text: str) -> SentFeedback:
        """Send feedback to every admin, anonymously.

        Raises:
            DomainError: ``feedback_empty``, ``feedback_too_long``, ``text_control_characters``,
                ``feedback_contains_pii``.
            RateLimited: over the hourly limit.
        """
        message = clean_text(text, field="feedback", max_length=FEEDBACK_MAX)
        _refuse_pii(message, "feedback")
        now = self._clock()
        async with self._db.write("send_feedback") as session:
            identity = await identities_repo.ensure_identity(
                session, self._vault, key.value, now, lock=True
            )
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            recent = within_window(identity.state.report_times, now)
            if len(recent) >= REPORTS_PER_HOUR:
                raise RateLimited("rate_limited", "too many messages this hour; try again later")
            stamp = int(now.timestamp())
            await identities_repo.save_state(
                session,
                self._vault,
                identity,
                key.value,
                replace(identity.state, report_times=(*recent, stamp)),
            )
            feedback_id = await feedback_repo.add(session, self._vault, key.value, message, now)
            admins = await identities_repo.staff(session, self._vault, [Role.ADMIN])
            payload = {"feedback_id": feedback_id, "text": message}
            await outbox_repo.fan_out(
                session,
                self._vault,
                {admin.key: payload for admin in admins if not admin.suspended},
                kind=FEEDBACK,
                dedupe_prefix=f"{FEEDBACK}:{feedback_id}",
                now=now,
            )
        return SentFeedback(feedback_id, discloses_crisis(message))

    async def feedback(self, key: IdentityKey, feedback_id: int) -> Feedback:
        """One feedback as admins see it (the text; never its author)."""
        async with self._db.write("read_feedback") as session:
            await self._staff(session, key, admin=True)
            found = await feedback_repo.feedback(session, self._vault, feedback_id)
        if found is None:
            raise NotFound("feedback_not_found", f"there is no feedback {feedback_id}")
        return found[0]

    async def reply(self, key: IdentityKey, feedback_id: int, text: str) -> None:
        """Reply to a feedback, once; the author is told through the outbox, then forgotten.

        Raises:
            NotFound: ``feedback_not_found``.
            Conflict: ``feedback_already_answered`` (this admin or another replied already).
        """
        reply = clean_text(text, field="reply", max_length=REPLY_MAX)
        _refuse_pii(reply, "reply")
        now = self._clock()
        async with self._db.write("reply_feedback") as session:
            await self._staff(session, key, admin=True)
            found = await feedback_repo.feedback(session, self._vault, feedback_id)
            if found is None:
                raise NotFound("feedback_not_found", f"there is no feedback {feedback_id}")
            feedback, author = found
            # The guarded update decides between two admins replying at once.
            if author is None or not await feedback_repo.mark_replied(session, feedback_id, now):
                raise Conflict(
                    "feedback_already_answered",
                    f"feedback {feedback_id} has had its one reply already",
                )
            await outbox_repo.notify(
                session,
                self._vault,
                recipient_key=self._vault.open_key(author.blob, author.context),
                kind=FEEDBACK_REPLY,
                payload={"feedback_id": feedback_id, "text": reply, "feedback": feedback.message},
                now=now,
                dedupe_key=f"{FEEDBACK_REPLY}:{feedback_id}",
            )
            await self._audit(session, key, "feedback:reply", "feedback", feedback_id)
