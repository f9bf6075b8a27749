"""Watched words: case-insensitive, whole-word, unicode-aware matching and input validation."""

from __future__ import annotations

import pytest

from moderation import (
    WatchAction,
    WatchedWord,
    WatchMatch,
    match_watched_words,
    normalise_watched_word,
)

FLAG = WatchAction.FLAG


def _matched(text: str, *words: str) -> list[str]:
    found = match_watched_words(text, [WatchedWord(w, FLAG) for w in words])
    return [text[m.start : m.end] for m in found]


def test_word_inside_a_longer_word_does_not_match() -> None:
    assert _matched("The risk assessment and the class list", "ass") == []


def test_match_ignores_case_and_reports_the_watched_word() -> None:
    found = match_watched_words("Don't be an ASS.", [WatchedWord("ass", FLAG)])

    assert found == [WatchMatch("ass", FLAG, 12, 15)]


def test_punctuation_counts_as_a_boundary() -> None:
    assert _matched("idiot! (idiot) idiot's 'idiot'", "idiot") == ["idiot"] * 4


def test_phrases_match_across_any_whitespace() -> None:
    assert _matched("They mentioned debt\n  bondage twice", "debt bondage") == ["debt\n  bondage"]


def test_unicode_letters_are_part_of_words() -> None:
    assert _matched("Café and café-owner, cafés", "café") == ["Café", "café"]
    assert _matched("идиот, идиоты", "идиот") == ["идиот"]


def test_words_with_symbols_are_matched_literally() -> None:
    assert _matched("you f*ck and fuck", "f*ck") == ["f*ck"]


def test_matches_of_several_words_are_sorted_and_may_overlap() -> None:
    found = match_watched_words(
        "I will kill you, kill",
        [WatchedWord("kill you", WatchAction.BLOCK), WatchedWord("kill", FLAG)],
    )

    assert [(m.word, m.start, m.end) for m in found] == [
        ("kill", 7, 11),
        ("kill you", 7, 15),
        ("kill", 17, 21),
    ]


def test_no_words_no_matches() -> None:
    assert match_watched_words("anything", []) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Debt   Bondage ", "debt bondage"), ("KILL", "kill"), ("f*ck", "f*ck")],
)
def test_normalise_collapses_whitespace_and_case(raw: str, expected: str) -> None:
    assert normalise_watched_word(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 101, "at most 100 characters"),
        ("bad\x00word", "control characters"),
        ("two\nlines", "control characters"),
        ("zero\u200bwidth", "control characters"),
    ],
)
def test_normalise_rejects_bad_input_with_a_clear_message(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalise_watched_word(raw)


def test_normalise_accepts_exactly_100_characters() -> None:
    assert normalise_watched_word("y" * 100) == "y" * 100


@pytest.mark.parametrize(
    "written",
    [
        "traf\u200bficking",  # zero-width space
        "traf\u00adficking",  # soft hyphen
        "traf\u2060ficking",  # word joiner
        "traf\U000e0041ficking",  # tag character
        "ｔｒａｆｆｉｃｋｉｎｇ",  # fullwidth letters
        "traffi\u0441king",  # Cyrillic es for "c"
        "tr\u0430fficking",  # Cyrillic a
        "t\u0301ra\u0308fficking",  # combining marks
    ],
)
def test_a_watched_word_written_to_evade_still_matches_where_it_was_written(
    written: str,
) -> None:
    text = f"Ask me about {written} jobs."
    words = [WatchedWord("trafficking", WatchAction.FLAG)]

    (match,) = match_watched_words(text, words)

    assert text[match.start : match.end] == written
    assert match.word == "trafficking"


def test_folding_keeps_word_boundaries_and_plain_text_unchanged() -> None:
    words = [WatchedWord("ass", WatchAction.FLAG), WatchedWord("cafe", WatchAction.FLAG)]

    assert match_watched_words("An assessment at the café.", words) == [
        WatchMatch("cafe", WatchAction.FLAG, 21, 25)
    ]
    assert match_watched_words("An ａｓｓ.", words)[0].word == "ass"


@pytest.mark.parametrize("blank", ["\u2800", "\u3164", "\u00a0"])
def test_a_blank_letter_used_as_a_space_still_separates_the_words_of_a_phrase(blank: str) -> None:
    words = [WatchedWord("debt bondage", WatchAction.FLAG)]
    assert [m.word for m in match_watched_words(f"about debt{blank}bondage", words)] == [
        "debt bondage"
    ]
