"""The PII rules for the families hold-out v4 missed or over-flagged (issue 16): US-order
and chained dates of birth, a date a few words after "born", an NHS label far back in the
sentence; and what stays unreported: organisations' phone lines, role mentions, a date
after "born in <country> and arrived", NHS sentences whose number is something else."""

from __future__ import annotations

import pytest

from moderation import find_pii
from moderation.pii_ids import nhs_check_digit_ok


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 10/25/1991 on the US asylum file", "10/25/1991"),
        ("date of birth 1/31/2000, month first", "1/31/2000"),
        ("D.O.B. 12-13-1984 per the American form", "12-13-1984"),
        ("born 03/29/1979 in Ohio", "03/29/1979"),
        ("04/17/1993 (DOB) on the visa", "04/17/1993"),
    ],
)
def test_a_date_valid_only_month_first_after_a_birth_label_is_a_date_of_birth(
    text: str, expected: str
) -> None:
    assert _found(text) == [("date_of_birth", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "the hearing is 10/25/2026 in Taunton",  # month first, but no birth label
        "DOB 13/13/1990 is not a date",  # valid neither way round
        "DOB: 10/45/1991",
        "DOB 09/22/2031",  # a future year
    ],
)
def test_month_first_needs_a_label_and_a_valid_past_date(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dob 04/06/1989 or 06/04/1989", ["04/06/1989", "06/04/1989"]),
        ("DOB 4/6/89, or possibly 6/4/89", ["4/6/89", "6/4/89"]),
        ("DOB 4/6/1989 or perhaps 4 June 1988", ["4/6/1989", "4 June 1988"]),
        ("her DOB is 2/3/81 and the baby's is 9/9/2020", ["2/3/81", "9/9/2020"]),
        ("DOB 2/3/81 and her son's 7/7/2007", ["2/3/81", "7/7/2007"]),
        ("DOB 2/3/81 and his is 7/7/1979", ["2/3/81", "7/7/1979"]),
        ("DOB 2/3/81, and 3/2/81 on the other card", ["2/3/81", "3/2/81"]),
        ("DOB 2/3/1981 / 3/2/1981", ["2/3/1981", "3/2/1981"]),
        ("born 2/3/1981 or 2/3/1982 or 2/3/1983", ["2/3/1981", "2/3/1982", "2/3/1983"]),
        ("DOB 2/3/1981 or possibly 11/30/1981", ["2/3/1981", "11/30/1981"]),
    ],
)
def test_a_date_chained_to_a_date_of_birth_by_a_short_connector_is_one_too(
    text: str, expected: list[str]
) -> None:
    assert _found(text) == [("date_of_birth", value) for value in expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 2/3/1981 and on 4/5/2019 she arrived", ["2/3/1981"]),
        ("DOB 2/3/1981 and the hearing is 4/5/2026", ["2/3/1981"]),
        ("DOB 2/3/1981, referred 4/5/2019", ["2/3/1981"]),
        ("DOB 2/3/1981 or possibly 4/5/2031", ["2/3/1981"]),  # a future date is no birth
        ("the hearing is 4/5/2026 or possibly 11/5/2026", []),  # nothing to chain to
    ],
)
def test_a_date_after_a_date_of_birth_without_a_connector_is_not_chained(
    text: str, expected: list[str]
) -> None:
    assert _found(text) == [("date_of_birth", value) for value in expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("born in Leeds on 3 March 1990", "3 March 1990"),
        ("born in a hospital in Kharkiv, 19 May 2001, the scan says", "19 May 2001"),
        ("She was born, so her papers say, on 8 August 1996.", "8 August 1996"),
        ("born in the summer of '95, 30 July 1995 exactly", "30 July 1995"),
        ("born in Accra in 1988, on 2 January 1988 in fact", "2 January 1988"),
        ("born at the family home: 14/02/2004", "14/02/2004"),
    ],
)
def test_a_date_a_few_words_after_born_is_a_date_of_birth(text: str, expected: str) -> None:
    assert _found(text) == [("date_of_birth", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "born in Eritrea and arrived on 12 April 2019",
        "born in Syria, came to the UK on 3 June 2015",
        "born in Romania, moved to Leeds 4 May 2017",
        "born in Nigeria and entered the UK on 9/9/2019",
        "born in Kosovo, married on 1 June 2011",
        "born in Albania, left home on 2 March 2016",
        "born in Sudan and fled on 12/03/2014",
        "born in Vietnam, travelled 4 April 2018 by lorry",
        "born in Ghana, trafficked on 5 May 2019",
        "born in Libya, rescued 6 June 2020",
        "born in Iraq, referred on 7/7/2021",
        "born in Poland, met him on 8 August 2012",
        "born in India, started work on 9 September 2013",
        "born in Chad, joined the project on 10 October 2019",
        "born abroad, in the UK since 11 November 2010",
        "born in Eritrea, in Libya until 12 December 2016",
        "born in Iran, here before 1 January 2015",
        "born in Sudan, detained after 2 February 2017",
        "born in Eritrea, interviewed on arrival 3 March 2018",
        "born out of a meeting on 3 March 2019",
        "born in 1990, and on 19 June 2017 the case closed",  # the year in the gap differs
        "The new born baby unit phoned on 02/11/2026.",
        "first born and on 4 April 2019 registered with the GP",
        "born in a small town in the far north of the country, 12 April 1997",  # gap > 40
        "born in Hull. On 12 April 1997 she moved",  # another sentence
    ],
)
def test_born_then_an_event_word_a_long_gap_or_another_sentence_is_not_a_birth(
    text: str,
) -> None:
    assert [kind for kind, _ in _found(text)] == []


FAR_LABEL = (
    "Her NHS number, which I copied from the letter the hospital sent after the operation"
    " last spring, is {number}."
)


def test_the_far_label_numbers_are_what_the_tests_say() -> None:
    assert nhs_check_digit_ok("6220073924")
    assert not nhs_check_digit_ok("6220073925")
    assert nhs_check_digit_ok("7800406083")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FAR_LABEL.format(number="6220073924"), ["6220073924"]),
        (FAR_LABEL.format(number="6220073925"), []),  # the mod 11 check always
        (
            "The NHS number on the referral form, the one the new surgery says it still needs"
            " before Friday, is 7800406083",
            ["7800406083"],
        ),
        # a number to call or another number's label between a far label and the number
        (
            "The NHS trust sent over the invoice for the interpreter, the one finance keeps"
            " asking about, as 7800406083",
            [],
        ),
        (
            "The NHS clinic gave us a mobile to ring if she misses the appointment, which is"
            " 7800406083",
            [],
        ),
        # the label in an earlier sentence, or more than 120 characters back
        ("She is registered with the NHS. Her number from the school is 7800406083.", []),
        (
            "NHS " + "a" * 125 + " 7800406083",
            [],
        ),
    ],
)
def test_an_nhs_label_up_to_120_characters_back_in_the_sentence(
    text: str, expected: list[str]
) -> None:
    assert _found(text) == [("nhs_number", value) for value in expected]


@pytest.mark.parametrize(
    "text",
    [
        "Freephone 0800 123 4567, open 24/7.",
        "The helpline is 08000 121 700.",
        "Call 0808 801 0331 for advice.",
        "Old freephone 0500 123 4567 still works.",
        "The council on 0300 123 4567.",
        "HMRC on 0300 200 3300 or the DWP on 0345 600 0723.",
        "From abroad: +44 800 123 4567.",
        "+44 300 123 4567 from outside the UK",
        "Samaritans 116 123, NHS 111, police 999 or 112.",
    ],
)
def test_freephone_and_non_geographic_service_numbers_are_not_a_persons_phone(
    text: str,
) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("her mobile 07700 900123", "07700 900123"),
        ("landline 0161 496 0000", "0161 496 0000"),
        ("call 020 7946 0999", "020 7946 0999"),
        ("WhatsApp +44 7700 900123", "+44 7700 900123"),
        ("his number 01632 960123", "01632 960123"),
    ],
)
def test_mobile_and_geographic_numbers_stay_flagged(text: str, expected: str) -> None:
    assert _found(text) == [("phone", expected)]


@pytest.mark.parametrize(
    "word",
    [
        "everyone",
        "here",
        "channel",
        "all",
        "admin",
        "admins",
        "mod",
        "mods",
        "moderator",
        "moderators",
        "staff",
        "team",
        "Everyone",
        "MODS",
    ],
)
def test_at_a_role_or_broadcast_word_is_not_a_handle(word: str) -> None:
    assert _found(f"Please tag @{word} if a post needs a second look.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posts from @digestlady are the weekly summary.", "@digestlady"),
        ("ask @team_leeds for the rota", "@team_leeds"),
        ("she is @everyone2 on Telegram", "@everyone2"),
        ("DM @moderator.anna about it", "@moderator.anna"),
        ("my friend @staffy99 posted it", "@staffy99"),
    ],
)
def test_any_other_word_after_at_stays_a_handle(text: str, expected: str) -> None:
    assert _found(text) == [("social_handle", expected)]


def test_street_addresses_stay_flagged_even_for_public_buildings() -> None:
    text = "The county court sits at 35 Vernon Street, Liverpool L2 2BX."

    assert _found(text) == [("street_address", "35 Vernon Street"), ("postcode", "L2 2BX")]
