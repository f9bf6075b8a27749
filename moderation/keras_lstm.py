"""A numpy port of two small Keras text classifiers, read from their own files.

Both offline toxicity models are the same Jigsaw-trained architecture::

    Embedding(20000, 50) → Bidirectional(LSTM(50, return_sequences)) → GlobalMaxPool1D
    → Dense(50, relu) → Dropout → Dense(6, sigmoid)

fed with a Keras ``Tokenizer`` (20,000 words) and ``pad_sequences(maxlen=100)``. Their
packages depend on TensorFlow (and one file does not load under Keras 3), so this module
reads the HDF5 weights with h5py and the tokenizer pickles with a restricted unpickler, and
runs the forward pass in numpy. `tests/moderation/test_toxic_models.py` proves it against
outputs recorded once with TensorFlow.

numpy and h5py are imported inside functions: importing this module stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.keras_tokenizer import (
    MAX_LEN,
    KerasTokenizer,
    ModelFormatError,
    load_keras_tokenizer,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float32]
    IntArray = npt.NDArray[np.int32]

__all__ = [
    "JIGSAW_CLASSES",
    "MAX_LEN",
    "BiLstmClassifier",
    "BiLstmWeights",
    "KerasTokenizer",
    "ModelFormatError",
    "load_keras_tokenizer",
    "read_keras2_model",
    "read_keras3_weights",
]

JIGSAW_CLASSES: tuple[str, ...] = (
    "toxic",
    "severe_toxic",
    "obscene",
    "threat",
    "insult",
    "identity_hate",
)

# --- network ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Lstm:
    kernel: FloatArray  # (input, 4 * units): gates i, f, c, o
    recurrent: FloatArray  # (units, 4 * units)
    bias: FloatArray  # (4 * units,)


@dataclass(frozen=True)
class BiLstmWeights:
    """Weights of the Embedding → BiLSTM → max-pool → Dense → Dense network.

    Attributes:
        embedding: (vocabulary, dim).
        forward: Forward LSTM.
        backward: Backward LSTM.
        hidden: Dense(relu) kernel and bias.
        output: Dense(sigmoid) kernel and bias.
        hard_sigmoid: Gates use Keras 2's ``hard_sigmoid`` (clip(0.2x + 0.5)) instead of
            the logistic sigmoid.
    """

    embedding: FloatArray
    forward: _Lstm
    backward: _Lstm
    hidden: tuple[FloatArray, FloatArray]
    output: tuple[FloatArray, FloatArray]
    hard_sigmoid: bool

    def check(self, name: str) -> None:
        """Raise ModelFormatError unless the shapes fit together."""
        dim = self.embedding.shape[1]
        units = self.forward.recurrent.shape[0]
        expected = {
            "forward kernel": (self.forward.kernel.shape, (dim, 4 * units)),
            "backward kernel": (self.backward.kernel.shape, (dim, 4 * units)),
            "backward recurrent": (self.backward.recurrent.shape, (units, 4 * units)),
            "forward recurrent": (self.forward.recurrent.shape, (units, 4 * units)),
            "forward bias": (self.forward.bias.shape, (4 * units,)),
            "backward bias": (self.backward.bias.shape, (4 * units,)),
            "hidden kernel": (self.hidden[0].shape[0], 2 * units),
            "output kernel": (self.output[0].shape, (self.hidden[0].shape[1], 6)),
        }
        for part, (actual, wanted) in expected.items():
            if actual != wanted:
                raise ModelFormatError(f"{name}: {part} has shape {actual}, expected {wanted}")


def _read(group: Any, path: str) -> FloatArray:
    import numpy as np

    try:
        dataset = group[path]
    except KeyError as exc:
        raise ModelFormatError(f"weights file lacks {path}") from exc
    return np.asarray(dataset[()], dtype=np.float32)


def read_keras3_weights(path: Path) -> BiLstmWeights:
    """Read a Keras 3 ``model.weights.h5`` of the architecture (toxic-comment-classifier).

    Keras 3 stores variables by layer name in creation order (``vars/0`` kernel, ``vars/1``
    recurrent kernel, ``vars/2`` bias); the LSTM uses the logistic sigmoid.

    Args:
        path: The weights file.

    Returns:
        The weights.

    Raises:
        ModelFormatError: If a variable is missing or a shape does not fit.
    """
    import h5py  # type: ignore[import-untyped]

    with h5py.File(path, "r") as weights:
        layers = weights.get("layers", {})
        if not layers:
            raise ModelFormatError(f"{path.name} is not a Keras 3 weights file")

        def lstm(direction: str) -> _Lstm:
            base = f"bidirectional/{direction}_layer/cell/vars"
            return _Lstm(
                _read(layers, f"{base}/0"), _read(layers, f"{base}/1"), _read(layers, f"{base}/2")
            )

        loaded = BiLstmWeights(
            embedding=_read(layers, "embedding/vars/0"),
            forward=lstm("forward"),
            backward=lstm("backward"),
            hidden=(_read(layers, "dense/vars/0"), _read(layers, "dense/vars/1")),
            output=(_read(layers, "dense_1/vars/0"), _read(layers, "dense_1/vars/1")),
            hard_sigmoid=False,
        )
    loaded.check(path.name)
    return loaded


_KERAS2_LAYERS = (
    "InputLayer",
    "Embedding",
    "Bidirectional",
    "GlobalMaxPooling1D",
    "Dense",
    "Dropout",
    "Dense",
)


def read_keras2_model(path: Path) -> BiLstmWeights:
    """Read a Keras 2 full-model ``.h5`` of the architecture (tox-block).

    The stored model config is checked layer by layer (the port implements exactly this
    network) and supplies the LSTM's gate activation.

    Args:
        path: The model file.

    Returns:
        The weights.

    Raises:
        ModelFormatError: If the config or a variable does not match the architecture.
    """
    import h5py

    with h5py.File(path, "r") as model:
        try:
            config = json.loads(model.attrs["model_config"])
            layers = config["config"]["layers"]
            classes = tuple(layer["class_name"] for layer in layers)
            lstm_config = layers[2]["config"]["layer"]["config"]
            merge_mode = layers[2]["config"].get("merge_mode")
            activations = (
                lstm_config.get("activation"),
                layers[4]["config"]["activation"],
                layers[6]["config"]["activation"],
            )
            gate = lstm_config.get("recurrent_activation")
            mask_zero = layers[1]["config"].get("mask_zero")
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"{path.name} has no usable Keras model config") from exc
        if (
            classes != _KERAS2_LAYERS
            or merge_mode != "concat"
            or activations != ("tanh", "relu", "sigmoid")
            or gate not in {"sigmoid", "hard_sigmoid"}
            or mask_zero
        ):
            raise ModelFormatError(f"{path.name} is not the Embedding-BiLSTM network this reads")
        group = model["model_weights"]

        def lstm(direction: str) -> _Lstm:
            base = f"bidirectional/bidirectional/{direction}_lstm"
            return _Lstm(
                _read(group, f"{base}/kernel:0"),
                _read(group, f"{base}/recurrent_kernel:0"),
                _read(group, f"{base}/bias:0"),
            )

        loaded = BiLstmWeights(
            embedding=_read(group, "embedding/embedding/embeddings:0"),
            forward=lstm("forward"),
            backward=lstm("backward"),
            hidden=(_read(group, "dense/dense/kernel:0"), _read(group, "dense/dense/bias:0")),
            output=(
                _read(group, "dense_1/dense_1/kernel:0"),
                _read(group, "dense_1/dense_1/bias:0"),
            ),
            hard_sigmoid=gate == "hard_sigmoid",
        )
    loaded.check(path.name)
    return loaded


class BiLstmClassifier:
    """Tokenizer plus network: texts in, six Jigsaw probabilities out.

    Args:
        name: Model name for messages.
        tokenizer: The model's tokenizer.
        weights: The model's weights.
    """

    def __init__(self, name: str, tokenizer: KerasTokenizer, weights: BiLstmWeights) -> None:
        import numpy as np

        if tokenizer.num_words != weights.embedding.shape[0]:
            raise ModelFormatError(
                f"{name}: tokenizer has {tokenizer.num_words} words, embedding "
                f"{weights.embedding.shape[0]}"
            )
        self.name = name
        self.tokenizer = tokenizer
        self.weights = weights
        self._units = weights.forward.recurrent.shape[0]
        # The forward LSTM first reads the left padding (index 0) from a zero state, the
        # same for every post: run it once and start each batch where its padding ends.
        pad = np.zeros((1, MAX_LEN), dtype=np.int32)
        self._pad_states = self._run(pad, weights.forward, reverse=False, record=True)

    def encode(self, texts: Sequence[str]) -> IntArray:
        """Token ids padded and truncated at the front, like ``pad_sequences(maxlen=100)``.

        Args:
            texts: The texts.

        Returns:
            An int32 array of shape (len(texts), 100).
        """
        import numpy as np

        out = np.zeros((len(texts), MAX_LEN), dtype=np.int32)
        for row, text in enumerate(texts):
            ids = self.tokenizer.ids(text)[-MAX_LEN:]
            if ids:
                out[row, MAX_LEN - len(ids) :] = ids
        return out

    def windows(self, text: str) -> list[list[int]]:
        """Token ids of a text in windows of at most 100, overlapping by half.

        The original model reads only the last 100 tokens of a post; scoring every window
        and keeping the highest score also sees the beginning of a long post. A text of
        at most 100 tokens is one window, exactly what the original model reads.
        """
        ids = self.tokenizer.ids(text)
        if len(ids) <= MAX_LEN:
            return [ids]
        step = MAX_LEN // 2
        starts = [*range(0, len(ids) - MAX_LEN, step), len(ids) - MAX_LEN]
        return [ids[start : start + MAX_LEN] for start in starts]

    def predict(self, texts: Sequence[str]) -> FloatArray:
        """Probabilities of the six classes for each text, reading the whole text.

        Args:
            texts: The texts.

        Returns:
            A float32 array of shape (len(texts), 6), in `JIGSAW_CLASSES` order.
        """
        import numpy as np

        owners: list[int] = []
        rows: list[list[int]] = []
        for index, text in enumerate(texts):
            for window in self.windows(text):
                owners.append(index)
                rows.append(window)
        # Longest first: each batch then shares most of its left padding, which the
        # forward direction skips.
        order = sorted(range(len(rows)), key=lambda r: -len(rows[r]))
        ids = np.zeros((len(rows), MAX_LEN), dtype=np.int32)
        for position, row in enumerate(order):
            if rows[row]:
                ids[position, MAX_LEN - len(rows[row]) :] = rows[row]
        per_window = np.empty((len(rows), len(JIGSAW_CLASSES)), dtype=np.float32)
        per_window[np.asarray(order, dtype=np.intp)] = self.predict_ids(ids)
        out = np.zeros((len(texts), len(JIGSAW_CLASSES)), dtype=np.float32)
        np.maximum.at(out, np.asarray(owners, dtype=np.intp), per_window)
        return out

    def predict_ids(self, ids: IntArray, *, batch_size: int = 256) -> FloatArray:
        """Run the network on padded token ids, like ``model.predict``.

        Args:
            ids: Int array of shape (n, 100).
            batch_size: Rows per numpy pass.

        Returns:
            A float32 array of shape (n, 6).
        """
        import numpy as np

        if ids.ndim != 2 or ids.shape[1] != MAX_LEN:
            raise ValueError(f"expected ids of shape (n, {MAX_LEN}), got {ids.shape}")
        out = np.empty((ids.shape[0], len(JIGSAW_CLASSES)), dtype=np.float32)
        for start in range(0, ids.shape[0], batch_size):
            out[start : start + batch_size] = self._network(ids[start : start + batch_size])
        return out

    def _network(self, ids: IntArray) -> FloatArray:
        import numpy as np

        w = self.weights
        pooled = np.concatenate(
            [self._run(ids, w.forward, reverse=False), self._run(ids, w.backward, reverse=True)],
            axis=1,
        )
        hidden = np.maximum(pooled @ w.hidden[0] + w.hidden[1], 0.0)
        logits = hidden @ w.output[0] + w.output[1]
        result: FloatArray = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return result

    def _run(self, ids: IntArray, lstm: _Lstm, *, reverse: bool, record: bool = False) -> Any:
        """Run one LSTM direction; return the max over time of its outputs.

        With ``record`` (padding only), return the per-step (h, c, running max) instead.
        """
        import numpy as np

        units = self._units
        batch = ids.shape[0]
        # Project each distinct token once (embedding and input kernel are both linear).
        distinct, inverse = np.unique(ids, return_inverse=True)
        projected = self.weights.embedding[distinct] @ lstm.kernel + lstm.bias
        # Time-major, so that each step reads one contiguous block.
        inputs = projected[inverse.reshape(ids.shape).T]  # (time, batch, 4 * units)
        h = np.zeros((batch, units), dtype=np.float32)
        c = np.zeros((batch, units), dtype=np.float32)
        best = np.full((batch, units), -np.inf, dtype=np.float32)
        steps = range(MAX_LEN - 1, -1, -1) if reverse else range(MAX_LEN)
        first = 0
        if not reverse and not record:
            # Skip the padding every row of the batch starts with.
            first = int(np.argmax(ids != 0, axis=1).min()) if ids.any() else MAX_LEN
            if first > 0:
                h0, c0, best0 = self._pad_states[first - 1]
                h = np.repeat(h0[None, :], batch, axis=0)
                c = np.repeat(c0[None, :], batch, axis=0)
                best = np.repeat(best0[None, :], batch, axis=0)
            steps = range(first, MAX_LEN)
        recorded = []
        gate = _hard_sigmoid if self.weights.hard_sigmoid else _sigmoid
        for t in steps:
            z = inputs[t] + h @ lstm.recurrent
            i = gate(z[:, :units])
            f = gate(z[:, units : 2 * units])
            candidate = np.tanh(z[:, 2 * units : 3 * units])
            o = gate(z[:, 3 * units :])
            c = f * c + i * candidate
            h = o * np.tanh(c)
            np.maximum(best, h, out=best)
            if record:
                recorded.append((h[0].copy(), c[0].copy(), best[0].copy()))
        return recorded if record else best


def _sigmoid(x: FloatArray) -> FloatArray:
    import numpy as np

    result: FloatArray = (1.0 / (1.0 + np.exp(-x))).astype(np.float32, copy=False)
    return result


def _hard_sigmoid(x: FloatArray) -> FloatArray:
    import numpy as np

    result: FloatArray = np.clip(x * np.float32(0.2) + np.float32(0.5), 0.0, 1.0)
    return result
