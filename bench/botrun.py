"""Running PTB applications against the fake Bot API, and timing one round trip through it."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bench.common import SERVICE_TOKEN
from bot.app import build_application
from bot.settings import BotSettings
from fake_telegram import FakeTelegram, FakeUser, SentMessage

App = Application[Any, Any, Any, Any, Any, Any]
IDENTITY_PEPPER = "bench-identity-pepper-0123456789"
STORE_SECRET = "bench-delivery-store-secret-0123456789"
#: Seconds one round trip may take before the benchmark gives up.
ROUND_TRIP_TIMEOUT = 60.0


class ErrorCount(logging.Handler):
    """Counts ERROR records (a handler that failed, the dispatcher, a refused send)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count the record."""
        self.count += 1


def bot_settings(
    telegram: FakeTelegram,
    service_url: str,
    store_path: Path,
    *,
    admins: Sequence[int] = (),
    outbox_interval: float = 2.0,
) -> BotSettings:
    """Settings of the real bot pointing at the fake Bot API and the service (no env read)."""
    return BotSettings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url.removesuffix("/bot"),
            "FORUM_API_URL": service_url,
            "FORUM_SERVICE_TOKEN": SERVICE_TOKEN,
            "IDENTITY_PEPPER": IDENTITY_PEPPER,
            "BOT_STORE_SECRET": STORE_SECRET,
            "BOT_STORE_PATH": store_path,
            "BOT_ADMIN_TELEGRAM_IDS": tuple(admins),
            "BOT_OUTBOX_INTERVAL": outbox_interval,
        }
    )


@contextlib.asynccontextmanager
async def polling(application: App, telegram: FakeTelegram) -> AsyncIterator[App]:
    """Start ``application`` long-polling ``telegram`` the way ``run_polling`` does, without
    owning the event loop; stop it when the block ends.

    ``Application.initialize`` does not run ``post_init`` (only ``run_polling`` and
    ``run_webhook`` do), so it is called here, as ``post_shutdown`` is on the way out.
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=10)
    await application.start()
    try:
        await telegram.wait_polling()
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def real_bot(settings: BotSettings) -> App:
    """The product's bot application (``bot.app.build_application``)."""
    return build_application(settings)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(message.text or "…")


def echo_bot(telegram: FakeTelegram) -> App:
    """The baseline: a bare PTB application whose one handler echoes the message back."""
    application: App = (
        ApplicationBuilder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, _echo))
    return application


def has_button(prefix: str) -> Callable[[SentMessage], bool]:
    """Match a message with an inline button whose callback data starts with ``prefix``."""

    def match(message: SentMessage) -> bool:
        rows = (message.reply_markup or {}).get("inline_keyboard", [])
        return any(str(b.get("callback_data", "")).startswith(prefix) for r in rows for b in r)

    return match


def any_message(message: SentMessage) -> bool:
    """Match any message."""
    return True


async def round_trip(
    telegram: FakeTelegram,
    user: FakeUser,
    text: str,
    until: Callable[[SentMessage], bool] = any_message,
) -> float:
    """Send ``text`` as ``user``; return seconds until the bot's matching reply was delivered.

    Time runs from queuing the update at the fake until the fake received the ``sendMessage``
    (the long poll, PTB, the handler, the service call and the reply are all inside).
    """
    since = len(telegram.sent)
    started = time.monotonic()
    await telegram.send_text(user, text)
    reply = await telegram.wait_for(
        lambda m: m.method == "sendMessage" and m.chat_id == user.id and until(m),
        ROUND_TRIP_TIMEOUT,
        since=since,
    )
    return reply.timestamp - started
