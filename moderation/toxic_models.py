"""The word-level offline toxicity scorer: two small Jigsaw-trained models, combined.

The fallback of the default abuse screen (`moderation.abuse_model.load_screening_scorer`):
used when the sentence model is not installed, reported degraded. Detoxify stays the first
choice when its weights are prepared. The models ship inside registry packages, installed
without their TensorFlow dependency by scripts/install-offline-models.sh:

- ``toxic-comment-classifier`` 0.3.0 (MIT), a Keras 3 model;
- ``tox-block`` 0.1.2 (MIT), a Keras 2 model.

Both are run by the numpy port in `moderation.keras_lstm`, after their files are checked
against the sha256 pins in `moderation.model_pins`. The scorer averages the two models'
probabilities per label and maps each label's operating point — chosen on the project's
evaluation set (bench/offline_screens.py) — onto the policy's default threshold for that
label, so the default `ModerationPolicy` flags exactly the posts over the operating points.
Neither model predicts ``sexual_explicit``; that label is not reported (the policy does not
judge missing labels).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from moderation.keras_lstm import (
    JIGSAW_CLASSES,
    BiLstmClassifier,
    ModelFormatError,
    load_keras_tokenizer,
    read_keras2_model,
    read_keras3_weights,
)
from moderation.model_files import ModelFileError, locate, package_dir
from moderation.model_pins import TOX_BLOCK, TOXIC_COMMENT_CLASSIFIER
from moderation.policy import Thresholds
from moderation.scoring import ScorerError

SCORER_NAME = "offline-jigsaw-lstm-pair"
# Jigsaw class → moderation label.
LABEL_OF: Mapping[str, str] = MappingProxyType(
    {
        "toxic": "toxicity",
        "severe_toxic": "severe_toxicity",
        "obscene": "obscene",
        "threat": "threat",
        "insult": "insult",
        "identity_hate": "identity_attack",
    }
)
# Averaged probability at which each label flags a post. Chosen on tests/data/
# moderation_eval.jsonl (162 professional posts, 62 abusive): just above the professional
# posts the models score highest (quoted abuse, descriptions of sexual violence), rounded.
# bench/offline_screens.py reports the resulting rates; change these only with it.
OPERATING_POINTS: Mapping[str, float] = MappingProxyType(
    {
        "toxicity": 0.60,
        "severe_toxicity": 0.10,
        "obscene": 0.50,
        "threat": 0.25,
        "insult": 0.40,
        "identity_attack": 0.15,
    }
)
BATCH_SIZE = 256


def calibrate(score: float, operating_point: float, policy_threshold: float) -> float:
    """Map a score so that its operating point lands on the policy's threshold.

    Piecewise linear and increasing: [0, operating_point] → [0, policy_threshold] and
    [operating_point, 1] → [policy_threshold, 1].

    Args:
        score: Probability in 0..1.
        operating_point: Score at which the post should be flagged, in (0, 1).
        policy_threshold: The policy's threshold for the label, in (0, 1].

    Returns:
        The calibrated score in 0..1.
    """
    score = min(max(score, 0.0), 1.0)
    if score < operating_point:
        return score / operating_point * policy_threshold
    if operating_point >= 1.0:
        return 1.0
    return policy_threshold + (score - operating_point) / (1.0 - operating_point) * (
        1.0 - policy_threshold
    )


@dataclass(frozen=True)
class ModelPair:
    """The two ported models, loaded once."""

    toxic_comment_classifier: BiLstmClassifier
    tox_block: BiLstmClassifier


def load_model_pair(*, verify: bool = True) -> ModelPair:
    """Load both models from their installed packages.

    Args:
        verify: Check the files' sha256 pins first.

    Returns:
        The models.

    Raises:
        ModelFileError: If a package is missing or its files differ from the pins.
        ModelFormatError: If a file does not have the expected structure.
    """
    tcc_dir = locate(TOXIC_COMMENT_CLASSIFIER, verify=verify)
    tox_dir = locate(TOX_BLOCK, verify=verify)
    return ModelPair(
        toxic_comment_classifier=BiLstmClassifier(
            "toxic-comment-classifier",
            load_keras_tokenizer(tcc_dir / "tokenizer.pickle"),
            read_keras3_weights(tcc_dir / "model.weights.h5"),
        ),
        tox_block=BiLstmClassifier(
            "tox-block",
            load_keras_tokenizer(tox_dir / "encoder_0.1.2.pkl"),
            read_keras2_model(tox_dir / "lstm_model_0.1.2.h5"),
        ),
    )


class OfflineToxicityScorer:
    """`Scorer` over the two ported Jigsaw models (numpy only, ~10k posts/s per model).

    Args:
        models: The loaded models.
        operating_points: Label → averaged probability at which the label flags.
        policy_thresholds: The policy thresholds the operating points are mapped onto.
        name: Recorded with every screening result.
    """

    def __init__(
        self,
        models: ModelPair,
        *,
        operating_points: Mapping[str, float] = OPERATING_POINTS,
        policy_thresholds: Thresholds | None = None,
        name: str = SCORER_NAME,
    ) -> None:
        unknown = set(operating_points) - set(LABEL_OF.values())
        if unknown:
            raise ValueError(f"no model predicts {', '.join(sorted(unknown))}")
        if not all(0.0 < value < 1.0 for value in operating_points.values()):
            raise ValueError("operating points must lie strictly between 0 and 1")
        self.name = name
        self.models = models
        self.operating_points = dict(operating_points)
        self._policy = policy_thresholds if policy_thresholds is not None else Thresholds()
        #: Set when this scorer stands in for a better one (the worker reports it degraded).
        self.degraded_reason: str | None = None
        # numpy releases the GIL in matmuls but the scorer keeps no per-call state, so
        # concurrent calls are safe; the lock only keeps batches from competing for 2 cores.
        self._lock = threading.Lock()

    def raw_scores(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Averaged, uncalibrated probabilities per label (for benchmarks and tuning)."""
        results: list[dict[str, float]] = []
        for start in range(0, len(texts), BATCH_SIZE):
            batch = list(texts[start : start + BATCH_SIZE])
            with self._lock:
                first = self.models.toxic_comment_classifier.predict(batch)
                second = self.models.tox_block.predict(batch)
            mean = (first + second) / 2.0
            results.extend(
                {LABEL_OF[c]: float(row[j]) for j, c in enumerate(JIGSAW_CLASSES)} for row in mean
            )
        return results

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score texts; labels without an operating point are left out.

        Args:
            texts: Post texts, any length (every 100-token window is read).

        Returns:
            One label → calibrated score dict per text.

        Raises:
            TypeError: If given a single string instead of a sequence of strings.
            ScorerError: If the models fail.
        """
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts, not a single string")
        try:
            raw = self.raw_scores(texts)
        except (ValueError, FloatingPointError, MemoryError) as exc:
            raise ScorerError(f"{self.name} prediction failed ({type(exc).__name__})") from exc
        return [
            {
                label: calibrate(scores[label], point, self._policy.for_label(label))
                for label, point in self.operating_points.items()
            }
            for scores in raw
        ]


def offline_models_installed() -> bool:
    """Whether either model package is installed (files not yet verified)."""
    return any(
        package_dir(model.package) is not None for model in (TOXIC_COMMENT_CLASSIFIER, TOX_BLOCK)
    )


def load_default_scorer(
    policy_thresholds: Thresholds | None = None,
) -> OfflineToxicityScorer | None:
    """Build the offline scorer used when no Detoxify checkpoint is configured.

    Slow-ish (about 1 s: sha256 of 45 MB, unpickling two vocabularies); call it once, in a
    thread, as the worker does with its scorer loader.

    Args:
        policy_thresholds: The thresholds of the policy in use, so the operating points
            land on them; the default policy's when omitted.

    Returns:
        The scorer, or None when neither model package is installed.

    Raises:
        ScorerError: If only one package is installed, a file differs from its pin, or a
            file cannot be read — the worker then reports the model as failed.
    """
    if not offline_models_installed():
        return None
    try:
        models = load_model_pair()
    except (ModelFileError, ModelFormatError, OSError) as exc:
        raise ScorerError(f"offline toxicity models unavailable: {exc}") from exc
    return OfflineToxicityScorer(models, policy_thresholds=policy_thresholds)
