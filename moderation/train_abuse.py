"""Train the abuse head on the dev set and export it (scikit-learn: a dev dependency only).

    mscos-forum model train-abuse               # writes moderation/data/abuse_head_v2.json
    python -m moderation.train_abuse            # the same

Run it from a checkout (it reads the dev set under tests/data); nothing at run time imports
this module or scikit-learn.

Reproducible: fixed seeds, and the embeddings come from the pinned model. What it does:

1. Embeds every post of tests/data/moderation_eval.jsonl (the dev set, the *training split*)
   with `moderation.embeddings.SentenceEncoder`. Abusive posts are 1; benign posts and the
   PII and look-alike posts (ordinary professional posts) are 0.
2. Repeated stratified k-fold cross-validation (5 folds x 5 repeats) of a balanced
   `LogisticRegression`, for each C of a small grid: every post gets its mean out-of-fold
   probability. The C with the best out-of-fold recall at the target benign flag rate wins.
3. The threshold is the lowest out-of-fold probability at which at most TARGET_BENIGN_RATE of
   the benign posts, and of the everyday posts alone, would be flagged.
4. Fits on the whole dev set with that C and writes weights, bias, threshold and the CV
   figures to a small JSON file; run time is one matrix product (`moderation.abuse_model`).

The hold-outs (tests/data/moderation_holdout*.jsonl) are never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from moderation.abuse_model import DEFAULT_HEAD_PATH, HEAD_FORMAT, HEAD_VERSION

REPO_ROOT = Path(__file__).resolve().parents[1]
DEV_SET = REPO_ROOT / "tests" / "data" / "moderation_eval.jsonl"
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
FOLDS = 5
REPEATS = 5
SEED = 16
#: Share of benign posts (overall, and everyday posts alone) the head may flag out of fold.
TARGET_BENIGN_RATE = 0.03


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read a labelled JSONL set."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def is_abusive(row: dict[str, Any]) -> bool:
    """The training target: abusive posts are 1, everything else 0."""
    return bool(row["label"] == "abusive")


def oof_probabilities(
    x: npt.NDArray[np.float32], y: npt.NDArray[np.int_], c: float
) -> npt.NDArray[np.float64]:
    """Mean out-of-fold probability per post over the repeated stratified k-fold."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold

    total = np.zeros(len(y))
    counts = np.zeros(len(y))
    splitter = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=REPEATS, random_state=SEED)
    for train, test in splitter.split(x, y):
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        model.fit(x[train], y[train])
        total[test] += model.predict_proba(x[test])[:, 1]
        counts[test] += 1
    return total / counts


def choose_threshold(
    probabilities: npt.NDArray[np.float64], rows: Sequence[dict[str, Any]]
) -> float:
    """Lowest threshold flagging at most TARGET_BENIGN_RATE of benign and of everyday posts."""
    benign = np.array([row["label"] == "benign" for row in rows])
    everyday = np.array([row.get("category") == "everyday" for row in rows])
    for threshold in np.unique(np.round(probabilities, 4)):
        flagged = probabilities >= threshold
        if (
            flagged[benign].mean() <= TARGET_BENIGN_RATE
            and flagged[everyday].mean() <= TARGET_BENIGN_RATE
        ):
            return float(threshold)
    return 1.0


def per_category(
    flagged: Sequence[bool], rows: Sequence[dict[str, Any]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Flag rate per category of benign posts and recall per category of abusive posts."""
    tables: dict[str, dict[str, dict[str, float]]] = {"benign": {}, "abusive": {}}
    for label in tables:
        totals: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        for row, hit in zip(rows, flagged, strict=True):
            if row["label"] == label:
                totals[row["category"]] += 1
                hits[row["category"]] += int(hit)
        for category in sorted(totals):
            tables[label][category] = {
                "flagged": hits[category],
                "total": totals[category],
                "rate": round(hits[category] / totals[category], 4),
            }
        all_total = sum(totals.values())
        tables[label]["all"] = {
            "flagged": sum(hits.values()),
            "total": all_total,
            "rate": round(sum(hits.values()) / all_total, 4) if all_total else 0.0,
        }
    return tables


def train(out: Path = DEFAULT_HEAD_PATH) -> dict[str, Any]:
    """Run the procedure of the module docstring and write the head file.

    Returns:
        The written document.
    """
    from sklearn.linear_model import LogisticRegression

    from moderation.embeddings import SentenceEncoder

    rows = load_rows(DEV_SET)
    encoder = SentenceEncoder.from_package()
    x = encoder.encode([row["text"] for row in rows])
    y = np.array([int(is_abusive(row)) for row in rows])

    grid: dict[str, Any] = {}
    best: tuple[float, float, float, npt.NDArray[np.float64]] | None = None
    for c in C_GRID:
        oof = oof_probabilities(x, y, c)
        threshold = choose_threshold(oof, rows)
        recall = float((oof[y == 1] >= threshold).mean())
        grid[str(c)] = {"threshold": round(threshold, 4), "oof_recall": round(recall, 4)}
        print(f"C={c}: threshold {threshold:.4f}, out-of-fold recall {recall:.3f}")
        if best is None or recall > best[1]:
            best = (c, recall, threshold, oof)
    assert best is not None
    c, _, threshold, oof = best
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    digest = hashlib.sha256(DEV_SET.read_bytes()).hexdigest()
    document = {
        "format": HEAD_FORMAT,
        "version": HEAD_VERSION,
        "encoder": encoder.name,
        "trained_on": {"file": str(DEV_SET.relative_to(REPO_ROOT)), "sha256": digest},
        "procedure": {
            "model": "sklearn LogisticRegression(class_weight='balanced')",
            "C": c,
            "cv": f"RepeatedStratifiedKFold({FOLDS} folds x {REPEATS} repeats, seed {SEED})",
            "target_benign_rate": TARGET_BENIGN_RATE,
            "grid": grid,
        },
        "threshold": round(threshold, 6),
        "bias": float(model.intercept_[0]),
        "weights": [round(float(w), 8) for w in model.coef_[0]],
        "cross_validation": per_category(list(oof >= threshold), rows),
        "note": "cross_validation: out-of-fold flags on the dev set at this threshold",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    cv = per_category(list(oof >= threshold), rows)
    print(
        f"wrote {out} (C={c}, threshold {threshold:.4f}); out of fold: abusive recall "
        f"{cv['abusive']['all']['rate']:.3f}, benign flagged {cv['benign']['all']['rate']:.3f}"
    )
    return document


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: train and export."""
    parser = argparse.ArgumentParser(prog="mscos-forum model train-abuse", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_HEAD_PATH)
    args = parser.parse_args(argv)
    train(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
