"""Check before sending: what the moderation screens find in a draft, and the draft redacted.

The draft is screened by the worker's own pipeline (`moderation.screen_texts`: the rule-based
PII screen and the risk patterns; no model, no watched words — those stay the moderators'),
so what the author is shown is what moderators would be shown. Nothing is stored and nothing
is logged: the draft exists only in this call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from moderation.pii import PII_KIND_DESCRIPTIONS
from moderation.policy import ModerationPolicy
from moderation.risk_patterns import CRISIS_LABEL, PATTERN_PREFIX
from moderation.screening import screen_texts

#: The kind of a finding made by a risk pattern (the others are `moderation.PiiKind` values).
RISK_PATTERN = "risk_pattern"
#: What replaces the span of a risk pattern in the redacted text.
RISK_PLACEHOLDER = "[removed]"

_POLICY = ModerationPolicy()
# Descriptions that are read with "an" ("an e-mail address", "an NHS number").
_AN = ("e-mail", "NHS")


@dataclass(frozen=True, slots=True)
class DraftFinding:
    """Something in a draft that the screens would show a moderator.

    Attributes:
        field: ``title`` or ``body``.
        kind: A PII kind (``phone``, ``email`` ...) or ``risk_pattern``.
        description: What it looks like, for the author ("this looks like a phone number").
        placeholder: What replaces it in the redacted text ("[phone number]").
        start: First character of the span, a code-point index into the cleaned text.
        end: One past the last character of the span.
        utf16_offset: ``start`` in UTF-16 code units (Telegram's and JavaScript's unit).
        utf16_length: The span's length in UTF-16 code units.
    """

    field: str
    kind: str
    description: str
    placeholder: str
    start: int
    end: int
    utf16_offset: int
    utf16_length: int


@dataclass(frozen=True, slots=True)
class DraftCheck:
    """A checked draft: the texts as they would be stored, the findings, the redacted texts."""

    title: str | None
    body: str
    findings: tuple[DraftFinding, ...]
    redacted_title: str | None
    redacted_body: str


async def check_draft(title: str | None, body: str) -> DraftCheck:
    """Screen a draft (already cleaned by `validation.clean_title`/`clean_body`) off the loop.

    Args:
        title: A new thread's title, or None for a reply or a revision without one.
        body: The post's text.

    Returns:
        The findings of both texts, in order, and the texts with every span replaced.
    """
    return await asyncio.to_thread(_check, title, body)


def _check(title: str | None, body: str) -> DraftCheck:
    fields = [("body", body)] if title is None else [("title", title), ("body", body)]
    batch = screen_texts(
        [text for _, text in fields], scorer=None, policy=_POLICY, risk_patterns=True
    )
    findings: list[DraftFinding] = []
    redacted: dict[str, str] = {}
    for (name, text), result in zip(fields, batch.results, strict=True):
        spans = [
            (f.start, f.end, f.kind, _pii_description(f.kind), f"[{_pii_name(f.kind)}]")
            for f in result.pii
        ] + [
            (
                m.start,
                m.end,
                RISK_PATTERN,
                "moderators may read this as: " + m.word.removeprefix(PATTERN_PREFIX),
                RISK_PLACEHOLDER,
            )
            for m in result.watch_matches
            # Someone disclosing their own crisis is not asked to take it back: the post
            # goes through and its author is shown the helplines (the signposting card).
            if m.word.startswith(PATTERN_PREFIX)
            and m.word.removeprefix(PATTERN_PREFIX) != CRISIS_LABEL
        ]
        spans.sort(key=lambda s: (s[0], -s[1]))
        findings.extend(
            DraftFinding(
                field=name,
                kind=kind,
                description=description,
                placeholder=placeholder,
                start=start,
                end=end,
                utf16_offset=_utf16(text[:start]),
                utf16_length=_utf16(text[start:end]),
            )
            for start, end, kind, description, placeholder in spans
        )
        redacted[name] = _redact(text, [(s[0], s[1], s[4]) for s in spans])
    return DraftCheck(
        title=title,
        body=body,
        findings=tuple(findings),
        redacted_title=redacted.get("title"),
        redacted_body=redacted["body"],
    )


def _pii_name(kind: str) -> str:
    return PII_KIND_DESCRIPTIONS.get(kind, "personal details")


def _pii_description(kind: str) -> str:
    name = _pii_name(kind)
    return f"this looks like {'an' if name.startswith(_AN) else 'a'} {name}"


def _redact(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each span (sorted by start) with its placeholder; overlapping spans become one."""
    pieces: list[str] = []
    cursor = 0
    for start, end, placeholder in spans:
        if start < cursor:  # inside the previous replacement: widen it
            cursor = max(cursor, end)
            continue
        pieces += [text[cursor:start], placeholder]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
