"""One-tap redaction: a PII finding's span replaced by a placeholder, the other spans kept true.

Findings are spans in the text the screen saw: an opening post's title, a blank line, then its
body (`storage.moderation_repo.claim_for_screening`); a reply's body alone. Pure functions: no
storage, no logging (the texts are posts).
"""

from __future__ import annotations

from dataclasses import dataclass

from forum_service.domain import DomainError, Finding
from moderation.pii import PII_KIND_DESCRIPTIONS

#: Between an opening post's title and body in the screened text.
TITLE_GAP = "\n\n"
#: Shorter names for the buttons where the description is long ("Redact name").
_BUTTON_NAMES = {"person_name": "name", "social_handle": "social-media handle"}


def description(kind: str) -> str:
    """What a finding's kind is called ("phone number")."""
    return PII_KIND_DESCRIPTIONS.get(kind, "personal details")


def placeholder(kind: str) -> str:
    """What replaces a span of this kind ("[phone number]", as the check before sending does)."""
    return f"[{description(kind)}]"


def button_name(kind: str) -> str:
    """The kind as its Redact button says it ("Redact name", "Redact phone number")."""
    return _BUTTON_NAMES.get(kind, description(kind))


@dataclass(frozen=True, slots=True)
class Redacted:
    """The post's texts after one redaction, and the findings left (spans on the new texts)."""

    title: str | None
    body: str
    findings: list[Finding]


def excerpt(title: str | None, body: str, finding: Finding) -> str:
    """The text a finding covers (for the moderator's list)."""
    screened = body if title is None else f"{title}{TITLE_GAP}{body}"
    return screened[finding.start : finding.end]


def redact_one(title: str | None, body: str, findings: tuple[Finding, ...], index: int) -> Redacted:
    """Replace ``findings[index]`` by its placeholder; shift the later spans, drop overlapping.

    Args:
        title: An opening post's title (None for a reply).
        body: The post's text.
        findings: The item's findings, on ``title``/``body`` as they are now.
        index: Which one to redact.

    Raises:
        DomainError: ``finding_not_found`` for an index out of range, ``finding_out_of_text``
            when a span does not lie within the title or the body.
    """
    if not 0 <= index < len(findings):
        raise DomainError("finding_not_found", f"there is no finding {index + 1} on this item")
    target = findings[index]
    screened = body if title is None else f"{title}{TITLE_GAP}{body}"
    body_start = 0 if title is None else len(title) + len(TITLE_GAP)
    in_title = title is not None and target.end <= len(title)
    in_body = target.start >= body_start and target.end <= len(screened)
    if not (in_title or in_body) or target.start >= target.end:
        raise DomainError("finding_out_of_text", "this finding no longer matches the text")
    text = placeholder(target.kind)
    shift = len(text) - (target.end - target.start)
    new_screened = screened[: target.start] + text + screened[target.end :]
    left = [
        Finding(f.kind, f.start + shift, f.end + shift) if f.start >= target.end else f
        for i, f in enumerate(findings)
        if i != index and (f.end <= target.start or f.start >= target.end)
    ]
    if title is None:
        return Redacted(title=None, body=new_screened, findings=left)
    new_title_length = len(title) + (shift if in_title else 0)
    return Redacted(
        title=new_screened[:new_title_length],
        body=new_screened[new_title_length + len(TITLE_GAP) :],
        findings=left,
    )
