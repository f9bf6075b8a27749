"""``mscos-forum run``: the API, the moderation worker and (with a token) the bot in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiohttp import web

from forum_service.app import create_app
from forum_service.runner import attach_search_model, attach_worker, freeze_heap_once_started
from forum_service.settings import ServiceSettings
from forum_service.storage import migrate

log = logging.getLogger("mscos_forum")

BOT_OFF = (
    "Telegram bot is off: no TELEGRAM_BOT_TOKEN. Create a bot with @BotFather, put "
    "TELEGRAM_BOT_TOKEN=<token> in .env (see README, 'Telegram bot') and run again; the bot "
    "also needs FORUM_SERVICE_TOKEN, IDENTITY_PEPPER and BOT_STORE_SECRET, which "
    "`mscos-forum init` writes. The API and the moderation worker are running."
)


def load_bot_settings(api_url: str) -> Any:
    """Return bot settings pointing at this process's API, or None when the bot is off.

    No token means the operator did not ask for the bot: it is off, and the log says how to
    turn it on. A token with any other bot setting missing or malformed is a mistake to fix:

    Raises:
        bot.settings.ConfigError: naming every bad variable (``run`` exits 2 with it).
    """
    from bot.settings import BotSettings

    if not BotSettings.token_configured():
        log.warning("%s", BOT_OFF)
        return None
    settings = BotSettings.from_env()
    return settings.model_copy(update={"forum_api_url": api_url})


async def serve_all(
    settings: ServiceSettings, stop: asyncio.Event, *, bot_settings: Any = None
) -> None:
    """Migrate, start the API and worker (and bot), and run until ``stop`` is set."""
    await migrate.upgrade(settings.database_url, vault=settings.vault())
    app = create_app(settings)
    attach_worker(app, settings)
    attach_search_model(app, settings)
    freeze_heap_once_started(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    log.info("API on http://%s:%s (moderation worker running)", settings.host, settings.port)
    try:
        if bot_settings is None:
            await stop.wait()
        else:
            from bot.app import build_application, polling

            async with polling(build_application(bot_settings)):
                log.info("Telegram bot is polling")
                await stop.wait()
    finally:
        await runner.cleanup()


def run(settings: ServiceSettings) -> None:
    """Run everything until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        # The bot in this process reaches the API on loopback whatever address it listens on.
        wildcard = settings.host in ("0.0.0.0", "::")  # noqa: S104
        api_url = f"http://{'127.0.0.1' if wildcard else settings.host}:{settings.port}"
        await serve_all(settings, stop, bot_settings=load_bot_settings(api_url))

    asyncio.run(main())
