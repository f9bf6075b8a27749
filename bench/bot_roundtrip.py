"""Bot round trip (update in → reply out) through the fake Bot API, against a bare echo bot.

The real PTB application (``bot.app.build_application``) long-polls ``fake_telegram``
and calls the real forum service (in a child process by default) on a seeded database:

* ``/outcomes`` — one service call (the boards), one reply with eight buttons;
* ``/read <thread>`` — one service call (a thread of 10 posts), the thread as messages.

The baseline, in the same run, is a bare PTB application whose one handler echoes the text,
polling its own fake Bot API in the same process. Round trips are timed from queuing the update
at the fake to the fake receiving the bot's (last) reply; each user waits for the answer before
sending again. With 10 users at once, updates queue: PTB handles one update at a time unless
``concurrent_updates`` is set.

Run from the repository root::

    python -m bench.bot_roundtrip [--quick]

Results: bench/results/bot_roundtrip.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.botrun import (
    ErrorCount,
    any_message,
    bot_settings,
    echo_bot,
    has_button,
    polling,
    real_bot,
    round_trip,
)
from bench.common import (
    SQLITE,
    add_common_arguments,
    add_server_argument,
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
from fake_telegram import FakeTelegram, FakeUser, SentMessage

NAME = "bot_roundtrip"
FIRST_USER_ID = 880_000_001
BASELINE = "echo_baseline"


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
    add_server_argument(parser)
    parser.add_argument("--backend", default=SQLITE, choices=("sqlite", "postgresql"))
    parser.add_argument("--users", default="1,10", help="users sending at once")
    parser.add_argument(
        "--round-trips", type=int, help="round trips per command and level (200; quick 40)"
    )
    args = parser.parse_args(argv)
    args.users = [int(n) for n in str(args.users).split(",")]
    if args.round_trips is None:
        args.round_trips = 40 if args.quick else 200
    return args


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    backend = (pick_backends(args.backend) or [SQLITE])[0]
    meta |= {"database": backend, "server": args.server, "round_trips": args.round_trips}
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-bot-") as scratch:
            async with scratch_database(backend, Path(scratch), "bot") as url:
                thread_id = await _seed(url)
                async with serve(url, args.server) as endpoints:
                    measured = await _measure(endpoints.service, Path(scratch), thread_id, args)
    finally:
        logging.getLogger().removeHandler(errors)
    ratios = {
        str(users): {
            command: {
                "p50": ratio(summary["p50_ms"], per_level[BASELINE]["p50_ms"]),
                "p99": ratio(summary["p99_ms"], per_level[BASELINE]["p99_ms"]),
            }
            for command, summary in per_level.items()
            if command != BASELINE
        }
        for users, per_level in measured.items()
    }
    return {"meta": meta, "round_trips": measured, "ratios": ratios, "errors": errors.count}


async def _seed(url: str) -> int:
    async with Seeder(url) as conn:
        authors = await insert_identities(conn, [identity_key(f"bot-author-{n}") for n in range(5)])
        forum = await insert_forum(conn, threads=40, posts_per_thread=10, authors=authors)
    return forum.threads[len(forum.threads) // 2]


Scenario = tuple[Callable[[int], str], Callable[[SentMessage], bool]]


async def _measure(
    service_url: str, scratch: Path, thread_id: int, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    scenarios: dict[str, Scenario] = {
        "outcomes": (lambda n: "/outcomes", has_button("rb:")),
        "read_thread": (lambda n: f"/read {thread_id}", has_button("rr:")),
    }
    most = max(args.users)
    out: dict[str, dict[str, Any]] = {str(users): {} for users in args.users}
    async with FakeTelegram(token="42:BENCH-echo-token") as echo_fake:
        users = [echo_fake.user(FIRST_USER_ID + i, f"Echo{i}") for i in range(most)]
        async with polling(echo_bot(echo_fake), echo_fake):
            for level in args.users:
                latencies = await _round_trips(
                    echo_fake, users[:level], (lambda n: f"hello {n}", any_message), args
                )
                out[str(level)][BASELINE] = latencies
    async with FakeTelegram() as fake:
        users = [fake.user(FIRST_USER_ID + i, f"Reader{i}") for i in range(most)]
        settings = bot_settings(fake, service_url, scratch / "bot-store" / "delivery.db")
        async with polling(real_bot(settings), fake):
            # Warm-up: each user's identity key (argon2id, then cached) and service identity.
            await asyncio.gather(*(round_trip(fake, u, "/help") for u in users))
            for level in args.users:
                for name, scenario in scenarios.items():
                    out[str(level)][name] = await _round_trips(fake, users[:level], scenario, args)
    for level, per_command in out.items():
        for name, summary in per_command.items():
            print(f"{name} x{level}: p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms")
    return out


async def _round_trips(
    fake: FakeTelegram, users: list[FakeUser], scenario: Scenario, args: argparse.Namespace
) -> dict[str, Any]:
    text, until = scenario
    per_user = max(1, args.round_trips // len(users))
    latencies: list[float] = []

    async def one_user(user: FakeUser) -> None:
        await round_trip(fake, user, text(0), until)  # unmeasured: first-use costs
        for n in range(per_user):
            latencies.append(await round_trip(fake, user, text(n), until))

    await asyncio.gather(*(one_user(user) for user in users))
    return latency_summary(latencies)


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta = results["meta"]
    lines = heading(meta, "Bot round trip through the fake Bot API vs a bare PTB echo handler")
    lines.append(
        f"Real bot + real service ({meta['server']}, {meta['database']}); update queued at the "
        "fake → reply received by the fake. Ratio = bot / echo baseline at the same number of "
        f"users. Errors logged during the run: {results['errors']}."
    )
    lines.append("")
    rows = []
    for users, per_command in results["round_trips"].items():
        for command, summary in per_command.items():
            r = results["ratios"][users].get(command, {})
            rows.append(
                (
                    command,
                    users,
                    summary["count"],
                    summary["p50_ms"],
                    summary["p99_ms"],
                    r.get("p50"),
                    r.get("p99"),
                )
            )
    lines += table(
        ("round trip", "users at once", "samples", "p50 ms", "p99 ms", "p50 ratio", "p99 ratio"),
        rows,
    )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
