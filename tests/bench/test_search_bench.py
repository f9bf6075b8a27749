"""The search benchmark runs end to end on a tiny database and reports what it claims to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import search_latency

LATENCY = {"count", "p50_ms", "p99_ms", "mean_ms", "max_ms"}


def test_search_latency_reports_each_query_kind_and_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    argv = "--backends sqlite --server inline --posts 200 --requests 2"
    assert search_latency.main([*argv.split(), "--out-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "search_latency.json").read_text(encoding="utf-8"))
    sqlite = data["backends"]["sqlite"]
    assert set(sqlite["queries"]) == {"common", "two_words", "rare", "board", "page_3", "nothing"}
    for summary in sqlite["queries"].values():
        assert summary.keys() >= LATENCY and summary["count"] == 2
    assert sqlite["hits"]["nothing"] == 0 and sqlite["hits"]["common"] > 0
    assert sqlite["meets_target"] is (sqlite["overall"]["p50_ms"] <= 20.0)
    assert "target p50 ≤ 20 ms" in (tmp_path / "search_latency.md").read_text(encoding="utf-8")


def test_search_latency_rerank_mode_writes_its_own_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    argv = "--backends sqlite --server inline --posts 200 --requests 2 --rerank"
    assert search_latency.main([*argv.split(), "--out-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "search_latency_rerank.json").read_text(encoding="utf-8"))
    assert data["meta"]["rerank"] is True
    sqlite = data["backends"]["sqlite"]
    assert set(sqlite["cold_first_request_ms"]) == set(sqlite["queries"])
    assert "re-ranked by meaning" in (tmp_path / "search_latency_rerank.md").read_text("utf-8")
    assert not (tmp_path / "search_latency.json").exists()
