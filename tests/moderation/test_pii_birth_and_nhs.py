"""Dates of birth and NHS numbers in the phrasings the blind measurement found missing
(issue 16), and the look-alikes that must stay unreported: dates that are not births,
numbers labelled as something else."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from moderation import find_pii
from moderation.pii_ids import nhs_check_digit_ok

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "moderation_eval.jsonl"
THIS_YEAR = date.today().year


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "b." right before the date, alone or in brackets, after a maiden name
        ("a date of birth written b. 1990-08-17 on the old file", "1990-08-17"),
        ("Her cousin (b. 21 Oct 1994) was recruited too.", "21 Oct 1994"),
        ("registered as née Balan, b. 03.09.1983", "03.09.1983"),
        ("(b.17/08/1990)", "17/08/1990"),
        ("b. 17th August 1990, Iasi", "17th August 1990"),
        # labels and abbreviations, touching the date or not
        ("DoB: 5 Sept 1993", "5 Sept 1993"),
        ("D.O.B.: 21/10/1994", "21/10/1994"),
        ("d.o.b-21.10.94", "21.10.94"),
        ("dob21/10/1994 on the form", "21/10/1994"),
        ("Birth date 1994.10.21 from the ID card", "1994.10.21"),
        ("birth-date: 21/10/1994", "21/10/1994"),
        ("N.B. her D.O.B. is October 21st, 1994", "October 21st, 1994"),
        ("Date of birth (DD/MM/YYYY): 21/10/1994", "21/10/1994"),
        # a label several words before the date
        (
            "Her date of birth, as the embassy letter gives it, is 21 October 1994.",
            "21 October 1994",
        ),
        (
            "date of birth, which the first interpreter wrote down wrongly, is 21.10.1994",
            "21.10.1994",
        ),
        # the label after the date
        ("21/10/1994 (DOB) is what the council has.", "21/10/1994"),
        ("1994-10-21 is his date of birth, not 1995.", "1994-10-21"),
        ("21.10.1994 - that's her DOB on the bank letter", "21.10.1994"),
        ("21st of October 1994 was her real date of birth", "21st of October 1994"),
        # written months, ordinals, two-digit and apostrophe years, compact forms
        ("born on the 21st of October, 1994", "21st of October, 1994"),
        ("DOB: 21st Oct '94", "21st Oct '94"),
        ("dob:21oct1994", "21oct1994"),
        ("DOB:21OCT94 on the manifest", "21OCT94"),
        ("DOB 21 / 10 / 1994", "21 / 10 / 1994"),
        ("DOB 1994 10 21 on the card", "1994 10 21"),
        ("Born 21 Oct 94 in Asmara", "21 Oct 94"),
        ("She was born on October the 21st, 1994.", "October the 21st, 1994"),
        # month and year after a birth label (a person's date of birth, to the month)
        ("She was born October 1994, so she was 15 then.", "October 1994"),
        ("He was born in October 1994 in Kabul.", "October 1994"),
        ("DOB: 10/1994 is all the form has.", "10/1994"),
        ("DOB: Oct-1994", "Oct-1994"),
        # eight digits right after a label
        ("DOB 21101994 (no separators on the old system)", "21101994"),
        # an age beside the date
        (f"aged 17, born 03.03.{THIS_YEAR - 17}", f"03.03.{THIS_YEAR - 17}"),
        (f"16 y/o, 03.03.{THIS_YEAR - 16} on his papers", f"03.03.{THIS_YEAR - 16}"),
        # form dumps
        ("Nationality: Eritrean\nDOB: 21/10/1994\nLanguage: Tigrinya", "21/10/1994"),
        ("Status: NRM pending | D.O.B: 21 Oct 1994 | GP: none", "21 Oct 1994"),
    ],
)
def test_dates_of_birth_in_every_phrasing(text: str, expected: str) -> None:
    assert _found(text) == [("date_of_birth", expected)]


def test_two_dates_of_birth_in_one_post_are_both_found() -> None:
    text = "Both girls (b. 2012-03-09 and b. 2015-11-21) are with their mother."

    assert _found(text) == [("date_of_birth", "2012-03-09"), ("date_of_birth", "2015-11-21")]


@pytest.mark.parametrize(
    "text",
    [
        # "born" only takes the date right after it
        "The network was born out of a meeting on 3 March 2019.",
        "Born out of frustration, the group first met on 12/01/2022.",
        "The new born baby unit called on 02/11/2024 about the discharge.",
        "The first-born son started school on 4 September 2023.",
        # "b." as a list item, a paragraph or a bundle page
        "Options: a. 12/03/2025 b. 19/03/2025 c. 26/03/2025",
        "Items: a. 2024-04-01 rent, b. 2024-05-01 rent",
        "Bundle page 14, para b. 03.02.2024 is the council's letter.",
        "Appendix b. 12 March 2024 has the decision.",
        "see 4 b. 12/03/2024 in the bundle",
        # a birth label, then another event
        "Her date of birth was disputed at the hearing on 5 May 2024.",
        "The DOB field on the form was left blank on 4 May 2024.",
        "We discussed date of birth disputes at the 12 March 2025 meeting.",
        "The D.O.B. mismatch was flagged by the bank on 7 Jan 2025.",
        "DOB checks take place every Monday; the next one is 15/12/2025.",
        "Birthday cards for the residents went out on 20/12/2019.",
        "Her birthday party on 14 March 2019 was the first she ever had.",
        "Birthday party: 14 March 2019, the first she ever had.",
        f"Her birthday is on 3 May {THIS_YEAR}, we are planning a cake.",
        # a date beside a birth label that is not it
        "On 12/03/2024 the date of birth dispute went to tribunal.",
        "The decision dated 2 Feb 2024 disputes her date of birth.",
        "On 12/03/2024 his date of birth was changed.",
        # a year alone, generation talk, an age that does not fit the date
        "She was born in 1990 and came here in 2015.",
        "Most of the women we support were born in the 1990s.",
        "Aged 17 at the time, she was interviewed on 12.03.2024.",
        "aged 17, 12.03.2024 interview notes attached",
        "Training on dates of birth: 22 January 2026, 10am.",
    ],
)
def test_dates_that_are_not_births_are_not_reported(text: str) -> None:
    assert _found(text) == []


def test_an_impossible_month_after_a_label_is_not_a_date_of_birth() -> None:
    assert _found("DOB: 13/1998") == []
    assert _found("DOB: 14/13/1998") == []
    assert _found(f"DOB: 01/01/{THIS_YEAR + 1}") == []  # not born yet
    assert _found("DOB 31131994") == []  # eight digits, but month 13
    assert _found("Invoice 21101994 is paid.") == []  # eight digits without a birth label


VALID = "9434765919"
assert nhs_check_digit_ok(VALID)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS no 943 476 5919", "943 476 5919"),
        ("NHS No. 9434765919", "9434765919"),
        ("NHS number: 943.476.5919", "943.476.5919"),
        ("NHS #943-476-5919", "943-476-5919"),
        ("nhs: 9434765919", "9434765919"),
        ("NHS num 943 476 5919", "943 476 5919"),
        ("NHS no.9434765919 on the wristband", "9434765919"),
        ("nhs number-943 476 5919", "943 476 5919"),
        ("N.H.S. number 9434765919", "9434765919"),
        ("NHS Number = 9434765919", "9434765919"),
        # every spacing after a label
        ("NHS number 94 34 76 59 19", "94 34 76 59 19"),
        ("NHS number 94 347 659 19", "94 347 659 19"),
        ("NHS number 9434 765 919", "9434 765 919"),
        ("NHS number 943 4765 919", "943 4765 919"),
        ("NHS number 94347 65919", "94347 65919"),
        ("NHS No.: 943\u2013476\u20135919", "943\u2013476\u20135919"),
        ("NHS no 943 - 476 - 5919", "943 - 476 - 5919"),
        ("NHS number 943  476  5919", "943  476  5919"),
        ("NHS number 943-4765-919", "943-4765-919"),
        # the label a few words before, on the line before, or right after
        ("Her NHS number, from the GP registration letter, is 9434765919.", "9434765919"),
        ("the number on her NHS card is 9434765919", "9434765919"),
        ("NHS Number:\n9434765919\nGP: none yet", "9434765919"),
        ("9434765919 is her NHS number", "9434765919"),
        ("9434765919 (NHS no.) is on the letter", "9434765919"),
        # in a form dump
        ("Name: (withheld)\nNHS: 9434765919\nGP: Leeds", "9434765919"),
    ],
)
def test_nhs_numbers_in_every_spacing_and_label_style(text: str, expected: str) -> None:
    assert _found(text) == [("nhs_number", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "NHS number 94 34 76 59 18",  # every spacing is still mod-11 checked
        "NHS number 943\u2013476\u20135918",
        "9434765918 is her NHS number",
        "Her NHS number, from the GP registration letter, is 9434765918.",
    ],
)
def test_nhs_numbers_that_fail_the_check_are_not_reported(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # valid check digits, but labelled as something else
        f"Home Office reference {VALID[:3]} {VALID[3:6]} {VALID[6:]}, still no decision.",
        f"Crime number {VALID[:3]}-{VALID[3:6]}-{VALID[6:]} was given over the phone.",
        f"Case ref {VALID[:3]} {VALID[3:6]} {VALID[6:]} - the caseworker changed again.",
        f"The NHS trust's invoice number {VALID} was paid in full.",
        f"NHS England reference {VALID[:3]} {VALID[3:6]} {VALID[6:]} is the complaint.",
        f"The Home Office case ID {VALID[:3]} {VALID[3:6]} {VALID[6:]} is on every letter.",
        f"The court file number is {VALID[:3]} {VALID[3:6]} {VALID[6:]}, hearing next month.",
        f"Claim reference {VALID[:3]}-{VALID[3:6]}-{VALID[6:]} with the insurer.",
        f"Call {VALID[:3]} {VALID[3:6]} {VALID[6:]} for help",
        # no label at all and no 3-3-4 grouping
        f"Batch {VALID} of the leaflets was misprinted.",
        f"Tracking code {VALID[:5]} {VALID[5:]} for the parcel.",
        # the NHS label's sentence has ended
        f"Ask the NHS. Then quote {VALID} to the council.",
        f"The NHS said no; order {VALID} is ours.",
    ],
)
def test_labelled_reference_numbers_are_not_nhs_numbers(text: str) -> None:
    assert _found(text) == []


def test_dev_set_grows_with_dates_of_birth_nhs_numbers_and_look_alikes() -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text("utf-8").splitlines() if line]
    new = [row for row in rows if row["id"].startswith(("dev4-pii-", "dev4-lookalike-"))]
    kinds = [kind for row in new for kind in row["pii"]]
    nhs = [
        value
        for row in new
        for kind, value in zip(row["pii"], row["pii_text"], strict=True)
        if kind == "nhs_number"
    ]

    assert kinds.count("date_of_birth") >= 60
    assert kinds.count("nhs_number") >= 40
    assert sum(row["label"] == "lookalike" for row in new) >= 50
    assert all(nhs_check_digit_ok("".join(ch for ch in value if ch.isdigit())) for value in nhs)
    assert len({"".join(ch for ch in value if ch.isdigit()) for value in nhs}) == len(nhs)
