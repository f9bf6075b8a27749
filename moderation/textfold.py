"""The matching form of a text: what watched words are compared against.

Someone evading a watched word writes it with a zero-width space, a soft hyphen, a word joiner,
a tag character, fullwidth letters, a Cyrillic "о" for a Latin "o", or combining marks. Folding
removes what is invisible, applies compatibility decomposition (fullwidth → ASCII), drops
combining marks, case-folds, and maps each remaining non-ASCII letter to the Latin letter it is
confusable with (Unicode TR39 confusables data, from the ``confusable_homoglyphs`` package).
The stored text stays what the author wrote: folding only decides where a match is, and
`FoldedText.span` maps a match back to the author's characters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import confusables

# Characters with no glyph of their own that are not format characters (category Cf).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_invisible(char: str) -> bool:
    """Whether ``char`` shows nothing by itself: format, control or combining characters,
    variation selectors, fillers such as U+3164 and the blank braille pattern, and spaces."""
    return (
        unicodedata.category(char) in {"Cf", "Cc", "Mn", "Me", "Zs", "Zl", "Zp"}
        or char in _BLANK_LETTERS
        or char.isspace()
    )


@dataclass(frozen=True, slots=True)
class FoldedText:
    """A folded text and, for each of its characters, the index of the original character."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty span of the folded text back to the original text."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str, *, casefold: bool = True) -> FoldedText:
    """Return the matching form of ``text`` (see the module docstring).

    Each whitespace character becomes one space (a line break one newline), and so do the
    blank letters people use as spaces (U+3164, U+2800 ...), so that phrases, word and
    sentence boundaries still work. Typographic apostrophes become ``'``.

    Args:
        text: What the author wrote.
        casefold: Lower-case too (watched words); risk patterns that read capitals keep case.
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in fold_char(char, casefold):
            chars.append(folded)
            origin.append(index)
    return FoldedText("".join(chars), tuple(origin))


_APOSTROPHES = frozenset("\u2018\u2019\u02bc\u2032")


@lru_cache(maxsize=65536)
def fold_char(char: str, casefold: bool = True) -> str:
    """The matching form of one character (possibly empty, possibly several characters)."""
    if char in "\n\r\x85\u2028\u2029":
        return "\n"  # line breaks still end sentences (risk patterns) after folding
    if char.isspace() or char in _BLANK_LETTERS:
        return " "
    if char in _APOSTROPHES:
        return "'"
    if is_invisible(char):
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    if casefold:
        kept = kept.casefold()
    return "".join(_latin_lookalike(c, casefold) for c in kept)


@lru_cache(maxsize=65536)
def _latin_lookalike(char: str, casefold: bool) -> str:
    if char.isascii():
        return char
    found = confusables.is_confusable(char, preferred_aliases=["latin"])
    if not found:
        return char
    for glyph in found[0]["homoglyphs"]:
        candidate = str(glyph["c"])
        if len(candidate) == 1 and candidate.isascii() and candidate.isalnum():
            return candidate.casefold() if casefold else candidate
    return char
