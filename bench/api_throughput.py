"""API throughput and latency against a bare aiohttp baseline doing the same SQL, same run.

For each database (SQLite; PostgreSQL when ``BENCH_DATABASE_URL``/``TEST_DATABASE_URL`` is set)
and each concurrency level (1, 10, 100 closed-loop clients, each with its own identity):

* read a thread: ``GET /api/v1/threads/{id}`` (20 approved posts) vs the baseline's
  ``GET /threads/{id}``;
* create a post: ``POST /api/v1/threads/{id}/posts`` vs the baseline's ``POST``;
* list my posts: ``GET /api/v1/me/posts`` (first page of 20; each client wrote ``--own-posts``
  approved posts across as many threads) vs the baseline's ``GET /me/posts``.

Both applications share one ``Database`` in one server process (``--server process``, the
default) while the load generator runs in this process, so the client's CPU time is not taken
from the server; ``GET /noop`` (no database) gives the ceiling of client plus HTTP stack. The
ratios service/baseline are the figures to compare; they are printed and written to
bench/results/api_throughput.{json,md}. Each cell also gives the server process's CPU time per
request (``/proc``; with ``--server inline`` it includes the load generator's, and on
PostgreSQL the database server's own CPU is not in it): on a 2-core machine shared with other
work, it moves far less than throughput does.

Run from the repository root::

    python -m bench.api_throughput            # full: 5 s per measurement
    python -m bench.api_throughput --quick    # 1 s per measurement
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import (
    add_backend_argument,
    add_common_arguments,
    add_server_argument,
    auth_headers,
    heading,
    pick_backends,
    ratio,
    run_benchmark,
    scratch_database,
    table,
)
from bench.load import LoadResult, Request, fetch_status, process_cpu_clock, run_load
from bench.seed import BODIES, Seeder, identity_key, insert_forum, insert_identities
from bench.server import Endpoints, serve

NAME = "api_throughput"
APPS = ("baseline", "service")
OPERATIONS = ("read", "post", "my_posts")
LABELS = {"read": "read thread", "post": "create post", "my_posts": "my posts"}
#: Sequential requests used to count statements per request.
COUNT_SAMPLES = 5


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
    parser.add_argument("--levels", default="1,10,100", help="concurrent clients to measure")
    parser.add_argument("--seconds", type=float, help="measured seconds per run (5; quick 1)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds first (1; quick 0.3)")
    parser.add_argument(
        "--own-posts", type=int, default=50, help="posts each my-posts client wrote before"
    )
    args = parser.parse_args(argv)
    args.levels = [int(level) for level in str(args.levels).split(",")]
    if args.seconds is None:
        args.seconds = 1.0 if args.quick else 5.0
    if args.warmup is None:
        args.warmup = 0.3 if args.quick else 1.0
    return args


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    meta |= {
        "server": args.server,
        "client": "aiohttp ClientSession in the benchmark process, keep-alive, closed loop",
        "levels": args.levels,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "own_posts": args.own_posts,
        "server_cpu": (
            "server and load generator (one process)"
            if args.server == "inline"
            else "server process only"
        ),
    }
    backends = pick_backends(args.backends)
    results: dict[str, Any] = {"meta": meta, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as scratch:
        for backend in backends:
            async with scratch_database(backend, Path(scratch), "api") as url:
                targets = await _seed(url, backend, args.levels, args.own_posts)
                async with serve(url, args.server) as endpoints:
                    results["backends"][backend] = await _measure(endpoints, targets, backend, args)
    return results


def _keys(backend: str, app: str, op: str, level: int) -> list[str]:
    """The identity keys of one measurement's clients: nobody takes part in two."""
    return [identity_key(f"{backend}-{app}-{op}-{level}-{i}") for i in range(level)]


async def _seed(url: str, backend: str, levels: list[int], own_posts: int) -> dict[str, int]:
    keys = {
        op: [key for app in APPS for level in levels for key in _keys(backend, app, op, level)]
        for op in OPERATIONS
    }
    async with Seeder(url) as conn:
        authors = await insert_identities(conn, [identity_key(f"author-{n}") for n in range(20)])
        await insert_identities(conn, [key for op_keys in keys.values() for key in op_keys])
        # 102 threads of 20 posts: the measured threads are not alone in the database.
        forum = await insert_forum(
            conn, threads=102, posts_per_thread=20, authors=authors, board_slugs=["safety"]
        )
        if own_posts:
            # As many threads as my-posts clients, each post by the next client: everyone of
            # them wrote exactly ``own_posts`` posts, spread over their threads.
            await insert_forum(
                conn,
                threads=len(keys["my_posts"]),
                posts_per_thread=own_posts,
                authors=keys["my_posts"],
                board_slugs=["housing"],
            )
    return {"read": forum.threads[-1], "post": forum.threads[-2], "my_posts": 0}


def _request(
    endpoints: Endpoints, app: str, op: str, thread_id: int, backend: str, level: int
) -> Request:
    """One virtual client's request of ``app`` for ``op``, each client with its own identity."""
    keys = _keys(backend, app, op, level)
    if app == "service":
        base = f"{endpoints.service}/api/v1/threads/{thread_id}"
        mine = f"{endpoints.service}/api/v1/me/posts"
        headers = [auth_headers(key) for key in keys]
    else:
        base = f"{endpoints.baseline}/threads/{thread_id}"
        mine = f"{endpoints.baseline}/me/posts"
        headers = [{"X-Forum-Identity": key} for key in keys]

    async def read(session: aiohttp.ClientSession, index: int) -> int:
        return await fetch_status(session, "GET", base, headers=headers[index])

    async def post(session: aiohttp.ClientSession, index: int) -> int:
        body = {"body": BODIES[index % len(BODIES)]}
        return await fetch_status(
            session, "POST", f"{base}/posts", headers=headers[index], json=body
        )

    async def my_posts(session: aiohttp.ClientSession, index: int) -> int:
        return await fetch_status(session, "GET", mine, headers=headers[index])

    return {"read": read, "post": post, "my_posts": my_posts}[op]


async def _statements_per_request(
    endpoints: Endpoints, request: Request, session: aiohttp.ClientSession
) -> float:
    async def total() -> int:
        async with session.get(f"{endpoints.baseline}/_bench/statements") as response:
            return int((await response.json())["statements"])

    await request(session, 0)  # the first call may create the identity; count steady state
    before = await total()
    for _ in range(COUNT_SAMPLES):
        await request(session, 0)
    return (await total() - before) / COUNT_SAMPLES


async def _measure(
    endpoints: Endpoints, targets: dict[str, int], backend: str, args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {"statements_per_request": {}, "harness_ceiling": {}}
    cpu = process_cpu_clock(endpoints.pid)
    async with aiohttp.ClientSession() as session:
        for op in OPERATIONS:
            out["statements_per_request"][op] = {
                app: await _statements_per_request(
                    endpoints,
                    _request(endpoints, app, op, targets[op], backend, args.levels[0]),
                    session,
                )
                for app in APPS
            }
    counts = out["statements_per_request"]
    for op, per_app in counts.items():
        if per_app["service"] != per_app["baseline"]:
            print(f"note: {backend} {op}: statements per request differ {per_app}")
    for level in args.levels:

        async def noop(session: aiohttp.ClientSession, index: int) -> int:
            return await fetch_status(session, "GET", f"{endpoints.baseline}/noop")

        ceiling = await run_load(
            noop, clients=level, seconds=args.seconds, warmup=args.warmup, server_cpu=cpu
        )
        out["harness_ceiling"][str(level)] = ceiling.summary()
    for op in OPERATIONS:
        out[op] = {}
        for level in args.levels:
            measured: dict[str, LoadResult] = {}
            for app in APPS:
                request = _request(endpoints, app, op, targets[op], backend, level)
                measured[app] = await run_load(
                    request,
                    clients=level,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    server_cpu=cpu,
                )
            service, baseline = measured["service"], measured["baseline"]
            entry = {app: result.summary() for app, result in measured.items()}
            entry["ratio"] = {
                "throughput": ratio(service.throughput, baseline.throughput),
                "p50": ratio(entry["service"]["p50_ms"], entry["baseline"]["p50_ms"]),
                "p99": ratio(entry["service"]["p99_ms"], entry["baseline"]["p99_ms"]),
                "cpu_per_request": ratio(
                    entry["service"]["server_cpu_ms_per_request"] or 0.0,
                    entry["baseline"]["server_cpu_ms_per_request"] or 0.0,
                ),
            }
            out[op][str(level)] = entry
            print(
                f"{backend} {op} x{level}: service {service.throughput:.0f} req/s, "
                f"baseline {baseline.throughput:.0f} req/s, ratio {entry['ratio']['throughput']}; "
                f"server CPU ms/req service {entry['service']['server_cpu_ms_per_request']}, "
                f"baseline {entry['baseline']['server_cpu_ms_per_request']}"
            )
    return out


def _cpu(service: dict[str, Any], baseline: dict[str, Any]) -> str:
    def ms(summary: dict[str, Any]) -> str:
        value = summary.get("server_cpu_ms_per_request")
        return "—" if value is None else f"{value:.2f}"

    return f"{ms(service)} / {ms(baseline)}"


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, "API throughput and latency vs a bare aiohttp handler (same SQL)")
    lines.append(
        f"Server: {meta['server']}; client: {meta['client']}; {meta['seconds']} s measured "
        f"after {meta['warmup']} s warm-up per cell. Ratio = service / baseline "
        "(throughput: higher is better, ≤ 1 expected; latency and CPU: lower is better, ≥ 1 "
        f"expected). CPU ms/req: {meta.get('server_cpu', 'server process only')}, in the "
        f"measured window; my posts: {meta.get('own_posts', '?')} own posts per client."
    )
    lines.append("")
    for backend, data in results["backends"].items():
        counts = data["statements_per_request"]
        lines.append(
            f"**{backend}** — statements per request (service / baseline): "
            + ", ".join(f"{op} {c['service']:g} / {c['baseline']:g}" for op, c in counts.items())
            + "; harness ceiling (GET /noop) "
            + ", ".join(
                f"×{level}: {c['throughput_rps']:,.0f} req/s"
                for level, c in data["harness_ceiling"].items()
            )
        )
        lines.append("")
        rows = []
        for op in OPERATIONS:
            for level, entry in data[op].items():
                service, baseline, r = entry["service"], entry["baseline"], entry["ratio"]
                rows.append(
                    (
                        LABELS[op],
                        level,
                        service["throughput_rps"],
                        baseline["throughput_rps"],
                        r["throughput"],
                        f"{service['p50_ms']:.1f} / {service['p99_ms']:.1f}",
                        f"{baseline['p50_ms']:.1f} / {baseline['p99_ms']:.1f}",
                        r["p50"],
                        r["p99"],
                        _cpu(service, baseline),
                        r.get("cpu_per_request"),
                        service["errors"] + baseline["errors"],
                    )
                )
        lines += table(
            (
                "operation",
                "clients",
                "service req/s",
                "baseline req/s",
                "throughput ratio",
                "service p50 / p99 ms",
                "baseline p50 / p99 ms",
                "p50 ratio",
                "p99 ratio",
                "service / baseline CPU ms/req",
                "CPU ratio",
                "errors",
            ),
            rows,
        )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
