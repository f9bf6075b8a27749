"""Request and response bodies of the draft check (check before sending)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from forum_service.api.board_schemas import Body, Request, Title
from forum_service.services.drafts import DraftCheck, DraftFinding


class DraftCheckRequest(Request):
    """A draft to screen; nothing of it is stored."""

    title: Title | None = Field(default=None, description="a new thread's title")
    body: Body


class DraftFindingOut(BaseModel):
    """One thing the screens found, with its span in the returned (cleaned) text."""

    field: str = Field(description="title or body")
    kind: str = Field(description="a PII kind (phone, email, postcode ...) or risk_pattern")
    description: str = Field(description='for the author, e.g. "this looks like a phone number"')
    placeholder: str = Field(
        description='what replaces the span when redacted, e.g. "[phone number]"'
    )
    start: int = Field(description="first character: a Unicode code-point index into the field")
    end: int = Field(description="one past the last character (code points)")
    utf16_offset: int = Field(description="start in UTF-16 code units (Telegram entity offset)")
    utf16_length: int = Field(description="length in UTF-16 code units")

    @classmethod
    def of(cls, finding: DraftFinding) -> DraftFindingOut:
        """Convert a service finding."""
        return cls(
            field=finding.field,
            kind=finding.kind,
            description=finding.description,
            placeholder=finding.placeholder,
            start=finding.start,
            end=finding.end,
            utf16_offset=finding.utf16_offset,
            utf16_length=finding.utf16_length,
        )


class DraftCheckOut(BaseModel):
    """What the screens found in a draft, and the draft with every finding replaced.

    ``title`` and ``body`` are the texts as they would be stored (the one text rule applied:
    outer spaces trimmed, line breaks written ``\\n``, NFC); spans point into these.
    """

    clean: bool = Field(description="nothing was found")
    title: str | None
    body: str
    findings: list[DraftFindingOut]
    redacted_title: str | None
    redacted_body: str

    @classmethod
    def of(cls, check: DraftCheck) -> DraftCheckOut:
        """Convert a service result."""
        return cls(
            clean=not check.findings,
            title=check.title,
            body=check.body,
            findings=[DraftFindingOut.of(f) for f in check.findings],
            redacted_title=check.redacted_title,
            redacted_body=check.redacted_body,
        )
