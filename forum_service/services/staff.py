"""What moderator and admin use cases share: role checks and the audit log."""

from __future__ import annotations

from typing import Any

from forum_service.clock import Clock, utc_now
from forum_service.domain import Forbidden, Identity, IdentityKey, NotFound, Role
from forum_service.pseudonyms import Pseudonymizer
from forum_service.storage import audit_repo, boards_repo, identities_repo
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session


class StaffService:
    """Base of the services whose callers act as moderators or admins.

    Args:
        db: the database.
        pseudonyms: derives the handles actions are audited under.
        clock: time source.
    """

    def __init__(self, db: Database, pseudonyms: Pseudonymizer, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._pseudonyms = pseudonyms
        self._vault = db.vault
        self._clock = clock

    def handle(self, key: IdentityKey) -> str:
        """Return the handle the audit log records for ``key`` (e.g. "Moderator 4F2A9")."""
        return self._pseudonyms.for_moderation(key.value)

    def claim_tag(self, key: IdentityKey) -> str:
        """What a queue item's claim records of the moderator holding it (stable per moderator,
        like the audit handle, and unrelated to anything they post)."""
        return self._vault.tag(key.value, "moderation:claims")

    async def _staff(self, session: Session, key: IdentityKey, *, admin: bool) -> Identity:
        """Return the caller, refusing anyone without the role (checked here, not in the bot)."""
        identity = await identities_repo.ensure_identity(
            session, self._vault, key.value, self._clock()
        )
        if admin and identity.role is not Role.ADMIN:
            raise Forbidden("admin_only", "only admins can do this")
        if not admin and not identity.role.can_moderate:
            raise Forbidden("moderator_only", "only moderators can do this")
        if identity.suspended:
            raise Forbidden("identity_suspended", "your account is suspended")
        return identity

    async def _author_of_post(self, session: Session, post_id: int) -> tuple[str, Identity]:
        """The identity key and identity of a post's author, to act on them without naming them.

        Raises:
            NotFound: ``post_not_found``.
        """
        found = await boards_repo.post_with_author(session, post_id)
        if found is None:
            raise NotFound("post_not_found", f"there is no post {post_id}")
        author_key = self._vault.open_key(found[2].blob, found[2].context)
        author = await identities_repo.find_identity(session, self._vault, author_key)
        assert author is not None  # every author was an identity when they posted
        return author_key, author

    async def _audit(
        self,
        session: Session,
        key: IdentityKey,
        action: str,
        target_type: str,
        target_id: int | None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        """Append one line to the audit log under the caller's handle; returns its id."""
        return await audit_repo.audit(
            session,
            actor=self.handle(key),
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            details=details,
            now=self._clock(),
        )
