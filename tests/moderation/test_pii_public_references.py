"""PII rules for the families hold-out v5 missed or over-flagged (issue 16): NHS numbers with
a glued label or slashes, double-barrelled full names; and what is public on purpose, so not
reported: public figures' names, national public buildings' addresses, service mentions."""

from __future__ import annotations

import pytest

from moderation import PiiScreen, find_pii, load_pii_screen


def _found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_pii(text)]


@pytest.fixture(scope="module")
def md_screen() -> PiiScreen:
    return load_pii_screen("en_core_web_md")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHSno:9434765919", "9434765919"),
        ("nhsno 943 476 5919 on the letter", "943 476 5919"),
        ("NHSnumber: 9434765919", "9434765919"),
        ("NHS: 943/476/5919 from the GP", "943/476/5919"),
        ("her NHS number is 943 / 476 / 5919", "943 / 476 / 5919"),
    ],
)
def test_nhs_numbers_with_a_glued_label_or_slashes_are_found(text: str, expected: str) -> None:
    assert _found(text) == [("nhs_number", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "NHS: 943/476/5918 from the GP",  # fails the modulus 11 check
        "the hearing was 12/03/2024 at the NHS trust",
        "NHSno:94347659",  # too short
    ],
)
def test_slashes_and_glued_labels_do_not_make_other_numbers_nhs_numbers(text: str) -> None:
    assert [kind for kind, _ in _found(text)] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Referral: Grace Oduya-Whyte, needs a GP", "Grace Oduya-Whyte"),
        ("Mercy Tandoh-Reeves was moved last night", "Mercy Tandoh-Reeves"),
        ("please update the file for Faith Amankwah-Cole.", "Faith Amankwah-Cole"),
    ],
)
def test_a_double_barrelled_full_name_is_found_without_a_cue(text: str, expected: str) -> None:
    assert _found(text) == [("person_name", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "The Anglo-Saxon chronicle was on the reading list.",
        "We met at Brook Lane-End for the walk.",
        "The Home Office-Police protocol changed again.",
        "Greater Manchester-based services are stretched.",
    ],
)
def test_hyphenated_phrases_that_are_not_people_are_not_names(text: str) -> None:
    assert _found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Theresa May introduced the Modern Slavery Bill when she was Home Secretary.",
        "William Wilberforce gets quoted in every funding bid.",
        "Sir Keir Starmer spoke about it in the Commons.",
        "Dame Sara Thornton wrote the commissioner's report.",
        "Jess Phillips MP raised it in Parliament.",
        "The judgment by Mr Justice Knowles is worth reading.",
    ],
)
def test_public_figures_are_not_personal_data(md_screen: PiiScreen, text: str) -> None:
    assert [f.kind for f in md_screen.find(text)] == []


def test_a_dead_clients_name_is_still_personal_data() -> None:
    text = "The inquest for the late Mrs Adaeze Okafor is next month."

    assert _found(text) == [("person_name", "Mrs Adaeze Okafor")]


def test_a_private_name_beside_a_public_figure_is_still_found(md_screen: PiiScreen) -> None:
    text = "Like Theresa May said, every case matters: my client Irina Volkova agrees."

    assert [text[f.start : f.end] for f in md_screen.find(text)] == ["Irina Volkova"]


@pytest.mark.parametrize(
    "text",
    [
        "The Home Office is at 2 Marsham Street, London SW1P 4DF, for formal letters.",
        "The appeal is at the Royal Courts of Justice, Strand, London WC2A 2LL.",
        "Send it to Lunar House, 40 Wellesley Road, Croydon CR9 2BY.",
    ],
)
def test_national_public_buildings_addresses_are_not_personal_data(
    md_screen: PiiScreen, text: str
) -> None:
    assert [f.kind for f in md_screen.find(text)] == []


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("She is staying at 2 Marsham Street, Leeds LS1 4DF now.", {"street_address", "postcode"}),
        ("The refuge is at 14 Acacia Road, London SW1P 4DG.", {"street_address", "postcode"}),
    ],
)
def test_other_addresses_stay_flagged_even_on_a_public_street_name(
    md_screen: PiiScreen, text: str, kinds: set[str]
) -> None:
    assert {f.kind for f in md_screen.find(text)} >= kinds


@pytest.mark.parametrize(
    "text",
    [
        "The @resources bot posts the reading list every Monday.",
        "Reply with @digest to get the weekly summary.",
        "The forum's @help command lists everything.",
        "mention @events for training dates",
        "the @caseworkrota channel has the rota",
    ],
)
def test_a_service_mention_is_not_a_handle(text: str) -> None:
    assert _found(text) == []


def test_a_person_handle_before_an_ordinary_word_stays_flagged() -> None:
    assert _found("message @amina_k for the notes") == [("social_handle", "@amina_k")]
