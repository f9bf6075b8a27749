"""Record reference embeddings of the pinned sentence model for tests/data/minilm_reference.json.

tests/moderation/test_sentence_abuse.py checks that the installed model still produces these
vectors (within 1e-4), beside the sha256 pins, so a changed model, tokenizer or pooling
cannot slip in. Re-record only after re-measuring the screen (bench/offline_screens.py)::

    python scripts/record_sentence_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

from moderation.embeddings import SentenceEncoder
from moderation.model_pins import MINILM

REPO_ROOT = Path(__file__).resolve().parents[1]
OUT = REPO_ROOT / "tests" / "data" / "minilm_reference.json"
DEV_SET = REPO_ROOT / "tests" / "data" / "moderation_eval.jsonl"
# A professional post, an everyday one, an abusive one, a quiet threat, a long one.
IDS = ("benign-01", "v2-benign-001", "abusive-01", "v2-abusive-321", "benign-02")


def main() -> int:
    """Embed the chosen dev texts and write them with their provenance."""
    rows = {r["id"]: r for r in map(json.loads, DEV_SET.read_text("utf-8").splitlines()) if r}
    texts = [rows[i]["text"] for i in IDS] + ["", "x" * 3000]
    vectors = SentenceEncoder.from_package().encode(texts)
    OUT.write_text(
        json.dumps(
            {
                "model": MINILM.name,
                "distribution": f"{MINILM.distribution}=={MINILM.version}",
                "model_safetensors_sha256": MINILM.files["model.safetensors"],
                "texts": texts,
                "vectors": [[round(float(v), 7) for v in row] for row in vectors],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(texts)} reference vectors to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
