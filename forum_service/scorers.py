"""Choosing the toxicity scorer from the settings (loaded lazily by the worker), and the one
sentence encoder a process shares between that scorer and search by meaning."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from forum_service.services.screening import ScorerLoader
from forum_service.settings import ServiceSettings
from moderation.scoring import Scorer

if TYPE_CHECKING:
    from moderation.embeddings import SentenceEncoder

_encoders: dict[Path | None, SentenceEncoder] = {}
_encoders_lock = threading.Lock()


def sentence_model_present(model_dir: Path | None) -> bool:
    """Whether the sentence model is installed: its package, or a non-empty ``model_dir``."""
    if model_dir is None:
        from moderation.abuse_model import sentence_model_installed

        return sentence_model_installed()
    directory = Path(model_dir)
    return directory.is_dir() and any(directory.iterdir())


def shared_sentence_encoder(model_dir: Path | None) -> SentenceEncoder:
    """The process's sentence encoder for ``model_dir`` (None: the installed package), loaded
    once after checking the sha256 pins; every later call returns the same encoder.

    Blocking (seconds on first call): call it in a thread from async code.

    Raises:
        moderation.model_files.ModelFileError: the model is missing or a file differs from its
            pin; OSError: a file cannot be read.
    """
    with _encoders_lock:
        encoder = _encoders.get(model_dir)
        if encoder is None:
            from moderation.embeddings import SentenceEncoder
            from moderation.model_files import verify_files
            from moderation.model_pins import MINILM

            if model_dir is None:
                encoder = SentenceEncoder.from_package()
            else:
                verify_files(Path(model_dir), MINILM.files, what=MINILM.name)
                encoder = SentenceEncoder.from_dir(Path(model_dir))
            _encoders[model_dir] = encoder
        return encoder


def scorer_loader(settings: ServiceSettings) -> ScorerLoader:
    """Return a function that loads the configured scorer: Detoxify, else the offline default.

    The offline default is the sentence-embedding abuse head (`moderation.abuse_model`) on the
    process's shared encoder (`shared_sentence_encoder`, which search re-ranks with too); when
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
                load_encoder=lambda: shared_sentence_encoder(settings.sentence_model_dir),
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
