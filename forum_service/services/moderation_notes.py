"""Moderators' notes on a queue item or on its author, and the author's history line.

Notes are for moderators and admins only. A note on an author is filed under the author's tag
for one scope (``moderation:notes``), so every note on one person is found again from any of
their posts while nothing at rest ties those notes to a post or a thread; the text is sealed.
The history line is computed when asked, from the author's own post ids (their sealed state)
and those posts' decisions: counts and reasons only, never which posts, so it does not link
the author's threads for the moderator reading it.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from forum_service.domain import (
    DomainError,
    IdentityKey,
    ItemNotes,
    ModerationNote,
    NotFound,
    Post,
    PostStatus,
    RejectReason,
)
from forum_service.services.staff import StaffService
from forum_service.storage import (
    boards_repo,
    moderation_notes_repo,
    moderation_repo,
    reject_reasons_repo,
)
from forum_service.storage.sessions import Session
from forum_service.validation import clean_text

NOTE_MAX = 500
#: Notes shown with an item (its own and its author's), newest kept.
NOTES_SHOWN = 20
#: How the history line names the seeded reject reasons (by the sentence a rejection starts
#: with); a reason the admins added (``/reasons``) is named by its button label.
REASON_LABELS = {
    "personal_details": "identifying details",
    "abusive": "abusive",
    "unsafe": "puts someone at risk",
    "off_topic": "off topic",
    "duplicate": "duplicate",
}
NoteAbout = Literal["item", "author"]


def history_line(earlier: list[Post], reasons: list[RejectReason]) -> str:
    """ "2 earlier posts by this author were rejected: identifying details (2)" from the
    author's earlier posts and the reject reasons in use; "other reasons" for free text."""
    refused = [p for p in earlier if p.status in (PostStatus.REJECTED, PostStatus.HIDDEN)]
    if not refused:
        return "No earlier post by this author was rejected."
    labels: Counter[str] = Counter()
    for post in refused:
        said = post.rejection_reason or ""
        label = next(
            (
                REASON_LABELS.get(reason.code, reason.label.lower())
                for reason in reasons
                if reason.text and said.startswith(reason.text)
            ),
            "other reasons",
        )
        labels[label] += 1
    named = ", ".join(f"{label} ({n})" if n > 1 else label for label, n in labels.items())
    count = len(refused)
    were = "post by this author was" if count == 1 else "posts by this author were"
    return f"{count} earlier {were} rejected: {named}"


class NotesService(StaffService):
    """Notes on queue items and authors, for moderators and admins."""

    async def add(
        self, key: IdentityKey, item_id: int, *, about: NoteAbout, text: str
    ) -> ModerationNote:
        """Write a note on an item, or on the author of its post.

        Raises:
            DomainError: ``note_required`` for an empty text (and the text rules).
            NotFound: ``item_not_found``.
        """
        body = clean_text(text, field="note", max_length=NOTE_MAX) if text else ""
        if not body:
            raise DomainError("note_required", "write the note after the item id")
        now = self._clock()
        async with self._db.write("moderation_note") as session:
            await self._staff(session, key, admin=False)
            post = await self._post_of_item(session, item_id)
            subject = await self._subject(session, item_id, post, about)
            note_id = await moderation_notes_repo.add_note(
                session,
                self._vault,
                subject=subject,
                author_handle=self.handle(key),
                text=body,
                now=now,
            )
            # The audit line says a note was written, not what it says nor about whom: a note on
            # an author names no item, since the item (its time, its order) would tie that
            # author's notes, filed under one tag, to their posts in every thread.
            if about == "item":
                await self._audit(session, key, "note:item", "item", item_id)
            else:
                await self._audit(session, key, "note:author", "author", None)
            return ModerationNote(
                id=note_id, about=about, author_handle=self.handle(key), text=body, created_at=now
            )

    async def of_item(self, key: IdentityKey, item_id: int) -> ItemNotes:
        """The notes on an item and on its author, oldest first, and the history line."""
        async with self._db.read("moderation_notes") as session:
            await self._staff(session, key, admin=False)
            post = await self._post_of_item(session, item_id)
            author_key, author = await self._author_of_post(session, post.id)
            subjects = {
                moderation_notes_repo.item_subject(item_id): "item",
                moderation_notes_repo.author_subject(
                    self._vault.tag(author_key, moderation_notes_repo.AUTHOR_SCOPE)
                ): "author",
            }
            notes = await moderation_notes_repo.notes(
                session, self._vault, subjects, limit=NOTES_SHOWN
            )
            earlier = [p for p in author.state.posts if p < post.id]
            posts = await boards_repo.posts_by_ids(session, earlier)
            reasons = await reject_reasons_repo.reasons(session)
            history = history_line(posts, reasons)
            return ItemNotes(item_id=item_id, notes=tuple(notes), history=history)

    async def _post_of_item(self, session: Session, item_id: int) -> Post:
        found = await moderation_repo.item(session, item_id, "", self._clock())
        if found is None:
            raise NotFound("item_not_found", f"there is no queue item {item_id}")
        return found[0].post

    async def _subject(self, session: Session, item_id: int, post: Post, about: NoteAbout) -> str:
        if about == "item":
            return moderation_notes_repo.item_subject(item_id)
        author_key, _ = await self._author_of_post(session, post.id)
        return moderation_notes_repo.author_subject(
            self._vault.tag(author_key, moderation_notes_repo.AUTHOR_SCOPE)
        )
