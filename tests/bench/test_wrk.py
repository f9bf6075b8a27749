"""``python -m bench wrk`` runs end to end in its smallest configuration: real wrk, the real
service and the raw-driver baseline, every endpoint answered without an error. Figures are
never asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import wrk

ENDPOINTS = {"boards", "threads", "read", "post", "healthz"}


def test_every_endpoint_is_measured_on_both_sides_without_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    argv = ["--backends", "sqlite", "--levels", "2", "--seconds", "1", "--rounds", "1", "--out-dir"]
    status = wrk.main([*argv, str(tmp_path)])
    assert status == 0
    data = json.loads((tmp_path / "wrk.json").read_text(encoding="utf-8"))
    sqlite = data["backends"]["sqlite"]
    assert sqlite.keys() >= ENDPOINTS
    for endpoint in ENDPOINTS:
        entry = sqlite[endpoint]["2"]
        for side in ("service", "baseline"):
            assert entry[side]["requests"] > 0, (endpoint, side)
            assert entry[side]["errors"] == 0, (endpoint, side)
        assert entry["ratio"]["throughput"] > 0
    markdown = (tmp_path / "wrk.md").read_text(encoding="utf-8")
    assert "| create post | 2 |" in markdown and "load average" in markdown
