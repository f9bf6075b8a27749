"""Watched words: admin-configured words and phrases that flag a post for moderators."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from moderation.textfold import fold

MAX_WATCHED_WORD_LENGTH = 100


class WatchAction(StrEnum):
    """What a watched word does to the routing of a post (never a rejection by itself)."""

    BLOCK = "block"
    FLAG = "flag"
    REQUIRE_REVIEW = "require_review"


@dataclass(frozen=True)
class WatchedWord:
    """A word or phrase an admin asked moderators to watch for.

    Attributes:
        word: The word or phrase, ideally as returned by `normalise_watched_word`.
        action: What a match does to the routing of the post.
    """

    word: str
    action: WatchAction


@dataclass(frozen=True)
class WatchMatch:
    """One occurrence of a watched word in a post.

    Attributes:
        word: The watched word that matched (not the matched text).
        action: The watched word's action.
        start: Index of the first matched character.
        end: Index one past the last matched character.
    """

    word: str
    action: WatchAction
    start: int
    end: int


def normalise_watched_word(raw: str) -> str:
    """Validate an admin's input and return the form to store.

    Surrounding whitespace is removed, inner runs of whitespace become one space, and the
    result is case-folded (matching ignores case anyway; storing one form avoids duplicates).

    Args:
        raw: The word or phrase as typed.

    Returns:
        The normalised word.

    Raises:
        ValueError: If the word is empty, longer than 100 characters, or contains control
            or invisible formatting characters.
    """
    stripped = raw.strip()
    for char in stripped:
        if unicodedata.category(char) in {"Cc", "Cf"}:
            raise ValueError(
                f"watched word must not contain control characters (found U+{ord(char):04X})"
            )
    collapsed = " ".join(stripped.split())
    if not collapsed:
        raise ValueError("watched word must not be empty")
    if len(collapsed) > MAX_WATCHED_WORD_LENGTH:
        raise ValueError(
            f"watched word must be at most {MAX_WATCHED_WORD_LENGTH} characters "
            f"(got {len(collapsed)})"
        )
    return collapsed.casefold()


def match_watched_words(text: str, words: Sequence[WatchedWord]) -> list[WatchMatch]:
    """Find every occurrence of the watched words in a text.

    Matching is on the folded form of both (`moderation.textfold`): it ignores case, width,
    invisible characters, combining marks and Latin look-alikes from other scripts, so
    "trаfficking" with a Cyrillic "а" or "traf\u200bficking" still match "trafficking". It
    respects word boundaries in any script, so "ass" does not match "assessment"; a phrase
    matches across any run of whitespace ("debt  bondage").

    Args:
        text: The post text.
        words: The watched words of the board or forum.

    Returns:
        Matches, with spans in ``text`` as written, sorted by start then end; occurrences of
        different words may overlap.
    """
    if not words:
        return []
    folded = fold(text)
    matches: list[WatchMatch] = []
    for watched in words:
        pattern = _pattern_for(watched.word)
        if pattern is None:
            continue
        for found in pattern.finditer(folded.text):
            start, end = folded.span(found.start(), found.end())
            matches.append(WatchMatch(watched.word, watched.action, start, end))
    matches.sort(key=lambda m: (m.start, m.end, m.word))
    return matches


@lru_cache(maxsize=4096)
def _pattern_for(word: str) -> re.Pattern[str] | None:
    parts = fold(word).text.split()
    if not parts:
        return None
    body = r"\s+".join(re.escape(part) for part in parts)
    return re.compile(rf"(?<!\w){body}(?!\w)")
