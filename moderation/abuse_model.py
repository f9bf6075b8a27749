"""The default abuse screen: sentence embeddings and a linear head; word models as fallback.

`SentenceAbuseScorer` embeds each post with all-MiniLM-L6-v2 (`moderation.embeddings`) and
scores it with a logistic-regression head trained on the project's dev set
(``mscos-forum model train-abuse``, exported to ``moderation/data/abuse_head_v2.json``):
run time is one matrix product. It reports the label ``abuse``, calibrated so that the
head's operating point (chosen by repeated k-fold cross-validation) lands on the policy's
``abuse`` threshold.

The word-level Jigsaw models (`moderation.toxic_models`) were to be OR-ed in where they add
catches at <= 0.5 % extra benign flags on the dev set: measured (bench/offline_screens.py),
none of their labels adds a single catch over the head and the risk patterns at any
operating point within that budget, so the default scorer reports ``abuse`` alone and the
word models are the fallback. The risk patterns stay (the worker runs them beside any
scorer): they add 19 of the dev set's abusive posts at 3 extra benign flags (0.48 %).

`load_screening_scorer` is the default of `mscos-forum run`: the sentence scorer when the
model package is installed, else the word models alone, marked degraded
(``degraded_reason``: "no sentence model"), never nothing when either is installed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.model_files import ModelFileError, package_dir
from moderation.model_pins import MINILM
from moderation.policy import Thresholds
from moderation.scoring import Scorer, ScorerError
from moderation.toxic_models import calibrate, load_default_scorer

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from moderation.embeddings import SentenceEncoder

HEAD_FORMAT = "mscos-abuse-head/1"
#: Version of the shipped head: bumped on every retrain that changes its weights, so the
#: queue's ``scorer`` (stored with each screened post) says which head flagged it.
HEAD_VERSION = 2
DEFAULT_HEAD_PATH = Path(__file__).resolve().parent / "data" / f"abuse_head_v{HEAD_VERSION}.json"
ABUSE_LABEL = "abuse"


def scorer_name(version: int) -> str:
    """The scorer's name for a head of this version (``minilm-abuse-v2``)."""
    return f"minilm-abuse-v{version}"


SCORER_NAME = scorer_name(HEAD_VERSION)
NO_SENTENCE_MODEL = "no sentence model"


class HeadFormatError(ValueError):
    """The head file is missing, malformed or made for another encoder."""


@dataclass(frozen=True)
class AbuseHead:
    """A logistic-regression head over sentence embeddings.

    Attributes:
        weights: One weight per embedding dimension.
        bias: The intercept.
        threshold: Probability at which a post is flagged (the operating point).
        encoder: Name of the encoder the head was trained on.
        version: Version of the head file.
    """

    weights: npt.NDArray[np.float32]
    bias: float
    threshold: float
    encoder: str
    version: int

    @classmethod
    def load(cls, path: Path = DEFAULT_HEAD_PATH) -> AbuseHead:
        """Read a head file written by `moderation.train_abuse`.

        Raises:
            HeadFormatError: If the file is missing or malformed.
        """
        import numpy as np

        try:
            document: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise HeadFormatError(f"cannot read abuse head {path}: {exc}") from exc
        try:
            if document["format"] != HEAD_FORMAT:
                raise HeadFormatError(f"{path} is not an abuse head ({document['format']!r})")
            weights = np.asarray(document["weights"], dtype=np.float32)
            head = cls(
                weights=weights,
                bias=float(document["bias"]),
                threshold=float(document["threshold"]),
                encoder=str(document["encoder"]),
                version=int(document["version"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, HeadFormatError):
                raise
            raise HeadFormatError(f"{path} is malformed: {type(exc).__name__}: {exc}") from exc
        if weights.ndim != 1 or not np.all(np.isfinite(weights)) or not math.isfinite(head.bias):
            raise HeadFormatError(f"{path} holds no finite weight vector")
        if not 0.0 < head.threshold < 1.0:
            raise HeadFormatError(f"{path}: threshold must lie strictly between 0 and 1")
        return head

    def probabilities(self, embeddings: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Probability of abuse per row of ``embeddings`` (one matrix product)."""
        import numpy as np

        if embeddings.ndim != 2 or embeddings.shape[1] != self.weights.shape[0]:
            raise ScorerError(
                f"embeddings of width {embeddings.shape[-1]} do not fit a head of "
                f"{self.weights.shape[0]} weights"
            )
        logits = embeddings.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return result


class SentenceAbuseScorer:
    """`Scorer` reporting ``abuse`` from the sentence head, calibrated onto the policy.

    Args:
        encoder: The sentence encoder.
        head: The trained head.
        policy_thresholds: Thresholds the head's operating point is mapped onto.
    """

    def __init__(
        self,
        encoder: SentenceEncoder,
        head: AbuseHead,
        *,
        policy_thresholds: Thresholds | None = None,
    ) -> None:
        if head.encoder != encoder.name:
            raise ScorerError(
                f"abuse head was trained on {head.encoder}, not on {encoder.name}; retrain it"
            )
        self.encoder = encoder
        self.head = head
        self._policy = policy_thresholds if policy_thresholds is not None else Thresholds()
        self.name = scorer_name(head.version)
        self.degraded_reason: str | None = None

    def abuse_probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Uncalibrated probabilities of the head (for benchmarks and training checks)."""
        return self.head.probabilities(self.encoder.encode(texts))

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score texts: one ``abuse`` score each, its operating point on the policy threshold.

        Raises:
            TypeError: If given a single string instead of a sequence of strings.
            ScorerError: If the model fails.
        """
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts, not a single string")
        try:
            probabilities = self.abuse_probabilities(texts)
        except ScorerError:
            raise
        except Exception as exc:  # torch/tokenizer errors may quote the input: type only
            raise ScorerError(f"{self.name} prediction failed ({type(exc).__name__})") from exc
        policy_threshold = self._policy.for_label(ABUSE_LABEL)
        return [
            {ABUSE_LABEL: calibrate(float(p), self.head.threshold, policy_threshold)}
            for p in probabilities
        ]


def sentence_model_installed() -> bool:
    """Whether the sentence model's package is installed (files not yet verified)."""
    return package_dir(MINILM.package) is not None


def load_screening_scorer(
    policy_thresholds: Thresholds | None = None,
    *,
    head_path: Path = DEFAULT_HEAD_PATH,
    sentence_model_dir: Path | None = None,
    load_encoder: Callable[[], SentenceEncoder] | None = None,
) -> Scorer | None:
    """The default scorer: the sentence model, else the word models marked degraded.

    Args:
        policy_thresholds: The policy's thresholds (defaults when omitted).
        head_path: The head file.
        sentence_model_dir: Load the sentence model from this directory, checked against the
            pins, instead of its package; an empty or absent directory means no sentence
            model (the fallback).
        load_encoder: Where an installed sentence model comes from, instead of loading a new
            encoder (a process shares one encoder between the screen and search).

    Returns:
        The scorer (``degraded_reason`` set when it is the fallback), or None when neither
        the sentence model nor the word models are installed.

    Raises:
        ScorerError: If an installed model's files differ from their pins or cannot be read.
    """
    from moderation.embeddings import SentenceEncoder
    from moderation.model_files import verify_files

    thresholds = policy_thresholds if policy_thresholds is not None else Thresholds()
    if sentence_model_dir is None:
        missing = not sentence_model_installed()
    else:
        directory = Path(sentence_model_dir)
        missing = not directory.is_dir() or not any(directory.iterdir())
    if missing:
        words = load_default_scorer(thresholds)
        if words is None:
            return None
        words.degraded_reason = NO_SENTENCE_MODEL
        return words
    try:
        if load_encoder is not None:
            encoder = load_encoder()
        elif sentence_model_dir is None:
            encoder = SentenceEncoder.from_package()
        else:
            verify_files(sentence_model_dir, MINILM.files, what=MINILM.name)
            encoder = SentenceEncoder.from_dir(sentence_model_dir)
        head = AbuseHead.load(head_path)
    except (ModelFileError, HeadFormatError, OSError) as exc:
        raise ScorerError(f"sentence abuse model unavailable: {exc}") from exc
    return SentenceAbuseScorer(encoder, head, policy_thresholds=thresholds)
