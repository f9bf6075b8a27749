"""Evaluate and time the moderation screen on the labelled set in tests/data.

Reports the false-positive rate on benign practitioner posts and the recall on abusive posts
(route FLAGGED under default thresholds), PII recall per kind and findings on look-alikes,
and throughput of `DetoxifyScorer.score` against raw `Detoxify.predict` on the same batches,
float and dynamic int8. Writes JSON and Markdown to bench/results/.

Run from the repository root::

    python -m bench.moderation_eval                       # tiny random model, plumbing only
    python -m bench.moderation_eval --checkpoint var/models/detoxify/checkpoint.ckpt \\
        --config-dir var/models/detoxify/hf

Figures on the tiny model measure the code path, not moderation quality: its weights are
random and its scores are fixed offsets (see `TINY_CLASSIFIER_BIAS`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

# Submodules rather than the package: works even where `moderation` resolves as a namespace.
from moderation.detoxify_model import build_tiny_checkpoint
from moderation.pii import find_pii
from moderation.policy import ModerationPolicy, Route, Thresholds
from moderation.scoring import DetoxifyScorer

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_SET = REPO_ROOT / "tests" / "data" / "moderation_eval.jsonl"
DEFAULT_OUT_DIR = REPO_ROOT / "bench" / "results"
RESULT_NAME = "moderation_eval"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation and write the results.

    Args:
        argv: Command-line arguments without the program name.

    Returns:
        Process exit status.
    """
    args = _parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = _load_rows(args.eval_set)
    with tempfile.TemporaryDirectory(prefix="tiny-detoxify-") as scratch:
        if args.checkpoint is None:
            checkpoint, config_dir = build_tiny_checkpoint(Path(scratch), seed=0)
            model_label = "tiny generated BERT (random weights; plumbing only)"
        else:
            checkpoint, config_dir = args.checkpoint, args.config_dir
            model_label = str(checkpoint)
        started = time.perf_counter()
        scorer = DetoxifyScorer.from_local(checkpoint, config_dir, batch_size=args.batch_size)
        load_seconds = time.perf_counter() - started
        quantised = DetoxifyScorer.from_local(
            checkpoint, config_dir, batch_size=args.batch_size, quantize=True
        )

        results: dict[str, Any] = {
            "meta": _meta(model_label, args, rows, load_seconds),
            "quality": _quality(rows, scorer, quantised),
            "pii": _pii(rows),
            "throughput": _throughput(rows, scorer, quantised, args),
        }
    _write_results(results, args.out_dir)
    print(_markdown(results))
    return 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.moderation_eval", description=__doc__)
    parser.add_argument("--checkpoint", type=Path, help="prepared Detoxify checkpoint")
    parser.add_argument("--config-dir", type=Path, help="its Hugging Face config dir")
    parser.add_argument("--eval-set", type=Path, default=DEFAULT_EVAL_SET)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--posts", type=int, default=128, help="posts per throughput round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; best is kept")
    args = parser.parse_args(argv)
    if (args.checkpoint is None) != (args.config_dir is None):
        parser.error("--checkpoint and --config-dir go together")
    return args


def _load_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _meta(
    model_label: str, args: argparse.Namespace, rows: list[dict[str, Any]], load_seconds: float
) -> dict[str, Any]:
    import torch

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": model_label,
        "load_seconds": round(load_seconds, 3),
        "eval_set": str(args.eval_set),
        "eval_counts": dict(Counter(row["label"] for row in rows)),
        "batch_size": args.batch_size,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": metadata.version("transformers"),
        "detoxify": metadata.version("detoxify"),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }


def _quality(
    rows: list[dict[str, Any]], scorer: DetoxifyScorer, quantised: DetoxifyScorer
) -> dict[str, Any]:
    policy = ModerationPolicy(Thresholds())
    texts = [row["text"] for row in rows]
    exact = scorer.score(texts)
    fast = quantised.score(texts)

    def routes(all_scores: list[dict[str, float]]) -> list[Route]:
        return [
            policy.decide(scores, find_pii(text), [], "bench").route
            for text, scores in zip(texts, all_scores, strict=True)
        ]

    exact_routes, fast_routes = routes(exact), routes(fast)

    def flagged_share(label: str, decided: list[Route]) -> float:
        picked = [r for row, r in zip(rows, decided, strict=True) if row["label"] == label]
        return sum(r is Route.FLAGGED for r in picked) / len(picked) if picked else 0.0

    return {
        "benign_false_positive_rate": round(flagged_share("benign", exact_routes), 4),
        "abusive_recall": round(flagged_share("abusive", exact_routes), 4),
        "int8_benign_false_positive_rate": round(flagged_share("benign", fast_routes), 4),
        "int8_abusive_recall": round(flagged_share("abusive", fast_routes), 4),
        "int8_route_agreement": round(
            sum(a is b for a, b in zip(exact_routes, fast_routes, strict=True)) / len(rows), 4
        ),
        "int8_max_score_difference": round(
            max(abs(e[k] - f[k]) for e, f in zip(exact, fast, strict=True) for k in e), 5
        ),
    }


def _pii(rows: list[dict[str, Any]]) -> dict[str, Any]:
    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for row in rows:
        spans = {(f.kind, row["text"][f.start : f.end]) for f in find_pii(row["text"])}
        for kind, text in zip(row["pii"], row["pii_text"], strict=True):
            expected[kind] += 1
            found[kind] += (kind, text) in spans
    lookalikes = [row for row in rows if row["label"] == "lookalike"]
    clean = [row for row in rows if row["label"] in {"benign", "abusive"}]
    return {
        "recall_by_kind": {
            kind: {"found": found[kind], "expected": expected[kind]} for kind in sorted(expected)
        },
        "lookalike_posts": len(lookalikes),
        "lookalike_findings": sum(len(find_pii(row["text"])) for row in lookalikes),
        "clean_posts": len(clean),
        "clean_post_findings": sum(len(find_pii(row["text"])) for row in clean),
    }


def _throughput(
    rows: list[dict[str, Any]],
    scorer: DetoxifyScorer,
    quantised: DetoxifyScorer,
    args: argparse.Namespace,
) -> dict[str, Any]:
    texts = [rows[i % len(rows)]["text"] for i in range(args.posts)]
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]

    def raw(model: DetoxifyScorer) -> Callable[[], object]:
        return lambda: [model.detoxify.predict(batch) for batch in batches]

    runs = {
        "scorer_float": lambda: scorer.score(texts),
        "raw_predict_float": raw(scorer),
        "scorer_int8": lambda: quantised.score(texts),
        "raw_predict_int8": raw(quantised),
    }
    return {name: _posts_per_second(run, len(texts), args.rounds) for name, run in runs.items()}


def _posts_per_second(run: Callable[[], object], posts: int, rounds: int) -> float:
    run()  # warm-up: first calls allocate and pick kernels
    best = min(_timed(run) for _ in range(max(1, rounds)))
    return round(posts / best, 1)


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _markdown(results: Mapping[str, Any]) -> str:
    meta, quality, pii, speed = (
        results["meta"],
        results["quality"],
        results["pii"],
        results["throughput"],
    )
    lines = [
        f"# Moderation evaluation — {meta['when']}",
        "",
        f"Model: {meta['model']} (load {meta['load_seconds']} s); torch {meta['torch']}, "
        f"transformers {meta['transformers']}, detoxify {meta['detoxify']}, "
        f"{meta['cpu_count']} CPUs, {meta['torch_threads']} torch threads.",
        f"Eval set: {meta['eval_counts']}",
        "",
        "| Routing (default thresholds) | float | int8 |",
        "|---|---|---|",
        f"| False-positive rate on benign posts | {quality['benign_false_positive_rate']:.1%} "
        f"| {quality['int8_benign_false_positive_rate']:.1%} |",
        f"| Recall on abusive posts | {quality['abusive_recall']:.1%} "
        f"| {quality['int8_abusive_recall']:.1%} |",
        f"| Route agreement int8 vs float | | {quality['int8_route_agreement']:.1%} |",
        f"| Largest score difference int8 vs float | | {quality['int8_max_score_difference']} |",
        "",
        "| PII kind | found / expected (exact span) |",
        "|---|---|",
        *(
            f"| {kind} | {counts['found']} / {counts['expected']} |"
            for kind, counts in pii["recall_by_kind"].items()
        ),
        f"| findings on {pii['lookalike_posts']} look-alike posts | {pii['lookalike_findings']} |",
        f"| findings on {pii['clean_posts']} benign + abusive posts "
        f"| {pii['clean_post_findings']} |",
        "",
        f"| Throughput, batches of {meta['batch_size']} | posts/s |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in speed.items()),
        "",
    ]
    return "\n".join(lines)


def _write_results(results: Mapping[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, content in (
        (".json", json.dumps(results, indent=2) + "\n"),
        (".md", _markdown(results)),
    ):
        target = out_dir / f"{RESULT_NAME}{suffix}"
        partial = target.with_name(target.name + ".tmp")
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, target)


if __name__ == "__main__":
    raise SystemExit(main())
