"""``python -m bench``: run every benchmark, then write bench/results/SUMMARY.md.

Each benchmark also runs alone (``python -m bench.<name>``). ``--quick`` is the CI-sized run
(a few minutes on a 2-core machine); the full run takes about 40 minutes, most of it the wrk
benchmark (``python -m bench wrk`` runs it alone) and the 5,000-subscriber broadcast.
PostgreSQL is included when ``BENCH_DATABASE_URL`` or ``TEST_DATABASE_URL`` names a server.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.common import DEFAULT_OUT_DIR, postgres_url, prepare_process
from bench.summary import BENCHMARKS, write_summary


def _runner(name: str) -> Callable[[list[str]], int]:
    # Imported when run: the model benchmarks load torch, which the others do not need.
    module = __import__(f"bench.{name}", fromlist=["main"])
    run: Callable[[list[str]], int] = module.main
    return run


def _argv(name: str, args: argparse.Namespace) -> list[str]:
    argv = ["--out-dir", str(args.out_dir)]
    if name == "moderation_eval":
        if args.quick:
            argv += ["--rounds", "1"]
    else:
        argv += ["--quick"] if args.quick else []
    if name in ("moderation_eval", "moderation_worker") and args.checkpoint is not None:
        argv += ["--checkpoint", str(args.checkpoint), "--config-dir", str(args.config_dir)]
    if name in ("moderation_worker", "api_throughput", "wrk", "read_growth") and args.backends:
        argv += ["--backends", args.backends]
    if (
        name in ("api_throughput", "read_growth", "bot_roundtrip", "bot_throughput", "broadcast")
        and args.server
    ):
        argv += ["--server", args.server]
    if name == "broadcast" and args.subscribers is not None:
        argv += ["--subscribers", str(args.subscribers)]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks in turn; a failing one is reported and the others still run.

    Args:
        argv: command-line arguments without the program name.

    Returns:
        0 when every benchmark ran, 1 otherwise.
    """
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["wrk"]:  # ``python -m bench wrk [--quick]``: the wrk benchmark alone
        return _runner("wrk")(given[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI-sized run (~3 minutes)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--checkpoint", type=Path, help="a real Detoxify checkpoint")
    parser.add_argument("--config-dir", type=Path, help="its Hugging Face config dir")
    parser.add_argument("--subscribers", type=int, help="broadcast size (5000; quick 500)")
    parser.add_argument("--backends", help="sqlite,postgresql (default: auto)")
    parser.add_argument("--server", choices=("process", "inline"), help="where the API runs")
    args = parser.parse_args(argv)
    if (args.checkpoint is None) != (args.config_dir is None):
        parser.error("--checkpoint and --config-dir go together")
    names = list(BENCHMARKS) if args.only is None else args.only.split(",")
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    prepare_process()
    started = time.perf_counter()
    timings, failed = {}, []
    for name in names:
        print(f"\n=== {name}", flush=True)
        begun = time.perf_counter()
        try:
            status = _runner(name)(_argv(name, args))
        except Exception:  # report and go on: one broken benchmark must not hide the others
            traceback.print_exc()
            status = 1
        timings[name] = time.perf_counter() - begun
        if status != 0:
            failed.append(name)
    total = time.perf_counter() - started
    given = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python -m bench", *given])
    databases = "SQLite and PostgreSQL" if postgres_url() else "SQLite only (no PostgreSQL URL set)"
    intro = [
        f"`{command}` ({databases}) — {datetime.now(UTC).isoformat(timespec='seconds')}, "
        f"{total:.0f} s in all ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
        + ").",
    ]
    if failed:
        intro.append(f"**Failed:** {', '.join(failed)} (see the run's output).")
    summary = write_summary(args.out_dir, intro)
    print(f"\n{summary}: {total:.0f} s in all" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
