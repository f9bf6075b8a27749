"""Suspensions: a moderator suspends the author of a post (or an admin a staff member by
handle) for some days or until lifted; the person is told why, until when and how to appeal,
and told again when it ends (lifted, run out, or an appeal upheld).

The suspension itself is the ``suspended`` flag plus, in the sealed state, the audit line that
started it (its identity: one appeal per suspension) and its end. Nothing else records whom.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from forum_service.domain import (
    Conflict,
    DomainError,
    Forbidden,
    Identity,
    IdentityKey,
    NotFound,
    Role,
    SuspensionState,
)
from forum_service.services.staff import StaffService
from forum_service.storage import audit_repo, identities_repo, outbox_repo
from forum_service.storage.database import Database
from forum_service.storage.sessions import Session
from forum_service.validation import REASON_MAX, clean_text
from forum_service.vault import Vault, epoch_seconds, from_epoch

MAX_DAYS = 365
#: Who the audit log names when a suspension runs out.
EXPIRY_ACTOR = "Policy (suspension ended)"


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a suspension is about: the author of a post, or a staff member by handle."""

    post_id: int | None = None
    handle: str | None = None

    def audit(self) -> tuple[str, int | None, str | None]:
        """The audit line's target type, id, and (for a handle) the handle."""
        if self.post_id is not None:
            return "author_of_post", self.post_id, None
        return "staff", None, self.handle


@dataclass(frozen=True, slots=True)
class Suspended:
    """What a suspension became: its audit line and its end (None: until lifted)."""

    audit_id: int
    until: datetime | None


async def end_suspension(
    session: Session,
    vault: Vault,
    *,
    key: str,
    identity: Identity,
    why: str,
    now: datetime,
    tell: bool = True,
) -> None:
    """Lift ``identity``'s suspension and, with ``tell``, tell them (``why``: lifted, ended)."""
    await identities_repo.set_suspended(session, identity.id, False)
    await identities_repo.save_state(
        session, vault, identity, key, replace(identity.state, suspension=None)
    )
    held = identity.state.suspension
    if not tell:
        return
    await outbox_repo.notify(
        session,
        vault,
        recipient_key=key,
        kind="suspension_lifted",
        payload={"why": why},
        now=now,
        dedupe_key=None if held is None else f"suspension-lifted:{held.audit_id}",
    )


class SuspensionService(StaffService):
    """Suspend and reinstate; every action is audited under the moderator's handle."""

    async def _target(self, session: Session, target: Target) -> tuple[str, Identity]:
        """The target's identity key and identity (locked: its state is rewritten)."""
        if target.post_id is not None:
            key, _ = await self._author_of_post(session, target.post_id)
        else:
            wanted = (target.handle or "").strip().lower()
            staff = await identities_repo.staff(session, self._vault, [Role.MODERATOR, Role.ADMIN])
            found = [m.key for m in staff if self.handle(IdentityKey(m.key)).lower() == wanted]
            if not found:
                raise NotFound(
                    "handle_not_found",
                    f"nobody on the team is called {target.handle!r}; to suspend a "
                    "practitioner, give the id of one of their posts",
                )
            key = found[0]
        identity = await identities_repo.ensure_identity(
            session, self._vault, key, self._clock(), lock=True
        )
        return key, identity

    async def _acting_on(
        self, session: Session, key: IdentityKey, target: Target
    ) -> tuple[str, Identity]:
        # Only admins act on staff, so only admins may name someone by handle.
        moderator = await self._staff(session, key, admin=target.handle is not None)
        target_key, identity = await self._target(session, target)
        if target_key == key.value:
            raise DomainError("cannot_suspend_self", "you cannot suspend or reinstate yourself")
        if not moderator.role.may_act_on(identity.role):
            raise Forbidden("outranked", "moderators can suspend practitioners only; ask an admin")
        return target_key, identity

    async def suspend(
        self, key: IdentityKey, target: Target, reason_text: str | None, days: int | None
    ) -> Suspended:
        """Suspend someone for ``days`` days (None: until lifted); they are told why, until
        when, and how to appeal. Suspending someone suspended already starts a new suspension.

        Raises:
            DomainError: ``reason_required``, ``reason_too_long`` (> 500), ``days_invalid``
                (not 1 to 365), ``cannot_suspend_self``.
            NotFound: ``post_not_found``, ``handle_not_found``.
            Forbidden: ``outranked`` (a moderator acting on staff).
        """
        if not reason_text or not reason_text.strip():
            raise DomainError("reason_required", "give a reason for the suspension")
        reason = clean_text(reason_text, field="reason", max_length=REASON_MAX)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise DomainError("days_invalid", f"days must be a number from 1 to {MAX_DAYS}")
        now = self._clock()
        until = now.replace(microsecond=0) + timedelta(days=days) if days else None
        async with self._db.write("suspend") as session:
            target_key, identity = await self._acting_on(session, key, target)
            target_type, target_id, handle = target.audit()
            audit_id = await self._audit(
                session,
                key,
                "suspend",
                target_type,
                target_id,
                reason=reason,
                details={"days": days, **({"handle": handle} if handle else {})},
            )
            held = SuspensionState(
                audit_id=audit_id, until=None if until is None else epoch_seconds(until)
            )
            await identities_repo.set_suspended(session, identity.id, True)
            await identities_repo.save_state(
                session, self._vault, identity, target_key, replace(identity.state, suspension=held)
            )
            await outbox_repo.notify(
                session,
                self._vault,
                recipient_key=target_key,
                kind="suspension",
                payload={
                    "reason": reason,
                    "until": None if until is None else until.isoformat(),
                },
                now=now,
                dedupe_key=f"suspension:{audit_id}",
            )
        return Suspended(audit_id=audit_id, until=until)

    async def lift(self, key: IdentityKey, target: Target) -> None:
        """Reinstate someone suspended; they are told.

        Raises:
            Conflict: ``not_suspended``.
        """
        now = self._clock()
        async with self._db.write("unsuspend") as session:
            target_key, identity = await self._acting_on(session, key, target)
            if not identity.suspended:
                raise Conflict("not_suspended", "they are not suspended")
            target_type, target_id, handle = target.audit()
            await self._audit(
                session,
                key,
                "unsuspend",
                target_type,
                target_id,
                details={"handle": handle} if handle else None,
            )
            await end_suspension(
                session, self._vault, key=target_key, identity=identity, why="lifted", now=now
            )


async def end_expired_suspensions(db: Database, now: datetime) -> int:
    """End every suspension whose time is up and tell each person (the scheduler calls this,
    so a suspension ends within ``FORUM_SCHEDULER_POLL_SECONDS`` of its end); returns how many.
    """
    ended = 0
    async with db.write("end_suspensions") as session:
        for key, identity in await identities_repo.suspended_identities(session, db.vault):
            held = identity.state.suspension
            if held is None or held.until is None or from_epoch(held.until) > now:
                continue
            await audit_repo.audit(
                session,
                actor=EXPIRY_ACTOR,
                action="unsuspend",
                target_type="suspension",
                target_id=held.audit_id,
                reason=None,
                details=None,
                now=now,
            )
            await end_suspension(
                session, db.vault, key=key, identity=identity, why="ended", now=now
            )
            ended += 1
    return ended
