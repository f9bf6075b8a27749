"""HTTP throughput and latency measured from outside with ``wrk``, service vs bare baseline.

For each database (SQLite; PostgreSQL when ``BENCH_DATABASE_URL``/``TEST_DATABASE_URL`` names a
server) a scratch database is seeded (102 approved threads of 20 posts on one board, 100 member
identities), then two server processes start on it: the real service (``create_app``, default
membership mode ``invite``, so the membership gate runs) and the bare baseline
(``bench.wrk_baseline``: aiohttp + the raw driver + ``json.dumps``, same statements). ``wrk``
(one thread, keep-alive; a Lua script gives every request one of the member identities and,
for posts, a distinct Idempotency-Key and body) then drives, at 1, 10 and 100 connections:

* ``boards``: ``GET /api/v1/boards``;
* ``threads``: a board's first page of threads, ``GET /api/v1/boards/safety/threads``;
* ``read``: a thread of 20 approved posts, ``GET /api/v1/threads/{id}``;
* ``post``: a reply, ``POST /api/v1/threads/{id}/posts``;
* ``healthz``: ``GET /healthz``.

Service and baseline runs alternate cell by cell (and round by round), so on a machine other
work is loading both sides see about the same load; the ratio service / baseline of each
round is kept and their median reported, with the 1-minute load average before each run.
wrk and the server share the machine's cores: the figures are this machine's, not a server's.

Run from the repository root::

    python -m bench wrk            # full: 3 rounds of 8 s per cell
    python -m bench wrk --quick    # smoke-sized: 1 round of 1 s per cell (CI)

Exits non-zero on errors only (a server that does not start, a non-2xx answer, wrk missing
and not installable), never on the figures. A cell whose only errors are socket-level
(connect/read/write/timeout, which a shared machine can cause) is measured once more, and fails
if they come back; the report names every cell measured twice and why.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bench.common import (
    PSEUDONYM_SECRET,
    SERVICE_TOKEN,
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
from bench.seed import Seeder, identity_key, insert_forum, insert_identities

NAME = "wrk"
ENDPOINTS = ("boards", "threads", "read", "post", "healthz")
LABELS = {
    "boards": "list boards",
    "threads": "board's thread page",
    "read": "read thread (20 posts)",
    "post": "create post",
    "healthz": "/healthz",
}
#: Member identities the requests take turns with.
READERS = 100
#: Seconds a server process may take to start serving.
START_TIMEOUT = 90.0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write bench/results/wrk.{json,md}; 1 when any request failed."""
    status = run_benchmark(NAME, argv, _parse_args, _run, render_markdown)
    return status if status else _exit_status


_exit_status = 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench wrk", description=__doc__)
    add_common_arguments(parser)
    add_backend_argument(parser)
    parser.add_argument("--levels", default="1,10,100", help="wrk connections to measure")
    parser.add_argument("--seconds", type=float, help="seconds per run (8; quick 1)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per cell (3; quick 1)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(ENDPOINTS)}")
    parser.add_argument(
        "--service-workers",
        type=int,
        default=1,
        help="API processes sharing the port (mscos-forum api --workers); PostgreSQL only",
    )
    args = parser.parse_args(argv)
    args.levels = [int(level) for level in str(args.levels).split(",")]
    if args.seconds is None:
        args.seconds = 1.0 if args.quick else 8.0
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    args.endpoints = list(ENDPOINTS) if args.only is None else args.only.split(",")
    unknown = set(args.endpoints) - set(ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoint(s): {', '.join(sorted(unknown))}")
    return args


# -- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of ``wrk``, installing the Debian package when missing and allowed to.

    Raises:
        SystemExit: wrk is missing and cannot be installed here (how to install it is said).
    """
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        print("wrk not found: installing the Debian package (apt-get install -y wrk)", flush=True)
        for command in ([apt, "install", "-y", "-q", "wrk"], [apt, "update", "-q"]):
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
            found = shutil.which("wrk")
            if found:
                return found
        subprocess.run([apt, "install", "-y", "-q", "wrk"], check=False)  # noqa: S603
        found = shutil.which("wrk")
        if found:
            return found
    raise SystemExit(
        "wrk is needed: install it (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew "
        "install wrk) and run again"
    )


def _locate_wrk() -> tuple[str, str]:
    """wrk's path (installed when missing) and the first line of its version."""
    wrk = ensure_wrk()
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    return wrk, ((done.stdout + done.stderr).strip().splitlines() or ["wrk"])[0]


_LUA = """
local keys = {%(keys)s}
local method, path, token = "%(method)s", "%(path)s", "%(token)s"
local run = "%(run)s"
local counter = 0

function init(args)
  -- A prefix per wrk run: Idempotency-Keys never repeat across runs of one script.
  if args[1] then run = run .. args[1] end
end
local tid = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["X-Forum-Identity"] = keys[(counter %% #keys) + 1],
  }
  local body = nil
  if method == "POST" then
    local n = run .. "-" .. tid .. "-" .. counter
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = "bench-" .. n
    body = '{"body": "Reply ' .. n .. ': what made the difference was a named caseworker."}'
  end
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua(method: str, path: str, keys: Sequence[str], run: str) -> str:
    return _LUA % {
        "keys": ", ".join(f'"{key}"' for key in keys),
        "method": method,
        "path": path,
        "token": SERVICE_TOKEN,
        "run": run,
    }


async def _wrk(
    wrk: str, base: str, script: Path, connections: int, seconds: float
) -> dict[str, Any]:
    """One wrk run; its summary with req/s and latency in ms."""
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
        "--",
        uuid.uuid4().hex[:8],
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    lines = [line for line in out.decode().splitlines() if line.startswith("WRKJSON ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.decode()[-500:]}")
    raw = json.loads(lines[-1].removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "throughput_rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": errors,
        "non_2xx": raw["status"],
        "error_kinds": {
            kind: raw[kind]
            for kind in ("connect", "read", "write", "status", "timeout")
            if raw[kind]
        },
        "load_avg_1m": _load_average(),
    }


def _error_detail(entry: dict[str, Any]) -> str:
    """Which side had which wrk errors: 'service: 3 timeout; baseline: 1 read'."""
    parts = []
    for side in ("service", "baseline"):
        kinds = entry[side].get("error_kinds") or {}
        if kinds:
            listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
            parts.append(f"{side}: {listed}")
    return "; ".join(parts) or "unknown"


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def _uptime() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            ["uptime"],  # noqa: S607 - coreutils/procps from PATH
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    return f"load average {os.getloadavg()}"


# -- servers ---------------------------------------------------------------------------------


def _serve_child(kind: str, url: str, workers: int, conn: Connection) -> None:
    """A server process: ``service`` (the real app) or ``baseline``, on a free port."""
    from bench.common import prepare_process

    prepare_process()

    async def main() -> None:
        settings = service_settings(url, membership="invite")
        if kind == "service":
            # As `mscos-forum api` serves it: search model attached, heap frozen once started.
            from mscos_forum.serving import api_app

            app = api_app(settings)
        else:
            from bench import wrk_baseline
            from forum_service.pseudonyms import Pseudonymizer

            pool = 8 if url.startswith("sqlite") else 10
            app = wrk_baseline.create_app(
                url, settings.vault(), Pseudonymizer(PSEUDONYM_SECRET.encode()), pool
            )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        conn.send((runner.addresses[0][1], os.getpid()))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        await runner.cleanup()

    asyncio.run(main())
    conn.close()


async def _settled(base: str, *, answers: int = 1) -> None:
    """Wait until the service has loaded its sentence model (or given up on it).

    The model loads in a thread after startup, and the heap is frozen after that: measuring
    before would time the load, not the requests. Each poll is a new connection, so with
    several worker processes sharing the port, ``answers`` settled replies in a row are
    asked for to have heard from each of them with some likelihood.
    """
    import aiohttp

    settled = 0
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(int(START_TIMEOUT * 10)):
            async with session.get(f"{base}/readyz") as response:
                search = (await response.json()).get("details", {}).get("search", {})
            settled = settled + 1 if "loading" not in str(search.get("detail", "loading")) else 0
            if settled >= answers:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the service's sentence model did not load in time")


@contextlib.asynccontextmanager
async def _server(kind: str, url: str) -> AsyncIterator[tuple[str, int]]:
    """Serve ``kind`` on ``url`` in a child process until the block ends: (base URL, pid)."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_child, args=(kind, url, 1, theirs), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    try:
        for _ in range(int(START_TIMEOUT)):
            if await loop.run_in_executor(None, ours.poll, 1.0):
                break
            if not process.is_alive():
                raise RuntimeError(f"the {kind} server died on start ({process.exitcode})")
        else:
            raise RuntimeError(f"the {kind} server did not start in time")
        port, pid = ours.recv()
        base = f"http://127.0.0.1:{port}"
        if kind == "service":
            await _settled(base)
        yield base, pid
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        await loop.run_in_executor(None, process.join, 30)
        if process.is_alive():
            process.terminate()
            await loop.run_in_executor(None, process.join, 10)
        ours.close()
        theirs.close()


@contextlib.asynccontextmanager
async def _service_processes(url: str, workers: int) -> AsyncIterator[tuple[str, int]]:
    """``mscos-forum api --workers N`` on a free port: the real command, for PostgreSQL."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = service_settings(url, membership="invite")
    env = os.environ | {
        "FORUM_DATABASE_URL": url,
        "FORUM_SERVICE_TOKEN": SERVICE_TOKEN,
        "FORUM_PSEUDONYM_SECRET": PSEUDONYM_SECRET,
        "FORUM_AT_REST_KEY": settings.at_rest_key.get_secret_value(),
        "FORUM_POSTS_PER_HOUR": str(settings.posts_per_hour),
        "FORUM_MEMBERSHIP": "invite",
        "FORUM_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mscos_forum.cli",
        "api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            for _ in range(int(START_TIMEOUT * 10)):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("mscos-forum api did not start in time")
        await _settled(base, answers=4 * workers)  # each worker loads its own model
        yield base, process.pid
    finally:
        process.terminate()
        await process.wait()


# -- the run ---------------------------------------------------------------------------------


async def _seed(url: str) -> dict[str, Any]:
    readers = [identity_key(f"wrk-reader-{n}") for n in range(READERS)]
    async with Seeder(url) as conn:
        authors = await insert_identities(
            conn, [identity_key(f"wrk-author-{n}") for n in range(20)]
        )
        await insert_identities(conn, readers)
        forum = await insert_forum(
            conn, threads=102, posts_per_thread=20, authors=authors, board_slugs=["safety"]
        )
        # Members all: the default membership mode (invite) lets them through the gate.
        await conn.execute(text("UPDATE identities SET member = :yes"), {"yes": True})
    return {"readers": readers, "read": forum.threads[-1], "post": forum.threads[-2]}


def _paths(seeded: dict[str, Any]) -> dict[str, dict[str, tuple[str, str]]]:
    """``endpoint → app → (method, path)``."""
    read, post = seeded["read"], seeded["post"]
    return {
        "boards": {"service": ("GET", "/api/v1/boards"), "baseline": ("GET", "/boards")},
        "threads": {
            "service": ("GET", "/api/v1/boards/safety/threads"),
            "baseline": ("GET", "/boards/safety/threads"),
        },
        "read": {
            "service": ("GET", f"/api/v1/threads/{read}"),
            "baseline": ("GET", f"/threads/{read}"),
        },
        "post": {
            "service": ("POST", f"/api/v1/threads/{post}/posts"),
            "baseline": ("POST", f"/threads/{post}/posts"),
        },
        "healthz": {"service": ("GET", "/healthz"), "baseline": ("GET", "/healthz")},
    }


async def _check(base: str, method: str, path: str, key: str) -> None:
    """One request before measuring: a wrong answer is an error, not a figure."""
    import aiohttp

    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", "X-Forum-Identity": key}
    body = None
    if method == "POST":
        headers["Idempotency-Key"] = f"check-{uuid.uuid4().hex}"
        body = {"body": "A first reply before the measurement starts."}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base + path, headers=headers, json=body) as response,
    ):
        if response.status >= 300:
            raise RuntimeError(f"{method} {base}{path}: HTTP {response.status}")


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    global _exit_status
    wrk, version = await asyncio.to_thread(_locate_wrk)
    meta |= {
        "load_generator": version,
        "wrk": "1 thread, keep-alive, --timeout 10s",
        "levels": args.levels,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "service_workers": args.service_workers,
        "uptime_before": _uptime(),
    }
    results: dict[str, Any] = {"meta": meta, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        for backend in pick_backends(args.backends):
            async with scratch_database(backend, Path(scratch), "wrk") as url:
                seeded = await _seed(url)
                results["backends"][backend] = await _measure(
                    wrk, url, backend, seeded, Path(scratch), args
                )
    meta["uptime_after"] = _uptime()
    failed = [
        f"{backend} {endpoint} x{level} ({_error_detail(entry)})"
        for backend, data in results["backends"].items()
        for endpoint in args.endpoints
        for level, entry in data[endpoint].items()
        if entry["errors"]
    ]
    results["failed"] = failed
    if failed:
        print(f"errors in: {', '.join(failed)}")
        _exit_status = 1
    return results


async def _measure(
    wrk: str,
    url: str,
    backend: str,
    seeded: dict[str, Any],
    scratch: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    paths = _paths(seeded)
    keys = seeded["readers"]
    run = uuid.uuid4().hex[:8]
    workers = args.service_workers if backend == "postgresql" else 1
    service_cm = _service_processes(url, workers) if workers > 1 else _server("service", url)
    out: dict[str, Any] = {"service_workers": workers}
    async with service_cm as (service, _), _server("baseline", url) as (baseline, _):
        bases = {"service": service, "baseline": baseline}
        scripts: dict[tuple[str, str], Path] = {}
        for endpoint in args.endpoints:
            for app, (method, path) in paths[endpoint].items():
                await _check(bases[app], method, path, keys[0])
                script = scratch / f"{backend}-{endpoint}-{app}.lua"
                script.write_text(_lua(method, path, keys, f"{run}{app[0]}"), encoding="utf-8")
                scripts[(endpoint, app)] = script
        for endpoint in args.endpoints:
            out[endpoint] = {}
            for level in args.levels:
                cell = {app: scripts[(endpoint, app)] for app in ("service", "baseline")}
                entry = await _cell(wrk, bases, cell, level, args)
                if entry["errors"] and not _has_status_errors(entry):
                    # Socket-level errors only (connect/read/write/timeout): on a shared machine
                    # these can be the machine's, not the server's. Say so, and measure the cell
                    # once more; it fails if they come back. A non-2xx answer fails at once.
                    first = _error_detail(entry)
                    print(f"{backend} {endpoint} x{level}: {first}; measuring again", flush=True)
                    entry = await _cell(wrk, bases, cell, level, args)
                    entry["first_try_errors"] = first
                out[endpoint][str(level)] = entry
                served = entry["service"]["throughput_rps"]
                print(
                    f"{backend} {endpoint} x{level}: service {served:,.0f}"
                    f" req/s, baseline {entry['baseline']['throughput_rps']:,.0f} req/s, ratio "
                    f"{entry['ratio']['throughput']}; p99 {entry['service']['p99_ms']} / "
                    f"{entry['baseline']['p99_ms']} ms; load {entry['load_avg_1m']}",
                    flush=True,
                )
    return out


async def _cell(
    wrk: str,
    bases: dict[str, str],
    scripts: dict[str, Path],
    level: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """One cell: ``args.rounds`` alternating service/baseline wrk runs, combined."""
    rounds: list[dict[str, Any]] = []
    for n in range(args.rounds):
        # Alternate which side goes first, so neither always gets the cooler turn.
        order = ("service", "baseline") if n % 2 == 0 else ("baseline", "service")
        measured = {}
        for app in order:
            measured[app] = await _wrk(wrk, bases[app], scripts[app], level, args.seconds)
        rounds.append(measured)
    return _combine(rounds)


def _has_status_errors(entry: dict[str, Any]) -> bool:
    return any(entry[side].get("error_kinds", {}).get("status") for side in ("service", "baseline"))


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["throughput_rps"])
    middle = dict(ordered[len(ordered) // 2])
    middle["errors"] = sum(r["errors"] for r in runs)
    middle["non_2xx"] = sum(r["non_2xx"] for r in runs)
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, count in run.get("error_kinds", {}).items():
            kinds[kind] = kinds.get(kind, 0) + count
    middle["error_kinds"] = kinds
    return middle


def _combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of alternating rounds: each side's median run, the median paired ratio."""
    service = _median_run([r["service"] for r in rounds])
    baseline = _median_run([r["baseline"] for r in rounds])
    paired = [
        ratio(r["service"]["throughput_rps"], r["baseline"]["throughput_rps"]) or 0.0
        for r in rounds
    ]
    return {
        "service": service,
        "baseline": baseline,
        "ratio": {
            "throughput": round(statistics.median(paired), 3),
            "rounds": paired,
            "p99": ratio(service["p99_ms"], baseline["p99_ms"]),
        },
        "errors": service["errors"] + baseline["errors"],
        "load_avg_1m": round(
            statistics.median(
                r[app]["load_avg_1m"] for r in rounds for app in ("service", "baseline")
            ),
            2,
        ),
    }


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, "HTTP throughput with wrk: the service vs bare aiohttp + raw driver")
    lines.append(
        f"Load generator: {meta['load_generator']} ({meta['wrk']}), on the same machine as the "
        f"servers; {meta['rounds']} alternating round(s) of {meta['seconds']:g} s per cell, "
        "median shown. Ratio = service / baseline throughput (median of the paired rounds). "
        "Baseline: bare aiohttp handler, the same statements as hand-written SQL through the "
        "same driver (aiosqlite / asyncpg), json.dumps; no ORM, middleware, validation or cache."
    )
    lines.append("")
    lines.append(f"Before: `{meta['uptime_before']}`")
    if "uptime_after" in meta:
        lines.append(f"After: `{meta['uptime_after']}`")
    lines.append("")
    for backend, data in results["backends"].items():
        workers = data.get("service_workers", 1)
        lines.append(f"**{backend}** (service: {workers} process{'es' if workers > 1 else ''})")
        lines.append("")
        rows = []
        for endpoint in ENDPOINTS:
            for level, entry in data.get(endpoint, {}).items():
                service, baseline = entry["service"], entry["baseline"]
                rows.append(
                    (
                        LABELS[endpoint],
                        level,
                        service["throughput_rps"],
                        baseline["throughput_rps"],
                        f"×{entry['ratio']['throughput']:.2f}",
                        f"{service['p50_ms']:.1f} / {service['p99_ms']:.1f}",
                        f"{baseline['p50_ms']:.1f} / {baseline['p99_ms']:.1f}",
                        entry["errors"],
                        entry["load_avg_1m"],
                    )
                )
        lines += table(
            (
                "request",
                "connections",
                "service req/s",
                "baseline req/s",
                "ratio",
                "service p50 / p99 ms",
                "baseline p50 / p99 ms",
                "errors",
                "load avg (1 min)",
            ),
            rows,
        )
        lines.append("")
    retried = [
        f"{backend} {endpoint} x{level} ({entry['first_try_errors']})"
        for backend, data in results["backends"].items()
        for endpoint in ENDPOINTS
        for level, entry in data.get(endpoint, {}).items()
        if entry.get("first_try_errors")
    ]
    if retried:
        lines.append(f"**Measured again after socket errors:** {', '.join(retried)}")
    if results.get("failed"):
        lines.append(f"**Errors in:** {', '.join(results['failed'])}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
