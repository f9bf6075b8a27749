"""Telegram HTML output: cleaning, escaping and splitting text into messages.

The bot sends every message with ``parse_mode=HTML``. Telegram requires ``<``, ``>`` and ``&``
outside tags and entities to be escaped; quotes only matter inside attribute values. A message
may hold at most 4,096 characters after entity parsing and PTB does not split longer ones, so
the functions here do. Lengths are measured in UTF-16 code units, the unit Telegram uses for
entity offsets (:func:`telegram_text.telegram_length`); that is never less than the code-point
count, so the result fits either way. Parsing Telegram HTML the way Telegram does is the fake
Bot API's job (:mod:`fake_telegram.html`), not the bot's.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from telegram_text import TELEGRAM_MESSAGE_LIMIT, telegram_length

# The longest escape of one character is "&amp;": any smaller limit cannot always progress.
MIN_LIMIT: Final = 5

# C0/C1 controls except tab and newline, plus bidirectional overrides and isolates, which
# can make a post display differently from what moderators approved ("Trojan Source").
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")

_TAG = re.compile(r"<[^<>]*>")
_TOKEN = re.compile(
    r"(?P<tag><[^<>]*>)|(?P<entity>&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);)"
    r"|(?P<text>[^<&]+|[<&])"
)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")

# Preferred places to end a message, best first. A break is only taken if it keeps at least
# half of the room used, so one early blank line does not produce a tiny message.
_PLAIN_BREAKS: Final = ("\n\n", "\n", " ")


def clean_text(text: str) -> str:
    """Normalises user-supplied text before it is stored or echoed.

    Line breaks become ``\\n``; control characters other than ``\\n`` and ``\\t`` and Unicode
    bidi override/isolate characters are removed; lone surrogates (which cannot be encoded
    as UTF-8) become U+FFFD.

    Args:
        text: Raw text, e.g. a Telegram message.

    Returns:
        The cleaned text.
    """
    text = _LINE_BREAKS.sub("\n", text)
    text = _UNWANTED.sub("", text)
    return _SURROGATE.sub("\ufffd", text)


def escape(text: str) -> str:
    """Escapes plain text for Telegram's HTML parse mode (``&``, ``<``, ``>``).

    Quotes are left alone: Telegram only needs them escaped inside attribute values, for
    which use :func:`escape_attribute`.

    Args:
        text: Plain text.

    Returns:
        Text safe to place between HTML tags.
    """
    return html.escape(text, quote=False)


def escape_attribute(text: str) -> str:
    """Escapes text for use inside a double-quoted attribute value (e.g. ``href``).

    Args:
        text: Plain text, e.g. a URL.

    Returns:
        The escaped text, quotes included.
    """
    return html.escape(text, quote=True)


def html_to_text(fragment: str) -> str:
    """Returns the text a Telegram HTML fragment displays: tags removed, entities resolved.

    Args:
        fragment: Telegram HTML.

    Returns:
        The plain text.
    """
    return html.unescape(_TAG.sub("", fragment))


def split_plain(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Splits plain (unescaped) text so that each piece, once escaped, fits in ``limit``.

    Pieces end after a paragraph break, else a line break, else a space, else between two
    characters (never inside a combining sequence when avoidable). ``"".join(pieces) == text``.

    Args:
        text: Plain text.
        limit: Maximum length of ``escape(piece)`` in UTF-16 code units (at least 5).

    Returns:
        The pieces, in order; empty for empty text.

    Raises:
        ValueError: If ``limit`` is below 5.
    """
    _check_limit(limit)
    costs = [_escaped_cost(ch) for ch in text]
    pieces: list[str] = []
    start = 0
    while start < len(text):
        room, end = limit, start
        while end < len(text) and costs[end] <= room:
            room -= costs[end]
            end += 1
        if end == len(text):
            pieces.append(text[start:])
            break
        cut = _plain_break(text, start, end)
        pieces.append(text[start:cut])
        start = cut
    return pieces


def split_message(html_text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Splits a Telegram HTML message into messages of at most ``limit`` code units.

    Cuts are never made inside a tag or an entity (``&amp;``). Tags open at a cut are closed
    at the end of one message and reopened at the start of the next, so every message is
    balanced if the input is. Cuts prefer paragraph, then line, then word boundaries. If tags
    are so long that no progress is possible, the text is split as plain text instead and
    the formatting dropped.

    Args:
        html_text: A balanced Telegram HTML message.
        limit: Maximum length of each message in UTF-16 code units (at least 5).

    Returns:
        The messages, in order; their displayed texts concatenate to the input's.

    Raises:
        ValueError: If ``limit`` is below 5.
    """
    _check_limit(limit)
    if telegram_length(html_text) <= limit:
        return [html_text] if html_text else []
    tokens = _tokenize(html_text)
    stacks = _open_tag_stacks(tokens)
    messages: list[str] = []
    start = 0
    while start < len(tokens):
        reopen = "".join(tag.text for tag in stacks[start])
        used = telegram_length(reopen)
        end = start
        breaks: dict[int, int] = {}
        while end < len(tokens):
            token = tokens[end]
            if used + token.cost + _closing_cost(stacks[end + 1]) > limit:
                break
            used += token.cost
            end += 1
            if token.text == " ":
                breaks[2] = end
            elif token.text == "\n":
                priority = 0 if end - 2 >= start and tokens[end - 2].text == "\n" else 1
                breaks[priority] = end
        if end == start:
            return [escape(piece) for piece in split_plain(html_to_text(html_text), limit)]
        if end < len(tokens):
            end = _html_break(tokens, start, end, breaks)
            # Closing tags right after the cut belong to this message: taking one written as
            # "</name>" costs exactly what closing the element would, and avoids an empty
            # element at the start of the next message.
            while (
                end < len(tokens)
                and len(stacks[end + 1]) < len(stacks[end])
                and tokens[end].cost == len(tokens[end].name) + 3
            ):
                end += 1
        body = "".join(token.text for token in tokens[start:end])
        messages.append(reopen + body + _closing(stacks[end]))
        start = end
    return messages


def paginate_blocks(
    blocks: Sequence[str], limit: int = TELEGRAM_MESSAGE_LIMIT, separator: str = "\n\n"
) -> list[str]:
    """Packs complete HTML fragments (e.g. one per post) into as few messages as fit.

    Blocks are never split unless one alone exceeds ``limit``; then it is split with
    :func:`split_message`. Blocks and messages that would display nothing are dropped,
    because Telegram rejects empty messages.

    Args:
        blocks: Balanced Telegram HTML fragments, already escaped.
        limit: Maximum message length in UTF-16 code units (at least 5).
        separator: Placed between blocks packed into one message.

    Returns:
        The messages, in order.

    Raises:
        ValueError: If ``limit`` is below 5.
    """
    _check_limit(limit)
    messages: list[str] = []
    current = ""
    for block in blocks:
        if not html_to_text(block).strip():
            continue
        if telegram_length(block) > limit:
            messages.append(current)
            current = ""
            messages.extend(split_message(block, limit))
            continue
        joined = f"{current}{separator}{block}" if current else block
        if telegram_length(joined) <= limit:
            current = joined
        else:
            messages.append(current)
            current = block
    messages.append(current)
    return [message for message in messages if html_to_text(message).strip()]


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["open", "close", "text"]
    text: str
    name: str = ""

    @property
    def cost(self) -> int:
        return telegram_length(self.text)


def _tokenize(html_text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(html_text):
        if match.lastgroup == "tag":
            name_match = _TAG_NAME.match(match.group())
            if name_match is None:  # e.g. "<>": not a tag Telegram knows; keep it atomic
                tokens.append(_Token("text", match.group()))
            else:
                kind: Literal["open", "close"] = "close" if name_match.group(1) else "open"
                tokens.append(_Token(kind, match.group(), name_match.group(2).lower()))
        elif match.lastgroup == "entity":
            tokens.append(_Token("text", match.group()))
        else:
            tokens.extend(_Token("text", ch) for ch in match.group())
    return tokens


def _open_tag_stacks(tokens: Sequence[_Token]) -> list[tuple[_Token, ...]]:
    """``stacks[i]`` is the tags open before token ``i``; ``stacks[len(tokens)]`` at the end."""
    stack: list[_Token] = []
    stacks: list[tuple[_Token, ...]] = [()]
    for token in tokens:
        if token.kind == "open":
            stack.append(token)
        elif token.kind == "close" and stack and stack[-1].name == token.name:
            stack.pop()
        stacks.append(tuple(stack))
    return stacks


def _closing(stack: tuple[_Token, ...]) -> str:
    return "".join(f"</{tag.name}>" for tag in reversed(stack))


def _closing_cost(stack: tuple[_Token, ...]) -> int:
    return sum(len(tag.name) + 3 for tag in stack)


def _html_break(tokens: Sequence[_Token], start: int, end: int, breaks: dict[int, int]) -> int:
    half = start + (end - start) // 2
    for priority in sorted(breaks):
        if breaks[priority] > half:
            return breaks[priority]
    # Hard cut: do not leave an empty element (an opening tag) at the end of a message.
    while end - 1 > start and tokens[end - 1].kind == "open":
        end -= 1
    return end


def _plain_break(text: str, start: int, end: int) -> int:
    half = start + (end - start) // 2
    for separator in _PLAIN_BREAKS:
        found = text.rfind(separator, start, end)
        if found >= 0 and found + len(separator) > half:
            return found + len(separator)
    cut = end
    while cut - 1 > start and _continues_previous(text, cut):
        cut -= 1
    return cut


def _continues_previous(text: str, index: int) -> bool:
    ch = text[index]
    code = ord(ch)
    return (
        unicodedata.combining(ch) != 0
        or ch == "\u200d"
        or text[index - 1] == "\u200d"
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin tones
    )


def _escaped_cost(ch: str) -> int:
    if ch == "&":
        return 5
    if ch in "<>":
        return 4
    return 2 if ord(ch) > 0xFFFF else 1


def _check_limit(limit: int) -> None:
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}")
