"""The labels every scorer reports and every threshold is keyed on."""

from __future__ import annotations

#: What Detoxify's models predict (the "original" model lacks sexual_explicit).
DETOXIFY_LABELS: tuple[str, ...] = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "identity_attack",
    "insult",
    "threat",
    "sexual_explicit",
)
#: Every label a scorer may report: Detoxify's, and ``abuse`` from the sentence-embedding
#: abuse head (`moderation.abuse_model`), one label for all abuse.
LABELS: tuple[str, ...] = (*DETOXIFY_LABELS, "abuse")
