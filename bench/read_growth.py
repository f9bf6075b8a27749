"""How read cost grows with the data: latency at 1k, 10k and 100k posts (flat is the goal).

For each size a fresh migrated database (SQLite; PostgreSQL too when configured) is bulk-loaded
with SQLAlchemy core: approved threads of 10 posts each (revision and decided moderation item
included), spread over the eight boards. The real API (child process by default) is then read
by one client, one request at a time, the sizes taking turns over several rounds:

* ``thread`` — ``GET /api/v1/threads/{id}``, a thread in the middle of the data;
* ``board_threads`` — ``GET /api/v1/boards/safety/threads?limit=20``, the first page;
* ``boards`` — ``GET /api/v1/boards``, every board with its count of approved threads.

The figure to watch is the ratio of the largest size to the smallest (p50; 1.0 is flat).

Run from the repository root::

    python -m bench.read_growth [--quick] [--sizes 1000,10000,100000]

Results: bench/results/read_growth.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
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
    ratio,
    run_benchmark,
    scratch_database,
    table,
)
from bench.seed import Seeder, identity_key, insert_forum, insert_identities
from bench.server import serve

NAME = "read_growth"
POSTS_PER_THREAD = 10
AUTHORS = 500
READS = ("thread", "board_threads", "boards")


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
    add_server_argument(parser)
    parser.add_argument("--sizes", default="1000,10000,100000", help="posts in the database")
    parser.add_argument(
        "--requests", type=int, help="sequential reads per endpoint and size (300; quick 60)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds over the sizes")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in str(args.sizes).split(",")]
    if args.requests is None:
        args.requests = 60 if args.quick else 300
    return args


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    meta |= {
        "server": args.server,
        "sizes": args.sizes,
        "requests": args.requests,
        "rounds": args.rounds,
        "posts_per_thread": POSTS_PER_THREAD,
    }
    results: dict[str, Any] = {"meta": meta, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as scratch:
        for backend in pick_backends(args.backends):
            results["backends"][backend] = await _backend(backend, Path(scratch), args)
    return results


async def _backend(backend: str, scratch: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Load every size, serve them all, then measure the sizes in turn, round after round, so
    a passing disturbance on the machine spreads over all sizes instead of skewing one."""
    sizes = [str(size) for size in args.sizes]
    latencies: dict[str, dict[str, list[float]]] = {s: {r: [] for r in READS} for s in sizes}
    load_seconds: dict[str, float] = {}
    async with contextlib.AsyncExitStack() as stack:
        targets = {}
        for size in sizes:
            url = await stack.enter_async_context(scratch_database(backend, scratch, "growth"))
            started = time.perf_counter()
            thread_id = await _seed(url, int(size))
            load_seconds[size] = round(time.perf_counter() - started, 2)
            endpoints = await stack.enter_async_context(serve(url, args.server))
            targets[size] = (endpoints.service, thread_id)
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for size, (service_url, thread_id) in targets.items():
                for read, values in (await _measure(service_url, thread_id, per_round)).items():
                    latencies[size][read] += values
    per_size: dict[str, dict[str, Any]] = {
        size: {
            "load_seconds": load_seconds[size],
            **{read: latency_summary(latencies[size][read]) for read in READS},
        }
        for size in sizes
    }
    for size, data in per_size.items():
        print(
            f"{backend} {size} posts: "
            + ", ".join(f"{read} p50 {data[read]['p50_ms']} ms" for read in READS)
        )
    smallest, largest = str(min(args.sizes)), str(max(args.sizes))
    growth = {
        read: {
            "p50": ratio(per_size[largest][read]["p50_ms"], per_size[smallest][read]["p50_ms"]),
            "p99": ratio(per_size[largest][read]["p99_ms"], per_size[smallest][read]["p99_ms"]),
        }
        for read in READS
    }
    return {
        "sizes": per_size,
        "growth": {"largest": int(largest), "smallest": int(smallest), **growth},
    }


async def _seed(url: str, posts: int) -> int:
    threads = max(1, posts // POSTS_PER_THREAD)
    async with Seeder(url) as conn:
        authors = await insert_identities(
            conn, [identity_key(f"growth-author-{n}") for n in range(AUTHORS)]
        )
        forum = await insert_forum(
            conn, threads=threads, posts_per_thread=POSTS_PER_THREAD, authors=authors
        )
    # A bulk load leaves the planner's statistics stale until autovacuum gets to them;
    # production tables grow slowly and are analysed as they go, so measure with fresh ones.
    async with Seeder(url) as conn:
        await conn.execute(text("ANALYZE"))
    return forum.threads[len(forum.threads) // 2]


async def _measure(service_url: str, thread_id: int, requests: int) -> dict[str, list[float]]:
    headers = auth_headers(identity_key("growth-reader"))
    urls = {
        "thread": f"{service_url}/api/v1/threads/{thread_id}",
        "board_threads": f"{service_url}/api/v1/boards/safety/threads?limit=20",
        "boards": f"{service_url}/api/v1/boards",
    }
    out: dict[str, list[float]] = {}
    async with aiohttp.ClientSession(headers=headers) as session:
        for read, url in urls.items():
            latencies = []
            for n in range(requests + 5):  # the first five warm caches and the pool
                started = time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{read} answered {response.status}")
                if n >= 5:
                    latencies.append(time.perf_counter() - started)
            out[read] = latencies
    return out


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, "Read latency as the database grows (flat is the goal)")
    lines.append(
        f"One client, {meta['requests']} sequential reads per endpoint and size in "
        f"{meta['rounds']} rounds interleaved over the sizes; threads of "
        f"{meta['posts_per_thread']} posts over eight boards; server {meta['server']}. "
        "Growth = p50 (p99) at the largest size / at the smallest."
    )
    lines.append("")
    for backend, data in results["backends"].items():
        sizes = list(data["sizes"])
        rows = []
        for read in READS:
            rows.append(
                (
                    read,
                    *(_p50_p99(data["sizes"][s][read]) for s in sizes),
                    f"{data['growth'][read]['p50']} ({data['growth'][read]['p99']})",
                )
            )
        lines.append(
            f"**{backend}** (bulk load: "
            + ", ".join(f"{int(s):,} posts {data['sizes'][s]['load_seconds']} s" for s in sizes)
            + ")"
        )
        lines.append("")
        lines += table(
            (
                "read",
                *(f"{int(s):,} posts p50 / p99 ms" for s in sizes),
                f"growth {int(sizes[-1]):,}/{int(sizes[0]):,} p50 (p99)",
            ),
            rows,
        )
        lines.append("")
    return "\n".join(lines)


def _p50_p99(summary: dict[str, Any]) -> str:
    return f"{summary['p50_ms']:.2f} / {summary['p99_ms']:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
