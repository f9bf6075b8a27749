"""Choosing the toxicity scorer from the settings (loaded lazily by the worker)."""

from __future__ import annotations

import os

from forum_service.services.screening import ScorerLoader
from forum_service.settings import ServiceSettings
from moderation.scoring import Scorer


def scorer_loader(settings: ServiceSettings) -> ScorerLoader:
    """Return a function that loads the configured scorer: Detoxify, else the offline default.

    The offline default is the sentence-embedding abuse head (`moderation.abuse_model`); when
    its model package is missing, the word models stand in, reported degraded.

    Detoxify loads from local files only: ``HF_HUB_OFFLINE`` is forced so that nothing is
    downloaded at run time, whatever the environment says.
    """

    def load() -> Scorer | None:
        if settings.detoxify_checkpoint is None or settings.detoxify_config_dir is None:
            # No Detoxify weights prepared: the offline models shipped in registry packages
            # (None when they are not installed: posts are then queued "not screened").
            from moderation.abuse_model import load_screening_scorer
            from moderation.policy import Thresholds

            return load_screening_scorer(
                Thresholds.from_mapping(settings.moderation_thresholds),
                sentence_model_dir=settings.sentence_model_dir,
            )
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from moderation.scoring import DetoxifyScorer

        return DetoxifyScorer.from_local(
            settings.detoxify_checkpoint,
            settings.detoxify_config_dir,
            quantize=settings.detoxify_quantize,
        )

    return load
