"""Moderation library: scorers, PII screen, watched words and the routing policy.

Importing this package is cheap: torch, transformers and detoxify are imported only when a
Detoxify model or the sentence model (`moderation.embeddings`, `moderation.abuse_model`) is
loaded; numpy, h5py, spaCy, Presidio and pyap2 only when the offline screens are loaded
(`load_default_scorer`, `load_pii_screen`). It imports neither aiohttp,
telegram nor sqlalchemy.
"""

from moderation.labels import LABELS
from moderation.ner import PiiScreen, PiiScreenStatus, load_pii_screen
from moderation.pii import PII_KIND_DESCRIPTIONS, PiiFinding, PiiKind, find_pii, redact
from moderation.policy import ModerationPolicy, Route, ScreeningResult, Thresholds
from moderation.risk_patterns import discloses_crisis, match_risk_patterns
from moderation.scoring import DetoxifyScorer, Scorer, ScorerError
from moderation.screening import ScreeningBatch, screen_texts
from moderation.toxic_models import OfflineToxicityScorer, load_default_scorer
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
    "OfflineToxicityScorer",
    "PiiFinding",
    "PiiKind",
    "PiiScreen",
    "PiiScreenStatus",
    "Route",
    "Scorer",
    "ScorerError",
    "ScreeningBatch",
    "ScreeningResult",
    "Thresholds",
    "WatchAction",
    "WatchMatch",
    "WatchedWord",
    "discloses_crisis",
    "find_pii",
    "load_default_scorer",
    "load_pii_screen",
    "match_risk_patterns",
    "match_watched_words",
    "normalise_watched_word",
    "redact",
    "screen_texts",
]
