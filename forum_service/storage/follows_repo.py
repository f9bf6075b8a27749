"""Repository of follows (who is told of a thread's replies) and of the replies waiting to be
told of, one batch per thread.

A follow row holds the follower's tag for ``follow:<thread id>`` and their identity key
sealed; which threads a person follows is in their sealed state (``PersonState.follows``),
never in a column.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import PostStatus
from forum_service.storage.sessions import insert_or_ignore
from forum_service.storage.tables import FollowPendingReplyRow, FollowRow, PostRow
from forum_service.vault import Vault


def scope(thread_id: int) -> str:
    """The tag scope of a follow."""
    return f"follow:{thread_id}"


def follower_context(follower_tag: str) -> str:
    """What a follow's sealed key is bound to."""
    return f"follows.follower_seal|{follower_tag}"


async def follow(
    session: AsyncSession, vault: Vault, key: str, thread_id: int, now: datetime
) -> None:
    """Make ``key`` follow the thread (nothing happens when it already does)."""
    tag = vault.tag(key, scope(thread_id))
    # Every post runs this (authors follow their own threads): a Core statement built once
    # per dialect, on the connection, without the ORM's bulk-insert step.
    connection = await session.connection()
    stmt = _FOLLOW.get(connection.dialect.name)
    if stmt is None:
        stmt = _FOLLOW[connection.dialect.name] = insert_or_ignore(
            session, FollowRow, ["thread_id", "follower_tag"]
        )
    await connection.execute(
        stmt,
        {
            "thread_id": thread_id,
            "follower_tag": tag,
            "follower_seal": vault.seal_key(key, follower_context(tag)),
            "created_at": now,
        },
    )


_FOLLOW: dict[str, Any] = {}


async def unfollow(session: AsyncSession, vault: Vault, key: str, thread_id: int) -> None:
    """Stop ``key`` following the thread."""
    await session.execute(
        delete(FollowRow).where(
            FollowRow.thread_id == thread_id,
            FollowRow.follower_tag == vault.tag(key, scope(thread_id)),
        )
    )


async def is_following(session: AsyncSession, vault: Vault, key: str, thread_id: int) -> bool:
    """Whether ``key`` follows the thread."""
    found = await session.scalar(
        select(FollowRow.id).where(
            FollowRow.thread_id == thread_id,
            FollowRow.follower_tag == vault.tag(key, scope(thread_id)),
        )
    )
    return found is not None


async def followers(session: AsyncSession, vault: Vault, thread_id: int) -> list[str]:
    """Every follower's identity key (opened: the service is about to reach them)."""
    rows = await session.execute(
        select(FollowRow.follower_tag, FollowRow.follower_seal).where(
            FollowRow.thread_id == thread_id
        )
    )
    return [vault.open_key(seal, follower_context(tag)) for tag, seal in rows.all()]


async def add_pending_reply(
    session: AsyncSession, *, post_id: int, thread_id: int, now: datetime
) -> None:
    """Note an approved reply for its thread's next batch (once per reply)."""
    await session.execute(
        insert_or_ignore(session, FollowPendingReplyRow, ["post_id"]).values(
            post_id=post_id, thread_id=thread_id, approved_at=now
        )
    )


async def due_threads(session: AsyncSession, *, opened_before: datetime, limit: int) -> list[int]:
    """Threads whose oldest waiting reply was approved before ``opened_before``, oldest first."""
    oldest = func.min(FollowPendingReplyRow.approved_at)
    rows = await session.execute(
        select(FollowPendingReplyRow.thread_id)
        .group_by(FollowPendingReplyRow.thread_id)
        .having(oldest < opened_before)
        .order_by(oldest, FollowPendingReplyRow.thread_id)
        .limit(limit)
    )
    return [row[0] for row in rows.all()]


async def take_batch(session: AsyncSession, thread_id: int) -> list[tuple[int, str]]:
    """Remove a thread's waiting replies; return those still approved as ``(post id, author
    tag)`` (a reply hidden, held or un-approved since is not announced)."""
    rows = await session.execute(
        select(PostRow.id, PostRow.author_tag, PostRow.status)
        .join(FollowPendingReplyRow, and_(FollowPendingReplyRow.post_id == PostRow.id))
        .where(FollowPendingReplyRow.thread_id == thread_id)
        .order_by(PostRow.id)
    )
    found = rows.all()
    await session.execute(
        delete(FollowPendingReplyRow).where(
            FollowPendingReplyRow.post_id.in_([post_id for post_id, _, _ in found])
        )
    )
    return [(post_id, tag) for post_id, tag, status in found if status == PostStatus.APPROVED]
