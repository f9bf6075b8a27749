"""Telegram's HTML parse mode as the fake applies it: what is displayed, what is refused."""

from __future__ import annotations

import pytest

from fake_telegram.html import HTMLEntityError, parse_html


def test_parse_html_reports_entities_in_utf16_units() -> None:
    text, entities = parse_html('😀 <b>bold</b> <a href="https://e.org">link</a> &amp;')

    assert text == "😀 bold link &"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "url": "https://e.org", "offset": 8, "length": 4},
    ]


@pytest.mark.parametrize(
    "bad",
    ["line<br>break", "<b>open", "<b><i>crossed</b></i>", "</b>", "<div>x</div>", "&#99999999;"],
)
def test_parse_html_rejects_what_telegram_rejects(bad: str) -> None:
    with pytest.raises(HTMLEntityError):
        parse_html(bad)
