"""Questions sent in advance of an expert forum: asked anonymously by people who answered
Going or Interested, screened for personal data, reviewed by a moderator, and collected for
the forum's lead.

Questions have their own small review (approve / reject under ``/questions``) rather than a
kind of moderation item: the queue's items are posts (threads, pseudonyms, revisions, the
worker's model scores), and a question is a short line that only the lead will read.
"""

from __future__ import annotations

from forum_service.domain import (
    Conflict,
    DomainError,
    ExpertForum,
    Forbidden,
    ForumQuestion,
    ForumStatus,
    IdentityKey,
    NotFound,
    QuestionStatus,
    Role,
    RsvpStatus,
)
from forum_service.services.staff import StaffService
from forum_service.storage import (
    expert_forums_repo,
    forum_questions_repo,
    identities_repo,
    outbox_repo,
)
from forum_service.validation import clean_text
from moderation.pii import PII_KIND_DESCRIPTIONS, find_pii

#: Longest question, in characters.
QUESTION_MAX = 500
#: Questions one person may send for one forum.
QUESTIONS_PER_PERSON = 3
#: Who may ask: people who said they are coming or interested (the waiting list said "going").
MAY_ASK = (RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.WAITING)


def _screened(text: str) -> str:
    """The question as stored, or a refusal that names what looks like personal data."""
    question = clean_text(text, field="question", max_length=QUESTION_MAX)
    findings = find_pii(question)
    if findings:
        found = "; ".join(
            f"{PII_KIND_DESCRIPTIONS.get(f.kind, f.kind)} “{question[f.start : f.end]}”"
            for f in findings
        )
        raise DomainError(
            "question_contains_pii",
            f"nothing was sent: your question looks like it contains personal data ({found}). "
            "Please ask it without details that identify anyone",
        )
    return question


class ForumQuestionService(StaffService):
    """Ask (people who answered a forum), review and list (moderators and admins).

    Args:
        db: the database.
        pseudonyms: moderator handles for the review and the audit log.
        clock: time source.
    """

    async def ask(self, key: IdentityKey, forum_id: int, text: str) -> ForumQuestion:
        """Send a question for an upcoming forum; it waits for a moderator's review.

        Raises:
            DomainError: the text rule's codes (``question_empty``, ``question_too_long`` ...),
                ``question_contains_pii``.
            NotFound: ``forum_not_found``.
            Conflict: ``forum_cancelled``, ``forum_held``, ``forum_started``,
                ``question_limit`` (already asked ``QUESTIONS_PER_PERSON``).
            Forbidden: ``identity_suspended``, ``rsvp_required`` (answer Going or Interested).
        """
        question = _screened(text)
        now = self._clock()
        async with self._db.write("forum_question_ask") as session:
            me = await identities_repo.ensure_identity(session, self._vault, key.value, now)
            if me.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            forum = await expert_forums_repo.forum_record(session, forum_id)
            if forum is None:
                raise NotFound("forum_not_found", f"there is no expert forum {forum_id}")
            if forum.status in (ForumStatus.CANCELLED, ForumStatus.HELD):
                code = "forum_cancelled" if forum.status is ForumStatus.CANCELLED else "forum_held"
                raise Conflict(code, f"expert forum {forum_id} takes no more questions")
            if forum.starts_at is not None and forum.starts_at <= now:
                raise Conflict("forum_started", "this forum has already started")
            answer = await expert_forums_repo.rsvp_of(session, self._vault, forum_id, key.value)
            if answer not in MAY_ASK:
                raise Forbidden(
                    "rsvp_required",
                    "questions in advance are for people who answered Going or Interested "
                    "(/forums)",
                )
            asked = await forum_questions_repo.asked_count(
                session, self._vault, forum_id, key.value
            )
            if asked >= QUESTIONS_PER_PERSON:
                raise Conflict(
                    "question_limit",
                    f"you have sent {QUESTIONS_PER_PERSON} questions for this forum already",
                )
            stored = await forum_questions_repo.add_question(
                session, self._vault, forum_id, key.value, question, now
            )
            reviewers = await identities_repo.staff(
                session, self._vault, [Role.MODERATOR, Role.ADMIN]
            )
            payload = {"forum_id": forum_id, "title": forum.title}
            await outbox_repo.fan_out(
                session,
                self._vault,
                {r.key: payload for r in reviewers if not r.suspended},
                kind="forum_question_waiting",
                # One alert per forum while an earlier one is still unsent.
                dedupe_prefix=f"forum_question_waiting:{forum_id}",
                now=now,
            )
            return stored

    async def questions(
        self, key: IdentityKey, forum_id: int
    ) -> tuple[ExpertForum, list[ForumQuestion]]:
        """A forum's questions, every status, oldest first (moderators and admins)."""
        async with self._db.write("forum_questions") as session:
            await self._staff(session, key, admin=False)
            found = await expert_forums_repo.forums(
                session, self._vault, viewer_key=None, ids=[forum_id]
            )
            if not found:
                raise NotFound("forum_not_found", f"there is no expert forum {forum_id}")
            return found[0], await forum_questions_repo.questions_of(session, forum_id)

    async def decide(self, key: IdentityKey, question_id: int, approve: bool) -> ForumQuestion:
        """Approve (it joins the lead's list) or reject a pending question.

        Raises:
            NotFound: ``question_not_found``.
            Conflict: ``question_already_decided``.
        """
        now = self._clock()
        status = QuestionStatus.APPROVED if approve else QuestionStatus.REJECTED
        async with self._db.write("forum_question_decide") as session:
            await self._staff(session, key, admin=False)
            if await forum_questions_repo.question(session, question_id) is None:
                raise NotFound("question_not_found", f"there is no question {question_id}")
            decided = await forum_questions_repo.decide(
                session, question_id, status, handle=self.handle(key), now=now
            )
            if not decided:
                raise Conflict(
                    "question_already_decided", f"question {question_id} was decided already"
                )
            await self._audit(
                session, key, f"forum_question:{status.value}", "forum_question", question_id
            )
            found = await forum_questions_repo.question(session, question_id)
            assert found is not None
            return found
