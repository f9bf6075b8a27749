"""End-to-end fixtures: the real forum service on loopback, the fake Telegram Bot API, and the
real bot application long-polling it; plus the people who use it (``tests.support.people``).

Every test runs with logging captured at DEBUG from the root logger; the bot fixture fails the
test when a handler raised something other than a service refusal, or anything logged an error.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.settings import BotSettings
from fake_telegram import FakeTelegram
from tests.support.bot_harness import (
    OUTBOX_INTERVAL,
    BotRun,
    LogRecorder,
    Person,
    e2e_bot_settings,
)
from tests.support.people import ADMIN, AUTHOR, MODERATOR, READER


@pytest.fixture
async def service(
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]], app: web.Application
) -> TestServer:
    """The real forum service, listening on 127.0.0.1, on this test's database."""
    return await aiohttp_server(app)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API, listening on 127.0.0.1."""
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """The bot's delivery store (identity key → encrypted chat id)."""
    return tmp_path / "bot-store" / "delivery.db"


@pytest.fixture
def bot_settings(telegram: FakeTelegram, service: TestServer, store_path: Path) -> BotSettings:
    """Bot settings pointing at both servers, with the admin and a fast outbox poll."""
    return e2e_bot_settings(
        telegram,
        service,
        store_path,
        BOT_ADMIN_TELEGRAM_IDS=(ADMIN[0],),
        BOT_OUTBOX_INTERVAL=OUTBOX_INTERVAL,
    )


@pytest.fixture
async def bot(
    telegram: FakeTelegram,
    bot_settings: BotSettings,
    app: web.Application,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[BotRun]:
    """The bot, started and listening; stopped cleanly afterwards.

    Fails the test if a handler raised anything but a service refusal (which the bot shows to
    the user) or if any logger wrote an ERROR record while the bot ran.
    """
    caplog.set_level(logging.DEBUG)
    recorder = LogRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    run = BotRun(telegram, bot_settings, app)
    try:
        await run.start()
        yield run
    finally:
        await run.stop()
        root.removeHandler(recorder)
    assert run.errors.unexpected == [], "a handler failed"
    assert recorder.failures() == [], "something logged an error"


@pytest.fixture
def author(bot: BotRun) -> Person:
    """A practitioner who posts."""
    return bot.person(*AUTHOR)


@pytest.fixture
def reader(bot: BotRun) -> Person:
    """A practitioner who reads."""
    return bot.person(*READER)


@pytest.fixture
def admin(bot: BotRun) -> Person:
    """The admin named in BOT_ADMIN_TELEGRAM_IDS."""
    return bot.person(*ADMIN)


@pytest.fixture
async def moderator(bot: BotRun, admin: Person) -> Person:
    """A moderator, invited by the admin with /addmoderator and joined with /join."""
    person = bot.person(*MODERATOR)
    await bot.make_moderator(admin, person)
    return person
