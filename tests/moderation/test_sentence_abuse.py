"""The default abuse screen: pinned sentence model, reference embeddings, head, fallback."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from moderation.abuse_model import (
    ABUSE_LABEL,
    DEFAULT_HEAD_PATH,
    HEAD_VERSION,
    NO_SENTENCE_MODEL,
    SCORER_NAME,
    AbuseHead,
    HeadFormatError,
    SentenceAbuseScorer,
    load_screening_scorer,
)
from moderation.embeddings import DIMENSION, SentenceEncoder
from moderation.model_files import ModelFileError, locate, verify_files
from moderation.model_pins import MINILM
from moderation.policy import ModerationPolicy, Route, Thresholds
from moderation.risk_patterns import match_risk_patterns
from moderation.scoring import Scorer, ScorerError, describe_scorer
from moderation.toxic_models import OfflineToxicityScorer

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = DATA / "minilm_reference.json"
HOLDOUT_V2 = DATA / "moderation_holdout_v2.jsonl"
FLAGGED_LANES = {Route.FLAGGED, Route.URGENT}


@pytest.fixture(scope="module")
def abuse_scorer(sentence_encoder: SentenceEncoder) -> SentenceAbuseScorer:
    return SentenceAbuseScorer(sentence_encoder, AbuseHead.load())


def test_pins_cover_every_file_transformers_and_the_pooling_read() -> None:
    directory = locate(MINILM)
    loaded = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}
    loaded |= {"special_tokens_map.json", "vocab.txt", "1_Pooling/config.json"}

    assert loaded <= set(MINILM.files)
    assert all((directory / name).is_file() for name in MINILM.files)


def test_embeddings_reproduce_the_recorded_reference(sentence_encoder: SentenceEncoder) -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert reference["model_safetensors_sha256"] == MINILM.files["model.safetensors"]

    vectors = sentence_encoder.encode(reference["texts"])

    assert vectors.shape == (len(reference["texts"]), DIMENSION)
    assert np.max(np.abs(vectors - np.asarray(reference["vectors"]))) < 1e-4


def test_embeddings_are_normalised_and_independent_of_the_batch(
    sentence_encoder: SentenceEncoder,
) -> None:
    texts = ["Good morning all.", "You are a useless idiot.", "A much longer post " * 40]

    together = sentence_encoder.encode(texts)
    alone = np.vstack([sentence_encoder.encode([text]) for text in texts])

    assert together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.max(np.abs(together - alone)) < 1e-5
    assert sentence_encoder.encode([]).shape == (0, DIMENSION)
    with pytest.raises(TypeError):
        sentence_encoder.encode("one string")


def test_a_changed_model_file_is_refused(tmp_path: Path) -> None:
    source = locate(MINILM)
    for name in MINILM.files:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name == "model.safetensors":
            target.symlink_to(source / name)
        else:
            shutil.copyfile(source / name, target)
    verify_files(tmp_path, MINILM.files, what=MINILM.name)
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n", encoding="utf-8")

    with pytest.raises(ModelFileError, match=r"sha256 differs for vocab\.txt"):
        verify_files(tmp_path, MINILM.files, what=MINILM.name)
    with pytest.raises(ScorerError, match="sentence abuse model unavailable"):
        load_screening_scorer(sentence_model_dir=tmp_path)


def test_head_file_was_trained_on_the_current_dev_set() -> None:
    document = json.loads(DEFAULT_HEAD_PATH.read_text(encoding="utf-8"))
    dev = DATA.parent.parent / document["trained_on"]["file"]

    assert document["trained_on"]["sha256"] == hashlib.sha256(dev.read_bytes()).hexdigest()
    assert document["encoder"] == MINILM.name
    assert len(document["weights"]) == DIMENSION
    assert document["version"] == HEAD_VERSION
    assert DEFAULT_HEAD_PATH.name == f"abuse_head_v{HEAD_VERSION}.json"
    assert SCORER_NAME == "minilm-abuse-v2"  # README and the queue name it


def test_the_scorer_is_named_after_the_head_it_loaded(
    sentence_encoder: SentenceEncoder, tmp_path: Path
) -> None:
    document = json.loads(DEFAULT_HEAD_PATH.read_text(encoding="utf-8"))
    older = tmp_path / "abuse_head_v1.json"
    older.write_text(json.dumps({**document, "version": 1}), encoding="utf-8")

    assert SentenceAbuseScorer(sentence_encoder, AbuseHead.load()).name == SCORER_NAME
    assert SentenceAbuseScorer(sentence_encoder, AbuseHead.load(older)).name == "minilm-abuse-v1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, "not an abuse head"),
        ({"threshold": 1.5}, "threshold"),
        ({"weights": ["x"]}, "malformed"),
        ({"weights": [float("nan")] * DIMENSION}, "finite"),
    ],
)
def test_a_broken_head_file_is_refused(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    document = json.loads(DEFAULT_HEAD_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "head.json"
    path.write_text(json.dumps({**document, **change}), encoding="utf-8")

    with pytest.raises(HeadFormatError, match=message):
        AbuseHead.load(path)


def test_scorer_reports_abuse_on_the_policy_threshold(abuse_scorer: SentenceAbuseScorer) -> None:
    texts = ["Thanks for the tips, they helped a lot.", "Shut up, you pathetic moron."]

    calm, abusive = abuse_scorer.score(texts)
    raw = abuse_scorer.abuse_probabilities(texts)
    policy = ModerationPolicy()

    assert isinstance(abuse_scorer, Scorer) and abuse_scorer.name == SCORER_NAME
    assert set(calm) == {ABUSE_LABEL}
    assert (raw >= abuse_scorer.head.threshold).tolist() == [False, True]
    assert policy.decide(calm, [], [], abuse_scorer.name).route is Route.LOW_RISK
    flagged = policy.decide(abusive, [], [], abuse_scorer.name)
    assert flagged.route is Route.FLAGGED and flagged.reasons[0].startswith("abuse ")
    assert flagged.scorer == SCORER_NAME
    assert abuse_scorer.score([]) == []
    with pytest.raises(TypeError):
        abuse_scorer.score("one string")


def test_operating_point_follows_a_configured_abuse_threshold(
    sentence_encoder: SentenceEncoder,
) -> None:
    strict = SentenceAbuseScorer(
        sentence_encoder, AbuseHead.load(), policy_thresholds=Thresholds(abuse=0.9)
    )
    text = ["Shut up, you pathetic moron."]

    (score,) = strict.score(text)
    (raw,) = strict.abuse_probabilities(text)

    assert (score[ABUSE_LABEL] >= 0.9) == (raw >= strict.head.threshold)


def test_frozen_hold_out_stays_within_the_benign_budget(abuse_scorer: SentenceAbuseScorer) -> None:
    # Never trained or tuned on; the full per-category table is in bench/results.
    rows = [json.loads(line) for line in HOLDOUT_V2.read_text("utf-8").splitlines() if line]
    rows = [row for row in rows if row["label"] in {"benign", "abusive"}]
    policy = ModerationPolicy()
    scores = abuse_scorer.score([row["text"] for row in rows])
    flagged = [
        policy.decide(s, [], match_risk_patterns(row["text"]), abuse_scorer.name).route
        in FLAGGED_LANES
        for row, s in zip(rows, scores, strict=True)
    ]

    def rate(keep: Any) -> float:
        chosen = [hit for row, hit in zip(rows, flagged, strict=True) if keep(row)]
        return sum(chosen) / len(chosen)

    assert rate(lambda r: r["label"] == "benign") <= 0.05
    assert rate(lambda r: r.get("category") == "everyday") <= 0.05
    assert rate(lambda r: r["label"] == "abusive") >= 0.80


@pytest.mark.parametrize("where", ["empty", "absent"])
def test_missing_sentence_model_falls_back_to_the_word_models(tmp_path: Path, where: str) -> None:
    model_dir = tmp_path / "model"
    if where == "empty":
        model_dir.mkdir()

    scorer = load_screening_scorer(sentence_model_dir=model_dir)

    assert isinstance(scorer, OfflineToxicityScorer)
    assert scorer.degraded_reason == NO_SENTENCE_MODEL
    assert describe_scorer(scorer) == (
        "degraded: no sentence model; scorer offline-jigsaw-lstm-pair loaded"
    )
    assert scorer.score(["You are a pathetic idiot."])[0]["insult"] > 0
