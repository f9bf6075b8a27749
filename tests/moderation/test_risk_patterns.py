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
    load_default_scorer,
    load_pii_screen,
    match_risk_patterns,
    screen_texts,
)

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "moderation_holdout.jsonl"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "offline_screens.py"


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

    assert [r.route for r in results] == [Route.FLAGGED, Route.FLAGGED]
    assert results[0].reasons[0] == "PII: person's name (1)"
    assert results[1].reasons == ('watched word: "pattern: mentions a member\'s family" (flag)',)
    assert {r.scorer for r in results} == {"offline-jigsaw-lstm-pair"}


def test_whole_toxicity_screen_meets_the_targets_on_the_dev_set(
    eval_rows: list[dict[str, Any]],
) -> None:
    scorer = load_default_scorer()
    assert scorer is not None
    policy = ModerationPolicy()
    rows = [row for row in eval_rows if row["label"] in {"benign", "abusive"}]
    scores = scorer.score([row["text"] for row in rows])
    flagged = {"benign": 0, "abusive": 0}
    for row, score in zip(rows, scores, strict=True):
        route = policy.decide(score, [], match_risk_patterns(row["text"]), scorer.name).route
        flagged[row["label"]] += route is Route.FLAGGED
    totals = {label: sum(row["label"] == label for row in rows) for label in flagged}

    assert flagged["benign"] <= 0.05 * totals["benign"]
    assert flagged["abusive"] >= 0.60 * totals["abusive"]


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

    assert sum(r is Route.FLAGGED for r in benign) <= 0.05 * len(benign)
    assert sum(r is Route.FLAGGED for r in abusive) >= 0.40 * len(abusive)


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
    assert results["toxicity"]["dev"]["combined"]["abusive/all"][1] >= 60
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
