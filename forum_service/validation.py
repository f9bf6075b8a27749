"""Rules for text that enters the forum, shared by every entry point.

Each rule raises :class:`DomainError` with a stable code that API clients (the bot) rely on.
"""

from __future__ import annotations

import re
import unicodedata

from forum_service.domain import BODY_MAX, TITLE_MAX, DomainError

# C0 controls except tab/newline, DEL, C1 controls, and bidirectional overrides that can make a
# post display differently from what moderators approved.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(raw: str, *, field: str, max_length: int) -> str:
    """Normalise and check one user-supplied text.

    Args:
        raw: the text as received.
        field: its name in error codes and messages (``title``, ``body``, ``reason``).
        max_length: the most characters allowed after normalisation.

    Returns:
        The text, NFC-normalised, with ``\\r\\n`` turned into ``\\n`` and outer whitespace removed.

    Raises:
        DomainError: ``<field>_empty``, ``<field>_too_long`` or ``text_control_characters``.
    """
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    if _FORBIDDEN.search(text):
        raise DomainError(
            "text_control_characters", f"{field} contains control or direction-override characters"
        )
    text = text.strip()
    if not text:
        raise DomainError(f"{field}_empty", f"{field} must not be empty")
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
