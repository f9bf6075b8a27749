"""The canned rejection reasons: moderators read them (the reject keyboard), admins keep them.

"Other" is not a stored reason: it is the free-text option every rejection keeps.
"""

from __future__ import annotations

from forum_service.domain import DomainError, IdentityKey, NotFound, RejectReason
from forum_service.services.staff import StaffService
from forum_service.storage import reject_reasons_repo
from forum_service.validation import clean_text

LABEL_MAX = 40
TEXT_MAX = 300
#: A keyboard of more buttons than this stops being quicker than typing.
REASONS_MAX = 20


def _one_line(raw: str, *, field: str, max_length: int) -> str:
    cleaned = clean_text(raw, field=field, max_length=max_length)
    if "\n" in cleaned:
        raise DomainError(f"{field}_multiline", f"the {field} must be a single line")
    return cleaned


class ReasonService(StaffService):
    """Reject reasons; every change is audited under the admin's handle."""

    async def reasons(self, key: IdentityKey) -> list[RejectReason]:
        """The reasons in keyboard order (moderators)."""
        async with self._db.write("reject_reasons") as session:
            await self._staff(session, key, admin=False)
            return await reject_reasons_repo.reasons(session)

    async def add(self, key: IdentityKey, label: str, text: str | None) -> RejectReason:
        """Add a reason at the end (admins). Without ``text`` the label is what the author
        receives.

        Raises:
            DomainError: ``label_empty``/``label_too_long`` (> 40), ``reason_empty``/
                ``reason_too_long`` (> 300), ``*_multiline``, ``reasons_full`` (20).
        """
        clean_label = _one_line(label, field="label", max_length=LABEL_MAX)
        clean_reason = _one_line(text or label, field="reason", max_length=TEXT_MAX)
        now = self._clock()
        async with self._db.write("add_reject_reason") as session:
            await self._staff(session, key, admin=True)
            if len(await reject_reasons_repo.reasons(session)) >= REASONS_MAX:
                raise DomainError(
                    "reasons_full", f"there are {REASONS_MAX} reasons already: remove one first"
                )
            added = await reject_reasons_repo.add(
                session, label=clean_label, text=clean_reason, now=now
            )
            await self._audit(session, key, "reject_reason:add", "reject_reason", added.id)
        return added

    async def remove(self, key: IdentityKey, reason_id: int) -> None:
        """Remove a reason (admins); decisions already taken keep their sentence."""
        async with self._db.write("remove_reject_reason") as session:
            await self._staff(session, key, admin=True)
            if not await reject_reasons_repo.remove(session, reason_id):
                raise NotFound("reason_not_found", f"there is no reject reason {reason_id}")
            current = await reject_reasons_repo.reasons(session)
            await reject_reasons_repo.set_order(session, [r.id for r in current])
            await self._audit(session, key, "reject_reason:remove", "reject_reason", reason_id)

    async def move(self, key: IdentityKey, reason_id: int, position: int) -> list[RejectReason]:
        """Put a reason at ``position`` (1 = first; past the end = last) (admins).

        Returns:
            The reasons in their new order.
        """
        if position < 1:
            raise DomainError("position_invalid", "positions start at 1")
        async with self._db.write("move_reject_reason") as session:
            await self._staff(session, key, admin=True)
            ids = [r.id for r in await reject_reasons_repo.reasons(session)]
            if reason_id not in ids:
                raise NotFound("reason_not_found", f"there is no reject reason {reason_id}")
            ids.remove(reason_id)
            ids.insert(min(position, len(ids) + 1) - 1, reason_id)
            await reject_reasons_repo.set_order(session, ids)
            await self._audit(
                session,
                key,
                "reject_reason:move",
                "reject_reason",
                reason_id,
                details={"position": min(position, len(ids))},
            )
            return await reject_reasons_repo.reasons(session)
