"""Admin use cases: moderators (invites), watched words, board settings, the audit log."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import (
    AuditEntry,
    DomainError,
    IdentityKey,
    NotFound,
    Role,
)
from forum_service.services.staff import StaffService
from forum_service.storage import boards_repo, identities_repo, moderation_repo
from forum_service.storage.tables import BoardRow, IdentityRow, InviteRow, WatchedWordRow
from moderation.watchwords import WatchAction, WatchedWord, normalise_watched_word

INVITE_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class WatchedWordEntry:
    """A watched word as admins see it."""

    id: int
    word: str
    action: WatchAction
    created_at: datetime


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


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
                await identities_repo.ensure_identity(session, key.value, now)
                await session.execute(
                    update(IdentityRow).where(IdentityRow.key == key.value).values(role="admin")
                )
        return len(keys)

    async def create_invite(self, key: IdentityKey, role: Role) -> str:
        """Create a one-time code that makes its redeemer a moderator (or admin)."""
        if role is Role.PRACTITIONER:
            raise DomainError("invalid_role", "invites are for moderator or admin")
        code = secrets.token_urlsafe(12)
        now = self._clock()
        async with self._db.write("create_invite") as session:
            await self._staff(session, key, admin=True)
            row = InviteRow(
                code_hash=_hash_code(code),
                role=role.value,
                created_by=self._pseudonyms.for_moderation(key.value),
                expires_at=now + INVITE_TTL,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            await self._audit(session, key, f"invite:{role.value}", "invite", row.id)
        return code

    async def redeem_invite(self, key: IdentityKey, code: str) -> Role:
        """Redeem an invite code; returns the role granted."""
        now = self._clock()
        async with self._db.write("redeem_invite") as session:
            await identities_repo.ensure_identity(session, key.value, now)
            row = (
                await session.execute(
                    select(InviteRow).where(InviteRow.code_hash == _hash_code(code))
                )
            ).scalar_one_or_none()
            if row is None or row.used_at is not None or row.expires_at < now:
                raise NotFound("invite_invalid", "this invite code is unknown, used or expired")
            row.used_at = now
            await session.execute(
                update(IdentityRow).where(IdentityRow.key == key.value).values(role=row.role)
            )
            await self._audit(
                session,
                key,
                "join",
                "invite",
                row.id,
                reason=None,
                details={"role": row.role},
            )
            return Role(row.role)

    async def moderators(self, key: IdentityKey) -> list[tuple[str, Role]]:
        """List moderators and admins by handle."""
        async with self._db.write("list_moderators") as session:
            await self._staff(session, key, admin=True)
            rows = (
                await session.execute(
                    select(IdentityRow.key, IdentityRow.role).where(
                        IdentityRow.role.in_([Role.MODERATOR.value, Role.ADMIN.value])
                    )
                )
            ).all()
        return sorted((self._pseudonyms.for_moderation(k), Role(r)) for k, r in rows)

    async def remove_moderator(self, key: IdentityKey, handle: str) -> None:
        """Make the moderator known by ``handle`` (e.g. "Moderator 4F2A9") a practitioner again."""
        async with self._db.write("remove_moderator") as session:
            await self._staff(session, key, admin=True)
            rows = (
                await session.execute(
                    select(IdentityRow.id, IdentityRow.key).where(
                        IdentityRow.role == Role.MODERATOR.value
                    )
                )
            ).all()
            wanted = handle.strip().lower()
            match = [
                identity_id
                for identity_id, k in rows
                if self._pseudonyms.for_moderation(k).lower() == wanted
            ]
            if not match:
                raise NotFound("moderator_not_found", f"no moderator is called {handle!r}")
            await session.execute(
                update(IdentityRow).where(IdentityRow.id == match[0]).values(role="practitioner")
            )
            await self._audit(session, key, "remove_moderator", "moderator", None, handle)

    async def watched_words(self, key: IdentityKey) -> list[WatchedWordEntry]:
        """List watched words."""
        async with self._db.write("list_watched_words") as session:
            await self._staff(session, key, admin=True)
            rows = (
                await session.execute(select(WatchedWordRow).order_by(WatchedWordRow.word))
            ).scalars()
            return [
                WatchedWordEntry(
                    id=r.id, word=r.word, action=WatchAction(r.action), created_at=r.created_at
                )
                for r in rows
            ]

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
            row = (
                await session.execute(select(WatchedWordRow).where(WatchedWordRow.word == word))
            ).scalar_one_or_none()
            if row is None:
                row = WatchedWordRow(word=word, action=action.value, created_at=now)
                session.add(row)
            else:
                row.action = action.value
            await session.flush()
            await self._audit(session, key, f"watched_word:{action.value}", "watched_word", row.id)
            return WatchedWordEntry(
                id=row.id, word=row.word, action=action, created_at=row.created_at
            )

    async def remove_watched_word(self, key: IdentityKey, word_id: int) -> None:
        """Remove a watched word."""
        async with self._db.write("remove_watched_word") as session:
            await self._staff(session, key, admin=True)
            result = await session.execute(
                delete(WatchedWordRow).where(WatchedWordRow.id == word_id)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound("watched_word_not_found", f"there is no watched word {word_id}")
            await self._audit(session, key, "watched_word:remove", "watched_word", word_id)

    async def set_auto_approve(self, key: IdentityKey, slug: str, enabled: bool) -> None:
        """Switch a board's auto-approval of low-risk posts (no PII, under every threshold)."""
        async with self._db.write("set_auto_approve") as session:
            await self._staff(session, key, admin=True)
            board = await boards_repo.board_by_slug(session, slug)
            if board is None:
                raise NotFound("board_not_found", f"there is no board called {slug!r}")
            await session.execute(
                update(BoardRow)
                .where(BoardRow.id == board.id)
                .values(auto_approve_low_risk=enabled)
            )
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
            return await moderation_repo.audit_log(session, before_id=before_id, limit=limit)


async def load_watched_words(session: AsyncSession) -> list[WatchedWord]:
    """Return every watched word for the screening worker and the submission check."""
    rows = (await session.execute(select(WatchedWordRow))).scalars()
    return [WatchedWord(word=r.word, action=WatchAction(r.action)) for r in rows]
