"""Request and response bodies of the queue view's routes: redaction, undo, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from forum_service.api.board_schemas import Request
from forum_service.api.moderation_schemas import Reason, Version
from forum_service.domain import ItemNotes, ModerationNote


class RedactRequest(Request):
    """Redact one PII finding of the item as the moderator saw it."""

    version: Version
    finding: Annotated[
        StrictInt, Field(ge=0, le=999, description="the finding's position in the item's pii")
    ]


class UndoRequest(Request):
    """Undo one's own decision: the item's version as the decision left it."""

    version: Version


class NoteRequest(Request):
    """A note for moderators on the item or on its post's author."""

    text: Reason
    about: Literal["item", "author"] = Field(
        default="item", description="item: this item; author: the author of its post"
    )


class NoteOut(BaseModel):
    """A moderators' note (never who the author is)."""

    id: int
    about: str
    author_handle: str
    text: str
    created_at: datetime

    @classmethod
    def of(cls, note: ModerationNote) -> NoteOut:
        """Convert a domain note."""
        return cls(
            id=note.id,
            about=note.about,
            author_handle=note.author_handle,
            text=note.text,
            created_at=note.created_at,
        )


class NoteEnvelope(BaseModel):
    """One note."""

    note: NoteOut


class ItemNotesOut(BaseModel):
    """The notes on an item and on its author, oldest first, and the author's history."""

    item_id: int
    notes: list[NoteOut]
    history: str = Field(description='e.g. "2 earlier posts by this author were rejected: ..."')

    @classmethod
    def of(cls, found: ItemNotes) -> ItemNotesOut:
        """Convert domain notes."""
        return cls(
            item_id=found.item_id,
            notes=[NoteOut.of(n) for n in found.notes],
            history=found.history,
        )
