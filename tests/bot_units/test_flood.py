"""Per-person flood control: a burst, a steady rate, one warning per flood, bounded memory."""

from __future__ import annotations

import pytest

from bot import flood
from bot.flood import FloodGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_one_warning_then_silence() -> None:
    clock = Clock()
    gate = FloodGate(per_minute=60, burst=3, clock=clock)

    answers = [gate.admit(7) for _ in range(6)]

    assert answers == [(True, False)] * 3 + [(False, True), (False, False), (False, False)]


def test_tokens_come_back_at_the_steady_rate_and_people_do_not_share_them() -> None:
    clock = Clock()
    gate = FloodGate(per_minute=60, burst=2, clock=clock)
    assert [gate.admit(1)[0] for _ in range(3)] == [True, True, False]
    assert gate.admit(2) == (True, False)  # someone else is unaffected

    clock.now += 1.0  # one token a second
    assert gate.admit(1) == (True, False)
    assert gate.admit(1) == (False, True)  # a new flood is warned about again

    clock.now += 3600
    assert [gate.admit(1)[0] for _ in range(3)] == [True, True, False]  # never above the burst


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flood, "MAX_TRACKED", 3)
    gate = FloodGate(per_minute=1, burst=1, clock=Clock())
    for user in range(10):
        gate.admit(user)
    assert len(gate._buckets) == 3


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 1), (-1, 5), (10, 0)])
def test_nonsense_limits_are_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError, match="per_minute"):
        FloodGate(per_minute=per_minute, burst=burst)
