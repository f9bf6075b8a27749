"""Admin use cases: moderators (invites), watched words, board settings, the audit log."""

from __future__ import annotations

from datetime import timedelta

from forum_service.domain import (
    AuditEntry,
    DomainError,
    IdentityKey,
    NotFound,
    Role,
    WatchedWordEntry,
    new_invite_code,
)
from forum_service.services.staff import StaffService
from forum_service.storage import (
    audit_repo,
    boards_repo,
    identities_repo,
    invites_repo,
    watched_words_repo,
)
from moderation.watchwords import WatchAction, normalise_watched_word

INVITE_TTL = timedelta(days=7)


class AdminService(StaffService):
    """What only admins may do; every change is audited under the admin's handle.

    Args:
        db: the database.
        pseudonyms: derives handles for the audit log and for naming moderators.
        clock: time source.
    """

    async def bootstrap_admins(self, keys: list[IdentityKey]) -> int:
        """Make the given identities admins (the bot's configured bootstrap admins)."""
        now = self._clock()
        async with self._db.write("bootstrap_admins") as session:
            for key in keys:
                identity = await identities_repo.ensure_identity(
                    session, self._vault, key.value, now
                )
                await identities_repo.set_role(session, identity.id, Role.ADMIN)
                # Whatever FORUM_MEMBERSHIP says, the operator's admins are members.
                await identities_repo.set_member(session, identity.id, True)
                # The operator's configured admins are the way back in: a suspension (by a
                # rogue or mistaken admin) must not outlive a restart of the bot.
                await identities_repo.set_suspended(session, identity.id, False)
        return len(keys)

    async def create_invite(self, key: IdentityKey, role: Role) -> str:
        """Create a one-time code that makes its redeemer a moderator (or admin) and a member.

        Redeeming is ``MembershipService.redeem``, the one path for every code.
        """
        if role is Role.PRACTITIONER:
            raise DomainError("invalid_role", "invites are for moderator or admin")
        code = new_invite_code()
        now = self._clock()
        async with self._db.write("create_invite") as session:
            await self._staff(session, key, admin=True)
            invite_id = await invites_repo.add_invite(
                session,
                self._vault,
                code=code,
                role=role,
                created_by=self.handle(key),
                expires_at=now + INVITE_TTL,
                now=now,
            )
            await self._audit(session, key, f"invite:{role.value}", "invite", invite_id)
        return code

    async def moderators(self, key: IdentityKey) -> list[tuple[str, Role]]:
        """List moderators and admins by handle."""
        async with self._db.write("list_moderators") as session:
            await self._staff(session, key, admin=True)
            staff = await identities_repo.staff(session, self._vault, [Role.MODERATOR, Role.ADMIN])
        return sorted((self._pseudonyms.for_moderation(m.key), m.role) for m in staff)

    async def remove_moderator(self, key: IdentityKey, handle: str) -> None:
        """Make the moderator known by ``handle`` (e.g. "Moderator 4F2A9") a practitioner again."""
        async with self._db.write("remove_moderator") as session:
            await self._staff(session, key, admin=True)
            wanted = handle.strip().lower()
            match = [
                member.id
                for member in await identities_repo.staff(session, self._vault, [Role.MODERATOR])
                if self._pseudonyms.for_moderation(member.key).lower() == wanted
            ]
            if not match:
                raise NotFound("moderator_not_found", f"no moderator is called {handle!r}")
            await identities_repo.set_role(session, match[0], Role.PRACTITIONER)
            await self._audit(session, key, "remove_moderator", "moderator", None, handle)

    async def watched_words(self, key: IdentityKey) -> list[WatchedWordEntry]:
        """List watched words."""
        async with self._db.write("list_watched_words") as session:
            await self._staff(session, key, admin=True)
            return await watched_words_repo.entries(session)

    async def add_watched_word(
        self, key: IdentityKey, raw: str, action: WatchAction
    ) -> WatchedWordEntry:
        """Add (or change the action of) a watched word."""
        try:
            word = normalise_watched_word(raw)
        except ValueError as error:
            raise DomainError("watched_word_invalid", str(error)) from None
        now = self._clock()
        async with self._db.write("add_watched_word") as session:
            await self._staff(session, key, admin=True)
            entry = await watched_words_repo.put(session, word, action, now)
            await self._audit(
                session, key, f"watched_word:{action.value}", "watched_word", entry.id
            )
            return entry

    async def remove_watched_word(self, key: IdentityKey, word_id: int) -> None:
        """Remove a watched word."""
        async with self._db.write("remove_watched_word") as session:
            await self._staff(session, key, admin=True)
            if not await watched_words_repo.remove(session, word_id):
                raise NotFound("watched_word_not_found", f"there is no watched word {word_id}")
            await self._audit(session, key, "watched_word:remove", "watched_word", word_id)

    async def set_auto_approve(self, key: IdentityKey, slug: str, enabled: bool) -> None:
        """Switch a board's auto-approval of low-risk posts (no PII, under every threshold)."""
        async with self._db.write("set_auto_approve") as session:
            await self._staff(session, key, admin=True)
            board = await boards_repo.board_by_slug(session, slug)
            if board is None:
                raise NotFound("board_not_found", f"there is no board called {slug!r}")
            await boards_repo.set_auto_approve(session, board.id, enabled)
            await self._audit(
                session,
                key,
                "auto_approve:on" if enabled else "auto_approve:off",
                "board",
                board.id,
            )

    async def audit_log(
        self, key: IdentityKey, before_id: int | None, limit: int
    ) -> list[AuditEntry]:
        """Read the audit log, newest first."""
        async with self._db.write("audit_log") as session:
            await self._staff(session, key, admin=True)
            return await audit_repo.audit_log(session, before_id=before_id, limit=limit)
