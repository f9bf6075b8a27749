"""The evaluation benchmark runs end to end on the tiny model and writes its reports."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "moderation_eval.py"


def test_bench_writes_json_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("moderation_eval_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    status = bench.main(["--out-dir", str(tmp_path), "--posts", "32", "--rounds", "1"])

    results = json.loads((tmp_path / "moderation_eval.json").read_text(encoding="utf-8"))
    assert status == 0
    assert results["pii"]["lookalike_findings"] == 0
    assert set(results["throughput"]) == {
        "scorer_float",
        "raw_predict_float",
        "scorer_int8",
        "raw_predict_int8",
    }
    assert "| phone |" in (tmp_path / "moderation_eval.md").read_text(encoding="utf-8")
    assert "posts/s" in capsys.readouterr().out
