"""Keras ``Tokenizer`` vocabularies, read from their pickles without running pickled code.

Both offline toxicity models ship their vocabulary as a pickled Keras ``Tokenizer``
(tox-block wraps it in its own ``TokenSequencer``). A plain ``pickle.load`` on package data
would run whatever the file says; `load_keras_tokenizer` admits only those two classes,
turned into inert stand-ins, and the containers their state is made of.
"""

from __future__ import annotations

import io
import pickle
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_LEN = 100
_KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


class ModelFormatError(Exception):
    """A model or tokenizer file does not have the expected structure (safe to log)."""


class _PickledKerasObject:
    """Stand-in for a pickled Keras ``Tokenizer`` or tox-block ``TokenSequencer``.

    Unpickling calls ``__new__`` with no arguments and then hands over the instance dict;
    nothing of the original class runs.
    """

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("tokenizer state is not a dict")
        self.state = state


# Only these globals may appear in a tokenizer pickle. The two tokenizer classes (and the
# holder tox-block wraps its tokenizer in) become inert stand-ins; the containers are the
# ones the tokenizer's state is made of. Anything else — functions, other classes — is
# refused, so a tampered file cannot run code.
_ALLOWED_GLOBALS: Mapping[tuple[str, str], type] = {
    ("keras.src.legacy.preprocessing.text", "Tokenizer"): _PickledKerasObject,
    ("keras_preprocessing.text", "Tokenizer"): _PickledKerasObject,
    ("tox_block.data_processing.preprocessors", "TokenSequencer"): _PickledKerasObject,
    ("collections", "OrderedDict"): OrderedDict,
    ("collections", "defaultdict"): defaultdict,
    ("builtins", "int"): int,
}


class _TokenizerUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED_GLOBALS.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"refusing {module}.{name} in a tokenizer file")
        return allowed

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refusing a persistent id in a tokenizer file")


@dataclass(frozen=True)
class KerasTokenizer:
    """The part of a Keras ``Tokenizer`` that ``texts_to_sequences`` uses.

    Attributes:
        word_index: Word → index, only the indices below ``num_words`` (the rest are
            dropped by Keras anyway).
        num_words: Vocabulary size used by the model.
        filters: Characters replaced by the split character.
        lower: Whether text is lower-cased first.
        split: The split character.
    """

    word_index: Mapping[str, int]
    num_words: int
    filters: str = _KERAS_FILTERS
    lower: bool = True
    split: str = " "
    _table: dict[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", {ord(ch): self.split for ch in self.filters})

    def words(self, text: str) -> list[str]:
        """Split a text like Keras' ``text_to_word_sequence``."""
        if self.lower:
            text = text.lower()
        return [word for word in text.translate(self._table).split(self.split) if word]

    def ids(self, text: str) -> list[int]:
        """Word indices of a text, like ``texts_to_sequences`` (unknown words dropped)."""
        index = self.word_index
        return [index[word] for word in self.words(text) if word in index]


def load_keras_tokenizer(path: Path) -> KerasTokenizer:
    """Read a pickled Keras tokenizer (or tox-block encoder) without running pickled code.

    Args:
        path: The pickle file.

    Returns:
        The tokenizer.

    Raises:
        ModelFormatError: If the file is not a tokenizer this port understands.
    """
    try:
        loaded = _TokenizerUnpickler(io.BytesIO(path.read_bytes())).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{path.name} is not a readable tokenizer: {exc}") from exc
    if not isinstance(loaded, _PickledKerasObject):
        raise ModelFormatError(f"{path.name} does not hold a tokenizer")
    state = loaded.state
    if isinstance(state.get("tokenizer"), _PickledKerasObject):  # tox-block's TokenSequencer
        if state.get("max_sequence_length") != MAX_LEN:
            raise ModelFormatError(f"{path.name}: unexpected sequence length")
        state = state["tokenizer"].state
    try:
        num_words = int(state["num_words"])
        word_index = state["word_index"]
        unsupported = (
            state.get("char_level")
            or state.get("oov_token") is not None
            or state.get("analyzer") is not None
        )
        filters, lower, split = str(state["filters"]), bool(state["lower"]), str(state["split"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"{path.name}: tokenizer state lacks {exc}") from exc
    if unsupported or not isinstance(word_index, dict):
        raise ModelFormatError(f"{path.name}: tokenizer options this port does not implement")
    kept = {w: i for w, i in word_index.items() if isinstance(i, int) and 0 < i < num_words}
    return KerasTokenizer(kept, num_words, filters=filters, lower=lower, split=split)
