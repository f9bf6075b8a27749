"""Telegram's length unit, which the bot's splitting and the fake's limits both rely on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telegram_text import TELEGRAM_CAPTION_LIMIT, TELEGRAM_MESSAGE_LIMIT, telegram_length


def test_limits_are_telegrams() -> None:
    assert (TELEGRAM_MESSAGE_LIMIT, TELEGRAM_CAPTION_LIMIT) == (4096, 1024)


def test_characters_outside_the_basic_plane_count_twice() -> None:
    assert telegram_length("") == 0
    assert telegram_length("aé字") == 3
    assert telegram_length("😀") == 2
    assert telegram_length("e\u0301👍🏽") == 6  # combining accent 1 + two astral characters


@settings(database=None, max_examples=200, deadline=None)
@given(text=st.text())
def test_length_is_the_utf16_code_unit_count(text: str) -> None:
    assert telegram_length(text) == len(text.encode("utf-16-le", "surrogatepass")) // 2
