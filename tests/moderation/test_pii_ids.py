"""Rules for NI and NHS numbers, dates of birth and social-media handles."""

from __future__ import annotations

import pytest

from moderation import find_pii
from moderation.pii_ids import nhs_check_digit_ok


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text)]


@pytest.mark.parametrize(
    "number",
    [
        "AB123456C",
        "AB 12 34 56 C",
        "AB 123456 C",
        "ab123456c",  # lower case after a cue, below
        "AB-12-34-56-C",
        "A B 1 2 3 4 5 6 C",
        "QQ 12 34 56 C",  # HMRC's example prefix: reserved, still reported
        "ZZ123456A",
        "TN 31 01 90 F",  # temporary number with a sex suffix
    ],
)
def test_ni_numbers_in_every_spacing(number: str) -> None:
    text = f"her NI number is {number} apparently"

    assert _found(text) == [("ni_number", number)]


def test_ni_number_without_a_cue_needs_its_suffix_and_capitals() -> None:
    assert _found("Ref AB123456C on file") == [("ni_number", "AB123456C")]
    assert _found("Ref AB123456 on file") == []
    assert _found("see ab123456c") == []
    assert _found("NINO AB123456") == [("ni_number", "AB123456")]


@pytest.mark.parametrize(
    "text",
    ["DA123456A", "FA 12 34 56 B", "AO123456C", "AB123456E", "on 123456 a", "ISBN 123456"],
)
def test_invalid_ni_prefixes_and_suffixes_are_not_reported(text: str) -> None:
    assert [kind for kind, _ in _found(text)] == []


def test_nhs_check_digit() -> None:
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    assert not nhs_check_digit_ok("1234567890")  # remainder 10: never issued
    assert not nhs_check_digit_ok("943476591")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 943 476 5919.", "943 476 5919"),
        ("listed as 943-476-5919 on the letter", "943-476-5919"),
        ("NHS no: 9434765919", "9434765919"),
        # "no." then a lower-case word is not the end of a sentence (the label's cue was
        # case-insensitive, so any letter after ". " read as a new sentence).
        ("Her NHS no. is 9434765919 if the GP asks.", "9434765919"),
        ("NHS no. for her: 943.476.5919", "943.476.5919"),
    ],
)
def test_nhs_numbers_grouped_or_after_a_label(text: str, expected: str) -> None:
    assert _found(text) == [("nhs_number", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "Batch 9434765919 was misprinted",  # valid checksum but no label and no grouping
        "NHS number 943 476 5918",  # checksum fails
        "Ring +1 202 555 0143 from the US",  # grouped like an NHS number: a phone
        "Ask the NHS. Reference 9434765919 is the council's",  # the label's sentence ended
    ],
)
def test_ten_digit_look_alikes_are_not_nhs_numbers(text: str) -> None:
    assert "nhs_number" not in [kind for kind, _ in _found(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 14/03/1998, arrived 2019", "14/03/1998"),
        ("d.o.b. 12.11.01 per passport", "12.11.01"),
        ("date of birth: 3 March 2007", "3 March 2007"),
        ("She was born on 21st June 1989 in Kumasi", "21st June 1989"),
        ("Date of birth 2005-09-30", "2005-09-30"),
        ("born March 4, 1990 in Hanoi", "March 4, 1990"),
    ],
)
def test_dates_of_birth_next_to_a_birth_label(text: str, expected: str) -> None:
    assert _found(text) == [("date_of_birth", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "The hearing is on 14/03/2025.",
        "He was born in 1994 and arrived in 2016.",
        "DOB 45/13/1998",  # not a date
        "Her birthday is coming up next week.",
    ],
)
def test_dates_without_a_birth_label_or_with_only_a_year_are_not_reported(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She is @lily.rose_99 on Instagram", "@lily.rose_99"),
        (
            "see https://www.facebook.com/marius.dumitru.7.",
            "https://www.facebook.com/marius.dumitru.7",
        ),
        ("adverts from tiktok.com/@workabroad_jobs", "tiktok.com/@workabroad_jobs"),
        ("message t.me/anna_k_2001 gently", "t.me/anna_k_2001"),
        ("page linkedin.com/in/joanna-w-42 is fake", "linkedin.com/in/joanna-w-42"),
        ("her snapchat is kwame.b.official", "kwame.b.official"),
    ],
)
def test_social_handles_and_profile_urls(text: str, expected: str) -> None:
    assert _found(text) == [("social_handle", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "Meet @ 10am outside",
        "see you @10am",
        "her Instagram is private now",
        "email jane@example.org",  # an e-mail, reported as one
    ],
)
def test_handle_look_alikes(text: str) -> None:
    assert "social_handle" not in [kind for kind, _ in _found(text)]
