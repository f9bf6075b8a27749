"""Search latency at 100k posts: ``GET /api/v1/search`` on SQLite FTS5 and PostgreSQL tsvector.

A fresh migrated database per backend is bulk-loaded with approved threads of 10 posts each
(the triggers of migration 0013 index them as they are inserted). Post texts are drawn from a
synthetic vocabulary with a Zipf-like distribution (a few words in many posts, most in few),
so queries meet the spread of hit counts a real forum has. One client then searches through
the real API, one request at a time, in a fixed mix:

* ``common`` — one word found in about 5% of posts (thousands of hits to rank);
* ``two_words`` — two words of middling frequency (every word must be present);
* ``rare`` — a word in a handful of posts;
* ``board`` — a common word within one outcome board (``board=housing``);
* ``page_3`` — the common word's third page;
* ``nothing`` — a word no post holds.

Target: p50 ≤ 20 ms at 100k posts. Run from the repository root::

    python -m bench.search_latency [--quick] [--posts 100000] [--rerank]

``--rerank`` re-ranks by meaning (issue 17: the first 50 hits embedded with all-MiniLM-L6-v2,
post embeddings cached in the process): the five warm-up rounds pay the cold embeddings, the
measured rounds show warm re-ranking (the query's own embedding plus the blend); the first
(cold) request of each kind is reported apart.

Results: bench/results/search_latency.{json,md} (``--rerank``: search_latency_rerank.*).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bench.common import (
    add_backend_argument,
    add_common_arguments,
    add_server_argument,
    auth_headers,
    heading,
    latency_summary,
    pick_backends,
    run_benchmark,
    scratch_database,
    table,
)
from bench.seed import Seeder, identity_key, insert_forum, insert_identities
from bench.server import serve

NAME = "search_latency"
POSTS_PER_THREAD = 10
AUTHORS = 500
VOCABULARY = 20_000
WORDS_PER_POST = 30
TARGET_P50_MS = 20.0
_SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tu", "vor", "el", "dan", "qui", "bex", "zo")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write its results.

    Args:
        argv: command-line arguments without the program name.

    Returns:
        Process exit status.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Re-ranked runs keep their own result files beside the full-text ones.
    name = f"{NAME}_rerank" if "--rerank" in arguments else NAME
    return run_benchmark(name, arguments, _parse_args, _run, render_markdown)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{NAME}", description=__doc__)
    add_common_arguments(parser)
    add_backend_argument(parser)
    add_server_argument(parser)
    parser.add_argument("--posts", type=int, default=100_000, help="posts in the database")
    parser.add_argument("--requests", type=int, help="searches per query kind (200; quick 40)")
    parser.add_argument("--rerank", action="store_true", help="re-rank by meaning (issue 17)")
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = 40 if args.quick else 200
    return args


def _word(rank: int) -> str:
    """The synthetic word of a vocabulary rank (distinct, pronounceable, not an English word)."""
    parts = []
    n = rank
    while True:
        parts.append(_SYLLABLES[n % len(_SYLLABLES)])
        n //= len(_SYLLABLES)
        if n == 0:
            break
    return "".join(parts) + "x"


def _bodies(count: int, seed: int = 17) -> list[str]:
    """``count`` post texts, words drawn with weight 1/rank (Zipf, s = 1)."""
    rng = random.Random(seed)
    ranks = range(1, VOCABULARY + 1)
    weights = [1.0 / r for r in ranks]
    return [
        " ".join(_word(r) for r in rng.choices(ranks, weights, k=WORDS_PER_POST))
        for _ in range(count)
    ]


def _queries(posts: int) -> dict[str, dict[str, str]]:
    # Rank r's share of posts is about 1 - (1 - 1/(r * H))^30 with H ≈ ln(20000) + 0.58 ≈ 10.5:
    # rank 60 is in ~5% of posts, ranks 300/400 in ~1% each, rank 15000 in a handful.
    return {
        "common": {"q": _word(60)},
        "two_words": {"q": f"{_word(300)} {_word(400)}"},
        "rare": {"q": _word(15_000)},
        "board": {"q": _word(60), "board": "housing"},
        "page_3": {"q": _word(60), "page": "3"},
        "nothing": {"q": "nowordlikethis"},
    }


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    load = os.getloadavg()
    meta["command"] = meta["command"].replace(f"bench.{NAME}_rerank", f"bench.{NAME}")
    meta |= {
        "server": args.server,
        "posts": args.posts,
        "requests": args.requests,
        "posts_per_thread": POSTS_PER_THREAD,
        "rerank": args.rerank,
        "load_average_before": [round(x, 2) for x in load],
    }
    results: dict[str, Any] = {"meta": meta, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        for backend in pick_backends(args.backends):
            results["backends"][backend] = await _backend(backend, Path(scratch), args)
    meta["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


async def _backend(backend: str, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(scratch_database(backend, scratch, "search"))
        started = time.perf_counter()
        hits = await _seed(url, args.posts)
        load_seconds = round(time.perf_counter() - started, 2)
        endpoints = await stack.enter_async_context(serve(url, args.server, rerank=args.rerank))
        latencies, cold = await _measure(endpoints.service, _queries(args.posts), args.requests)
    per_query = {kind: latency_summary(values) for kind, values in latencies.items()}
    overall = latency_summary([v for values in latencies.values() for v in values])
    print(
        f"{backend} {args.posts:,} posts: overall p50 {overall['p50_ms']} ms, "
        f"p99 {overall['p99_ms']} ms; "
        + ", ".join(f"{kind} p50 {s['p50_ms']}" for kind, s in per_query.items())
    )
    return {
        "load_seconds": load_seconds,
        "hits": hits,
        "queries": per_query,
        "overall": overall,
        "meets_target": overall["p50_ms"] <= TARGET_P50_MS,
        "cold_first_request_ms": cold,
    }


async def _seed(url: str, posts: int) -> dict[str, int]:
    """Load the data; return how many posts hold each query's words."""
    threads = max(1, posts // POSTS_PER_THREAD)
    bodies = _bodies(threads * POSTS_PER_THREAD)
    async with Seeder(url) as conn:
        authors = await insert_identities(
            conn, [identity_key(f"search-author-{n}") for n in range(AUTHORS)]
        )
        await insert_forum(
            conn,
            threads=threads,
            posts_per_thread=POSTS_PER_THREAD,
            authors=authors,
            bodies=bodies,
        )
    async with Seeder(url) as conn:
        await conn.execute(text("ANALYZE"))
    counted: dict[str, int] = {}
    for kind, params in _queries(posts).items():
        words = params["q"].split()
        counted[kind] = sum(all(w in body.split() for w in words) for body in bodies)
    return counted


async def _measure(
    service_url: str, queries: dict[str, dict[str, str]], requests: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    headers = auth_headers(identity_key("search-reader"))
    out: dict[str, list[float]] = {kind: [] for kind in queries}
    cold: dict[str, float] = {}
    async with aiohttp.ClientSession(headers=headers) as session:
        for n in range(requests + 5):  # the first five rounds warm caches and the pool
            for kind, params in queries.items():
                started = time.perf_counter()
                async with session.get(f"{service_url}/api/v1/search", params=params) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{kind} answered {response.status}")
                if n == 0:
                    cold[kind] = round((time.perf_counter() - started) * 1000, 1)
                if n >= 5:
                    out[kind].append(time.perf_counter() - started)
    return out, cold


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, f"Search latency at {meta['posts']:,} posts (target p50 ≤ 20 ms)")
    lines.append(
        f"One client, {meta['requests']} sequential searches per query kind through "
        f"`GET /api/v1/search` (server {meta['server']}"
        + ("; re-ranked by meaning" if meta.get("rerank") else "")
        + "); load average before "
        + f"{meta['load_average_before']}, after {meta['load_average_after']} (shared machine)."
    )
    lines.append("")
    for backend, data in results["backends"].items():
        lines.append(
            f"**{backend}** (bulk load and indexing {data['load_seconds']} s): overall p50 "
            f"{data['overall']['p50_ms']:.2f} ms, p99 {data['overall']['p99_ms']:.2f} ms — "
            + ("meets" if data["meets_target"] else "misses")
            + " the target"
        )
        lines.append("")
        rows = [
            (
                kind,
                f"{data['hits'][kind]:,}",
                f"{s['p50_ms']:.2f}",
                f"{s['p99_ms']:.2f}",
            )
            for kind, s in data["queries"].items()
        ]
        lines += table(("query", "posts holding its words (every board)", "p50 ms", "p99 ms"), rows)
        lines.append("")
        if meta.get("rerank") and data.get("cold_first_request_ms"):
            lines.append(
                "First (cold: post embeddings not yet cached) request per kind, ms: "
                + ", ".join(f"{k} {v}" for k, v in data["cold_first_request_ms"].items())
            )
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
