"""A real python-telegram-bot Application long-polling the fake Bot API."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.formatting import escape
from fake_telegram import FakeTelegram

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]


class ErrorLog:
    """Records handler exceptions; PTB only logs them otherwise, so tests would pass."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self._changed = asyncio.Event()

    async def handler(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            self.errors.append(context.error)
            self._changed.set()

    async def next_error(self) -> BaseException:
        async with asyncio.timeout(10):
            while not self.errors:
                self._changed.clear()
                await self._changed.wait()
        return self.errors.pop(0)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    text = " ".join(context.args or [])
    await update.effective_message.reply_text(escape(text) or "…", parse_mode=ParseMode.HTML)


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data="yes")],
            [InlineKeyboardButton("No", callback_data="no")],
        ]
    )
    await update.effective_message.reply_text("Subscribe?", reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(text="Saved")
    await query.edit_message_text(f"You chose <b>{escape(query.data or '')}</b>", parse_mode="HTML")


async def broken_html(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("line<br>break", parse_mode=ParseMode.HTML)


@pytest.fixture
def errors() -> ErrorLog:
    return ErrorLog()


@pytest.fixture
def application(fake_telegram: FakeTelegram, errors: ErrorLog) -> App:
    app = (
        ApplicationBuilder()
        .token(fake_telegram.token)
        .base_url(fake_telegram.base_url)
        .base_file_url(fake_telegram.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("echo", echo))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("broken", broken_html))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_error_handler(errors.handler)
    return app


@asynccontextmanager
async def polling(app: App) -> AsyncIterator[None]:
    """Runs the application like run_polling would, without owning the event loop."""
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


async def test_command_round_trip(fake_telegram: FakeTelegram, application: App) -> None:
    alice = fake_telegram.user(1001, "Alice", "alice_cw")

    async with polling(application):
        await fake_telegram.send_text(alice, "/echo hi <there> & more")
        reply = await fake_telegram.wait_for(lambda m: m.method == "sendMessage")

    assert reply.chat_id == alice.id
    assert reply.text == "hi &lt;there&gt; &amp; more"
    shown = fake_telegram.current_message(alice.id, reply.message_id or 0)
    assert shown is not None
    assert shown["text"] == "hi <there> & more"
    assert fake_telegram.pending_updates == 0  # PTB acknowledged on shutdown


async def test_callback_button_round_trip(
    fake_telegram: FakeTelegram,
    application: App,
    errors: ErrorLog,
) -> None:
    alice = fake_telegram.user(1001)

    async with polling(application):
        await fake_telegram.send_text(alice, "/menu")
        question = await fake_telegram.wait_for(lambda m: m.method == "sendMessage")
        await fake_telegram.press_button(alice, question, "no")
        edit = await fake_telegram.wait_for(lambda m: m.method == "editMessageText")

    assert edit.message_id == question.message_id
    assert edit.text == "You chose <b>no</b>"
    assert [a.text for a in fake_telegram.callback_answers] == ["Saved"]
    current = fake_telegram.current_message(alice.id, question.message_id or 0)
    assert current is not None
    assert "reply_markup" not in current
    assert errors.errors == []


async def test_rate_limit_and_block_surface_to_the_error_handler(
    fake_telegram: FakeTelegram,
    application: App,
    errors: ErrorLog,
) -> None:
    alice, bob = fake_telegram.user(1001), fake_telegram.user(1002)
    fake_telegram.fail_next(alice.id, status=429, retry_after=2)
    fake_telegram.block_chat(bob.id)

    async with polling(application):
        await fake_telegram.send_text(alice, "/echo one")
        first = await errors.next_error()
        await fake_telegram.send_text(bob, "/echo two")
        second = await errors.next_error()
        await fake_telegram.send_text(alice, "/echo three")
        reply = await fake_telegram.wait_for(lambda m: m.chat_id == alice.id)

    assert isinstance(first, RetryAfter)
    assert first.retry_after == dt.timedelta(seconds=2)
    assert isinstance(second, Forbidden)
    assert "blocked by the user" in second.message
    assert reply.text == "three"


async def test_invalid_html_fails_like_telegram(
    fake_telegram: FakeTelegram,
    application: App,
    errors: ErrorLog,
) -> None:
    alice = fake_telegram.user(1001)

    async with polling(application):
        await fake_telegram.send_text(alice, "/broken")
        error = await errors.next_error()

    assert isinstance(error, BadRequest)
    assert "parse entities" in error.message


async def test_replayed_update_is_delivered_again(
    fake_telegram: FakeTelegram,
    application: App,
) -> None:
    alice = fake_telegram.user(1001)

    async with polling(application):
        await fake_telegram.send_text(alice, "/echo once")
        await fake_telegram.wait_for(lambda m: m.text == "once")
        await fake_telegram.inject_raw(fake_telegram.updates[-1])
        await fake_telegram.wait_for(lambda m: m.text == "once", since=len(fake_telegram.sent))

    assert [m.text for m in fake_telegram.messages_to(alice.id)] == ["once", "once"]


async def test_aio_rate_limiter_retries_after_a_429(
    fake_telegram: FakeTelegram, errors: ErrorLog
) -> None:
    app = (
        ApplicationBuilder()
        .token(fake_telegram.token)
        .base_url(fake_telegram.base_url)
        .rate_limiter(AIORateLimiter(max_retries=1))
        .build()
    )
    app.add_handler(CommandHandler("echo", echo))
    app.add_error_handler(errors.handler)
    alice = fake_telegram.user(1001)
    fake_telegram.fail_next(alice.id, status=429, retry_after=1)

    async with polling(app):
        await fake_telegram.send_text(alice, "/echo patient")
        reply = await fake_telegram.wait_for(lambda m: m.chat_id == alice.id)

    attempts = [m for m in fake_telegram.sent if m.method == "sendMessage"]
    assert [m.error_code for m in attempts] == [429, None]
    assert attempts[1].timestamp - attempts[0].timestamp >= 1.0
    assert reply.text == "patient"
    assert errors.errors == []
