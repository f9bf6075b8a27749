"""``bench.bot_throughput`` runs end to end in its smallest configuration. Figures are never
asserted: every update must be answered, and the result files must say what was measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import bot_throughput


def test_burst_and_sustained_updates_are_all_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    # Enough people that none of them reaches the bot's flood control (a burst of 20, then
    # 60 a minute) in the one measured second: with 6, a fast run sent one person more than
    # 20 updates, the bot rightly stopped answering them, and the run timed out.
    argv = ["--server", "inline", "--users", "40", "--burst", "3", "--concurrency", "2"]
    assert bot_throughput.main([*argv, "--seconds", "1", "--out-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "bot_throughput.json").read_text(encoding="utf-8"))
    assert data["errors"] == 0
    assert data["burst"]["count"] == 3
    assert data["sustained"]["updates"] > 0
    assert data["sustained"]["count"] == data["sustained"]["updates"]
    assert set(data["meta"]["load_average"]) == {"start", "end"}
    markdown = (tmp_path / "bot_throughput.md").read_text(encoding="utf-8")
    assert "updates/s" in markdown and "Load average" in markdown
