"""Membership: who may read and post (``FORUM_MEMBERSHIP``), invite codes for partner
organisations, membership requests, and removing a member.

Nothing here links a code, a label or a request to a person once it is used: redeeming a code
lowers its ``uses_left`` and sets the person's ``member`` flag, and the audit log says "join
via invite 7" without naming anyone. Only staff codes keep naming the new moderator in the
audit log, as before (a moderator's handle is public to the team anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from forum_service.clock import Clock, utc_now
from forum_service.domain import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Identity,
    IdentityKey,
    Invite,
    MembershipMode,
    NotFound,
    Role,
    new_invite_code,
)
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services import follows
from forum_service.services.staff import StaffService
from forum_service.storage import (
    audit_repo,
    identities_repo,
    invites_repo,
    membership_repo,
    outbox_repo,
    subscriptions_repo,
)
from forum_service.storage.database import Database
from forum_service.validation import clean_text
from moderation.pii import PII_KIND_DESCRIPTIONS, find_pii

DEFAULT_USES = 25
DEFAULT_DAYS = 30
MAX_USES = 10_000
MAX_DAYS = 365
LABEL_MAX = 120
REQUEST_MAX = 300
INVITE_LIST_MAX = 100


@dataclass(frozen=True, slots=True)
class CreatedInvite:
    """A fresh membership code and what an admin sees of it."""

    code: str
    invite: Invite


def how_to_join(mode: MembershipMode) -> str:
    """The sentence a non-member is refused with."""
    if mode is MembershipMode.APPROVAL:
        return (
            "this forum is for members: join with an invite code from a partner organisation "
            "or an admin, or send one short membership request for an admin to approve"
        )
    return (
        "this forum is for members: join with an invite code from a partner organisation "
        "or an admin"
    )


def counts_as_member(identity: Identity | None, mode: MembershipMode) -> bool:
    """Whether someone may read and post: everybody in open mode, else members and staff."""
    if mode is MembershipMode.OPEN:
        return True
    return identity is not None and (identity.member or identity.role.can_moderate)


class MembershipService(StaffService):
    """Membership use cases; admin ones are audited under the admin's handle.

    Args:
        db: the database.
        pseudonyms: derives handles for the audit log.
        mode: ``FORUM_MEMBERSHIP``.
        clock: time source.
    """

    def __init__(
        self,
        db: Database,
        pseudonyms: Pseudonymizer,
        *,
        mode: MembershipMode,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(db, pseudonyms, clock=clock)
        self.mode = mode

    def now(self) -> datetime:
        """The service's clock (tests move it)."""
        return self._clock()

    # --- the gate ---------------------------------------------------------------------------

    async def require_member(self, key: IdentityKey) -> None:
        """Refuse a non-member (403 ``membership_required``); nothing is written.

        Raises:
            Forbidden: ``membership_required``.
        """
        if self.mode is MembershipMode.OPEN:
            return
        found = await identities_repo.standing_now(self._db, key.value)
        # counts_as_member's rule, on the two columns it reads (no sealed state to open).
        if found is None or not (found[0] or found[1].can_moderate):
            raise Forbidden("membership_required", how_to_join(self.mode))

    # --- invite codes -----------------------------------------------------------------------

    async def create_invite(
        self,
        key: IdentityKey,
        *,
        uses: int = DEFAULT_USES,
        days: int = DEFAULT_DAYS,
        label: str | None = None,
    ) -> CreatedInvite:
        """Create a membership code for ``uses`` people, valid ``days`` days (admins)."""
        if not 1 <= uses <= MAX_USES:
            raise DomainError("invite_uses_invalid", f"uses must be from 1 to {MAX_USES}")
        if not 1 <= days <= MAX_DAYS:
            raise DomainError("invite_days_invalid", f"days must be from 1 to {MAX_DAYS}")
        cleaned = None
        if label is not None and label.strip():
            cleaned = clean_text(label, field="label", max_length=LABEL_MAX)
            if "\n" in cleaned:
                raise DomainError("label_multiline", "label must be a single line")
        code = new_invite_code()
        now = self._clock()
        async with self._db.write("create_member_invite") as session:
            await self._staff(session, key, admin=True)
            invite_id = await invites_repo.add_invite(
                session,
                self._vault,
                code=code,
                role=Role.PRACTITIONER,
                created_by=self.handle(key),
                expires_at=now + timedelta(days=days),
                now=now,
                uses=uses,
                label=cleaned,
            )
            await self._audit(session, key, "invite:member", "invite", invite_id)
            invite = await invites_repo.invite_by_code(session, self._vault, code)
        assert invite is not None
        return CreatedInvite(code=code, invite=invite)

    async def invites(self, key: IdentityKey) -> list[Invite]:
        """Membership codes, newest first (admins)."""
        async with self._db.write("list_member_invites") as session:
            await self._staff(session, key, admin=True)
            return await invites_repo.member_invites(session, self._vault, INVITE_LIST_MAX)

    async def revoke_invite(self, key: IdentityKey, code: str) -> Invite:
        """Withdraw a code (membership or staff) so nobody else can join with it (admins)."""
        now = self._clock()
        async with self._db.write("revoke_invite") as session:
            await self._staff(session, key, admin=True)
            invite = await invites_repo.invite_by_code(session, self._vault, code)
            if invite is None:
                raise NotFound("invite_invalid", "there is no invite with this code")
            if not await invites_repo.revoke(session, invite.id, now):
                raise Conflict("invite_revoked", "this invite code was revoked already")
            await self._audit(session, key, "invite:revoke", "invite", invite.id)
            found = await invites_repo.invite_by_code(session, self._vault, code)
        assert found is not None
        return found

    async def redeem(self, key: IdentityKey, code: str) -> Identity:
        """Redeem any invite code; returns the caller as they are afterwards.

        A membership code makes the caller a member; a staff code a member with its role.
        Redeeming never lowers a role, and someone who already holds what a code gives keeps
        the code's use for the people it was meant for. A suspended identity cannot redeem.

        Raises:
            NotFound: ``invite_invalid`` (unknown code).
            Gone: ``invite_revoked``, ``invite_expired``, ``invite_used_up``.
            Forbidden: ``identity_suspended``.
        """
        now = self._clock()
        async with self._db.write("redeem_invite") as session:
            identity = await identities_repo.ensure_identity(
                session, self._vault, key.value, now, lock=True
            )
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            invite = await invites_repo.invite_by_code(session, self._vault, code)
            if invite is None:
                raise NotFound(
                    "invite_invalid",
                    "this invite code is unknown: check that you copied all of it",
                )
            _refuse_unusable(invite, now)
            staff = invite.role is not Role.PRACTITIONER
            gains_role = staff and invite.role.rank > identity.role.rank
            if not gains_role and identity.member:
                return identity
            if not await invites_repo.use(session, invite.id):
                raise Gone("invite_used_up", _USED_UP)
            await identities_repo.set_member(session, identity.id, True)
            if gains_role:
                await identities_repo.set_role(session, identity.id, invite.role)
                await self._audit(
                    session, key, "join", "invite", invite.id, details={"role": invite.role.value}
                )
            else:
                # Nobody named: the code's label must not become a fact about a person.
                await audit_repo.audit(
                    session,
                    actor="new member",
                    action="join",
                    target_type="invite",
                    target_id=invite.id,
                    reason=None,
                    details=None,
                    now=now,
                )
            found = await identities_repo.find_identity(session, self._vault, key.value)
        assert found is not None
        return found

    # --- membership requests (approval mode) ------------------------------------------------

    async def request_membership(self, key: IdentityKey, text: str) -> int:
        """Send the one membership request of a non-member (approval mode); admins are told.

        The text is screened for personal data before anything is stored: a finding refuses
        it (``request_contains_pii``) and nothing is kept.

        Returns:
            The request's id.
        """
        if self.mode is not MembershipMode.APPROVAL:
            raise Conflict(
                "requests_closed",
                "membership here is by invite code only: ask a partner organisation or an "
                "admin for one",
            )
        message = clean_text(text, field="request", max_length=REQUEST_MAX)
        if "\n" in message:
            raise DomainError("request_multiline", "the request must be a single line")
        findings = find_pii(message)
        if findings:
            found = "; ".join(
                f"{PII_KIND_DESCRIPTIONS.get(f.kind, f.kind)} “{message[f.start : f.end]}”"
                for f in findings
            )
            raise DomainError(
                "request_contains_pii",
                f"nothing was sent: your request looks like it contains personal data ({found}). "
                "Please leave it out and say only who you are in general terms",
            )
        now = self._clock()
        async with self._db.write("request_membership") as session:
            identity = await identities_repo.ensure_identity(
                session, self._vault, key.value, now, lock=True
            )
            if identity.suspended:
                raise Forbidden("identity_suspended", "your account is suspended")
            if counts_as_member(identity, self.mode):
                raise Conflict("already_member", "you are a member already")
            if await membership_repo.has_request(session, self._vault, key.value):
                raise Conflict(
                    "request_pending", "your request is waiting for an admin; you will be told"
                )
            if identity.membership_requested:
                raise Conflict(
                    "request_already_sent",
                    "you have sent your one request already; to join, ask a partner "
                    "organisation or an admin for an invite code",
                )
            request_id = await membership_repo.add_request(
                session, self._vault, key.value, message, now
            )
            await identities_repo.set_membership_requested(session, identity.id)
            admins = await identities_repo.staff(session, self._vault, [Role.ADMIN])
            payload = {"request_id": request_id, "text": message}
            await outbox_repo.fan_out(
                session,
                self._vault,
                {admin.key: payload for admin in admins},
                kind="membership_request",
                dedupe_prefix=f"membership-request:{request_id}",
                now=now,
            )
        return request_id

    async def decide_request(self, key: IdentityKey, request_id: int, *, approve: bool) -> None:
        """Approve or decline a request (admins); the person is told; the request is deleted."""
        now = self._clock()
        async with self._db.write("decide_membership_request") as session:
            await self._staff(session, key, admin=True)
            request = await membership_repo.request(session, self._vault, request_id)
            if request is None or not await membership_repo.delete_request(session, request_id):
                raise NotFound(
                    "request_not_found", f"request {request_id} was decided already or never sent"
                )
            person = self._vault.open_key(request.requester.blob, request.requester.context)
            if approve:
                identity = await identities_repo.ensure_identity(session, self._vault, person, now)
                await identities_repo.set_member(session, identity.id, True)
            await outbox_repo.notify(
                session,
                self._vault,
                recipient_key=person,
                kind="membership_decision",
                payload={"approved": approve},
                now=now,
            )
            await self._audit(
                session,
                key,
                "membership:approve" if approve else "membership:decline",
                "membership_request",
                request_id,
            )

    # --- removing a member ------------------------------------------------------------------

    async def remove_member(self, key: IdentityKey, post_id: int) -> None:
        """End the membership of the author of a post, without revealing who (admins).

        Their subscriptions and follows go too, so announcements, digests and news of replies
        stop. Staff keep theirs: remove the moderator role first.
        """
        async with self._db.write("remove_member") as session:
            await self._staff(session, key, admin=True)
            author_key, author = await self._author_of_post(session, post_id)
            if author_key == key.value:
                raise DomainError("cannot_remove_self", "you cannot remove yourself")
            if author.role.can_moderate:
                raise Forbidden(
                    "member_is_staff",
                    "the author is a moderator or admin: remove the moderator role first",
                )
            if not author.member:
                raise Conflict("not_a_member", "the author of this post is not a member")
            await identities_repo.set_member(session, author.id, False)
            topics = await subscriptions_repo.all_topics(session)
            await subscriptions_repo.unsubscribe(session, self._vault, author_key, topics)
            await follows.forget_follows(session, self._vault, author_key, self._clock())
            await self._audit(session, key, "remove_member", "author_of_post", post_id)


_USED_UP = "this invite code has been used up; ask whoever gave it to you for a new one"


def _refuse_unusable(invite: Invite, now: datetime) -> None:
    """Refuse a revoked, expired or used-up code, each with its own code and sentence."""
    if invite.revoked:
        raise Gone(
            "invite_revoked",
            "this invite code was withdrawn by an admin; ask whoever gave it to you for a new one",
        )
    if invite.expires_at is not None and invite.expires_at < now:
        raise Gone(
            "invite_expired",
            f"this invite code expired on {invite.expires_at:%Y-%m-%d}; ask whoever gave it "
            "to you for a new one",
        )
    if invite.uses_left <= 0:
        raise Gone("invite_used_up", _USED_UP)
