"""Moderation library: scorers, PII screen, watched words and the routing policy.

Importing this package is cheap: torch, transformers and detoxify are imported only when a
Detoxify model is loaded. It imports neither aiohttp, telegram nor sqlalchemy.
"""

from moderation.labels import LABELS
from moderation.pii import PII_KIND_DESCRIPTIONS, PiiFinding, PiiKind, find_pii, redact
from moderation.policy import ModerationPolicy, Route, ScreeningResult, Thresholds
from moderation.scoring import DetoxifyScorer, Scorer, ScorerError
from moderation.screening import screen_texts
from moderation.watchwords import (
    WatchAction,
    WatchedWord,
    WatchMatch,
    match_watched_words,
    normalise_watched_word,
)

__all__ = [
    "LABELS",
    "PII_KIND_DESCRIPTIONS",
    "DetoxifyScorer",
    "ModerationPolicy",
    "PiiFinding",
    "PiiKind",
    "Route",
    "Scorer",
    "ScorerError",
    "ScreeningResult",
    "Thresholds",
    "WatchAction",
    "WatchMatch",
    "WatchedWord",
    "find_pii",
    "match_watched_words",
    "normalise_watched_word",
    "redact",
    "screen_texts",
]
