"""Fixtures for the bot's building blocks: a running fake Telegram Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.fake_telegram import FakeTelegram


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opts in to PTB's timedelta time periods.

    Without it PTB 22.x warns (PTBDeprecationWarning) inside ``RetryAfter.__init__``; with
    warnings as errors a 429 then surfaces as that warning instead of ``RetryAfter``.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps HTTP clients from sending loopback traffic to a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
async def fake_telegram(no_proxy: None) -> AsyncIterator[FakeTelegram]:
    """A fake Bot API listening on an ephemeral loopback port."""
    async with FakeTelegram() as fake:
        yield fake
