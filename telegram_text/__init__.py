"""Telegram's rules for message text: the length limits and the unit they are counted in.

Both sides of the Bot API need these facts and may not import each other: the bot
(:mod:`bot.formatting`) splits its messages so that they fit, and the fake Bot API
(:mod:`fake_telegram`) refuses, as Telegram does, those that do not. So they live here, in a
package that imports nothing from the project.

Telegram counts lengths, and entity offsets, in UTF-16 code units: a character outside the
Basic Multilingual Plane (most emoji) counts as two.
"""

from __future__ import annotations

from typing import Final

__all__ = ["TELEGRAM_CAPTION_LIMIT", "TELEGRAM_MESSAGE_LIMIT", "telegram_length"]

#: Most UTF-16 code units in a message's text after entity parsing.
TELEGRAM_MESSAGE_LIMIT: Final = 4096
#: Most UTF-16 code units in a media caption after entity parsing.
TELEGRAM_CAPTION_LIMIT: Final = 1024


def telegram_length(text: str) -> int:
    """Returns the length of ``text`` in UTF-16 code units, as Telegram counts.

    Args:
        text: Any text.

    Returns:
        The number of UTF-16 code units.
    """
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
