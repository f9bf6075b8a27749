"""Patterns for quiet threats and attempts to locate or identify someone; the whole screen."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from moderation import (
    ModerationPolicy,
    Route,
    WatchAction,
    discloses_crisis,
    load_default_scorer,
    load_pii_screen,
    match_risk_patterns,
    screen_texts,
)

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "moderation_holdout.jsonl"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "offline_screens.py"
#: What a moderator sees flagged: the flagged lane and the urgent one above it.
FLAGGED_LANES = (Route.FLAGGED, Route.URGENT)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Does anyone know which refuge the girl from Leeds went to?", "asks where a person is"),
        ("Which hostel did they put the lad in? I need to see him.", "asks where a person is"),
        ("Give me her new address and I'll sort it.", "asks for a person's details"),
        ("What is her real name? I think I know her.", "asks for a person's details"),
        ("Who is Practitioner 7B1C in real life?", "tries to identify a member"),
        ("I know which office you work at.", "says they know where someone is"),
        ("I saw you leaving the refuge on Tuesday.", "says they watched someone"),
        ("Your daughter looked happy at the gates.", "mentions a member's family"),
        ("It would be a shame if something happened to your car.", "veiled threat"),
        ("Think about your family before you testify.", "warns against giving evidence"),
        ("She can move again. We will always find her.", "says they will find someone"),
        ("I'll come to your office and smash your face in.", "threatens violence"),
    ],
)
def test_quiet_threats_and_locating_are_flagged_with_a_reason(text: str, label: str) -> None:
    matches = match_risk_patterns(text)

    assert [m.word for m in matches] == [f"pattern: {label}"]
    assert all(m.action is WatchAction.FLAG for m in matches)
    assert all(0 <= m.start < m.end <= len(text) for m in matches)


@pytest.mark.parametrize(
    "text",
    [
        # Quoted or reported threats are what practitioners write about every day.
        "The message said 'we will find you and cut your face'. Police took a statement.",
        "He said the bosses told him: I will kill you if you talk.",
        "She was told that they know where your mother lives.",
        "A witness is frightened the family will find out where she lives.",
        # Safety planning and process questions about locations.
        "How do you find out where a survivor was dispersed to by the Home Office?",
        "Does anyone know which local authority is responsible for a child placed out of area?",
        "Before sharing a case, strip out the town and the employer.",
        "Be careful about photographing injuries without consent.",
    ],
)
def test_professional_posts_about_threats_and_locations_are_not_flagged(text: str) -> None:
    assert match_risk_patterns(text) == []


def test_screen_texts_uses_the_given_pii_screen_and_patterns() -> None:
    screen = load_pii_screen("en_core_web_md")
    scorer = load_default_scorer()
    texts = ["Yesterday Irina told me she is ready.", "Your son walks home alone, doesn't he?"]

    results = screen_texts(
        texts,
        scorer=scorer,
        policy=ModerationPolicy(),
        find_personal_data=screen.find_many,
        risk_patterns=True,
    ).results

    assert [r.route for r in results] == [Route.FLAGGED, Route.URGENT]
    assert results[0].reasons[0] == "PII: person's name (1)"
    assert results[1].reasons == (
        "urgent: it may threaten someone",
        'watched word: "pattern: mentions a member\'s family" (flag)',
    )
    assert {r.scorer for r in results} == {"offline-jigsaw-lstm-pair"}


def test_whole_toxicity_screen_meets_the_targets_on_the_dev_set(
    eval_rows: list[dict[str, Any]],
) -> None:
    # The fallback (word models + patterns) was tuned on the dev set before the dev3-* posts
    # were added; those are quiet threats, flattery and locating questions that it mostly
    # misses (see README, Moderation), which is why the sentence head is the default. Its
    # recall target holds where it was set; its benign budget holds on the whole set.
    scorer = load_default_scorer()
    assert scorer is not None
    policy = ModerationPolicy()
    rows = [row for row in eval_rows if row["label"] in {"benign", "abusive"}]
    scores = scorer.score([row["text"] for row in rows])
    flagged = [
        policy.decide(score, [], match_risk_patterns(row["text"]), scorer.name).route
        in FLAGGED_LANES
        for row, score in zip(rows, scores, strict=True)
    ]
    benign = [hit for row, hit in zip(rows, flagged, strict=True) if row["label"] == "benign"]
    tuned_abusive = [
        hit
        for row, hit in zip(rows, flagged, strict=True)
        if row["label"] == "abusive" and not row["id"].startswith("dev3-")
    ]

    assert sum(benign) <= 0.05 * len(benign)
    assert sum(tuned_abusive) >= 0.60 * len(tuned_abusive)


def test_hold_out_set_is_screened_within_the_false_positive_budget() -> None:
    # Written after the patterns and operating points were frozen; recall here is reported
    # in bench/results/offline_screens.md rather than asserted at the dev-set target.
    rows = [json.loads(line) for line in HOLDOUT.read_text("utf-8").splitlines() if line]
    scorer = load_default_scorer()
    assert scorer is not None
    policy = ModerationPolicy()
    scores = scorer.score([row["text"] for row in rows])
    routes = [
        policy.decide(s, [], match_risk_patterns(row["text"]), scorer.name).route
        for row, s in zip(rows, scores, strict=True)
    ]
    benign = [r for row, r in zip(rows, routes, strict=True) if row["label"] == "benign"]
    abusive = [r for row, r in zip(rows, routes, strict=True) if row["label"] == "abusive"]

    assert sum(r in FLAGGED_LANES for r in benign) <= 0.05 * len(benign)
    assert sum(r in FLAGGED_LANES for r in abusive) >= 0.40 * len(abusive)


def test_offline_screens_bench_writes_json_and_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("offline_screens_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    status = bench.main(
        ["--screens", "rules,toxicity,risk_patterns", "--posts", "50", "--out-dir", str(tmp_path)]
    )

    results = json.loads((tmp_path / "offline_screens.json").read_text(encoding="utf-8"))
    assert status == 0
    assert results["pii"]["rules"]["lookalike_items_flagged"][0] == 0
    dev = results["toxicity"]["dev"]
    assert dev["old_default"]["abusive/all"][1] == dev["new_default"]["abusive/all"][1] >= 150
    assert dev["new_default"]["benign/everyday"][1] >= 100
    assert set(results["toxicity"]) >= {
        "holdout",
        "holdout_v2",
        "holdout_v3",
        "holdout_v4",
        "extras",
    }
    assert "old_models | old_default | new_head | new_default" in (
        tmp_path / "offline_screens.md"
    ).read_text(encoding="utf-8")
    assert set(results["speed"]) == {"rules", "toxicity", "risk_patterns"}
    assert all(m["posts_per_second"] > 0 for m in results["speed"].values())
    assert "| phone |" in (tmp_path / "offline_screens.md").read_text(encoding="utf-8")
    assert "posts/s" in capsys.readouterr().out


@pytest.mark.parametrize(
    "written",
    [
        "Your son walks home alone, doesn't he?",
        "Your s\u200bon walks home alone, doesn't he?",  # zero-width space
        "Your s\u043en walks home alone, doesn't he?",  # Cyrillic o
        "Ｙｏｕｒ ｓｏｎ walks home alone, doesn't he?",  # fullwidth
    ],
)
def test_a_risk_pattern_written_to_evade_still_fires_where_it_was_written(written: str) -> None:
    plain = "Your son walks home alone, doesn't he?"
    (expected,) = match_risk_patterns(plain)

    (match,) = match_risk_patterns(written)

    assert match.word == expected.word == "pattern: mentions a member's family"
    # The span covers the same words of what was written (one more character per inserted one).
    extra = len(written) - len(plain)
    assert (match.start, match.end) == (expected.start, expected.end + extra)


def test_folding_keeps_the_capital_that_names_a_group() -> None:
    """Found in review: with the text lower-cased, "attacks a group" could never fire."""
    assert [m.word for m in match_risk_patterns("Romanians are all criminals.")] == [
        "pattern: attacks a group"
    ]


def test_a_typographic_apostrophe_does_not_hide_a_pattern() -> None:
    assert (
        [m.word for m in match_risk_patterns("I’ll find her")]
        == [m.word for m in match_risk_patterns("I'll find her")]
        != []
    )


# -- the urgent lane: the author's own crisis, and what counts as urgent -----------------------

CRISIS = "pattern: discloses their own crisis (self-harm or suicidal thoughts)"


@pytest.mark.parametrize(
    "text",
    [
        "I want to end it.",
        "I can't go on",
        "I've been cutting",
        "Sorry to post here, I just want to kill myself",
        "Honestly I can't go on like this.",
        "I'm so scared, I can't go on.",  # fear is not reported speech
        "I\u2019ve been cutting myself again",
        "I want to die",
        "I don't want to be alive any more.",
        "I've been feeling suicidal lately and work is the only thing left.",
        "I have nothing left to live for",
        "I'm going to end it all tonight",
        "I've started self-harming again.",
        "I wish I was dead",
        "I cant take it anymore",
        "I want to en\u200bd it.",  # an invisible character does not hide it
    ],
)
def test_first_person_crisis_disclosures_are_urgent(text: str) -> None:
    matches = match_risk_patterns(text)

    assert [m.word for m in matches] == [CRISIS]
    assert discloses_crisis(text)
    result = ModerationPolicy().decide(LOW_SCORES, [], matches, "m")
    assert result.route is Route.URGENT
    assert result.urgent_reasons == (
        "the author may be in crisis (self-harm or suicidal thoughts)",
    )
    assert (
        result.reasons[0] == "urgent: the author may be in crisis (self-harm or suicidal thoughts)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "The survivor said she wanted to end it.",
        "We are ending the contract next month.",
        "I want to end the contract.",
        "I want to end it with the landlord properly.",
        "I can't go on the course next week.",
        "I can't do this training any more.",
        "I've been cutting costs in the project.",
        "I've been cutting back my hours.",
        "She told me she wants to kill herself.",
        "What do you do when a client says I want to die?",
        "How do I respond to 'I can't go on'?",
        "I feel suicidal clients need a safety plan.",
        "I am working with a suicidal client.",
        "I nearly killed myself laughing at the training.",
        "He said he had been cutting himself.",
        "I cut myself on a tin.",
        "A young person disclosed self-harm; how do I make a safeguarding referral?",
    ],
)
def test_posts_about_someone_elses_crisis_or_other_endings_are_not_crisis(text: str) -> None:
    assert [m.word for m in match_risk_patterns(text)] == []
    assert not discloses_crisis(text)


LOW_SCORES = dict.fromkeys(
    ("toxicity", "severe_toxicity", "obscene", "identity_attack", "insult", "threat"), 0.01
)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Which hostel did they put the lad in? I need to see him.", "locate or identify"),
        ("Who is Practitioner 7B1C in real life?", "locate or identify"),
        ("I'll come to your office and smash your face in.", "threaten someone"),
        ("Your daughter looked happy at the gates.", "threaten someone"),
    ],
)
def test_locating_and_threat_patterns_are_urgent_and_say_why(text: str, reason: str) -> None:
    result = ModerationPolicy().decide(LOW_SCORES, [], match_risk_patterns(text), "m")

    assert result.route is Route.URGENT
    (why,) = result.urgent_reasons
    assert reason in why
    assert result.priority >= 3.0


def test_harassment_and_group_attacks_stay_flagged_not_urgent() -> None:
    for text in ("Romanians are all criminals.", "Send me a photo of yourself."):
        result = ModerationPolicy().decide(LOW_SCORES, [], match_risk_patterns(text), "m")
        assert (result.route, result.urgent_reasons) == (Route.FLAGGED, ()), text


def test_an_urgent_post_is_urgent_even_when_the_model_failed() -> None:
    result = ModerationPolicy().decide(None, [], match_risk_patterns("I want to die"), None)

    assert result.route is Route.URGENT
    assert "not screened: model unavailable" in result.reasons


def test_no_dev_or_hold_out_post_is_read_as_a_crisis(eval_rows: list[dict[str, Any]]) -> None:
    rows = [json.loads(line) for line in HOLDOUT.read_text("utf-8").splitlines() if line]
    assert [r["text"] for r in [*eval_rows, *rows] if discloses_crisis(r["text"])] == []


def test_a_question_opening_a_thread_body_fires_after_the_title() -> None:
    """Found while testing the urgent lane: the title comes first (\"<title>\\n\\n<body>\")."""
    assert [
        m.word for m in match_risk_patterns("Question\n\nWhich hostel did they put the lad in?")
    ] == ["pattern: asks where a person is"]
