"""Record the original TensorFlow outputs of the two offline toxicity models, once.

This runs ONLY in a throwaway virtualenv that has TensorFlow; the project never depends on
it. The fixture it writes (tests/data/toxic_reference.json) lets the tests prove that the
numpy port in `moderation.toxic_models` reproduces the original models within 1e-5::

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 keras-preprocessing==1.1.2 \\
        h5py pandas scikit-learn joblib
    /tmp/tfenv/bin/pip install --no-deps toxic-comment-classifier==0.3.0 tox-block==0.1.2
    /tmp/tfenv/bin/python scripts/record_toxic_reference.py

toxic-comment-classifier is a Keras 3 model; tox-block's file is a Keras 2 (tf.keras 2.2.4)
model that does not load under Keras 3, so it is run in a second process with
``TF_USE_LEGACY_KERAS=1`` (tf-keras). Each process records token ids and probabilities for
every text of the evaluation set plus edge cases (empty, long, unicode, out-of-vocabulary).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = REPO_ROOT / "tests" / "data" / "moderation_eval.jsonl"
OUTPUT = REPO_ROOT / "tests" / "data" / "toxic_reference.json"

EDGE_CASES = [
    "",
    "   \n\t  ",
    "!!!???...",
    "IDIOT idiot Idiot iDiOt",
    "you\nstupid\tidiot",
    "naïve café résumé — “quoted” ‘text’ … 😀",
    "zzqxv blorptastic unfindableword",
    "kill kill kill kill kill",
    " ".join(["support"] * 60 + ["you", "are", "a", "stupid", "idiot"] * 12),
    " ".join(f"word{i}" for i in range(150)) + " I will find you and hurt you",
    "I will hurt you " + " ".join(["thanks for the referral"] * 40),
    "don't can't won't it's you're they'll we've",
    "1234 5678 £20,000 2019-2021 07700 900123",
    "a" * 300,
]


def _texts() -> list[str]:
    rows = [json.loads(line) for line in EVAL_SET.read_text("utf-8").splitlines() if line]
    return [row["text"] for row in rows] + EDGE_CASES


def _record_tcc(texts: list[str]) -> dict[str, Any]:
    import numpy as np
    from keras.preprocessing.sequence import pad_sequences
    from toxic_classifier import ToxicCommentClassifier
    from toxic_classifier.model import LIST_CLASSES, MAXLEN

    classifier = ToxicCommentClassifier()
    sequences = classifier.tokenizer.texts_to_sequences(texts)
    padded = pad_sequences(sequences, maxlen=MAXLEN)
    probabilities = classifier.model.predict(padded, verbose=0, batch_size=64)
    single = classifier.classify(texts[0])  # the package's own per-text path, as a cross-check
    assert np.allclose([single[c] for c in LIST_CLASSES], probabilities[0], atol=1e-6)
    import keras
    import tensorflow as tf

    return {
        "package": f"toxic-comment-classifier {metadata.version('toxic-comment-classifier')}",
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "classes": list(LIST_CLASSES),
        "ids": [[int(i) for i in row if i] for row in padded],
        "probabilities": [[float(p) for p in row] for row in probabilities],
    }


def _record_tox_block(texts: list[str]) -> dict[str, Any]:
    import pandas as pd
    import tensorflow as tf
    import tf_keras
    from tox_block.config import config
    from tox_block.prediction import _encoder, _model, make_predictions

    encoded = _encoder.transform(pd.DataFrame(texts, columns=["text"]))
    probabilities = _model.predict(encoded, verbose=0, batch_size=64)
    non_empty = [text for text in texts if text]
    rescaled = make_predictions(non_empty, rescale=True)
    by_text = {entry["text"]: entry for entry in rescaled.values()}
    return {
        "package": f"tox-block {metadata.version('tox-block')}",
        "versions": {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__},
        "classes": list(config.LIST_CLASSES),
        "ids": [[int(i) for i in row if i] for row in encoded],
        "probabilities": [[float(p) for p in row] for row in probabilities],
        "rescaled": [
            [float(by_text[text][c]) for c in config.LIST_CLASSES] if text else None
            for text in texts
        ],
    }


def main() -> int:
    """Record both models (each in its own process) and write the fixture."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["tcc", "tox_block"])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    texts = _texts()
    if args.part == "tcc":
        print(json.dumps(_record_tcc(texts)))
        return 0
    if args.part == "tox_block":
        print(json.dumps(_record_tox_block(texts)))
        return 0
    parts = {}
    for part, legacy in (("tcc", "0"), ("tox_block", "1")):
        env = {**os.environ, "TF_USE_LEGACY_KERAS": legacy, "CUDA_VISIBLE_DEVICES": ""}
        completed = subprocess.run(  # noqa: S603 -- this interpreter, this script
            [sys.executable, __file__, "--part", part],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        parts[part] = json.loads(completed.stdout.strip().splitlines()[-1])
    fixture = {
        "note": "Original TensorFlow outputs, recorded once by scripts/record_toxic_reference.py",
        "python": sys.version.split()[0],
        "numpy": metadata.version("numpy"),
        "texts": texts,
        "toxic_comment_classifier": parts["tcc"],
        "tox_block": parts["tox_block"],
    }
    args.output.write_text(json.dumps(fixture, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(texts)} texts to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
