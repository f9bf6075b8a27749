"""Every benchmark runs end to end in its smallest configuration and writes its result files
with the expected keys. Timings are never asserted: CI machines vary, the figures are for people.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import api_throughput, bot_roundtrip, broadcast, moderation_worker, read_growth
from bench.summary import write_summary

LATENCY = {"count", "p50_ms", "p99_ms", "mean_ms", "max_ms"}
LOAD = LATENCY | {"clients", "requests", "errors", "seconds", "throughput_rps"}
META = {"benchmark", "when", "command", "commit", "python", "cpu_count", "versions"}

SMALLEST: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "api_throughput": (
        api_throughput.main,
        "--backends sqlite --server inline --levels 1,2 --seconds 0.2 --warmup 0.05",
    ),
    "moderation_worker": (
        moderation_worker.main,
        "--backends sqlite --posts 8 --batch-size 4 --rounds 1",
    ),
    "read_growth": (
        read_growth.main,
        "--backends sqlite --server inline --sizes 20,40 --requests 3 --rounds 1",
    ),
    "bot_roundtrip": (bot_roundtrip.main, "--server inline --users 1,2 --round-trips 2"),
    "broadcast": (
        broadcast.main,
        "--server inline --subscribers 4 --idle-samples 1 --burst-announcements 2",
    ),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run every benchmark once into one directory (module-wide: they take seconds each)."""
    out = tmp_path_factory.mktemp("bench-results")
    with pytest.MonkeyPatch.context() as patch:
        # What the benchmarks would set process-wide: set here so it is undone afterwards.
        for name, value in {
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PTB_TIMEDELTA": "true",
        }.items():
            patch.setenv(name, value)
        for bench_main, argv in SMALLEST.values():
            assert bench_main([*argv.split(), "--out-dir", str(out)]) == 0
    yield out


def _load(results: Path, name: str) -> dict[str, Any]:
    assert (results / f"{name}.md").read_text(encoding="utf-8").strip()
    loaded: dict[str, Any] = json.loads((results / f"{name}.json").read_text(encoding="utf-8"))
    assert loaded["meta"].keys() >= META
    return loaded


def test_api_throughput_reports_service_and_baseline_with_ratios(results: Path) -> None:
    data = _load(results, "api_throughput")
    sqlite = data["backends"]["sqlite"]
    assert set(sqlite["statements_per_request"]) == {"read", "post", "my_posts"}
    assert set(sqlite["harness_ceiling"]) == {"1", "2"}
    for op in ("read", "post", "my_posts"):
        for level in ("1", "2"):
            entry = sqlite[op][level]
            assert entry["service"].keys() >= LOAD and entry["baseline"].keys() >= LOAD
            assert set(entry["ratio"]) == {"throughput", "p50", "p99", "cpu_per_request"}
            assert entry["service"]["server_cpu_ms_per_request"] is not None
            # Seeded rows the service could not read would answer errors, not be slow.
            assert entry["service"]["errors"] == entry["baseline"]["errors"] == 0


def test_moderation_worker_reports_worker_raw_and_int8(results: Path) -> None:
    data = _load(results, "moderation_worker")
    sqlite = data["backends"]["sqlite"]
    for variant in ("float", "int8"):
        assert set(sqlite[variant]) == {
            "worker_posts_per_s",
            "raw_predict_posts_per_s",
            "worker_vs_raw",
            "worker_overhead_ms_per_post",
        }
    assert set(sqlite["int8_vs_float"]) == {"worker", "raw_predict"}


def test_read_growth_reports_each_size_and_the_growth_ratio(results: Path) -> None:
    data = _load(results, "read_growth")
    sqlite = data["backends"]["sqlite"]
    assert set(sqlite["sizes"]) == {"20", "40"}
    for read in ("thread", "board_threads", "boards"):
        assert sqlite["sizes"]["40"][read].keys() >= LATENCY
        assert set(sqlite["growth"][read]) == {"p50", "p99"}
    assert (sqlite["growth"]["smallest"], sqlite["growth"]["largest"]) == (20, 40)


def test_bot_roundtrip_reports_commands_against_the_echo_baseline(results: Path) -> None:
    data = _load(results, "bot_roundtrip")
    for users in ("1", "2"):
        assert set(data["round_trips"][users]) == {"echo_baseline", "outcomes", "read_thread"}
        assert data["round_trips"][users]["outcomes"].keys() >= LATENCY
        assert set(data["ratios"][users]["read_thread"]) == {"p50", "p99"}
    assert "errors" in data


def test_broadcast_reports_rate_limits_and_reply_latency(results: Path) -> None:
    data = _load(results, "broadcast")
    assert {
        "subscribers",
        "delivered",
        "messages_per_s",
        "ceiling_per_s",
        "ratio_to_ceiling",
        "http_429",
        "max_messages_in_1s",
        "max_attempts_in_1s",
        "min_interval_per_chat_s",
        "reply_latency_during",
        "reply_latency_idle",
        "reply_latency_ratio",
        "replies_lost",
    } <= data["broadcast"].keys()
    assert {"min_interval_per_chat_s", "http_429"} <= data["burst"].keys()
    assert {"messages", "max_messages_in_1s", "http_429"} <= data["whole_run"].keys()
    assert {"sent", "rate_limited"} <= data["dispatcher_counters"].keys()


def test_summary_combines_every_result_present(results: Path) -> None:
    summary = write_summary(results, ["smoke run"]).read_text(encoding="utf-8")
    assert "Headline figures" in summary
    headlines = json.loads((results / "SUMMARY.json").read_text(encoding="utf-8"))["headlines"]
    assert {row[0].split(",")[0] for row in headlines} >= {
        "API read thread",
        "Moderation worker (float)",
        "Read thread",
        "Bot round trip outcomes",
        "Broadcast to 4",
    }
