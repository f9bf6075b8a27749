"""An author takes back a post a moderator has not decided yet (``/myposts`` → Withdraw).

The queue item is closed as ``withdrawn`` with the same guarded update every conclusion uses,
so a moderator deciding at the same moment and the author cannot both win; the text is
erased, not kept (``storage.withdrawals_repo``).
"""

from __future__ import annotations

from forum_service.clock import Clock, utc_now
from forum_service.domain import Conflict, IdentityKey, NotFound, Post, PostStatus
from forum_service.storage import (
    audit_repo,
    boards_repo,
    identities_repo,
    moderation_repo,
    withdrawals_repo,
)
from forum_service.storage.database import Database


class WithdrawalService:
    """Withdrawing one's own pending posts.

    Args:
        db: the database.
        clock: time source.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._vault = db.vault
        self._clock = clock

    async def withdraw(self, key: IdentityKey, post_id: int) -> Post:
        """Withdraw my pending post; returns it as it is now (status ``withdrawn``, no text).

        Raises:
            NotFound: ``post_not_found`` (no such post, or not mine).
            Conflict: ``already_withdrawn``; ``already_decided`` once a moderator decided (or
                it was approved before and is back in the queue because of a report).
        """
        now = self._clock()
        async with self._db.write("withdraw_post") as session:
            await identities_repo.ensure_identity(session, self._vault, key.value, now)
            found = await boards_repo.post_with_author(session, post_id)
            if found is None or found[1] != self._vault.tag(
                key.value, f"thread:{found[0].thread_id}"
            ):
                raise NotFound("post_not_found", f"you have no post {post_id}")
            post = found[0]
            if post.status is PostStatus.WITHDRAWN:
                raise Conflict("already_withdrawn", f"post {post_id} was withdrawn already")
            item = await moderation_repo.item_of_post(session, post_id)
            if post.status is not PostStatus.PENDING or item is None:
                raise Conflict(
                    "already_decided",
                    f"post {post_id} was already decided ({post.status.value}); "
                    "it can no longer be withdrawn",
                )
            closed = await moderation_repo.conclude(
                session,
                item.id,
                expected_version=item.version,
                status=PostStatus.WITHDRAWN,
                now=now,
                clear_reports=False,
            )
            if not closed:
                raise Conflict(
                    "already_decided",
                    f"a moderator has just decided post {post_id}; it can no longer be withdrawn",
                )
            await boards_repo.set_post_status(session, post_id, PostStatus.WITHDRAWN, now)
            await withdrawals_repo.erase_text(
                session, post_id, thread_id=post.thread_id if post.is_opening else None
            )
            await audit_repo.audit(
                session,
                actor="author",
                action="withdraw",
                target_type="post",
                target_id=post_id,
                reason=None,
                details={"version": item.version},
                now=now,
            )
            after = await boards_repo.post_with_author(session, post_id)
            assert after is not None
            return after[0]
