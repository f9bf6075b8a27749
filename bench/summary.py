"""bench/results/SUMMARY.md: the headline figure of every benchmark with its baseline, then each
benchmark's own table. ``python -m bench.summary`` rebuilds it from the result files."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_OUT_DIR, table, write_results

#: Every benchmark, in the order ``python -m bench`` runs them.
BENCHMARKS = (
    "moderation_eval",
    "moderation_worker",
    "api_throughput",
    "wrk",
    "read_growth",
    "bot_roundtrip",
    "bot_throughput",
    "broadcast",
)

Row = tuple[str, str, str, str]

#: The operations bench.api_throughput measures, as the summary names them.
API_OPERATIONS = {"read": "read thread", "post": "create post", "my_posts": "my posts"}


def _api(data: dict[str, Any]) -> Iterator[Row]:
    for backend, per_backend in data["backends"].items():
        # Results from before "my posts" was measured have no such key.
        for op in (op for op in API_OPERATIONS if op in per_backend):
            for level, entry in per_backend[op].items():
                yield (
                    f"API {API_OPERATIONS[op]}, {backend}, "
                    f"{level} client{'' if level == '1' else 's'}",
                    f"{entry['service']['throughput_rps']:,.0f} req/s, p50 "
                    f"{entry['service']['p50_ms']:.1f} ms, p99 {entry['service']['p99_ms']:.1f} ms",
                    f"bare aiohttp + same SQL: {entry['baseline']['throughput_rps']:,.0f} req/s, "
                    f"p50 {entry['baseline']['p50_ms']:.1f}, p99 {entry['baseline']['p99_ms']:.1f}",
                    f"throughput ×{entry['ratio']['throughput']}, p50 ×{entry['ratio']['p50']}, "
                    f"p99 ×{entry['ratio']['p99']}",
                )


def _wrk(data: dict[str, Any]) -> Iterator[Row]:
    labels = {
        "boards": "list boards",
        "threads": "thread page",
        "read": "read thread",
        "post": "create post",
        "healthz": "/healthz",
    }
    for backend, per_backend in data["backends"].items():
        for endpoint, label in labels.items():
            for level, entry in per_backend.get(endpoint, {}).items():
                service, baseline = entry["service"], entry["baseline"]
                yield (
                    f"wrk {label}, {backend}, {level} connection{'' if level == '1' else 's'}",
                    f"{service['throughput_rps']:,.0f} req/s, p50 {service['p50_ms']:.1f} ms, "
                    f"p99 {service['p99_ms']:.1f} ms",
                    f"bare aiohttp + raw driver: {baseline['throughput_rps']:,.0f} req/s",
                    f"×{entry['ratio']['throughput']}",
                )


def _worker(data: dict[str, Any]) -> Iterator[Row]:
    for backend, per_backend in data["backends"].items():
        for variant in ("float", "int8"):
            entry = per_backend[variant]
            yield (
                f"Moderation worker ({variant}), {backend}",
                f"{entry['worker_posts_per_s']:,.1f} posts/s",
                f"raw Detoxify.predict {entry['raw_predict_posts_per_s']:,.1f} posts/s",
                f"×{entry['worker_vs_raw']}",
            )
        speedup = per_backend["int8_vs_float"]
        yield (
            f"int8 vs float, {backend}",
            f"worker ×{speedup['worker']}",
            "float on the same posts",
            f"raw predict ×{speedup['raw_predict']}",
        )


def _eval(data: dict[str, Any]) -> Iterator[Row]:
    speed = data["throughput"]
    for variant in ("float", "int8"):
        scorer, raw = speed[f"scorer_{variant}"], speed[f"raw_predict_{variant}"]
        yield (
            f"DetoxifyScorer.score ({variant})",
            f"{scorer:,.1f} posts/s",
            f"raw Detoxify.predict {raw:,.1f} posts/s",
            f"×{round(scorer / raw, 3) if raw else '—'}",
        )


def _growth(data: dict[str, Any]) -> Iterator[Row]:
    for backend, per_backend in data["backends"].items():
        growth = per_backend["growth"]
        small, large = str(growth["smallest"]), str(growth["largest"])
        for read in ("thread", "board_threads", "boards"):
            yield (
                f"Read {read}, {backend}, {int(large):,} posts",
                f"p50 {per_backend['sizes'][large][read]['p50_ms']:.2f} ms",
                f"{int(small):,} posts: p50 {per_backend['sizes'][small][read]['p50_ms']:.2f} ms",
                f"×{growth[read]['p50']} (p99 ×{growth[read]['p99']})",
            )


def _bot(data: dict[str, Any]) -> Iterator[Row]:
    for users, per_level in data["round_trips"].items():
        echo = per_level["echo_baseline"]
        for command, summary in per_level.items():
            if command == "echo_baseline":
                continue
            r = data["ratios"][users][command]
            yield (
                f"Bot round trip {command}, {users} user{'' if users == '1' else 's'} at once",
                f"p50 {summary['p50_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms",
                f"bare PTB echo: p50 {echo['p50_ms']:.1f}, p99 {echo['p99_ms']:.1f}",
                f"p50 ×{r['p50']}, p99 ×{r['p99']}",
            )


def _bot_throughput(data: dict[str, Any]) -> Iterator[Row]:
    sustained, burst = data["sustained"], data["burst"]
    yield (
        f"Bot sustained, {sustained['users']:,} distinct users",
        f"{sustained['updates_per_s']:,.1f} updates/s, p50 {sustained['p50_ms']:.1f} ms, "
        f"p99 {sustained['p99_ms']:.1f} ms",
        "goal ≥ 200 updates/s, p99 < 100 ms",
        "",
    )
    yield (
        f"Bot burst of {burst['users']} first-time users",
        f"p50 {burst['p50_ms']:.1f} ms, p99 {burst['p99_ms']:.1f} ms",
        f"last reply after {burst['seconds_to_last_reply']:.2f} s",
        "",
    )


def _broadcast(data: dict[str, Any]) -> Iterator[Row]:
    main = data["broadcast"]
    during, idle = main["reply_latency_during"], main["reply_latency_idle"]
    yield (
        f"Broadcast to {main['subscribers']:,}",
        f"{main['messages_per_s']} msg/s, {main['http_429']} × 429, most in 1 s "
        f"{main['max_messages_in_1s']} (attempted {main['max_attempts_in_1s']})",
        f"ceiling {main['ceiling_per_s']:.0f}/s; 429 goal 0",
        f"×{main['ratio_to_ceiling']} of the ceiling",
    )
    yield (
        "Bot reply to an unrelated user during the broadcast",
        f"p50 {during['p50_ms']:.1f} ms, p99 {during['p99_ms']:.1f} ms, "
        f"{main['replies_lost']} unanswered",
        f"idle: p50 {idle['p50_ms']:.1f}, p99 {idle['p99_ms']:.1f}",
        f"p50 ×{main['reply_latency_ratio']['p50']}, p99 ×{main['reply_latency_ratio']['p99']}",
    )
    if data.get("burst"):
        burst = data["burst"]
        yield (
            f"Per-chat pacing ({burst['announcements']} at once to {burst['subscribers']})",
            f"least interval in one chat {burst['min_interval_per_chat_s']} s, "
            f"{burst['http_429']} × 429",
            "limit 1 s per chat",
            "",
        )


HEADLINES: dict[str, Callable[[dict[str, Any]], Iterator[Row]]] = {
    "moderation_eval": _eval,
    "moderation_worker": _worker,
    "api_throughput": _api,
    "wrk": _wrk,
    "read_growth": _growth,
    "bot_roundtrip": _bot,
    "bot_throughput": _bot_throughput,
    "broadcast": _broadcast,
}


def _section(path: Path) -> str:
    """A result's Markdown one level below the summary's title, whatever level it used."""
    text = path.read_text(encoding="utf-8").strip()
    if not text.startswith("# "):
        return text
    return "\n".join(f"#{line}" if line.startswith("#") else line for line in text.splitlines())


def write_summary(out_dir: Path, intro: Sequence[str] | None = None) -> Path:
    """Write SUMMARY.md (and SUMMARY.json: the headline rows) from the result files present.

    Args:
        out_dir: the results directory.
        intro: lines placed under the title (the command and run time); None keeps those of
            the previous SUMMARY.json.

    Returns:
        The path of SUMMARY.md.
    """
    if intro is None:
        previous = out_dir / "SUMMARY.json"
        loaded = json.loads(previous.read_text(encoding="utf-8")) if previous.is_file() else {}
        intro = [str(line) for line in loaded.get("intro", [])]
    rows: list[Row] = []
    sections: list[str] = []
    missing = []
    for name in BENCHMARKS:
        json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
        if not json_path.is_file():
            missing.append(name)
            continue
        data = json.loads(json_path.read_text(encoding="utf-8"))
        try:
            rows.extend(HEADLINES[name](data))
        except (KeyError, TypeError, ZeroDivisionError) as error:
            rows.append((name, f"(unreadable result: {type(error).__name__})", "", ""))
        if md_path.is_file():
            sections.append(_section(md_path))
    others = sorted(
        path
        for path in out_dir.glob("*.md")
        if path.stem not in BENCHMARKS and path.stem != "SUMMARY"
    )
    if others:
        # Result pairs other tools wrote here: shown as they are, not run by `python -m bench`.
        sections += [_section(path) for path in others]
    lines = ["# Benchmark summary", "", *intro]
    if missing:
        lines += ["", f"Not in this results directory: {', '.join(missing)}."]
    lines += ["", "## Headline figures, each with its baseline from the same run", ""]
    lines += table(("measurement", "figure", "baseline", "ratio"), rows)
    lines += ["", *("\n\n".join(sections).splitlines())]
    markdown = "\n".join(lines) + "\n"
    data = {"intro": list(intro), "headlines": [list(row) for row in rows]}
    write_results("SUMMARY", data, markdown, out_dir)
    return out_dir / "SUMMARY.md"


def main(argv: Sequence[str] | None = None) -> int:
    """Rebuild SUMMARY.md from the result files.

    Args:
        argv: command-line arguments without the program name.

    Returns:
        Process exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    print(write_summary(args.out_dir).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
