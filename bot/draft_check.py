"""Check before sending, as the author sees it: the draft with what was found highlighted.

The service returns spans as code-point indices into the texts it returns (the texts as they
would be stored); Python strings index code points too, so the bot slices those texts
directly. Telegram's UTF-16 offsets only arise when the HTML below is parsed, by Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Button, build
from bot.formatting import escape, paginate_blocks
from bot.forum_models import DraftCheck, DraftFinding

#: The longest stretch of a finding quoted in its line (the whole span is highlighted above).
QUOTE_MAX = 60

#: The content notes offered as buttons: callback field → the note.
COMMON_NOTES = {
    "sexual_violence": "sexual violence",
    "self_harm": "self-harm",
    "child_abuse": "child abuse",
}


def highlighted(text: str, findings: Sequence[DraftFinding]) -> str:
    """``text`` as Telegram HTML with each finding's span underlined and bold."""
    pieces: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = max(finding.start, cursor), min(finding.end, len(text))
        if start >= end:  # inside (or overlapping) the span highlighted before
            continue
        pieces += [escape(text[cursor:start]), f"<u><b>{escape(text[start:end])}</b></u>"]
        cursor = end
    pieces.append(escape(text[cursor:]))
    return "".join(pieces)


def finding_line(text: str, finding: DraftFinding) -> str:
    """One line per finding: "• this looks like a phone number: 07700 900123"."""
    quoted = text[finding.start : finding.end]
    if len(quoted) > QUOTE_MAX:
        quoted = quoted[: QUOTE_MAX - 1] + "…"
    if finding.kind == "risk_pattern":
        return f"• {escape(finding.description)} — “{escape(quoted)}”"
    return f"• {escape(finding.description)}: <b>{escape(quoted)}</b>"


def check_messages(
    check: DraftCheck, *, heading: str, content_note: str | None = None
) -> list[str]:
    """The confirmation after a check that found something, in as few messages as fit.

    Args:
        check: What the service found.
        heading: What the draft is, e.g. "New thread (safety)" or "Reply to thread 4".
        content_note: The note the author chose, if any.
    """
    texts = {"title": check.title or "", "body": check.body}
    found = [
        "<b>Before you send</b> — this could identify or endanger someone:",
        *(finding_line(texts[f.field], f) for f in check.findings),
    ]
    preview = [f"<b>{escape(heading)}</b>"]
    if check.title is not None:
        title_findings = [f for f in check.findings if f.field == "title"]
        preview.append(f"<b>{highlighted(check.title, title_findings)}</b>")
    if content_note:
        preview.append(f"Content note: {escape(content_note)}")
    preview.append(highlighted(check.body, [f for f in check.findings if f.field == "body"]))
    advice = (
        "<b>Remove and send</b> puts placeholders such as [phone number] in their place. "
        "<b>Edit</b> lets you change the text. <b>Send anyway</b> sends it as written; "
        "a moderator reads every post before anyone else sees it."
    )
    return paginate_blocks(["\n".join(found), "\n".join(preview), advice])


def check_buttons() -> InlineKeyboardMarkup:
    """Remove and send / Edit / Send anyway."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Remove and send", callback_data=build(Button.DRAFT_CHECK, "redact")
                ),
                InlineKeyboardButton("Edit", callback_data=build(Button.DRAFT_CHECK, "edit")),
                InlineKeyboardButton(
                    "Send anyway", callback_data=build(Button.DRAFT_CHECK, "send")
                ),
            ]
        ]
    )


def content_note_buttons() -> InlineKeyboardMarkup:
    """The content-note step: the three common notes, "Other…" and "None"."""
    common = [
        InlineKeyboardButton(note.capitalize(), callback_data=build(Button.CONTENT_NOTE, field))
        for field, note in COMMON_NOTES.items()
    ]
    return InlineKeyboardMarkup(
        [
            common,
            [
                InlineKeyboardButton("Other…", callback_data=build(Button.CONTENT_NOTE, "other")),
                InlineKeyboardButton("None", callback_data=build(Button.CONTENT_NOTE, "none")),
            ],
        ]
    )
