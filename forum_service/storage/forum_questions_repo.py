"""Repository of questions sent in advance of an expert forum.

A question's asker is only a tag for that forum's questions (``forum-question:<forum id>``):
it caps how many one person asks, and matches no other row of theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import ForumQuestion, QuestionStatus
from forum_service.storage.tables import ForumQuestionRow
from forum_service.vault import Vault


def asker_tag(vault: Vault, key: str, forum_id: int) -> str:
    """A person's tag for one forum's questions (unrelated to their RSVP's tag)."""
    return vault.tag(key, f"forum-question:{forum_id}")


def _question(row: ForumQuestionRow) -> ForumQuestion:
    return ForumQuestion(
        id=row.id,
        forum_id=row.forum_id,
        text=row.text,
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        decided_by=row.decided_by,
    )


async def asked_count(session: AsyncSession, vault: Vault, forum_id: int, key: str) -> int:
    """How many questions (any status) this person has sent for this forum."""
    n = await session.scalar(
        select(func.count())
        .select_from(ForumQuestionRow)
        .where(
            ForumQuestionRow.forum_id == forum_id,
            ForumQuestionRow.asker_tag == asker_tag(vault, key, forum_id),
        )
    )
    return int(n or 0)


async def add_question(
    session: AsyncSession, vault: Vault, forum_id: int, key: str, text: str, now: datetime
) -> ForumQuestion:
    """Store a question, pending its moderator review."""
    row = ForumQuestionRow(
        forum_id=forum_id,
        asker_tag=asker_tag(vault, key, forum_id),
        text=text,
        status=QuestionStatus.PENDING.value,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return _question(row)


async def question(session: AsyncSession, question_id: int) -> ForumQuestion | None:
    """One question, or None."""
    row = await session.get(ForumQuestionRow, question_id)
    return None if row is None else _question(row)


async def questions_of(session: AsyncSession, forum_id: int) -> list[ForumQuestion]:
    """Every question of a forum, oldest first."""
    rows = await session.scalars(
        select(ForumQuestionRow)
        .where(ForumQuestionRow.forum_id == forum_id)
        .order_by(ForumQuestionRow.id)
    )
    return [_question(row) for row in rows]


async def decide(
    session: AsyncSession,
    question_id: int,
    status: QuestionStatus,
    *,
    handle: str,
    now: datetime,
) -> bool:
    """Approve or reject a pending question; False when it was no longer pending.

    A guarded update, so two moderators deciding at once cannot both succeed.
    """
    result = await session.execute(
        update(ForumQuestionRow)
        .where(
            ForumQuestionRow.id == question_id,
            ForumQuestionRow.status == QuestionStatus.PENDING.value,
        )
        .values(status=status.value, decided_at=now, decided_by=handle)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
