"""Following a thread: follow, unfollow, "/following", and the batched news of new replies.

Authors follow their own threads: starting a thread or replying to one follows it (the
boards service calls :func:`follow_own`). An approved reply is not sent to followers at once:
:func:`reply_approved` notes it, and the scheduler (:func:`send_due_batches`) tells each
follower once per thread per batch — "3 new replies in <title>" — when the batch's first reply
has waited ``FORUM_FOLLOW_BATCH_SECONDS``. Nobody is told of their own replies.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from forum_service.clock import Clock, utc_now
from forum_service.domain import (
    Identity,
    IdentityKey,
    NotFound,
    PersonState,
    Post,
    PostStatus,
    ThreadSummary,
)
from forum_service.storage import boards_repo, follows_repo, identities_repo, outbox_repo
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session
from forum_service.vault import Vault

#: How many followed threads ``/following`` lists (the newest follows).
FOLLOWING_LIMIT = 50
#: Threads whose batch is sent per scheduler pass.
BATCHES_PER_PASS = 50


async def follow_own(
    session: Session, vault: Vault, identity: Identity, key: str, thread_id: int, now: datetime
) -> Identity:
    """Follow a thread one starts or replies to, in the caller's transaction (the identity row
    must be locked). Returns the identity with the thread in its state."""
    await follows_repo.follow(session, vault, key, thread_id, now)
    return replace(identity, state=_with_follow(identity, thread_id))


def _with_follow(identity: Identity, thread_id: int) -> PersonState:
    state = identity.state
    if thread_id in state.follows:
        return state
    return replace(state, follows=(*state.follows, thread_id))


async def forget_follows(session: Session, vault: Vault, key: str, now: datetime) -> None:
    """Unfollow every thread one follows (their membership ended), in the caller's transaction."""
    identity = await identities_repo.ensure_identity(session, vault, key, now, lock=True)
    for thread_id in identity.state.follows:
        await follows_repo.unfollow(session, vault, key, thread_id)
    await identities_repo.save_state(
        session, vault, identity, key, replace(identity.state, follows=())
    )


async def reply_approved(session: Session, post: Post, now: datetime) -> None:
    """A reply was approved: put it in its thread's next batch for the followers.

    Called where a moderation item concludes as approved; a reply that is approved again
    after a report (it was announced already) and opening posts are not batched.
    """
    if post.is_opening or post.status is not PostStatus.PENDING:
        return
    await follows_repo.add_pending_reply(
        session, post_id=post.id, thread_id=post.thread_id, now=now
    )


async def send_due_batches(
    session: Session, vault: Vault, *, now: datetime, window: timedelta
) -> int:
    """Tell followers of every thread whose batch is due; returns how many batches were sent.

    Each follower gets one notification per batch counting the replies of others (none when
    every reply in it is their own). The dedupe key (thread and first reply) makes a batch
    taken twice at once (two schedulers on PostgreSQL) queue once per person.
    """
    threads = await follows_repo.due_threads(
        session, opened_before=now - window + timedelta(seconds=1), limit=BATCHES_PER_PASS
    )
    for thread_id in threads:
        replies = await follows_repo.take_batch(session, thread_id)
        found = await boards_repo.thread_with_author(session, thread_id)
        if not replies or found is None or found[0].status is not PostStatus.APPROVED:
            continue
        thread = found[0]
        recipients: dict[str, dict[str, Any]] = {}
        for key in await follows_repo.followers(session, vault, thread_id):
            mine = vault.tag(key, f"thread:{thread_id}")
            others = [post_id for post_id, author in replies if author != mine]
            if others:
                recipients[key] = {
                    "thread_id": thread_id,
                    "thread_title": thread.title,
                    "count": len(others),
                    "first_post_id": others[0],
                }
        await outbox_repo.fan_out(
            session,
            vault,
            recipients,
            kind="thread_replies",
            dedupe_prefix=f"thread_replies:{thread_id}:{replies[0][0]}",
            now=now,
        )
    return len(threads)


class FollowService:
    """Follow and unfollow threads, and list the ones followed.

    Args:
        db: the database.
        clock: time source.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._vault = db.vault
        self._clock = clock

    async def _readable_thread(self, session: Session, thread_id: int) -> ThreadSummary:
        found = await boards_repo.thread_with_author(session, thread_id)
        if found is None or found[0].status is not PostStatus.APPROVED:
            raise NotFound("thread_not_found", f"there is no thread {thread_id}")
        return found[0]

    async def set_following(self, key: IdentityKey, thread_id: int, *, following: bool) -> bool:
        """Follow (or unfollow) an approved thread; returns whether one follows it now."""
        now = self._clock()
        async with self._db.write("follow" if following else "unfollow") as session:
            identity = await identities_repo.ensure_identity(
                session, self._vault, key.value, now, lock=True
            )
            await self._readable_thread(session, thread_id)
            if following:
                state = (
                    await follow_own(session, self._vault, identity, key.value, thread_id, now)
                ).state
            else:
                await follows_repo.unfollow(session, self._vault, key.value, thread_id)
                kept = tuple(t for t in identity.state.follows if t != thread_id)
                state = replace(identity.state, follows=kept)
            await identities_repo.save_state(session, self._vault, identity, key.value, state)
            return following

    async def is_following(self, key: IdentityKey, thread_id: int) -> bool:
        """Whether the caller follows the thread (any thread id: unknown ones are not followed)."""
        async with self._db.read("following_one") as session:
            return await follows_repo.is_following(session, self._vault, key.value, thread_id)

    async def following(self, key: IdentityKey) -> list[ThreadSummary]:
        """The approved threads the caller follows, most recently followed first."""
        async with self._db.read("following") as session:
            identity = await identities_repo.find_identity(session, self._vault, key.value)
            if identity is None:
                return []
            threads = []
            for thread_id in reversed(identity.state.follows[-FOLLOWING_LIMIT:]):
                found = await boards_repo.thread_with_author(session, thread_id)
                if found is not None and found[0].status is PostStatus.APPROVED:
                    threads.append(found[0])
            return threads
