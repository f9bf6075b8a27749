"""Moderation worker throughput against raw ``Detoxify.predict`` on the same batch, same run.

N pending posts are created through the real ``BoardService.reply`` in a migrated database
(SQLite; PostgreSQL too when configured); then ``ScreeningWorker.run_once`` screens them batch
by batch (claim with a lease, score, PII screen, watched words, policy, record the verdict),
float and dynamic-int8. The baseline is ``Detoxify.predict`` alone on the same texts in the
same batch size. Between timed rounds the items are put back to "unscreened"; the best round
counts, as in ``bench/moderation_eval.py`` (which measures the scorer wrapper itself and
moderation quality; ``python -m bench`` runs both).

Run from the repository root::

    python -m bench.moderation_worker                   # tiny random model: the code path
    python -m bench.moderation_worker --checkpoint var/models/detoxify/checkpoint.ckpt \\
        --config-dir var/models/detoxify/hf             # a real model

Results: bench/results/moderation_worker.{json,md}.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench.common import (
    PSEUDONYM_SECRET,
    add_backend_argument,
    add_common_arguments,
    heading,
    pick_backends,
    ratio,
    run_benchmark,
    scratch_database,
    service_settings,
    table,
)
from bench.moderation_eval import DEFAULT_EVAL_SET, _load_rows
from bench.seed import Seeder, identity_key, insert_forum, insert_identities
from forum_service.domain import IdentityKey
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services.boards import BoardService
from forum_service.services.screening import ScreeningWorker
from forum_service.storage.database import Database
from forum_service.storage.tables import ModerationItemRow
from moderation.detoxify_model import build_tiny_checkpoint
from moderation.policy import ModerationPolicy
from moderation.scoring import DetoxifyScorer, Scorer

NAME = "moderation_worker"
VARIANTS = {"float": False, "int8": True}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write its results.

    Args:
        argv: command-line arguments without the program name.

    Returns:
        Process exit status.
    """
    return run_benchmark(NAME, argv, _parse_args, _run, render_markdown)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__)
    add_common_arguments(parser)
    add_backend_argument(parser)
    parser.add_argument("--checkpoint", type=Path, help="prepared Detoxify checkpoint")
    parser.add_argument("--config-dir", type=Path, help="its Hugging Face config dir")
    parser.add_argument("--eval-set", type=Path, default=DEFAULT_EVAL_SET, help="post texts")
    parser.add_argument("--posts", type=int, help="pending posts per round (512; quick 128)")
    parser.add_argument("--batch-size", type=int, default=32, help="worker claim = model batch")
    parser.add_argument("--rounds", type=int, help="timed rounds, best kept (3; quick 2)")
    args = parser.parse_args(argv)
    if (args.checkpoint is None) != (args.config_dir is None):
        parser.error("--checkpoint and --config-dir go together")
    if args.posts is None:
        args.posts = 128 if args.quick else 512
    if args.rounds is None:
        args.rounds = 2 if args.quick else 3
    return args


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    import torch

    rows = _load_rows(args.eval_set)
    texts = [str(rows[i % len(rows)]["text"]) for i in range(args.posts)]
    backends = pick_backends(args.backends)
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as scratch:
        if args.checkpoint is None:
            checkpoint, config_dir = build_tiny_checkpoint(Path(scratch) / "model", seed=0)
            model = "tiny generated BERT (random weights; measures the code path, not a model)"
        else:
            checkpoint, config_dir, model = args.checkpoint, args.config_dir, str(args.checkpoint)
        scorers = {
            name: DetoxifyScorer.from_local(
                checkpoint, config_dir, batch_size=args.batch_size, quantize=quantize
            )
            for name, quantize in VARIANTS.items()
        }
        meta |= {
            "model": model,
            "posts": args.posts,
            "batch_size": args.batch_size,
            "rounds": args.rounds,
            "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(),
        }
        results: dict[str, Any] = {"meta": meta, "backends": {}}
        for backend in backends:
            async with scratch_database(backend, Path(scratch), "worker") as url:
                results["backends"][backend] = await _measure(url, texts, scorers, args)
    return results


async def _pending_posts(db: Database, url: str, texts: list[str]) -> None:
    """Create the pending posts the way the API does (service layer, one transaction each)."""
    async with Seeder(url) as conn:
        authors = await insert_identities(conn, [identity_key("worker-author")])
        forum = await insert_forum(conn, threads=1, posts_per_thread=1, authors=authors)
    forum_service = BoardService(
        db, Pseudonymizer(PSEUDONYM_SECRET.encode()), posts_per_hour=len(texts) + 1
    )
    author = IdentityKey.parse(identity_key("worker-author"))
    for text in texts:
        await forum_service.reply(author, forum.threads[0], text, None)


async def _reset(db: Database) -> None:
    """Put every pending item back to "unscreened", as if no worker had seen it."""
    async with db.write("bench_reset_screening") as session:
        await session.execute(
            update(ModerationItemRow)
            .where(ModerationItemRow.status == "pending")
            .values(
                screening="unscreened",
                screened_revision=None,
                route=None,
                scorer=None,
                scores=None,
                findings=None,
                reasons=None,
                priority=0.0,
                lease_owner=None,
                lease_expires_at=None,
            )
        )


def _loader(scorer: DetoxifyScorer) -> Callable[[], Scorer | None]:
    return lambda: scorer


def _best_seconds(rounds: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(rounds))


async def _measure(
    url: str, texts: list[str], scorers: dict[str, DetoxifyScorer], args: argparse.Namespace
) -> dict[str, Any]:
    db = Database(url, vault=service_settings(url).vault())
    try:
        await _pending_posts(db, url, texts)
        batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
        out: dict[str, Any] = {}
        for name, scorer in scorers.items():
            worker = ScreeningWorker(
                db, _loader(scorer), ModerationPolicy(), batch_size=args.batch_size
            )
            await worker.start()

            def raw(scorer: DetoxifyScorer = scorer) -> float:
                started = time.perf_counter()
                for batch in batches:
                    scorer.detoxify.predict(batch)
                return time.perf_counter() - started

            raw()  # warm-up: first calls allocate and pick kernels
            raw_seconds = _best_seconds(args.rounds, raw)
            worker_rounds = []
            screened = 0
            for _ in range(args.rounds + 1):  # the first round warms the worker up
                await _reset(db)
                started = time.perf_counter()
                screened = 0
                while (report := await worker.run_once()).claimed:
                    screened += report.recorded
                worker_rounds.append(time.perf_counter() - started)
            if screened != len(texts):
                raise RuntimeError(f"worker screened {screened} of {len(texts)} posts")
            worker_seconds = min(worker_rounds[1:])
            worker_pps = len(texts) / worker_seconds
            raw_pps = len(texts) / raw_seconds
            out[name] = {
                "worker_posts_per_s": round(worker_pps, 1),
                "raw_predict_posts_per_s": round(raw_pps, 1),
                "worker_vs_raw": ratio(worker_pps, raw_pps),
                "worker_overhead_ms_per_post": round(
                    (worker_seconds - raw_seconds) / len(texts) * 1000, 3
                ),
            }
            print(
                f"{db.dialect.name} {name}: worker {worker_pps:.1f} posts/s, raw predict "
                f"{raw_pps:.1f} posts/s, ratio {out[name]['worker_vs_raw']}"
            )
        out["int8_vs_float"] = {
            "worker": ratio(out["int8"]["worker_posts_per_s"], out["float"]["worker_posts_per_s"]),
            "raw_predict": ratio(
                out["int8"]["raw_predict_posts_per_s"], out["float"]["raw_predict_posts_per_s"]
            ),
        }
        return out
    finally:
        await db.dispose()


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, "Moderation worker vs raw Detoxify.predict (same texts, same batches)")
    lines.append(
        f"Model: {meta['model']}; {meta['posts']} pending posts, batches of "
        f"{meta['batch_size']}, best of {meta['rounds']} rounds; torch {meta['torch']}, "
        f"{meta['torch_threads']} threads. Worker = `ScreeningWorker.run_once` until the queue "
        "is empty (claim, score, PII, watched words, policy, record)."
    )
    lines.append("")
    rows = []
    for backend, data in results["backends"].items():
        for name in VARIANTS:
            entry = data[name]
            rows.append(
                (
                    backend,
                    name,
                    entry["worker_posts_per_s"],
                    entry["raw_predict_posts_per_s"],
                    entry["worker_vs_raw"],
                    entry["worker_overhead_ms_per_post"],
                )
            )
    lines += table(
        (
            "database",
            "model",
            "worker posts/s",
            "raw predict posts/s",
            "worker / raw",
            "worker overhead ms/post",
        ),
        rows,
    )
    lines.append("")
    lines += table(
        ("database", "int8 / float, worker", "int8 / float, raw predict"),
        [
            (backend, d["int8_vs_float"]["worker"], d["int8_vs_float"]["raw_predict"])
            for backend, d in results["backends"].items()
        ],
    )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
