"""What every benchmark shares: result files, percentiles, run metadata and scratch databases."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from forum_service.settings import ServiceSettings
from forum_service.storage import migrate

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT_DIR = REPO_ROOT / "bench" / "results"

#: Environment variables naming a PostgreSQL server (its admin database) for the benchmarks.
POSTGRES_ENV = ("BENCH_DATABASE_URL", "TEST_DATABASE_URL")
SQLITE = "sqlite"
POSTGRESQL = "postgresql"

SERVICE_TOKEN = "bench-service-token-0123456789"
PSEUDONYM_SECRET = "bench-pseudonym-secret-0123456789"
AT_REST_KEY = "bench-at-rest-key-0123456789abcdefghijklmnop"


# -- statistics ------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values`` (``fraction`` in 0..1); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float | int]:
    """Summarise latencies given in seconds as milliseconds: count, p50, p99, mean, max."""
    if not seconds:
        return {"count": 0, "p50_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0, "max_ms": 0.0}
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
        "mean_ms": round(sum(seconds) / len(seconds) * 1000, 3),
        "max_ms": round(max(seconds) * 1000, 3),
    }


def ratio(numerator: float, denominator: float, digits: int = 3) -> float | None:
    """Return ``numerator / denominator`` rounded, or None when the denominator is zero."""
    if not denominator:
        return None
    return round(numerator / denominator, digits)


# -- metadata and result files ---------------------------------------------------------------


def run_meta(name: str, argv: Sequence[str] | None) -> dict[str, Any]:
    """Describe the run: when, the command, the machine and the library versions."""
    versions = {}
    for package in ("aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "python-telegram-bot"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    args = list(sys.argv[1:] if argv is None else argv)
    return {
        "benchmark": name,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m", f"bench.{name}", *args]),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def _git_commit() -> str | None:
    """The short commit of the work tree, with ``+changes`` when files differ from it."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(  # noqa: S603 - fixed git sub-commands, no outside input
                ["git", *args],  # noqa: S607 - git from PATH is intended
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return None
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}+changes" if changed else commit


def write_results(name: str, results: Mapping[str, Any], markdown: str, out_dir: Path) -> None:
    """Write ``<name>.json`` and ``<name>.md`` atomically (a crash leaves the old pair)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, content in (
        (".json", json.dumps(results, indent=2) + "\n"),
        (".md", markdown if markdown.endswith("\n") else markdown + "\n"),
    ):
        target = out_dir / f"{name}{suffix}"
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex[:6]}.tmp")
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, target)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Return the lines of a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return lines


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def heading(meta: Mapping[str, Any], title: str) -> list[str]:
    """The first lines of a benchmark's Markdown: title, command, machine."""
    return [
        f"## {title}",
        "",
        f"`{meta['command']}` — {meta['when']}, commit {meta['commit'] or '?'}, "
        f"{meta['cpu_count']} CPUs, Python {meta['python']}.",
        "",
    ]


# -- arguments -------------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every benchmark takes: ``--out-dir`` and ``--quick``."""
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--quick", action="store_true", help="CI-sized run")


def add_backend_argument(parser: argparse.ArgumentParser, default: str = "auto") -> None:
    """``--backends``: sqlite, postgresql, or auto (SQLite, plus PostgreSQL when configured)."""
    parser.add_argument(
        "--backends",
        default=default,
        help="comma-separated sqlite,postgresql; 'auto' adds PostgreSQL when "
        "BENCH_DATABASE_URL or TEST_DATABASE_URL is set",
    )


def add_server_argument(parser: argparse.ArgumentParser) -> None:
    """``--server``: where the service under test runs."""
    parser.add_argument(
        "--server",
        choices=("process", "inline"),
        default="process",
        help="run the service in a child process (default: the load generator does not share "
        "its CPU) or inline in the benchmark's event loop",
    )


def postgres_url() -> str | None:
    """The configured PostgreSQL server URL (its admin database), or None."""
    for name in POSTGRES_ENV:
        value = os.environ.get(name)
        if value:
            return value
    return None


def pick_backends(spec: str) -> list[str]:
    """Resolve ``--backends``; prints a note when PostgreSQL is wanted but not configured."""
    wanted = [SQLITE, POSTGRESQL] if spec == "auto" else [p.strip() for p in spec.split(",")]
    unknown = set(wanted) - {SQLITE, POSTGRESQL}
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(unknown))}")
    if POSTGRESQL in wanted and postgres_url() is None:
        print(
            "note: PostgreSQL skipped — set BENCH_DATABASE_URL or TEST_DATABASE_URL to a "
            "server (postgresql+asyncpg://user@host:port/postgres) to include it"
        )
        wanted.remove(POSTGRESQL)
    return wanted


# -- scratch databases -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_database(backend: str, workdir: Path, label: str) -> AsyncIterator[str]:
    """A database migrated to head for one measurement; PostgreSQL ones are dropped after.

    Args:
        backend: ``sqlite`` or ``postgresql``.
        workdir: where SQLite files go.
        label: part of the database name, for anyone looking at the server meanwhile.

    Yields:
        The SQLAlchemy URL.
    """
    suffix = uuid.uuid4().hex[:8]
    if backend == SQLITE:
        url = f"sqlite+aiosqlite:///{workdir / f'{label}-{suffix}.db'}"
        await migrate.upgrade(url)
        yield url
        return
    server = postgres_url()
    if server is None:
        raise RuntimeError("no PostgreSQL server configured")
    name = f"bench_{label.replace('-', '_')}_{suffix}"
    admin = make_url(server).set(database="postgres").render_as_string(hide_password=False)
    await _pg_execute(admin, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await migrate.upgrade(url)
        yield url
    finally:
        await _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _pg_execute(url: str, statement: str) -> None:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def service_settings(database_url: str, **overrides: Any) -> ServiceSettings:
    """Service settings for a benchmark: explicit values, the environment and .env unread.

    ``posts_per_hour`` is the ceiling the settings allow, so virtual clients that each post
    hundreds of times are not rate limited (the limit check itself still runs).
    """
    values: dict[str, Any] = {
        "database_url": database_url,
        "service_token": SERVICE_TOKEN,
        "pseudonym_secret": PSEUDONYM_SECRET,
        "at_rest_key": AT_REST_KEY,
        "posts_per_hour": 10_000,
        # Virtual clients read and post without joining first (membership has its own tests).
        "membership": "open",
        **overrides,
    }
    return ServiceSettings(**values, _env_file=None)


def auth_headers(identity: str | None = None) -> dict[str, str]:
    """Headers of a service call as the bot makes it."""
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    if identity is not None:
        headers["X-Forum-Identity"] = identity
    return headers


def prepare_process() -> None:
    """Process-wide switches the benchmarks rely on: loopback without proxies, offline models,
    PTB's timedelta ``retry_after``."""
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    os.environ.setdefault("no_proxy", "127.0.0.1,localhost")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("PTB_TIMEDELTA", "true")


def run_benchmark(
    name: str,
    argv: Sequence[str] | None,
    parse: Callable[[Sequence[str] | None], argparse.Namespace],
    run: Callable[[argparse.Namespace, dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]],
    render: Callable[[dict[str, Any]], str],
) -> int:
    """The shared body of every benchmark's ``main``: parse, run, write, print.

    Args:
        name: the benchmark's name (result file stem).
        argv: command-line arguments without the program name.
        parse: the benchmark's argument parser.
        run: the benchmark itself, given the arguments and the run's metadata.
        render: turns the results into the Markdown table.

    Returns:
        Process exit status.
    """
    args = parse(argv)
    prepare_process()
    results = asyncio.run(run(args, run_meta(name, argv)))
    markdown = render(results)
    write_results(name, results, markdown, args.out_dir)
    print(markdown)
    return 0
