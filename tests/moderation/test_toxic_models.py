"""The numpy port of the two offline toxicity models, and the scorer built on them."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moderation import ModerationPolicy, Route, Scorer, Thresholds, load_default_scorer
from moderation.keras_lstm import MAX_LEN, BiLstmClassifier, ModelFormatError
from moderation.keras_tokenizer import load_keras_tokenizer
from moderation.toxic_models import (
    OPERATING_POINTS,
    SCORER_NAME,
    ModelPair,
    OfflineToxicityScorer,
    calibrate,
    load_model_pair,
)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "toxic_reference.json"
TOLERANCE = 1e-5


@pytest.fixture(scope="session")
def reference() -> dict[str, Any]:
    """Outputs of the original TensorFlow models (scripts/record_toxic_reference.py)."""
    loaded: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def models() -> ModelPair:
    """Both ported models, loaded from their pinned package files."""
    return load_model_pair()


@pytest.fixture(scope="session")
def scorer(models: ModelPair) -> OfflineToxicityScorer:
    """The default offline scorer."""
    return OfflineToxicityScorer(models)


def _model(models: ModelPair, key: str) -> BiLstmClassifier:
    return (
        models.toxic_comment_classifier if key == "toxic_comment_classifier" else models.tox_block
    )


def test_reference_fixture_records_its_provenance(reference: dict[str, Any]) -> None:
    assert len(reference["texts"]) >= 300
    assert reference["toxic_comment_classifier"]["package"] == "toxic-comment-classifier 0.3.0"
    assert reference["tox_block"]["package"] == "tox-block 0.1.2"
    assert reference["toxic_comment_classifier"]["versions"]["tensorflow"]
    assert reference["tox_block"]["versions"]["tf_keras"]


@pytest.mark.parametrize("key", ["toxic_comment_classifier", "tox_block"])
def test_tokenizer_reproduces_the_original_token_ids(
    models: ModelPair, reference: dict[str, Any], key: str
) -> None:
    encoded = _model(models, key).encode(reference["texts"])
    ids = [[int(i) for i in row if i] for row in encoded]

    assert ids == reference[key]["ids"]


@pytest.mark.parametrize("key", ["toxic_comment_classifier", "tox_block"])
def test_forward_pass_reproduces_the_original_probabilities(
    models: ModelPair, reference: dict[str, Any], key: str
) -> None:
    model = _model(models, key)
    expected = np.asarray(reference[key]["probabilities"], dtype=np.float64)

    batched = model.predict_ids(model.encode(reference["texts"]), batch_size=64)
    one_by_one = np.concatenate([model.predict_ids(model.encode([t])) for t in reference["texts"]])

    assert batched.shape == expected.shape == (len(reference["texts"]), 6)
    assert np.abs(batched - expected).max() < TOLERANCE
    assert np.abs(one_by_one - expected).max() < TOLERANCE


def test_predict_reads_a_short_post_exactly_like_the_original(
    models: ModelPair, reference: dict[str, Any]
) -> None:
    short = [
        i
        for i, ids in enumerate(reference["tox_block"]["ids"])
        if len(models.tox_block.tokenizer.ids(reference["texts"][i])) <= MAX_LEN and ids
    ]
    texts = [reference["texts"][i] for i in short]
    expected = np.asarray([reference["tox_block"]["probabilities"][i] for i in short])

    assert len(short) > 300
    assert np.abs(models.tox_block.predict(texts) - expected).max() < TOLERANCE


def test_long_post_is_read_in_windows_so_an_early_insult_is_seen(models: ModelPair) -> None:
    insult = "you are a stupid worthless idiot and a disgusting liar"
    text = insult + " " + " ".join(["thank you for the referral letter"] * 40)
    model = models.toxic_comment_classifier
    last_window_only = model.predict_ids(model.encode([text]))[0]

    scores = model.predict([text])[0]

    assert len(model.windows(text)) > 1
    assert last_window_only[0] < 0.2  # the original model only reads the last 100 tokens
    assert scores[0] > 0.9


def test_tokenizer_unpickler_refuses_anything_but_the_tokenizer(tmp_path: Path) -> None:
    class Payload:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (print, ("pickled code ran",))

    evil = tmp_path / "tokenizer.pickle"
    evil.write_bytes(pickle.dumps(Payload()))

    with pytest.raises(ModelFormatError, match=r"refusing builtins\.print"):
        load_keras_tokenizer(evil)


def test_tokenizer_file_holding_something_else_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "tokenizer.pickle"
    other.write_bytes(pickle.dumps({"word_index": {"a": 1}}))

    with pytest.raises(ModelFormatError, match="does not hold a tokenizer"):
        load_keras_tokenizer(other)


def test_calibration_maps_each_operating_point_onto_the_policy_threshold() -> None:
    assert calibrate(0.25, 0.25, 0.60) == pytest.approx(0.60)
    assert calibrate(0.0, 0.25, 0.60) == 0.0
    assert calibrate(1.0, 0.25, 0.60) == pytest.approx(1.0)
    assert calibrate(0.2499, 0.25, 0.60) < 0.60 <= calibrate(0.2501, 0.25, 0.60)


def test_default_scorer_is_a_scorer_with_six_labels(scorer: OfflineToxicityScorer) -> None:
    loaded = load_default_scorer()

    assert isinstance(loaded, Scorer)
    assert loaded.name == SCORER_NAME
    assert scorer.score([]) == []
    [scores] = scorer.score(["Thank you for the referral."])
    assert set(scores) == set(OPERATING_POINTS)
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    with pytest.raises(TypeError):
        scorer.score("one text")  # type: ignore[arg-type]


def test_scores_route_through_the_default_policy(scorer: OfflineToxicityScorer) -> None:
    policy = ModerationPolicy()
    texts = [
        "You are a useless, pathetic idiot and nobody wants to read your garbage.",
        "We supported a woman who was raped by the men who controlled her. What helped?",
    ]

    abusive, professional = (policy.decide(s, [], [], scorer.name) for s in scorer.score(texts))

    assert abusive.route is Route.FLAGGED
    assert any(reason.startswith("insult") for reason in abusive.reasons)
    assert professional.route is Route.LOW_RISK


def test_operating_points_follow_configured_policy_thresholds(models: ModelPair) -> None:
    stricter = Thresholds(toxicity=0.5)
    scorer = OfflineToxicityScorer(models, policy_thresholds=stricter)
    raw = scorer.raw_scores(["you idiot"])[0]["toxicity"]

    [scores] = scorer.score(["you idiot"])

    assert (scores["toxicity"] >= 0.5) == (raw >= OPERATING_POINTS["toxicity"])


def test_models_meet_their_share_of_the_targets_on_the_dev_set(
    scorer: OfflineToxicityScorer, eval_rows: list[dict[str, Any]]
) -> None:
    policy = ModerationPolicy()
    # The posts the operating points were chosen on; the "v2-" and "dev3-" posts added for the
    # sentence model are where the word models fail (21% recall on the whole dev set:
    # bench/results/offline_screens.md).
    rows = [
        row
        for row in eval_rows
        if row["label"] in {"benign", "abusive"} and not row["id"].startswith(("v2-", "dev3-"))
    ]
    routes = [
        policy.decide(s, [], [], scorer.name).route
        for s in scorer.score([row["text"] for row in rows])
    ]
    flagged = {"benign": 0, "abusive": 0}
    for row, route in zip(rows, routes, strict=True):
        flagged[row["label"]] += route is Route.FLAGGED
    counts = {label: sum(row["label"] == label for row in rows) for label in flagged}

    assert flagged["benign"] / counts["benign"] <= 0.03
    assert flagged["abusive"] / counts["abusive"] >= 0.40
