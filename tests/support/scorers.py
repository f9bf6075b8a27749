"""Scorer doubles with known outputs (the real Detoxify path is tested in tests/moderation)."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.labels import LABELS
from moderation.scoring import ScorerError


class KeywordScorer:
    """Scores 0.95 on "threat" for texts containing a marker word, 0.01 everywhere else."""

    name = "keyword-test"

    def __init__(self, marker: str = "MENACE") -> None:
        self.marker = marker
        self.calls = 0

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score each text."""
        self.calls += 1
        out = []
        for text in texts:
            scores = dict.fromkeys(LABELS, 0.01)
            if self.marker in text:
                scores["threat"] = 0.95
                scores["toxicity"] = 0.9
            out.append(scores)
        return out


class BrokenScorer:
    """A scorer whose model fails on every batch."""

    name = "broken-test"

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Fail."""
        raise ScorerError("simulated model failure")


class StaticScorer:
    """Returns the same scores for every text, and records the batches it was given."""

    def __init__(self, scores: dict[str, float], name: str = "static") -> None:
        self.name = name
        self._scores = scores
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score each text with the fixed scores."""
        self.calls.append(list(texts))
        return [dict(self._scores) for _ in texts]


class FailingScorer:
    """Raises ScorerError on every call, like a model that crashed."""

    name = "failing"

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Fail."""
        raise ScorerError("model exploded")
