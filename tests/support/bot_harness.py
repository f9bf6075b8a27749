"""Driving the real bot through the fake Bot API: people, what they see, and the bot's lifecycle.

A :class:`Person` sends messages and presses buttons like a Telegram user and waits — never
sleeps — for the bot's answer in their chat. What a person "sees" is the text as the fake Bot
API displays it after parsing the HTML, i.e. what Telegram would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram.ext import Application, ContextTypes

from bot.app import build_application, polling
from bot.forum_client import ForumError, ForumUnavailable
from bot.settings import BotSettings
from fake_telegram import FakeTelegram, FakeUser, SentMessage
from forum_service.api.keys import DATABASE, OUTBOX
from forum_service.services.screening import BatchReport, ScreeningWorker
from moderation.policy import ModerationPolicy
from tests.support.api import SERVICE_TOKEN
from tests.support.scorers import KeywordScorer

App = Application[Any, Any, Any, Any, Any, Any]
#: What a person waits for: a message showing a substring, showing every one of several
#: substrings, or matching a predicate.
Until = str | tuple[str, ...] | Callable[[SentMessage], bool]

#: How long a person waits for the bot before the test fails.
WAIT_SECONDS = 10.0
#: How often a wait on the service's outbox looks again (polling with a deadline).
OUTBOX_POLL_SECONDS = 0.02

IDENTITY_PEPPER = "e2e-identity-pepper-0123456789"
STORE_SECRET = "e2e-delivery-store-secret-0123456789"
#: Seconds between two outbox polls of the bot's notification dispatcher.
OUTBOX_INTERVAL = 0.05


def e2e_bot_settings(
    telegram: FakeTelegram, service: TestServer, store_path: Path, **overrides: Any
) -> BotSettings:
    """Bot settings pointing at the fake Bot API and the service; the environment and ``.env``
    are not read.

    Args:
        telegram: The fake Bot API.
        service: The forum service, listening.
        store_path: The bot's delivery store (identity key → encrypted chat id).
        **overrides: More variables, by their environment names (``BOT_WEBHOOK_URL=...``).
    """
    return BotSettings.model_validate(
        {
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE_URL": telegram.base_url.removesuffix("/bot"),
            "FORUM_API_URL": str(service.make_url("/")),
            "FORUM_SERVICE_TOKEN": SERVICE_TOKEN,
            "IDENTITY_PEPPER": IDENTITY_PEPPER,
            "BOT_STORE_SECRET": STORE_SECRET,
            "BOT_STORE_PATH": store_path,
            **overrides,
        }
    )


class ErrorRecorder:
    """Error handler registered next to the bot's own: PTB only logs handler exceptions.

    A :class:`ForumError` with a 4xx status is the service refusing something; the bot's own
    error handler shows its message to the user, which is normal behaviour (``refusals``).
    Anything else is a bug (``unexpected``) and fails the test.
    """

    def __init__(self) -> None:
        self.refusals: list[ForumError] = []
        self.unexpected: list[BaseException] = []
        self._changed = asyncio.Event()

    async def handler(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record ``context.error``."""
        error = context.error
        if error is None:
            return
        if (
            isinstance(error, ForumError)
            and not isinstance(error, ForumUnavailable)
            and 400 <= error.status < 500
        ):
            self.refusals.append(error)
        else:
            self.unexpected.append(error)
        self._changed.set()

    async def wait_refusals(self, count: int) -> list[str]:
        """Wait until ``count`` refusals were handled (the user may see one before it is
        recorded here: the bot's own error handler runs first); returns their codes."""
        async with asyncio.timeout(WAIT_SECONDS):
            while len(self.refusals) < count:
                self._changed.clear()
                await self._changed.wait()
        return [refusal.code for refusal in self.refusals]


class LogRecorder(logging.Handler):
    """Keeps every record from bot start to bot stop (caplog only keeps one test phase)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)

    def failures(self) -> list[str]:
        """Records at ERROR or above: a handler, the dispatcher or the service went wrong."""
        return [
            f"{r.name} {r.levelname}: {r.getMessage()}"
            for r in self.records
            if r.levelno >= logging.ERROR
        ]


@dataclass(frozen=True, slots=True)
class Reply:
    """The bot's new messages in one chat, up to and including the awaited one."""

    messages: list[SentMessage]
    shown: list[str]

    @property
    def last(self) -> SentMessage:
        """The awaited message."""
        return self.messages[-1]

    @property
    def text(self) -> str:
        """Everything shown, one message per paragraph."""
        return "\n\n".join(self.shown)

    @property
    def last_text(self) -> str:
        """What the awaited message shows."""
        return self.shown[-1]

    @property
    def buttons(self) -> dict[str, str]:
        """Label → callback data of the awaited message's inline keyboard."""
        return buttons_of(self.last)


def buttons_of(message: SentMessage) -> dict[str, str]:
    """Label → callback data of a message's inline keyboard."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


def has_buttons(*labels: str) -> Callable[[SentMessage], bool]:
    """Match a message carrying all these buttons."""
    return lambda message: set(labels) <= buttons_of(message).keys()


def my_post(title: str) -> Callable[[SentMessage], bool]:
    """Match the /myposts line of the post in the thread ``title`` (not a notification)."""
    return lambda message: (
        (message.text or "").startswith("post ") and title in (message.text or "")
    )


def invite_code(reply: Reply) -> str:
    """The code in the bot's answer to /addmoderator."""
    match = re.search(r"<code>([^<]+)</code>", reply.last.text or "")
    assert match is not None, reply.text
    return html.unescape(match.group(1))


def queue_item_id(reply: Reply) -> int:
    """The item id in a /queue answer ("Queue item 7 ...")."""
    match = re.search(r"Queue item (\d+)", reply.text)
    assert match is not None, reply.text
    return int(match.group(1))


def thread_id_of(reply: Reply) -> int:
    """The thread id in the bot's "Received — thread 3 ..." answer."""
    match = re.search(r"thread (\d+)", reply.last_text)
    assert match is not None, reply.text
    return int(match.group(1))


#: The Bot API calls whose message a person sees (and tests wait for).
SHOWN_METHODS = frozenset({"sendMessage", "sendDocument"})


class Person:
    """A Telegram user in a private chat with the bot."""

    def __init__(self, telegram: FakeTelegram, user: FakeUser) -> None:
        self.telegram = telegram
        self.user = user

    @property
    def chat_id(self) -> int:
        """The private chat's id (Telegram uses the user id)."""
        return self.user.id

    def shown(self, message: SentMessage) -> str:
        """What Telegram shows for one of the bot's messages now (HTML parsed, after edits)."""
        current = self.telegram.current_message(self.chat_id, message.message_id or 0)
        assert current is not None, "the message was deleted"
        # A document (a forum's calendar file, a PDF) shows its caption.
        return str(current.get("text", current.get("caption", "")))

    def mark(self) -> int:
        """A position in the record of Bot API calls; later waits look only after it."""
        return len(self.telegram.sent)

    async def send(self, text: str, until: Until) -> Reply:
        """Send a message and wait for the bot's answer that matches ``until``."""
        since = self.mark()
        await self.telegram.send_text(self.user, text)
        return await self.wait_for(until, since=since)

    async def press(self, message: SentMessage | Reply, label: str, until: Until) -> Reply:
        """Press the inline button labelled ``label`` and wait for the answer."""
        target = message.last if isinstance(message, Reply) else message
        data = buttons_of(target).get(label)
        assert data is not None, f"no button {label!r}; buttons: {list(buttons_of(target))}"
        since = self.mark()
        await self.telegram.press_button(self.user, target, data)
        return await self.wait_for(until, since=since)

    async def wait_for(self, until: Until, *, since: int = 0) -> Reply:
        """Wait for a new message to this chat matching ``until``."""

        def mine(message: SentMessage) -> bool:
            return message.method in SHOWN_METHODS and message.chat_id == self.chat_id

        def matches(message: SentMessage) -> bool:
            if not mine(message):
                return False
            if isinstance(until, str):
                return until in self.shown(message)
            if isinstance(until, tuple):
                return all(part in self.shown(message) for part in until)
            return until(message)

        found = await self.telegram.wait_for(matches, WAIT_SECONDS, since=since)
        messages = [
            m
            for m in self.telegram.sent[since:]
            if m.ok and mine(m) and m.timestamp <= found.timestamp
        ]
        return Reply(messages, [self.shown(m) for m in messages])

    def received(self, since: int = 0) -> list[str]:
        """Everything shown to this person since ``since``."""
        return [
            self.shown(m)
            for m in self.telegram.sent[since:]
            if m.ok and m.method in SHOWN_METHODS and m.chat_id == self.chat_id
        ]


@dataclass
class BotRun:
    """The real bot application polling the fake Bot API, against the real forum service."""

    telegram: FakeTelegram
    settings: BotSettings
    service: web.Application
    errors: ErrorRecorder = field(default_factory=ErrorRecorder)
    application: App | None = None
    _worker: ScreeningWorker | None = None
    _running: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    def person(self, user_id: int, first_name: str, username: str | None = None) -> Person:
        """A Telegram user who will talk to the bot."""
        return Person(self.telegram, self.telegram.user(user_id, first_name, username))

    async def start(self) -> None:
        """Build the application and run it the way the single-process runner and the demo do
        (:func:`bot.app.polling`: ``post_init``, long polling, ``start``), in this test's loop."""
        application = build_application(self.settings)
        application.add_error_handler(self.errors.handler)
        self.application = application
        await self._running.enter_async_context(
            polling(application, poll_interval=0, long_poll_seconds=1)
        )
        await self.telegram.wait_polling()

    async def stop(self) -> None:
        """Stop polling, the dispatcher and every resource; stopping twice does nothing."""
        await self._running.aclose()

    async def screen(self) -> BatchReport:
        """Run the moderation worker once over the pending posts (with a known-output scorer)."""
        if self._worker is None:
            self._worker = ScreeningWorker(
                self.service[DATABASE],
                KeywordScorer,
                ModerationPolicy(),
                batch_size=50,
            )
            await self._worker.start()
        return await self._worker.run_once()

    async def outbox_settled(self) -> dict[str, int]:
        """Wait until the dispatcher has acknowledged every notification; returns how many
        were settled since the service started, per outcome (``sent``, ``dropped`` ...)."""
        outbox = self.service[OUTBOX]
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                if not await outbox.counts():  # no pending or sending rows left
                    return dict(outbox.settled)
                await asyncio.sleep(OUTBOX_POLL_SECONDS)

    async def make_moderator(self, admin: Person, person: Person) -> None:
        """``admin`` (from BOT_ADMIN_TELEGRAM_IDS) invites ``person``, who joins with the code."""
        invite = await admin.send("/addmoderator", until="Invite code")
        await person.send(f"/join {invite_code(invite)}", until="you are now a moderator")
