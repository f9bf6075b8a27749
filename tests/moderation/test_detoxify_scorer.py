"""The real Detoxify loading and predict path, on a tiny generated checkpoint."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from moderation import DetoxifyScorer, Scorer, ScorerError
from moderation.detoxify_model import (
    PREPARE_STEPS,
    TINY_CLASSIFIER_BIAS,
    build_tiny_checkpoint,
    main,
    model_paths,
    prepare_model_dir,
    validate_model_dir,
)
from moderation.labels import DETOXIFY_LABELS as LABELS


@dataclass
class _Opaque:
    """Not a tensor or plain data: loading it needs full unpickling."""

    value: int


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _rewrite_checkpoint(source: Path, target: Path, change: Any) -> Path:
    loaded = torch.load(source, map_location="cpu", weights_only=True)
    change(loaded)
    torch.save(loaded, target)
    return target


def test_tiny_checkpoint_loads_through_detoxify_with_its_own_weights(
    detoxify_scorer: DetoxifyScorer,
) -> None:
    (scores,) = detoxify_scorer.score(["Thank you, the referral went through this morning."])

    assert tuple(scores) == LABELS
    # Random weights would give about 0.5 everywhere; the checkpoint's biases dominate.
    for label, bias in TINY_CLASSIFIER_BIAS.items():
        assert scores[label] == pytest.approx(_sigmoid(bias), abs=0.1), label
    assert isinstance(detoxify_scorer, Scorer)
    assert detoxify_scorer.name == "detoxify"
    assert detoxify_scorer.verified_keys > 0


def test_scores_equal_raw_detoxify_predict(detoxify_scorer: DetoxifyScorer) -> None:
    texts = ["The hearing is next week.", "She is safe now and settled."]

    raw = detoxify_scorer.detoxify.predict(texts)
    scored = detoxify_scorer.score(texts)

    for i, scores in enumerate(scored):
        assert scores == {label: raw[label][i] for label in LABELS}


def test_empty_batch_returns_empty_list(detoxify_scorer: DetoxifyScorer) -> None:
    assert detoxify_scorer.score([]) == []


def test_batch_of_one_returns_list_of_one_dict(detoxify_scorer: DetoxifyScorer) -> None:
    result = detoxify_scorer.score(["one post"])

    assert len(result) == 1
    assert all(isinstance(value, float) for value in result[0].values())


def test_20000_character_post_is_truncated_not_fatal(detoxify_scorer: DetoxifyScorer) -> None:
    long_post = ("The survivor needs long-term support with housing and trauma care. " * 300)[
        :20_000
    ]

    (scores,) = detoxify_scorer.score([long_post])

    assert set(scores) == set(LABELS)
    assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_tokenizer_without_a_length_limit_still_truncates_long_posts(tmp_path: Path) -> None:
    checkpoint, config_dir = build_tiny_checkpoint(tmp_path)
    tokenizer_config = config_dir / "tokenizer_config.json"
    settings = json.loads(tokenizer_config.read_text(encoding="utf-8"))
    del settings["model_max_length"]
    tokenizer_config.write_text(json.dumps(settings), encoding="utf-8")

    scorer = DetoxifyScorer.from_local(checkpoint, config_dir)

    assert len(scorer.score(["word " * 4000])) == 1


def test_large_inputs_are_scored_in_chunks_with_unchanged_results(
    detoxify_scorer: DetoxifyScorer,
) -> None:
    calls: list[int] = []
    inner = detoxify_scorer.detoxify

    class CountingPredictor:
        class_names = inner.class_names

        def predict(self, text: list[str]) -> dict[str, Any]:
            calls.append(len(text))
            return inner.predict(text)

    chunked = DetoxifyScorer(CountingPredictor(), batch_size=4)
    texts = [f"Post number {i} about safe housing." for i in range(10)]

    batched = chunked.score(texts)

    assert calls == [4, 4, 2]
    for text, scores in zip(texts, batched, strict=True):
        (alone,) = detoxify_scorer.score([text])
        for label in LABELS:
            assert scores[label] == pytest.approx(alone[label], abs=1e-5)


def test_single_string_is_rejected(detoxify_scorer: DetoxifyScorer) -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        detoxify_scorer.score("a post")


def test_quantised_scorer_stays_close_to_float_scores(tiny_model_dir: Path) -> None:
    checkpoint, config_dir = model_paths(tiny_model_dir)
    exact = DetoxifyScorer.from_local(checkpoint, config_dir)
    quantised = DetoxifyScorer.from_local(checkpoint, config_dir, quantize=True)
    texts = ["We need an interpreter for the hearing.", "Housing has been found."]

    assert quantised.name == "detoxify-int8"
    for fast, slow in zip(quantised.score(texts), exact.score(texts), strict=True):
        for label in LABELS:
            assert fast[label] == pytest.approx(slow[label], abs=0.02)


def test_renamed_state_dict_keys_are_reported_not_silently_randomised(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    checkpoint, config_dir = model_paths(tiny_model_dir)

    def add_prefix(loaded: dict[str, Any]) -> None:
        loaded["state_dict"] = {f"model.{k}": v for k, v in loaded["state_dict"].items()}

    bad = _rewrite_checkpoint(checkpoint, tmp_path / "prefixed.ckpt", add_prefix)

    with pytest.raises(ScorerError) as caught:
        DetoxifyScorer.from_local(bad, config_dir)

    message = str(caught.value)
    assert "missing key(s)" in message
    assert "unexpected key(s)" in message
    assert "model.bert.embeddings" in message
    assert "random weights" in message


def test_classifier_of_wrong_size_is_reported(tiny_model_dir: Path, tmp_path: Path) -> None:
    checkpoint, config_dir = model_paths(tiny_model_dir)

    def shrink_classifier(loaded: dict[str, Any]) -> None:
        loaded["state_dict"]["classifier.weight"] = torch.zeros(2, 32)
        loaded["state_dict"]["classifier.bias"] = torch.zeros(2)

    bad = _rewrite_checkpoint(checkpoint, tmp_path / "shape.ckpt", shrink_classifier)

    with pytest.raises(ScorerError, match="could not load"):
        DetoxifyScorer.from_local(bad, config_dir)


def test_hub_model_type_asks_the_operator_to_prepare(tiny_model_dir: Path, tmp_path: Path) -> None:
    checkpoint, config_dir = model_paths(tiny_model_dir)

    def point_at_hub(loaded: dict[str, Any]) -> None:
        loaded["config"]["arch"]["args"]["model_type"] = "bert-base-uncased"

    downloaded = _rewrite_checkpoint(checkpoint, tmp_path / "hub.ckpt", point_at_hub)

    with pytest.raises(ScorerError, match=r"not a local directory.*moderation\.detoxify_model"):
        DetoxifyScorer.from_local(downloaded, config_dir)


def test_missing_checkpoint_file_is_a_scorer_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    _, config_dir = model_paths(tiny_model_dir)

    with pytest.raises(ScorerError, match="not found"):
        DetoxifyScorer.from_local(tmp_path / "absent.ckpt", config_dir)


def test_checkpoint_needing_full_unpickling_is_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    checkpoint, config_dir = model_paths(tiny_model_dir)
    loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    loaded["extra"] = _Opaque(1)
    tampered = tmp_path / "tampered.ckpt"
    torch.save(loaded, tampered)

    with pytest.raises(ScorerError, match="plain checkpoint"):
        DetoxifyScorer.from_local(tampered, config_dir)


class _StubPredictor:
    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.class_names = list(LABELS)
        self._result = result
        self._error = error

    def predict(self, text: list[str]) -> dict[str, Any]:
        if self._error is not None:
            raise self._error
        return dict(self._result)


def test_prediction_failure_is_a_scorer_error_without_the_text() -> None:
    scorer = DetoxifyScorer(_StubPredictor(error=ValueError("call Elena on 07700 900123")))

    with pytest.raises(ScorerError) as caught:
        scorer.score(["call Elena on 07700 900123"])

    assert "07700" not in str(caught.value)
    assert "ValueError" in str(caught.value)


@pytest.mark.parametrize("bad", [float("nan"), 1.5, -0.1, "high"])
def test_non_probability_output_is_a_scorer_error(bad: object) -> None:
    result: dict[str, list[object]] = {label: [0.1, 0.2] for label in LABELS}
    result["threat"] = [0.1, bad]

    with pytest.raises(ScorerError, match="threat"):
        DetoxifyScorer(_StubPredictor(result)).score(["a", "b"])


def test_model_without_moderation_labels_is_refused() -> None:
    class Other:
        def __init__(self) -> None:
            self.class_names = ["male", "female"]

        def predict(self, text: list[str]) -> dict[str, Any]:
            return {}

    with pytest.raises(ScorerError, match="none of the moderation labels"):
        DetoxifyScorer(Other())


def test_tiny_checkpoint_is_deterministic_per_seed(tmp_path: Path) -> None:
    first, _ = build_tiny_checkpoint(tmp_path / "a", seed=3)
    again, _ = build_tiny_checkpoint(tmp_path / "b", seed=3)
    other, _ = build_tiny_checkpoint(tmp_path / "c", seed=4)
    weights = [
        torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
        for path in (first, again, other)
    ]
    key = "bert.encoder.layer.0.attention.self.query.weight"

    assert torch.equal(weights[0][key], weights[1][key])
    assert not torch.equal(weights[0][key], weights[2][key])


def _fake_download(tiny_model_dir: Path, root: Path) -> tuple[Path, Path]:
    """Mimic what an operator downloads: hub model_type, hub config without labels, weights."""
    checkpoint, config_dir = model_paths(tiny_model_dir)
    downloaded = root / "toxic_original.ckpt"

    def as_released(loaded: dict[str, Any]) -> None:
        loaded["config"]["arch"]["args"]["model_type"] = "bert-base-uncased"

    _rewrite_checkpoint(checkpoint, downloaded, as_released)
    hf_dir = root / "bert-base-uncased"
    hf_dir.mkdir()
    for name in ("vocab.txt", "tokenizer_config.json"):
        shutil.copyfile(config_dir / name, hf_dir / name)
    config = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
    for key in ("id2label", "label2id", "num_labels"):
        config.pop(key, None)
    (hf_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (hf_dir / "model.safetensors").write_bytes(b"not needed offline")
    return downloaded, hf_dir


def test_prepare_model_dir_makes_a_loadable_offline_model(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    downloaded, hf_dir = _fake_download(tiny_model_dir, tmp_path)
    target = tmp_path / "prepared"

    steps: list[str] = []
    prepared = prepare_model_dir(downloaded, hf_dir, target, progress=steps.append)

    assert prepared == model_paths(target)[0]
    assert len(steps) == PREPARE_STEPS and steps[-1] == "loaded and scored a sentence"
    assert sorted(p.name for p in (target / "hf").iterdir()) == [
        "config.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]
    report = validate_model_dir(target)
    assert report["labels"] == list(LABELS)
    assert report["state_dict_keys"] == 41
    assert report["missing_labels"] == []


def test_prepare_refuses_pickled_objects_unless_trusted(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    downloaded, hf_dir = _fake_download(tiny_model_dir, tmp_path)
    loaded = torch.load(downloaded, map_location="cpu", weights_only=True)
    loaded["callbacks"] = _Opaque(7)
    torch.save(loaded, downloaded)

    with pytest.raises(ScorerError, match="--trust-pickle"):
        prepare_model_dir(downloaded, hf_dir, tmp_path / "refused")

    prepared = prepare_model_dir(downloaded, hf_dir, tmp_path / "trusted", trust_pickle=True)
    assert "callbacks" not in torch.load(prepared, map_location="cpu", weights_only=True)


def test_validate_command_prints_a_json_report(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["validate", str(tiny_model_dir)])

    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert report["labels"] == list(LABELS)


def test_validate_command_reports_errors_with_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["validate", str(tmp_path)])

    assert status == 1
    assert "error:" in capsys.readouterr().err
