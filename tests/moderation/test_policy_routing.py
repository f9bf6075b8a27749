"""Routing decisions of ModerationPolicy and the fail-closed batch screen."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest

from moderation import (
    LABELS,
    ModerationPolicy,
    PiiFinding,
    Route,
    ScorerError,
    Thresholds,
    WatchAction,
    WatchedWord,
    WatchMatch,
    screen_texts,
)

LOW = dict.fromkeys(LABELS, 0.05)


def _scores(**overrides: float) -> dict[str, float]:
    return {**LOW, **overrides}


@pytest.fixture
def policy() -> ModerationPolicy:
    return ModerationPolicy(Thresholds())


def test_threshold_defaults_follow_the_design() -> None:
    assert Thresholds().as_dict() == {
        "toxicity": 0.80,
        "severe_toxicity": 0.30,
        "obscene": 0.80,
        "identity_attack": 0.60,
        "insult": 0.60,
        "threat": 0.60,
        "sexual_explicit": 0.60,
        "abuse": 0.60,
    }
    assert tuple(f.name for f in dataclasses.fields(Thresholds)) == LABELS


def test_thresholds_from_mapping_override_only_given_labels() -> None:
    thresholds = Thresholds.from_mapping({"threat": 0.5, "toxicity": 1})

    assert thresholds.threat == 0.5
    assert thresholds.toxicity == 1.0
    assert thresholds.insult == 0.60


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"hate": 0.5}, "unknown moderation label"),
        ({"threat": 1.2}, "greater than 0 and at most 1"),
        ({"threat": 0.0}, "greater than 0 and at most 1"),
        ({"threat": float("nan")}, "greater than 0 and at most 1"),
        ({"threat": True}, "must be a number"),
        ({"threat": "0.5"}, "must be a number"),
    ],
)
def test_invalid_thresholds_are_rejected_with_a_clear_message(
    mapping: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Thresholds.from_mapping(mapping)


def test_score_over_threshold_is_flagged_with_reason(policy: ModerationPolicy) -> None:
    result = policy.decide(_scores(threat=0.91), [], [], "detoxify")

    assert result.route is Route.FLAGGED
    assert result.reasons == ("threat 0.91 ≥ 0.60",)
    assert result.priority == pytest.approx(0.91 / 0.60)
    assert result.scorer == "detoxify"
    assert not result.auto_approvable


def test_score_exactly_at_threshold_is_flagged(policy: ModerationPolicy) -> None:
    assert policy.decide(_scores(insult=0.60), [], [], "m").route is Route.FLAGGED


def test_scores_under_every_threshold_are_low_risk(policy: ModerationPolicy) -> None:
    result = policy.decide(_scores(toxicity=0.79, severe_toxicity=0.29), [], [], "detoxify")

    assert result.route is Route.LOW_RISK
    assert result.auto_approvable
    assert result.priority < 1.0
    assert result.reasons == ("under every threshold; no PII; no watched word",)


def test_flagged_post_outranks_low_risk_post(policy: ModerationPolicy) -> None:
    flagged = policy.decide(_scores(insult=0.7), [], [], "m")
    low = policy.decide(_scores(insult=0.5), [], [], "m")

    assert flagged.priority > low.priority


def test_missing_scores_mean_not_screened_with_high_priority(policy: ModerationPolicy) -> None:
    result = policy.decide(None, [], [], None)
    flagged_once = policy.decide(_scores(threat=0.9), [], [], "m")

    assert result.route is Route.NOT_SCREENED
    assert result.reasons == ("not screened: model unavailable",)
    assert result.scores is None
    assert result.priority > flagged_once.priority
    assert not result.auto_approvable


def test_not_screened_post_keeps_its_pii_reasons(policy: ModerationPolicy) -> None:
    result = policy.decide(None, [PiiFinding("phone", 0, 12)], [], None)

    assert result.route is Route.NOT_SCREENED
    assert "PII: phone number (1)" in result.reasons
    assert result.priority == pytest.approx(4.0)


def test_pii_flags_an_otherwise_harmless_post(policy: ModerationPolicy) -> None:
    pii = [PiiFinding("phone", 5, 17), PiiFinding("phone", 30, 42), PiiFinding("email", 50, 70)]

    result = policy.decide(LOW, pii, [], "m")

    assert result.route is Route.FLAGGED
    assert result.reasons == ("PII: phone number (2)", "PII: e-mail address (1)")
    assert result.pii == tuple(pii)
    assert result.priority > policy.decide(_scores(threat=0.9), [], [], "m").priority


@pytest.mark.parametrize("action", [WatchAction.FLAG, WatchAction.BLOCK])
def test_flag_and_block_words_flag_but_never_reject(
    policy: ModerationPolicy, action: WatchAction
) -> None:
    match = WatchMatch("wire the money", action, 0, 14)

    result = policy.decide(LOW, [], [match], "m")

    assert result.route is Route.FLAGGED
    assert result.reasons == (f'watched word: "wire the money" ({action.value})',)


def test_require_review_word_is_never_low_risk(policy: ModerationPolicy) -> None:
    match = WatchMatch("agency", WatchAction.REQUIRE_REVIEW, 3, 9)

    result = policy.decide(dict.fromkeys(LABELS, 0.0), [], [match], "m")

    assert result.route is Route.REVIEW
    assert result.reasons == ('watched word: "agency" (require review)',)
    assert not result.auto_approvable


def test_reasons_list_strongest_label_first(policy: ModerationPolicy) -> None:
    result = policy.decide(_scores(insult=0.65, severe_toxicity=0.9, threat=0.99), [], [], "m")

    assert result.reasons == (
        "severe_toxicity 0.90 ≥ 0.30",
        "threat 0.99 ≥ 0.60",
        "insult 0.65 ≥ 0.60",
    )
    assert result.priority == pytest.approx(3.0)


def test_labels_a_model_does_not_predict_are_not_judged(policy: ModerationPolicy) -> None:
    six_labels = {label: 0.1 for label in LABELS if label not in {"sexual_explicit", "abuse"}}

    assert policy.decide(six_labels, [], [], "original").route is Route.LOW_RISK


def test_unknown_score_labels_are_ignored(policy: ModerationPolicy) -> None:
    assert policy.decide({**LOW, "male": 0.99}, [], [], "m").route is Route.LOW_RISK


@pytest.mark.parametrize("bad", [1.01, -0.2, float("nan"), float("inf")])
def test_invalid_scores_are_a_programming_error(policy: ModerationPolicy, bad: float) -> None:
    with pytest.raises(ValueError, match="toxicity"):
        policy.decide(_scores(toxicity=bad), [], [], "m")


def test_result_scores_cannot_be_mutated(policy: ModerationPolicy) -> None:
    scores = _scores()
    result = policy.decide(scores, [], [], "m")
    scores["threat"] = 0.99

    assert result.scores is not None
    assert result.scores["threat"] == 0.05
    with pytest.raises(TypeError):
        result.scores["threat"] = 0.99  # type: ignore[index]


def test_screen_texts_routes_each_post(policy: ModerationPolicy, static_scorer: Any) -> None:
    scorer = static_scorer(_scores())
    words = [WatchedWord("passport", WatchAction.REQUIRE_REVIEW)]

    batch = screen_texts(
        ["All well.", "Call 07700 900123.", "They kept her passport."],
        scorer=scorer,
        policy=policy,
        watched_words=words,
    )
    results = batch.results

    assert [r.route for r in results] == [Route.LOW_RISK, Route.FLAGGED, Route.REVIEW]
    assert all(r.scorer == "static" for r in results)
    assert len(scorer.calls) == 1


def test_screen_texts_fails_closed_when_the_scorer_fails(
    policy: ModerationPolicy, failing_scorer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    batch = screen_texts(["secret post text"], scorer=failing_scorer, policy=policy)
    results = batch.results

    assert [r.route for r in results] == [Route.NOT_SCREENED]
    assert results[0].scorer is None
    assert batch.scorer_failure is not None and "secret" not in batch.scorer_failure
    assert "secret post text" not in caplog.text
    assert "not screened" in caplog.text


def test_screen_texts_fails_closed_on_a_short_answer(policy: ModerationPolicy) -> None:
    class Short:
        name = "short"

        def score(self, texts: Any) -> list[dict[str, float]]:
            return [dict(LOW)]

    batch = screen_texts(["a", "b"], scorer=Short(), policy=policy)

    assert [r.route for r in batch.results] == [Route.NOT_SCREENED, Route.NOT_SCREENED]
    assert batch.scorer_failure == "scorer short failed: returned 1 results for 2 texts"


def test_screen_texts_without_a_model_marks_every_post_not_screened(
    policy: ModerationPolicy,
) -> None:
    batch = screen_texts(["a", "b"], scorer=None, policy=policy)

    assert {r.route for r in batch.results} == {Route.NOT_SCREENED}
    assert batch.scorer_failure is None


def test_scorer_error_is_an_exception() -> None:
    assert issubclass(ScorerError, Exception)


class _RaisingScorer:
    """A scorer whose code has a bug: not a ScorerError, and a message quoting the text."""

    name = "buggy"

    def score(self, texts: Any) -> list[dict[str, float]]:
        raise RuntimeError(f"cannot handle {texts[0]!r}")


class _MalformedScorer:
    name = "malformed"

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def score(self, texts: Any) -> Any:
        return self.answer


def test_screen_texts_fails_closed_on_any_exception_without_quoting_the_text(
    policy: ModerationPolicy,
) -> None:
    batch = screen_texts(["secret post text", "b"], scorer=_RaisingScorer(), policy=policy)

    assert [r.route for r in batch.results] == [Route.NOT_SCREENED, Route.NOT_SCREENED]
    assert batch.scorer_failure == "scorer buggy failed: RuntimeError"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ([dict(LOW), dict(LOW), dict(LOW)], "returned 3 results for 2 texts"),
        ({"toxicity": [0.1, 0.2]}, "returned dict results for 2 texts"),
        ([dict(LOW), [0.1]], "returned a list instead of a label → score mapping"),
        ([dict(LOW), {"threat": float("nan")}], "ValueError"),
        ([dict(LOW), {"threat": 1.5}], "ValueError"),
        ([{}, {}], "returned no moderation label (" + ", ".join(LABELS) + ")"),
        ([dict(LOW), {"toxic": 0.99}], "returned no moderation label (" + ", ".join(LABELS) + ")"),
    ],
)
def test_screen_texts_fails_closed_on_a_malformed_answer(
    policy: ModerationPolicy, answer: Any, why: str
) -> None:
    batch = screen_texts(["a", "b"], scorer=_MalformedScorer(answer), policy=policy)

    assert [r.route for r in batch.results] == [Route.NOT_SCREENED, Route.NOT_SCREENED]
    assert batch.scorer_failure is not None and batch.scorer_failure.endswith(why)


def test_screen_texts_gives_up_on_a_scorer_that_does_not_answer_in_time(
    policy: ModerationPolicy,
) -> None:
    release = threading.Event()

    class Hanging:
        name = "hanging"

        def score(self, texts: Any) -> list[dict[str, float]]:
            release.wait(timeout=30)
            return [dict(LOW) for _ in texts]

    try:
        batch = screen_texts(["a"], scorer=Hanging(), policy=policy, scorer_timeout=0.05)
    finally:
        release.set()

    assert [r.route for r in batch.results] == [Route.NOT_SCREENED]
    assert batch.scorer_failure == "scorer hanging gave no answer within 0.05s"


def test_a_slow_pii_screen_does_not_spend_the_scorers_time(policy: ModerationPolicy) -> None:
    """The scorer runs beside the PII screen; its deadline counts from when the batch waits
    for it, so a healthy scorer is not called hung because the PII screen took long."""
    pii_done = threading.Event()

    class Steady:
        name = "steady"

        def score(self, texts: Any) -> list[dict[str, float]]:
            pii_done.wait(timeout=5)  # still working when the PII screen ends
            time.sleep(0.1)
            return [dict(LOW) for _ in texts]

    def slow_pii(texts: Any) -> list[list[Any]]:
        time.sleep(0.4)  # longer than the scorer's whole timeout
        pii_done.set()
        return [[] for _ in texts]

    batch = screen_texts(
        ["a"], scorer=Steady(), policy=policy, scorer_timeout=0.3, find_personal_data=slow_pii
    )

    assert batch.scorer_failure is None
    assert [r.route for r in batch.results] == [Route.LOW_RISK]


def test_a_failing_pii_screen_falls_back_to_the_rules(policy: ModerationPolicy) -> None:
    def broken(texts: Any) -> list[list[Any]]:
        raise OSError("model file vanished")

    batch = screen_texts(
        ["Call 07700 900123."], scorer=None, policy=policy, find_personal_data=broken
    )

    assert [f.kind for f in batch.results[0].pii] == ["phone"]
    assert batch.pii_failure == "PII screen failed (OSError); rules used"
