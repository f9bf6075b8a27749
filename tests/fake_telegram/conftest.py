"""Fixtures for the fake Bot API's own tests: a running fake.

PTB's timedelta opt-in and loopback without a proxy come from the root conftest, for every test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fake_telegram import FakeTelegram


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API listening on an ephemeral loopback port."""
    async with FakeTelegram() as fake:
        yield fake
