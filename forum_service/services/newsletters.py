"""The newsletter archive: admins publish the weekly update (a text, a PDF by Telegram file
id, or both); it is announced to every subscriber of all announcements, like /announce, in
the same transaction; members page through past issues, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forum_service.domain import DomainError, IdentityKey, Newsletter, NotFound
from forum_service.services.resources import clean_file_id, clean_line
from forum_service.services.staff import StaffService
from forum_service.storage import newsletters_repo, outbox_repo, subscriptions_repo
from forum_service.validation import clean_text

TITLE_MAX = 200
BODY_MAX = 3500
#: Notification kind.
NEWSLETTER = "newsletter"


@dataclass(frozen=True, slots=True)
class Published:
    """A newsletter just archived, and how many subscribers will receive it."""

    newsletter: Newsletter
    recipients: int


class NewsletterService(StaffService):
    """Publish (admins) and read (members) the weekly updates.

    Args:
        db: the database.
        pseudonyms: derives the handles admins are audited under.
        clock: time source.
    """

    async def publish(
        self, key: IdentityKey, *, title: str, body: str, document_file_id: str | None
    ) -> Published:
        """Archive a newsletter and queue it to every ``all`` subscriber.

        Raises:
            DomainError: ``newsletter_empty`` (neither a text nor a PDF), ``title_too_long``,
                ``body_too_long``, ``document_invalid`` ...
        """
        title = clean_line(title, "title", TITLE_MAX)
        body = clean_text(body, field="body", max_length=BODY_MAX) if body.strip() else ""
        document_file_id = None if document_file_id is None else clean_file_id(document_file_id)
        if not body and document_file_id is None:
            raise DomainError("newsletter_empty", "a newsletter needs a text or a PDF (or both)")
        now = self._clock()
        async with self._db.write("publish_newsletter") as session:
            await self._staff(session, key, admin=True)
            newsletter = await newsletters_repo.add(
                session, title=title, body=body, document_file_id=document_file_id, now=now
            )
            # The same fan-out as /announce: every "all" subscriber, one outbox row each.
            recipients = await subscriptions_repo.subscribers(session, self._vault, ["all"])
            payload: dict[str, Any] = {
                "newsletter_id": newsletter.id,
                "title": title,
                "text": body,
                "document_file_id": document_file_id,
            }
            count = await outbox_repo.fan_out(
                session,
                self._vault,
                dict.fromkeys(recipients, payload),
                kind=NEWSLETTER,
                dedupe_prefix=f"{NEWSLETTER}:{newsletter.id}",
                now=now,
            )
            await self._audit(
                session,
                key,
                "newsletter:publish",
                "newsletter",
                newsletter.id,
                details={"recipients": count, "document": document_file_id is not None},
            )
            return Published(newsletter, count)

    async def archive(self, before: int | None, limit: int) -> list[Newsletter]:
        """Past newsletters, newest first, older than id ``before`` when given."""
        async with self._db.read("newsletters") as session:
            return await newsletters_repo.newest(session, before=before, limit=limit)

    async def newsletter(self, newsletter_id: int) -> Newsletter:
        """One newsletter."""
        async with self._db.read("newsletter") as session:
            found = await newsletters_repo.newsletter(session, newsletter_id)
        if found is None:
            raise NotFound("newsletter_not_found", f"there is no newsletter {newsletter_id}")
        return found
