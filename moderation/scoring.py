"""Scorers turn post texts into per-label probabilities.

`DetoxifyScorer` wraps the real `detoxify.Detoxify` model, loaded strictly from local files.
torch, transformers and detoxify are imported inside functions so that importing this module
stays cheap and free of side effects.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from moderation.labels import LABELS

if TYPE_CHECKING:
    import torch

MAX_TOKENS = 512
DEFAULT_BATCH_SIZE = 32
PREPARE_HINT = (
    "prepare the model directory once with "
    "`python -m moderation.detoxify_model prepare --checkpoint CKPT --hf-dir HF_DIR "
    "--target MODEL_DIR` (see moderation/detoxify_model.py)"
)
# Buffers that some transformers versions store in the state dict and others do not.
_TOLERATED_KEY_SUFFIXES = (".position_ids",)
_KEYS_SHOWN = 5


@runtime_checkable
class Scorer(Protocol):
    """Anything that scores texts: one label → probability dict per text."""

    name: str

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score a batch of texts.

        Args:
            texts: The texts; may be empty.

        Returns:
            One dict per text, in order, mapping labels to probabilities in 0..1.

        Raises:
            ScorerError: If the scorer cannot predict.
        """
        ...


def describe_scorer(scorer: Scorer) -> str:
    """What health reports for a loaded scorer: its name, and "degraded: why" when the
    scorer stands in for a better one (its optional ``degraded_reason`` attribute)."""
    reason = getattr(scorer, "degraded_reason", None)
    if reason:
        return f"degraded: {reason}; scorer {scorer.name} loaded"
    return f"scorer {scorer.name} loaded"


class ScorerError(Exception):
    """A scorer could not be loaded or could not predict.

    Messages never contain post text, so they are safe to log.
    """


class DetoxifyPredictor(Protocol):
    """The part of `detoxify.Detoxify` that `DetoxifyScorer` uses."""

    class_names: list[str]

    def predict(self, text: list[str]) -> dict[str, Any]: ...


class DetoxifyScorer:
    """Scores texts with a Detoxify model.

    Build it with `from_local`; the constructor takes an already loaded model (or any object
    with Detoxify's ``predict`` and ``class_names``).

    Args:
        detoxify: The loaded model.
        name: Recorded with every screening result.
        batch_size: Largest number of texts sent to the model at once.
        verified_keys: Number of state-dict keys checked at load time (for reports).
    """

    def __init__(
        self,
        detoxify: DetoxifyPredictor,
        *,
        name: str = "detoxify",
        batch_size: int = DEFAULT_BATCH_SIZE,
        verified_keys: int = 0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.name = name
        self.batch_size = batch_size
        self.verified_keys = verified_keys
        self._detoxify = detoxify
        self._labels = tuple(label for label in LABELS if label in detoxify.class_names)
        if not self._labels:
            raise ScorerError(
                f"model predicts none of the moderation labels ({', '.join(LABELS)}); "
                f"it predicts {', '.join(detoxify.class_names) or 'nothing'}"
            )

    @property
    def labels(self) -> tuple[str, ...]:
        """The moderation labels the model predicts ('original' lacks sexual_explicit)."""
        return self._labels

    @property
    def detoxify(self) -> DetoxifyPredictor:
        """The wrapped Detoxify model (for benchmarks and diagnostics)."""
        return self._detoxify

    @classmethod
    def from_local(
        cls,
        checkpoint: Path,
        config_dir: Path,
        *,
        device: str = "cpu",
        quantize: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        name: str | None = None,
    ) -> DetoxifyScorer:
        """Load a Detoxify checkpoint from local files only and check that it really loaded.

        The checkpoint must be a plain dict (``config`` and ``state_dict``, tensors and
        primitives only) whose ``config.arch.args.model_type`` is a local directory, as
        written by `moderation.detoxify_model.prepare_model_dir`. After Detoxify builds the
        model, every state-dict key and tensor of the checkpoint is compared with the model's:
        Detoxify ignores mismatches and would otherwise run on random weights.

        Args:
            checkpoint: Path of the ``.ckpt`` file.
            config_dir: Local Hugging Face config and tokenizer directory.
            device: Torch device, e.g. ``"cpu"``.
            quantize: Apply dynamic int8 quantisation to Linear layers (CPU only).
            batch_size: Largest number of texts sent to the model at once.
            name: Scorer name; defaults to ``"detoxify"`` or ``"detoxify-int8"``.

        Returns:
            The scorer.

        Raises:
            ScorerError: If a file is missing, the checkpoint is malformed or not prepared,
                loading fails, or the weights do not match the model.
        """
        checkpoint, config_dir = Path(checkpoint), Path(config_dir)
        if not checkpoint.is_file():
            raise ScorerError(f"Detoxify checkpoint not found: {checkpoint}; {PREPARE_HINT}")
        if not (config_dir / "config.json").is_file():
            raise ScorerError(f"no config.json in Hugging Face config dir {config_dir}")
        if quantize and device != "cpu":
            raise ScorerError("int8 dynamic quantisation only runs on the CPU device")

        loaded = read_checkpoint(checkpoint)
        check_checkpoint_config(loaded, checkpoint)
        state_dict: Mapping[str, torch.Tensor] = loaded["state_dict"]

        import detoxify

        try:
            with _quiet_loading():
                model = detoxify.Detoxify(
                    checkpoint=str(checkpoint),
                    device=device,
                    huggingface_config_path=str(config_dir),
                )
        except Exception as exc:  # Detoxify/transformers raise many types; report one.
            raise ScorerError(
                f"Detoxify could not load {checkpoint.name}: {type(exc).__name__}: {exc}"
            ) from exc

        verify_state_dict(state_dict, model.model.state_dict(), checkpoint_name=checkpoint.name)
        num_labels = int(model.model.config.num_labels)
        if num_labels != len(model.class_names):
            raise ScorerError(
                f"model has {num_labels} outputs but the checkpoint names "
                f"{len(model.class_names)} classes"
            )
        # Detoxify's tokenizer may have no length limit; long posts would crash the model.
        max_positions = int(getattr(model.model.config, "max_position_embeddings", MAX_TOKENS))
        model.tokenizer.model_max_length = min(MAX_TOKENS, max_positions)
        if quantize:
            model.model = quantize_int8(model.model)
        default_name = "detoxify-int8" if quantize else "detoxify"
        return cls(
            model,
            name=name or default_name,
            batch_size=batch_size,
            verified_keys=len(state_dict),
        )

    def score(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Score texts in batches of at most `batch_size`.

        Args:
            texts: Post texts; any length (tokens past 512 are ignored).

        Returns:
            One label → probability dict per text, in `LABELS` order; [] for no texts.

        Raises:
            TypeError: If given a single string instead of a sequence of strings.
            ScorerError: If prediction fails or returns something other than probabilities.
        """
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts, not a single string")
        results: list[dict[str, float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            try:
                raw = self._detoxify.predict(batch)
            except Exception as exc:  # fail closed: the caller marks posts "not screened"
                # The message of a tokenizer/model error may quote the input; do not repeat it.
                raise ScorerError(f"{self.name} prediction failed ({type(exc).__name__})") from exc
            results.extend(self._per_text(raw, len(batch)))
        return results

    def _per_text(self, raw: Mapping[str, Any], count: int) -> list[dict[str, float]]:
        columns: dict[str, list[float]] = {}
        for label in self._labels:
            value = raw.get(label)
            # Detoxify squeezes a batch of one to a bare float.
            values = [value] if count == 1 and isinstance(value, int | float) else value
            if not isinstance(values, list) or len(values) != count:
                raise ScorerError(f"{self.name} returned no usable {label} scores")
            columns[label] = [_probability(self.name, label, v) for v in values]
        return [{label: columns[label][i] for label in self._labels} for i in range(count)]


def _probability(scorer: str, label: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScorerError(f"{scorer} returned a non-numeric {label} score")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ScorerError(f"{scorer} returned an out-of-range {label} score ({value})")
    return float(value)


def read_checkpoint(checkpoint: Path) -> dict[str, Any]:
    """Read a Detoxify checkpoint without executing code from it.

    Loading with ``weights_only=True`` refuses pickled objects other than tensors and plain
    containers, so a tampered file fails here before Detoxify unpickles it in full.

    Args:
        checkpoint: Path of the ``.ckpt`` file.

    Returns:
        The checkpoint dict.

    Raises:
        ScorerError: If the file cannot be read as a plain checkpoint dict.
    """
    import torch

    try:
        try:
            loaded = torch.load(checkpoint, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError:  # legacy (non-zip) format cannot be memory-mapped
            loaded = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ScorerError(
            f"{checkpoint.name} cannot be read as a plain checkpoint (tensors and plain data "
            f"only): {str(exc).splitlines()[0]}; {PREPARE_HINT}"
        ) from exc
    except (OSError, RuntimeError, EOFError) as exc:
        raise ScorerError(f"cannot read checkpoint {checkpoint.name}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ScorerError(f"{checkpoint.name} is not a Detoxify checkpoint (not a dict)")
    return loaded


def check_checkpoint_config(loaded: Mapping[str, Any], checkpoint: Path) -> None:
    """Check a checkpoint's structure and that its ``model_type`` is a local directory.

    Args:
        loaded: The checkpoint dict.
        checkpoint: Its path, for messages.

    Raises:
        ScorerError: If a required entry is missing or ``model_type`` is not a local dir.
    """
    try:
        args = loaded["config"]["arch"]["args"]
        classes = loaded["config"]["dataset"]["args"]["classes"]
        model_type = args["model_type"]
        absent = {"model_name", "tokenizer_name", "num_classes"} - set(args)
        if absent:
            raise KeyError(", ".join(sorted(absent)))
        if not isinstance(loaded["state_dict"], Mapping):
            raise TypeError("state_dict is not a mapping")
    except (KeyError, TypeError) as exc:
        raise ScorerError(
            f"{checkpoint.name} is not a Detoxify checkpoint: missing or malformed {exc}"
        ) from exc
    if not isinstance(classes, list) or len(classes) != args["num_classes"]:
        raise ScorerError(f"{checkpoint.name}: dataset classes do not match num_classes")
    if not (isinstance(model_type, str) and Path(model_type).is_dir()):
        raise ScorerError(
            f"{checkpoint.name} names model_type {model_type!r}, which is not a local "
            f"directory, so loading it would need the internet; {PREPARE_HINT}"
        )


def verify_state_dict(
    expected: Mapping[str, torch.Tensor],
    actual: Mapping[str, torch.Tensor],
    *,
    checkpoint_name: str = "checkpoint",
) -> None:
    """Check that a model holds exactly the checkpoint's weights.

    Keys must match both ways (ignoring `position_ids` buffers, and accepting legacy
    ``LayerNorm.gamma``/``beta`` names that transformers renames on load), and every
    matched tensor must be equal.

    Args:
        expected: The checkpoint's state dict.
        actual: ``model.state_dict()`` after loading.
        checkpoint_name: Used in the message.

    Raises:
        ScorerError: Naming a few missing, unexpected or differing keys.
    """
    import torch

    renamed = {_modern_key(key): key for key in expected}
    missing = sorted(k for k in actual if k not in renamed and not _tolerated(k))
    unexpected = sorted(k for k in renamed if k not in actual and not _tolerated(k))
    differing = sorted(
        key
        for key, tensor in actual.items()
        if key in renamed
        and not _same_tensor(torch, tensor, expected[renamed[key]])
        and not _tolerated(key)
    )
    if not (missing or unexpected or differing):
        return
    problems = []
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("differing", differing)):
        if keys:
            shown = ", ".join(keys[:_KEYS_SHOWN]) + (", …" if len(keys) > _KEYS_SHOWN else "")
            problems.append(f"{len(keys)} {label} key(s) ({shown})")
    raise ScorerError(
        f"{checkpoint_name} does not match the model built from its config: "
        f"{'; '.join(problems)}. Detoxify would silently use random weights for these; "
        f"check that the checkpoint and the Hugging Face config belong together, then "
        f"{PREPARE_HINT}"
    )


def _modern_key(key: str) -> str:
    if key.endswith(".gamma"):
        return key[: -len(".gamma")] + ".weight"
    if key.endswith(".beta"):
        return key[: -len(".beta")] + ".bias"
    return key


def _tolerated(key: str) -> bool:
    return key.endswith(_TOLERATED_KEY_SUFFIXES)


def _same_tensor(torch_module: Any, loaded: torch.Tensor, stored: torch.Tensor) -> bool:
    if loaded.shape != stored.shape:
        return False
    return bool(torch_module.equal(loaded.detach().cpu(), stored.to(loaded.dtype)))


def quantize_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Return a copy of `model` with dynamic int8 quantisation of its Linear layers.

    Args:
        model: A float model on the CPU.

    Returns:
        The quantised model.
    """
    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not a dependency;
        # the eager API still works in the pinned torch and the warnings would fail strict runs.
        warnings.filterwarnings("ignore", message=r"(?s).*quantiz.*deprecated")
        quantized: torch.nn.Module = torch.ao.quantization.quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear}, dtype=torch.qint8
        )
    return quantized


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Hide transformers' weight-loading progress bar (noise in worker logs)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
