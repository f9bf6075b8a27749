"""The labels every scorer reports and every threshold is keyed on."""

from __future__ import annotations

LABELS: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
    # The sentence-embedding abuse head (moderation.abuse_model): one label for all abuse.
    "abuse",
)
