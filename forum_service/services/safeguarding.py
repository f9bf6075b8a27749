"""Safeguarding in the queue: alerting staff on duty to an urgent item, telling reporters
the outcome of their report, and the signposting card's helplines.

Alerts and outcomes are outbox rows written in the caller's transaction, like every other
notification: a crash loses none and sends none twice. Neither ever carries a post's text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from forum_service.domain import URGENT_LANE, DomainError, Helpline, IdentityKey, NotFound, Post
from forum_service.services.alerts import urgent_recipients
from forum_service.services.staff import StaffService
from forum_service.storage import helplines_repo, moderation_repo, outbox_repo
from forum_service.storage.sessions import Session
from forum_service.validation import clean_text
from forum_service.vault import Vault

#: Notification kinds.
MODERATOR_ALERT = "moderator_alert"
REPORT_OUTCOME = "report_outcome"

HELPLINE_NAME_MAX = 80
HELPLINE_CONTACT_MAX = 200
HELPLINE_DESCRIPTION_MAX = 300
#: The card is one message: keep it short enough to read in a hurry.
MAX_HELPLINES = 20


async def alert_staff(
    session: Session,
    vault: Vault,
    *,
    item_id: int,
    version: int,
    reasons: Sequence[str],
    now: datetime,
    exclude: Collection[str] = (),
    lane: str = URGENT_LANE,
) -> int:
    """Alert staff at once that an urgent item (or, ``lane="report"``, a reported post) waits.

    Goes to every moderator and admin on duty (``alerts.urgent_recipients``: every admin when
    nobody is), outside the batch window of ordinary queue alerts. Once per item version: the
    dedupe key names both, so a retried transaction queues no second alert. ``exclude`` holds
    identity keys not to alert (the item's own author or reporter). Returns how many were
    alerted.
    """
    staff = await urgent_recipients(session, vault, exclude=exclude)
    payload = {"item_id": item_id, "reason": "; ".join(reasons), "lane": lane}
    return await outbox_repo.fan_out(
        session,
        vault,
        {member.key: payload for member in staff},
        kind=MODERATOR_ALERT,
        dedupe_prefix=f"{MODERATOR_ALERT}:{item_id}:{version}",
        now=now,
    )


async def tell_reporters(
    session: Session, vault: Vault, *, post: Post, kept: bool, now: datetime
) -> int:
    """Tell everyone who reported ``post`` and has not been told yet whether it was kept or
    removed, then clear their sealed keys (the report keeps its tag only). Returns how many."""
    reporters = await moderation_repo.reporters_to_tell(session, post.id)
    for report_id, sealed in reporters:
        await outbox_repo.notify(
            session,
            vault,
            recipient_key=vault.open_key(sealed.blob, sealed.context),
            kind=REPORT_OUTCOME,
            payload={"post_id": post.id, "outcome": "kept" if kept else "removed"},
            now=now,
            dedupe_key=f"{REPORT_OUTCOME}:{report_id}",
        )
    await moderation_repo.forget_reporters(session, [report_id for report_id, _ in reporters])
    return len(reporters)


def _clean_line(raw: str, field: str, max_length: int) -> str:
    text = clean_text(raw, field=field, max_length=max_length)
    if "\n" in text:
        raise DomainError(f"{field}_multiline", f"the {field} must be a single line")
    return text


class HelplineService(StaffService):
    """The signposting card: everyone reads it; admins add and remove helplines (audited).

    Args:
        db: the database.
        pseudonyms: derives the handles admins are audited under.
        clock: time source.
    """

    async def helplines(self) -> list[Helpline]:
        """Every helpline, in display order."""
        async with self._db.read("helplines") as session:
            return await helplines_repo.helplines(session)

    async def add(self, key: IdentityKey, name: str, contact: str, description: str) -> Helpline:
        """Add a helpline at the end of the card.

        Raises:
            DomainError: a field breaks the text rule (``name_empty``, ``contact_too_long``,
                ``name_multiline`` ...) or the card is full (``helplines_full``).
        """
        name = _clean_line(name, "name", HELPLINE_NAME_MAX)
        contact = _clean_line(contact, "contact", HELPLINE_CONTACT_MAX)
        description = (
            clean_text(description, field="description", max_length=HELPLINE_DESCRIPTION_MAX)
            if description.strip()
            else ""
        )
        now = self._clock()
        async with self._db.write("add_helpline") as session:
            await self._staff(session, key, admin=True)
            if await helplines_repo.count(session) >= MAX_HELPLINES:
                raise DomainError(
                    "helplines_full",
                    f"the card holds at most {MAX_HELPLINES} helplines; remove one first",
                )
            helpline = await helplines_repo.add(
                session, name=name, contact=contact, description=description, now=now
            )
            await self._audit(session, key, "helpline:add", "helpline", helpline.id)
            return helpline

    async def remove(self, key: IdentityKey, helpline_id: int) -> None:
        """Remove a helpline from the card."""
        async with self._db.write("remove_helpline") as session:
            await self._staff(session, key, admin=True)
            if not await helplines_repo.remove(session, helpline_id):
                raise NotFound("helpline_not_found", f"there is no helpline {helpline_id}")
            await self._audit(session, key, "helpline:remove", "helpline", helpline_id)
