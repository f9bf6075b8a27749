"""Telegram's HTML parse mode, as the Bot API applies it to ``parse_mode=HTML`` texts.

The fake Bot API uses it to show what Telegram would display and to refuse what Telegram
would refuse ("can't parse entities"); tests use it to check that the bot's messages are
valid before Telegram sees them.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Final

from telegram_text import telegram_length

__all__ = ["HTMLEntityError", "parse_html"]

# Telegram's HTML tags and the entity type each produces; anything else is rejected.
# fmt: off
_TAG_ENTITIES: Final = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
# fmt: on
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HTMLEntityError(ValueError):
    """Text is not valid Telegram HTML; Telegram would answer "can't parse entities"."""


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parses Telegram HTML as the Bot API does for ``parse_mode=HTML``.

    Args:
        text: Telegram HTML.

    Returns:
        The displayed text and its ``MessageEntity`` dicts (offsets in UTF-16 code units),
        ordered by offset.

    Raises:
        HTMLEntityError: For unsupported tags, unbalanced tags or bad character references.
    """
    parser = _TelegramHTMLParser()
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        raise HTMLEntityError(f'can\'t find end tag for "{parser.open_tags[-1][0]}"')
    entities = sorted(parser.entities, key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(parser.pieces), entities


class _TelegramHTMLParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.pieces: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.open_tags: list[tuple[str, int, dict[str, Any]]] = []
        self._offset = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        entity_type = _TAG_ENTITIES.get(tag)
        if entity_type is None or (tag == "span" and values.get("class") != "tg-spoiler"):
            raise HTMLEntityError(f'unsupported start tag "{tag}"')
        entity: dict[str, Any] = {"type": entity_type}
        if tag == "a":
            entity["url"] = values.get("href") or ""
        if tag == "code" and self.open_tags and self.open_tags[-1][0] == "pre":
            language = (values.get("class") or "").removeprefix("language-")
            if language:
                self.open_tags[-1][2]["language"] = language
        self.open_tags.append((tag, self._offset, entity))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise HTMLEntityError(f'unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1][0] != tag:
            raise HTMLEntityError(f'unmatched end tag "{tag}"')
        _, start, entity = self.open_tags.pop()
        if self._offset > start:
            self.entities.append({**entity, "offset": start, "length": self._offset - start})

    def handle_data(self, data: str) -> None:
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(_NAMED_ENTITIES.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            self._append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))
        except (ValueError, OverflowError):
            raise HTMLEntityError(f'invalid character reference "{name}"') from None

    def _append(self, data: str) -> None:
        self.pieces.append(data)
        self._offset += telegram_length(data)
