"""Delivers the service's durable notifications: claim a batch, send within limits, ack.

Limits: Telegram allows about 30 messages/s overall and 1 message/s per chat. The dispatcher
sends at most ``rate`` messages/s (default 28) evenly spaced, and never while the bot's last
second of sends (:class:`SendWindow`: broadcasts and interactive replies alike) already holds
``window_limit`` (29): replies never wait behind a broadcast, the broadcast yields to them. It
paces each chat to one message per ``per_chat_interval``. A 429 is honoured (``retry_after``)
and reported to the service as a retry; a 403 ("bot was blocked") deletes the recipient's
delivery data and is reported as blocked; the batch goes on.

Crash semantics: notifications are acknowledged after sending. If the process dies between a
send and its ack, the lease expires and that notification is sent again: at most the
in-flight batch can repeat, nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot import community, render, staff_notices, texts
from bot.callbacks import Button, build
from bot.delivery_store import DeliveryStore
from bot.formatting import escape, split_message
from bot.forum_client import ForumClient, ForumError
from bot.forum_models import Ack, Notification
from telegram_text import TELEGRAM_CAPTION_LIMIT

log = logging.getLogger(__name__)


def render_notification(kind: str, payload: Mapping[str, Any], tz: str) -> str | None:
    """Return the HTML message of a notification (times in ``tz``), or None for an unknown kind."""
    if kind == "post_decision":
        return render.decision(payload)
    if kind in ("forum_announcement", "forum_reminder"):
        return render.forum_notice(kind, payload, tz)
    if kind == "digest":
        return render.digest(payload)
    if kind == "announcement":
        return f"📣 <b>Announcement</b>\n{escape(str(payload.get('text', '')))}"
    if kind == "membership_request":
        return (
            f"🙋 <b>Membership request {int(payload.get('request_id', 0))}</b>\n"
            f"“{escape(str(payload.get('text', '')))}”\n"
            "Approve only someone who sounds like a practitioner; the person stays anonymous "
            "to you either way."
        )
    if kind == "membership_decision":
        return texts.MEMBERSHIP_APPROVED if payload.get("approved") else texts.MEMBERSHIP_DECLINED
    if kind == "moderator_alert":
        return render.moderator_alert(payload)
    if kind == "forum_question_waiting":
        return render.question_waiting(payload)
    if kind == "queue_alert":
        return render.queue_alert(payload)
    if kind == "queue_sla":
        return render.queue_sla(payload)
    if kind == "report_outcome":
        return render.report_outcome(payload)
    if kind in community.KINDS:
        return community.notification(kind, payload)
    if kind in staff_notices.KINDS:
        return staff_notices.render(kind, payload, tz)
    if kind == "thread_replies":
        return render.thread_replies(payload)
    return None


def notification_markup(kind: str, payload: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """The buttons under a notification: Approve / Decline under a membership request, Reply
    under a feedback, the answer buttons under an appeal."""
    if kind in community.KINDS:
        return community.markup(kind, payload)
    if kind in staff_notices.KINDS:
        return staff_notices.markup(kind, payload)
    if kind != "membership_request":
        return None
    request_id = int(payload.get("request_id", 0))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label,
                    callback_data=build(Button.MEMBERSHIP_DECISION, request_id, answer),
                )
                for label, answer in (("Approve", "approve"), ("Decline", "decline"))
            ]
        ]
    )


#: Bot API methods that count against Telegram's messages-per-second limit.
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "copyMessage"})


#: True inside :meth:`SendWindow.slot`: the send there is already counted.
_IN_SLOT: contextvars.ContextVar[bool] = contextvars.ContextVar("send_in_slot", default=False)

#: Sends the dispatcher's bucket holds: how far it may catch up after a late wake-up.
CATCH_UP = 3


class SendWindow(BaseRateLimiter[Any]):
    """Counts the bot's messages that Telegram may count in its last second; wraps the bot's
    rate limiter hook.

    A message counts while it is in flight and for one second after its answer came (Telegram
    received it somewhere in between, so any one-second window of arrivals is within what this
    counts). Interactive replies pass straight through and are only counted; the dispatcher
    sends a broadcast message inside :meth:`slot`, which waits for room first, so replies plus
    broadcast stay under Telegram's overall limit and no reply ever queues behind a broadcast.

    Args:
        inner: the hook it wraps (PTB allows one rate limiter per bot).
        clock: monotonic time source.
    """

    def __init__(
        self, inner: BaseRateLimiter[Any], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._clock = clock
        self._in_flight = 0
        self._done: deque[float] = deque()

    async def initialize(self) -> None:
        """Set up the wrapped hook."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Tear down the wrapped hook."""
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        """Let the wrapped hook make the request, counting it if it is a message of its own."""
        if endpoint not in SEND_METHODS or _IN_SLOT.get():
            return await self._inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        self._in_flight += 1
        try:
            return await self._inner.process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        finally:
            self._finish()

    def _finish(self) -> None:
        self._in_flight -= 1
        self._done.append(self._clock())

    def counted(self) -> int:
        """Messages in flight plus those answered in the last second."""
        now = self._clock()
        while self._done and now - self._done[0] >= 1.0:
            self._done.popleft()
        return self._in_flight + len(self._done)

    @contextlib.asynccontextmanager
    async def slot(self, limit: int) -> AsyncIterator[None]:
        """Wait until fewer than ``limit`` messages are counted, then count the block's send.

        The count is taken at once, so concurrent callers cannot all pass on the same room.
        """
        # Polling, not an Event: room opens as time passes, not when anything happens.
        while self.counted() >= limit:
            oldest = self._done[0] if self._done else self._clock()
            await asyncio.sleep(max(0.005, 1.0 - (self._clock() - oldest)))
        self._in_flight += 1
        token = _IN_SLOT.set(True)
        try:
            yield
        finally:
            _IN_SLOT.reset(token)
            self._finish()


class Dispatcher:
    """Moves notifications from the service's outbox to Telegram.

    Args:
        bot: the PTB bot.
        forum: the forum client.
        store: the bot's delivery store (identity key → chat id).
        rate: broadcast messages per second, evenly spaced.
        per_chat_interval: seconds between two sends to one chat; a little over Telegram's 1 s
            because arrival times jitter (at exactly 1.0 the benchmark saw 429s).
        batch: notifications per claim.
        lease: how long a claim holds before the service hands it out again.
        concurrency: sends in flight at once.
        window: the bot's count of all its sends (replies too); None counts nothing.
        window_limit: a broadcast send waits while the last second holds this many sends.
    """

    def __init__(
        self,
        bot: Bot,
        forum: ForumClient,
        store: DeliveryStore,
        *,
        rate: float = 28.0,
        per_chat_interval: float = 1.1,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=120),
        concurrency: int = 16,
        window: SendWindow | None = None,
        window_limit: int = 29,
    ) -> None:
        self._bot = bot
        self._forum = forum
        self._store = store
        # A small bucket refilled at ``rate``/s: evenly spaced sends that may catch up a few
        # slots a busy event loop woke late for (capacity 1 lost them: 24 of 28/s). The hard
        # cap is the window (a bucket of capacity ``rate`` would allow twice the rate in 1 s).
        self._limiter = AsyncLimiter(CATCH_UP, CATCH_UP / rate)
        self._per_chat = per_chat_interval
        self._batch = batch
        self._lease = lease
        self._slots = asyncio.Semaphore(concurrency)
        self._next_slot: dict[int, float] = {}
        self._window = window
        self._window_limit = window_limit
        self.counters = {"sent": 0, "retry": 0, "blocked": 0, "failed": 0, "rate_limited": 0}

    async def drain_once(self) -> int:
        """Claim one batch, send it, acknowledge it; returns how many were claimed."""
        notes = await self._forum.outbox_claim(self._batch, int(self._lease.total_seconds()))
        if not notes:
            return 0
        acks = await asyncio.gather(*(self._deliver(note) for note in notes))
        await self._forum.outbox_ack(acks)
        return len(notes)

    async def _deliver(self, note: Notification) -> Ack:
        ack = Ack(note.id, "failed")
        chat_id = await self._store.chat_id_for(note.recipient)
        tz = await self._store.timezone_for(note.recipient) if chat_id is not None else ""
        text = render_notification(note.kind, note.payload, tz) if chat_id else None
        if chat_id is None:
            ack = Ack(note.id, "blocked")  # the person used /forgetme or never reached the bot
        elif text is None:
            log.error("notification %s has unknown kind %s", note.id, note.kind)
        else:
            document = note.payload.get("document_file_id")
            markup = notification_markup(note.kind, note.payload)
            ack = await self._send(
                note.id,
                chat_id,
                note.recipient,
                text,
                document,
                markup,
                calendar=calendar_of(note.payload),
                keep_whole=note.kind == "forum_announcement",
            )
        self.counters[ack.outcome] += 1
        return ack

    async def _send(
        self,
        note_id: int,
        chat_id: int,
        recipient: str,
        text: str,
        document: str | None,
        markup: InlineKeyboardMarkup | None = None,
        *,
        calendar: tuple[str, bytes] | None = None,
        keep_whole: bool = False,
    ) -> Ack:
        async with self._slots:
            await self._pace(chat_id)
            async with self._limiter, self._counted():
                try:
                    attached: str | InputFile | None = document or None
                    if calendar is not None:
                        attached = InputFile(calendar[1], filename=calendar[0])
                    if attached is not None and keep_whole and caption(text) != text:
                        # Too long for a caption: the notice whole, then its file.
                        await self._bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
                        await self._pace(chat_id)
                        async with self._limiter:
                            await self._bot.send_document(chat_id, attached)
                    elif attached is not None:
                        await self._bot.send_document(
                            chat_id,
                            attached,
                            caption=caption(text),
                            parse_mode=ParseMode.HTML,
                            reply_markup=markup,
                        )
                    elif document:
                        # Forwarded by Telegram file id: the PDF is never downloaded or re-uploaded.
                        await self._bot.send_document(
                            chat_id, document, caption=caption(text), parse_mode=ParseMode.HTML
                        )
                    else:
                        await self._bot.send_message(
                            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                        )
                except RetryAfter as error:
                    self.counters["rate_limited"] += 1
                    delay = _seconds(error.retry_after)
                    self._next_slot[chat_id] = time.monotonic() + delay
                    return Ack(note_id, "retry", retry_after=delay, rate_limited=True)
                except Forbidden:
                    await self._store.forget(recipient)
                    return Ack(note_id, "blocked")
                except (TimedOut, NetworkError) as error:
                    if isinstance(error, BadRequest):
                        log.error("notification %s refused by Telegram (bad request)", note_id)
                        return Ack(note_id, "failed")
                    return Ack(note_id, "retry", retry_after=5)
        return Ack(note_id, "sent")

    def _counted(self) -> contextlib.AbstractAsyncContextManager[None]:
        if self._window is None:
            return contextlib.nullcontext()
        return self._window.slot(self._window_limit)

    async def _pace(self, chat_id: int) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot.get(chat_id, 0.0))
        self._next_slot[chat_id] = slot + self._per_chat
        if slot > now:
            await asyncio.sleep(slot - now)

    async def run(self, stop: asyncio.Event, *, idle_seconds: float = 2.0) -> None:
        """Drain until ``stop`` is set; waits ``idle_seconds`` when there is nothing to send."""
        while not stop.is_set():
            try:
                claimed = await self.drain_once()
            except ForumError as error:
                log.warning("outbox unavailable: %s", error.code)
                claimed = 0
            except Exception as error:  # keep delivering; leases protect the notifications
                log.error("delivery batch failed: %s", type(error).__name__)
                claimed = 0
            if claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


def calendar_of(payload: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """The calendar file a forum notice carries, as (file name, bytes), or None."""
    ics, name = payload.get("calendar"), payload.get("calendar_name")
    if not isinstance(ics, str) or not ics or not isinstance(name, str) or not name:
        return None
    return name, ics.encode("utf-8")


def _seconds(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def caption(html_text: str) -> str:
    """``html_text`` as a document caption: within Telegram's 1,024 units, cut between tags.

    Cutting the HTML string itself could end inside a tag or an entity (Telegram then refuses
    the whole message) and counted characters, not Telegram's UTF-16 units.
    """
    pieces = split_message(html_text, TELEGRAM_CAPTION_LIMIT - 1)
    if len(pieces) <= 1:
        return html_text
    return pieces[0] + "…"
