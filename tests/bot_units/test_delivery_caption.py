"""A document's caption stays valid Telegram HTML within 1,024 units, however long the text."""

from __future__ import annotations

import pytest

from bot.delivery import caption
from fake_telegram.html import HTMLEntityError, parse_html
from telegram_text import TELEGRAM_CAPTION_LIMIT, telegram_length

LONG = [
    "x" * 1022 + "&amp; more text after the cut",  # text[:1024] would end inside "&amp;"
    "<b>Weekly update</b>\n\n" + "Tom &amp; Jerry " * 120,
    "😀" * 700,  # 1,400 UTF-16 units in 700 characters
    "<i>" + "word " * 400 + "</i>",
]


@pytest.mark.parametrize("html_text", LONG)
def test_a_long_caption_is_cut_between_tags_and_within_the_limit(html_text: str) -> None:
    shown, _ = parse_html(caption(html_text))

    assert telegram_length(shown) <= TELEGRAM_CAPTION_LIMIT
    assert shown.endswith("…")


def test_cutting_the_string_at_1024_characters_is_not_enough() -> None:
    """What the bot did before: 1,024 emoji characters are 2,048 of Telegram's units."""
    shown, _ = parse_html(("😀" * 700)[:1024])
    assert telegram_length(shown) > TELEGRAM_CAPTION_LIMIT
    with pytest.raises(HTMLEntityError):
        parse_html(("<b>" + "x" * 1030 + "</b>")[:1024])


def test_a_short_caption_is_kept_as_it_is() -> None:
    text = "<b>Weekly update</b> attached &amp; ready"
    assert caption(text) == text
