"""Broadcast to N subscribers through the fake Bot API, within Telegram's limits (issue 7).

The real bot (``bot.app.build_application``, whose ``bot.delivery.Dispatcher`` drains the
service's outbox) runs against the real service (child process by default) and a fake Bot API
that enforces the limits (``bench.telegram_limits``: 429 past 30 messages in any second or
1 message per second in one chat). N subscribers of "all" are bulk-loaded into the service
database and the bot's delivery store; an admin sends ``/announce`` through the fake.

Phases, in one run:

1. idle — two unrelated users take turns sending ``/outcomes`` (each chat at most one message
   per 1.2 s): the bot's reply latency with nothing else going on (the baseline);
2. burst — 3 announcements at once to 20 subscribers: the per-chat pacing (≥ 1 s per chat);
3. broadcast — one announcement to all N subscribers while the two users keep asking.

Figures: messages/s achieved against the 30/s ceiling (ratio), 429s received (goal 0), most
messages in any one-second window and least interval within one chat
(``FakeTelegram.rate_stats()``), and the reply latency during the broadcast against idle.
At the dispatcher's 25 messages/s, 5,000 subscribers take about 3.5 minutes; ``--quick`` sends
to 500.

Run from the repository root::

    python -m bench.broadcast [--quick] [--subscribers 5000]

Results: bench/results/broadcast.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.botrun import (
    IDENTITY_PEPPER,
    STORE_SECRET,
    ErrorCount,
    any_message,
    bot_settings,
    has_button,
    polling,
    real_bot,
    round_trip,
)
from bench.common import (
    SQLITE,
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
from bench.seed import Seeder, identity_key, insert_identities, insert_subscriptions
from bench.server import serve
from bench.telegram_limits import LimitedTelegram
from bot.delivery_store import DeliveryStore
from bot.identity import IdentityDeriver
from fake_telegram import FakeUser, RateStats, SentMessage

NAME = "broadcast"
CEILING = 30.0
ADMIN_ID = 990_000_001
USER_IDS = (990_000_101, 990_000_102)
FIRST_SUBSCRIBER_CHAT = 700_000_000
BURST_SUBSCRIBERS = 20
#: Pause after each user's answer before the other user asks: each chat ≥ 2 × PACE apart.
PACE = 0.6
#: Seconds an unrelated user waits for an answer before counting it as lost.
REPLY_TIMEOUT = 10.0
MAIN_MARKER = "bench-main-broadcast"


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
    parser.add_argument("--subscribers", type=int, help="broadcast size (5000; quick 500)")
    parser.add_argument(
        "--idle-samples", type=int, help="reply round trips with no broadcast (30; quick 10)"
    )
    parser.add_argument(
        "--burst-announcements",
        type=int,
        default=3,
        help="announcements queued at once in the per-chat phase (0 skips it)",
    )
    args = parser.parse_args(argv)
    if args.subscribers is None:
        args.subscribers = 500 if args.quick else 5000
    if args.idle_samples is None:
        args.idle_samples = 10 if args.quick else 30
    args.burst = min(BURST_SUBSCRIBERS, args.subscribers) if args.burst_announcements else 0
    return args


def _subscriber_key(n: int) -> str:
    return identity_key(f"subscriber-{n}")


async def _subscribe(url: str, store: DeliveryStore, first: int, last: int) -> None:
    """Subscribers ``first..last-1``: identities with "all" in the service, chats in the bot."""
    keys = [_subscriber_key(n) for n in range(first, last)]
    async with Seeder(url) as conn:
        await insert_subscriptions(conn, await insert_identities(conn, keys))
    for n, key in enumerate(keys, start=first):
        await store.remember(key, FIRST_SUBSCRIBER_CHAT + n)


async def _run(args: argparse.Namespace, meta: dict[str, Any]) -> dict[str, Any]:
    backend = (pick_backends(args.backend) or [SQLITE])[0]
    meta |= {
        "database": backend,
        "server": args.server,
        "subscribers": args.subscribers,
        "limits": "429 past 30 msg in any 1 s window or 1 msg/s per chat (bench.telegram_limits)",
        "unrelated_users": len(USER_IDS),
        "pace_seconds": PACE,
    }
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as scratch:
            store_path = Path(scratch) / "bot-store" / "delivery.db"
            async with (
                scratch_database(backend, Path(scratch), "broadcast") as url,
                serve(url, args.server) as endpoints,
            ):
                results = await _phases(url, endpoints.service, store_path, args)
    finally:
        logging.getLogger().removeHandler(errors)
    results["errors_logged"] = errors.count
    return {"meta": meta, **results}


async def _phases(
    url: str, service_url: str, store_path: Path, args: argparse.Namespace
) -> dict[str, Any]:
    store = DeliveryStore(store_path, STORE_SECRET.encode())
    async with store:
        await _subscribe(url, store, 0, args.burst)
    telegram = LimitedTelegram()
    async with telegram:
        admin = telegram.user(ADMIN_ID, "Admin")
        users = [telegram.user(user_id, f"Reader{i}") for i, user_id in enumerate(USER_IDS)]
        settings = bot_settings(
            telegram, service_url, store_path, admins=(ADMIN_ID,), outbox_interval=0.2
        )
        async with polling(real_bot(settings), telegram) as application:
            for person in (admin, *users):  # first use: identity keys, service identities
                await round_trip(telegram, person, "/help")
            await asyncio.sleep(2 * PACE)  # each chat's next message obeys 1 per second
            idle = await _chatter_for(telegram, users, samples=args.idle_samples)
            burst = await _burst(telegram, service_url, args) if args.burst else None
            # The rest of the subscribers join now, so the burst went to the first 20 only.
            async with DeliveryStore(store_path, STORE_SECRET.encode()) as extra:
                await _subscribe(url, extra, args.burst, args.subscribers)
            main_phase = await _broadcast(telegram, admin, users, args)
            counters = dict(application.bot_data["dispatcher"].counters)
        whole = telegram.rate_stats()
    main_phase["reply_latency_idle"] = latency_summary(idle.latencies)
    main_phase["replies_lost_idle"] = idle.lost
    main_phase["reply_latency_ratio"] = {
        "p50": ratio(
            main_phase["reply_latency_during"]["p50_ms"], main_phase["reply_latency_idle"]["p50_ms"]
        ),
        "p99": ratio(
            main_phase["reply_latency_during"]["p99_ms"], main_phase["reply_latency_idle"]["p99_ms"]
        ),
    }
    return {
        "broadcast": main_phase,
        "burst": burst,
        "whole_run": {
            "messages": whole.total,
            "max_messages_in_1s": whole.max_per_second,
            "min_interval_per_chat_s": _min_interval(whole),
            "http_429": sum(1 for m in telegram.sent if m.error_code == 429),
        },
        "dispatcher_counters": counters,
    }


def _min_interval(stats: RateStats) -> float | None:
    values = stats.min_interval_per_chat.values()
    return round(min(values), 3) if values else None


class _Chatter:
    """Unrelated users taking turns asking ``/outcomes`` until stopped."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.lost = 0


async def _chat(
    telegram: LimitedTelegram,
    users: list[FakeUser],
    chatter: _Chatter,
    *,
    stop: asyncio.Event | None = None,
    samples: int | None = None,
) -> None:
    turn = 0
    while (stop is None or not stop.is_set()) and (samples is None or turn < samples):
        user = users[turn % len(users)]
        turn += 1
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                latency = await round_trip(telegram, user, "/outcomes", has_button("rb:"))
        except TimeoutError:
            chatter.lost += 1
        else:
            chatter.latencies.append(latency)
        await asyncio.sleep(PACE)  # pacing like a person, not synchronisation


async def _chatter_for(
    telegram: LimitedTelegram, users: list[FakeUser], *, samples: int
) -> _Chatter:
    chatter = _Chatter()
    await _chat(telegram, users, chatter, samples=samples)
    return chatter


async def _announce(telegram: LimitedTelegram, admin: FakeUser, text: str) -> None:
    await round_trip(telegram, admin, f"/announce {text}", lambda m: "Queued for" in (m.text or ""))


async def _wait_deliveries(
    telegram: LimitedTelegram, marker: str, since: int, expected: int, deadline: float
) -> list[SentMessage]:
    """Wait until ``expected`` messages carrying ``marker`` were delivered; return them."""
    found: list[SentMessage] = []
    checked = since
    async with asyncio.timeout(deadline):
        while True:
            for m in telegram.sent[checked:]:
                if m.ok and m.method == "sendMessage" and marker in (m.text or ""):
                    found.append(m)
            checked = len(telegram.sent)
            if len(found) >= expected:
                return found
            await telegram.wait_for(any_message, deadline, since=checked, include_failed=True)


async def _burst(
    telegram: LimitedTelegram, service_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Several announcements queued at once for a few subscribers: each subscriber has several
    notifications in one claimed batch, and the dispatcher must space them per chat.

    They are queued through the API (as the admin's ``/announce`` does) rather than by chat
    commands, which the per-chat limit would space a second apart anyway.
    """
    since = len(telegram.sent)
    marker = "bench-burst"
    admin_key = IdentityDeriver(IDENTITY_PEPPER.encode()).identity_key(ADMIN_ID)
    async with aiohttp.ClientSession(headers=auth_headers(admin_key)) as session:
        for n in range(args.burst_announcements):
            text = f"{marker} {n + 1} of {args.burst_announcements}"
            async with session.post(
                f"{service_url}/api/v1/admin/announcements", json={"text": text}
            ) as response:
                if response.status != 201:
                    raise RuntimeError(f"announcement refused: {response.status}")
    expected = args.burst_announcements * args.burst
    found = await _wait_deliveries(telegram, marker, since, expected, 30 + expected)
    stats = RateStats.of(found)
    return {
        "subscribers": args.burst,
        "announcements": args.burst_announcements,
        "messages": len(found),
        "min_interval_per_chat_s": _min_interval(stats),
        "max_messages_in_1s": stats.max_per_second,
        "http_429": sum(
            1 for m in telegram.sent[since:] if m.error_code == 429 and marker in (m.text or "")
        ),
    }


async def _broadcast(
    telegram: LimitedTelegram, admin: FakeUser, users: list[FakeUser], args: argparse.Namespace
) -> dict[str, Any]:
    since = len(telegram.sent)
    chatter, stop = _Chatter(), asyncio.Event()
    started = time.monotonic()
    await _announce(telegram, admin, f"{MAIN_MARKER}: the November expert forum on safety")
    talking = asyncio.create_task(_chat(telegram, users, chatter, stop=stop))
    try:
        found = await _wait_deliveries(
            telegram, MAIN_MARKER, since, args.subscribers, 120 + args.subscribers / 10
        )
    finally:
        stop.set()
        await talking
    first, last = found[0].timestamp, found[-1].timestamp
    rate = (len(found) - 1) / (last - first) if last > first else 0.0
    sends = [m for m in telegram.sent[since:] if m.method.lower() == "sendmessage"]
    stats = RateStats.of([m for m in sends if m.ok])
    attempts = RateStats.of(sends)
    user_chats = {user.id for user in users}
    print(
        f"broadcast to {len(found)}: {rate:.1f} msg/s ({ratio(rate, CEILING)} of {CEILING:.0f}/s), "
        f"429s {sum(1 for m in sends if m.error_code == 429)}, "
        f"most in 1 s {stats.max_per_second}"
    )
    return {
        "subscribers": args.subscribers,
        "delivered": len(found),
        "seconds_from_command": round(last - started, 2),
        "seconds_first_to_last": round(last - first, 2),
        "messages_per_s": round(rate, 2),
        "ceiling_per_s": CEILING,
        "ratio_to_ceiling": ratio(rate, CEILING),
        "http_429": sum(1 for m in sends if m.error_code == 429),
        "http_429_to_subscribers": sum(
            1 for m in sends if m.error_code == 429 and m.chat_id not in user_chats
        ),
        "max_messages_in_1s": stats.max_per_second,
        "max_attempts_in_1s": attempts.max_per_second,
        "min_interval_per_chat_s": _min_interval(stats),
        "reply_latency_during": latency_summary(chatter.latencies),
        "replies_lost": chatter.lost,
    }


def render_markdown(results: dict[str, Any]) -> str:
    """The Markdown report of a results dict."""
    meta, main_phase, burst, whole = (
        results["meta"],
        results["broadcast"],
        results["burst"],
        results["whole_run"],
    )
    title = f"Broadcast to {meta['subscribers']:,} subscribers through the fake Bot API"
    lines = heading(meta, title)
    lines.append(
        f"Real bot (Dispatcher) + real service ({meta['server']}, {meta['database']}); fake Bot "
        f"API enforcing the limits: {meta['limits']}. Errors logged: {results['errors_logged']}."
    )
    lines.append("")
    idle, during = main_phase["reply_latency_idle"], main_phase["reply_latency_during"]
    latency_ratio = main_phase["reply_latency_ratio"]
    rows = [
        ("delivered", f"{main_phase['delivered']:,} / {main_phase['subscribers']:,}", ""),
        (
            "messages/s (first → last delivery)",
            main_phase["messages_per_s"],
            f"ratio {main_phase['ratio_to_ceiling']} of the {main_phase['ceiling_per_s']:.0f}/s "
            "ceiling",
        ),
        ("seconds from /announce to last delivery", main_phase["seconds_from_command"], ""),
        (
            "429s received during the broadcast",
            main_phase["http_429"],
            f"goal 0; {main_phase['http_429_to_subscribers']} on broadcast sends",
        ),
        (
            "most messages in any 1 s window (accepted / attempted)",
            f"{main_phase['max_messages_in_1s']} / {main_phase['max_attempts_in_1s']}",
            "limit 30",
        ),
        (
            "least interval within one chat, s",
            main_phase["min_interval_per_chat_s"],
            "limit 1.0 (unrelated users' chats)",
        ),
        (
            "reply latency to an unrelated user, p50 / p99 ms",
            f"{during['p50_ms']:.1f} / {during['p99_ms']:.1f} during ({during['count']} replies)",
            f"idle {idle['p50_ms']:.1f} / {idle['p99_ms']:.1f}; ratio "
            f"{latency_ratio['p50']} / {latency_ratio['p99']}",
        ),
        (
            "unrelated users' requests unanswered",
            main_phase["replies_lost"],
            f"goal 0; idle {main_phase.get('replies_lost_idle', 0)}",
        ),
    ]
    if burst:
        rows.append(
            (
                f"burst: {burst['announcements']} announcements to {burst['subscribers']} "
                "subscribers, least interval within one chat, s",
                burst["min_interval_per_chat_s"],
                f"limit 1.0; 429s {burst['http_429']}",
            )
        )
    rows.append(
        (
            "whole run: messages, most in 1 s, least per-chat interval, 429s",
            f"{whole['messages']:,}, {whole['max_messages_in_1s']}, "
            f"{whole['min_interval_per_chat_s']}, {whole['http_429']}",
            f"dispatcher counters {results['dispatcher_counters']}",
        )
    )
    lines += table(("figure", "value", "against"), rows)
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
