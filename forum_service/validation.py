"""Rules for text that enters the forum, shared by every entry point.

Each rule raises :class:`DomainError` with a stable code that API clients (the bot) rely on.
"""

from __future__ import annotations

import re
import unicodedata

from forum_service.domain import BODY_MAX, CONTENT_NOTE_MAX, TITLE_MAX, DomainError
from moderation.textfold import is_invisible

#: Reasons, notes and other one-paragraph texts of moderation.
REASON_MAX = 500

# C0 controls except tab/newline, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates that can make a post display differently from what moderators approved.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Directional marks (LRM, RLM, ALM) are typed by phone keyboards in mixed Hebrew or Arabic and
# Latin text: refusing them would refuse those writers; keeping them stores invisible text.
_DIRECTION_MARKS = re.compile("[\u061c\u200e\u200f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Every way of writing a line break becomes "\n" (U+0085, U+2028 and U+2029 included).
_LINE_BREAK = re.compile("\r\n|[\r\x85\u2028\u2029]")


def clean_text(raw: str, *, field: str, max_length: int) -> str:
    """Normalise and check one user-supplied text: the one hygiene rule of every text field.

    The text is kept as the author wrote it (NFC only: compatibility forms such as fullwidth
    letters keep their look; watched words match them through `moderation.textfold`), except
    that directional marks (U+200E, U+200F, U+061C) are dropped.

    Args:
        raw: the text as received.
        field: its name in error codes and messages (``title``, ``body``, ``reason``).
        max_length: the most characters allowed after normalisation.

    Returns:
        The text, NFC-normalised, every line break written ``\\n``, outer whitespace removed.

    Raises:
        DomainError: ``text_invalid_unicode`` (a lone surrogate), ``text_control_characters``
            (control or bidirectional characters), ``<field>_empty`` (nothing visible),
            ``<field>_too_long``.
    """
    if _SURROGATE.search(raw):
        raise DomainError("text_invalid_unicode", f"{field} is not valid Unicode text")
    text = unicodedata.normalize("NFC", _LINE_BREAK.sub("\n", _DIRECTION_MARKS.sub("", raw)))
    if _FORBIDDEN.search(text):
        raise DomainError(
            "text_control_characters", f"{field} contains control or direction-override characters"
        )
    text = text.strip()
    if all(is_invisible(char) for char in text):
        raise DomainError(f"{field}_empty", f"{field} must not be empty or invisible")
    if len(text) > max_length:
        raise DomainError(
            f"{field}_too_long", f"{field} is {len(text)} characters; the limit is {max_length}"
        )
    return text


def clean_title(raw: str) -> str:
    """Check a thread title (at most 200 characters, single line)."""
    title = clean_text(raw, field="title", max_length=TITLE_MAX)
    if "\n" in title:
        raise DomainError("title_multiline", "title must be a single line")
    return title


def clean_body(raw: str) -> str:
    """Check a post body (at most 4,000 characters)."""
    return clean_text(raw, field="body", max_length=BODY_MAX)


def clean_reason(raw: str) -> str:
    """Check a reason or note (at most 500 characters)."""
    return clean_text(raw, field="reason", max_length=REASON_MAX)


def clean_content_note(raw: str) -> str:
    """Check a content note ("sexual violence", "self-harm" ...: one line, 80 characters)."""
    note = clean_text(raw, field="content_note", max_length=CONTENT_NOTE_MAX)
    if "\n" in note:
        raise DomainError("content_note_multiline", "content_note must be a single line")
    return note
