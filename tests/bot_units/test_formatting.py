"""Telegram HTML output: escaping, cleaning and splitting.

What Telegram would display is checked with the fake Bot API's parser (``parse_html``), an
oracle outside the code under test.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formatting import (
    clean_text,
    escape,
    escape_attribute,
    html_to_text,
    paginate_blocks,
    split_message,
    split_plain,
)
from fake_telegram.html import parse_html
from telegram_text import telegram_length

# No example database: the suite must not leave a .hypothesis directory behind.
quick = settings(database=None, max_examples=150, deadline=None)

# Text with the characters that matter: escapes, line breaks, spaces, astral and combining.
awkward_text = st.lists(
    st.sampled_from([*"ab <>&\"'\n\t", "\u00e9", "\U0001f600", "e\u0301", "\u200d", "\u5b57"]),
    max_size=600,
).map("".join)


def test_escape_handles_what_telegram_requires_and_leaves_quotes() -> None:
    assert escape('<b>"Tom" & Jerry</b>') == '&lt;b&gt;"Tom" &amp; Jerry&lt;/b&gt;'
    assert escape_attribute('https://x.org/?q="a"&b') == "https://x.org/?q=&quot;a&quot;&amp;b"


def test_escaped_text_displays_exactly_the_original() -> None:
    original = 'if a < b && c > d: print("<i>")'

    assert parse_html(escape(original)) == (original, [])


def test_clean_text_removes_controls_and_bidi_overrides_but_keeps_layout() -> None:
    raw = "line one\r\nline\x00 two\rthree\t\x1b[31mred\u202eevil\u2066x\u2069\ud800 \x85end"

    assert clean_text(raw) == "line one\nline two\nthree\t[31mredevilx\ufffd \nend"


@quick
@given(text=awkward_text, limit=st.integers(min_value=5, max_value=120))
def test_split_plain_pieces_fit_once_escaped_and_rejoin_exactly(text: str, limit: int) -> None:
    pieces = split_plain(text, limit)

    assert "".join(pieces) == text
    assert all(piece for piece in pieces)
    assert all(telegram_length(escape(piece)) <= limit for piece in pieces)


def test_split_plain_prefers_paragraphs_then_lines_then_words_if_not_too_early() -> None:
    text = "first paragraph here\n\nsecond one\nwith lines and words"

    assert split_plain(text, 30) == [
        "first paragraph here\n\n",
        "second one\nwith lines and ",
        "words",
    ]
    assert split_plain("one line\nsecond line that is long", 24) == [
        "one line\nsecond line ",
        "that is long",
    ]
    assert split_plain("a line\nand more\nthen", 18) == ["a line\nand more\n", "then"]


def test_split_plain_keeps_combining_sequences_together() -> None:
    assert split_plain("abcde\u0301f", 5) == ["abcd", "e\u0301f"]


def _html_documents() -> st.SearchStrategy[str]:
    """Balanced Telegram HTML built from escaped text and nested simple tags."""
    tags = st.sampled_from(["b", "i", "code", "u", 'a href="https://e.org/?a=1&amp;b=2"'])
    leaf = awkward_text.map(escape)

    def wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        def element(tag: str, inner: list[str]) -> str:
            name = tag.split()[0]
            return f"<{tag}>{''.join(inner)}</{name}>"

        return st.builds(element, tags, st.lists(children, max_size=3))

    return st.lists(st.recursive(leaf, wrap, max_leaves=6), max_size=4).map("".join)


@quick
@given(document=_html_documents(), limit=st.integers(min_value=5, max_value=200))
def test_split_message_chunks_fit_are_valid_and_preserve_text(document: str, limit: int) -> None:
    chunks = split_message(document, limit)

    assert all(telegram_length(chunk) <= limit for chunk in chunks)
    assert all(len(chunk) <= limit for chunk in chunks)
    parsed = [parse_html(chunk)[0] for chunk in chunks]  # raises if a chunk is unbalanced
    assert "".join(parsed) == parse_html(document)[0]


def test_split_message_closes_and_reopens_tags_at_the_cut() -> None:
    document = "<b>" + "word " * 10 + "</b>"

    chunks = split_message(document, 30)

    assert chunks[0] == "<b>word word word word </b>"
    assert all(chunk.startswith("<b>") and chunk.endswith("</b>") for chunk in chunks)
    assert "".join(html_to_text(c) for c in chunks) == "word " * 10


def test_split_message_never_cuts_inside_an_entity() -> None:
    chunks = split_message("&amp;" * 10, 12)

    assert chunks == ["&amp;&amp;", "&amp;&amp;"] * 2 + ["&amp;&amp;"]


def test_short_message_is_returned_unchanged() -> None:
    assert split_message("<b>hi</b>") == ["<b>hi</b>"]
    assert split_message("") == []


def test_paginate_packs_blocks_and_splits_only_an_oversized_one() -> None:
    blocks = ["<b>One</b>", "   ", "<i>Two</i>", escape("x & y " * 20), "Three"]

    messages = paginate_blocks(blocks, limit=50)

    assert messages[0] == "<b>One</b>\n\n<i>Two</i>"
    assert messages[-1] == "Three" or messages[-1].endswith("Three")
    assert all(telegram_length(m) <= 50 for m in messages)
    shown = "".join(html_to_text(m) for m in messages[1:])
    assert shown.replace("\n\n", "").startswith("x & y x & y")
    assert all(html_to_text(m).strip() for m in messages)


@quick
@given(
    blocks=st.lists(awkward_text.map(escape), max_size=8),
    limit=st.integers(min_value=5, max_value=300),
)
def test_paginated_messages_fit_and_are_never_blank(blocks: list[str], limit: int) -> None:
    messages = paginate_blocks(blocks, limit, separator="|")

    assert all(telegram_length(m) <= limit for m in messages)
    assert all(parse_html(m)[0].strip() for m in messages)
    kept = [html_to_text(b) for b in blocks if html_to_text(b).strip()]
    shown = "".join(html_to_text(m) for m in messages).replace("|", "")
    # Only whitespace-only pieces of an oversized block may be dropped.
    assert "".join(shown.split()) == "".join("".join(kept).split())


def test_limits_below_one_escaped_character_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        split_plain("text", 4)
