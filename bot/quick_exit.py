"""What /exit needs besides its handler: which messages of each private chat it may delete.

Telegram lets a bot delete any message in a private chat — its own and the person's — sent less
than 48 hours ago, but gives no way to list them. So the bot notes the id of every message in a
private chat as it passes: what it sends (:class:`NoteSentMessages`, the one hook PTB runs
around every Bot API request: replies, edits, buttons' answers and outbox deliveries alike) and
what the person sends (a handler ahead of all others).

The ids live in memory only, never on disk: a list of chat ids would be a list of the forum's
members, which the anonymity design keeps nowhere in clear. A restart forgets them (and with
them what /exit can delete). The memory is bounded: 48 hours, at most ``per_chat`` ids per
chat and ``total`` overall, oldest forgotten first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Final

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

#: Telegram's limit: a message sent this long ago can no longer be deleted.
DELETABLE_FOR_SECONDS: Final = 48 * 3600
#: ``deleteMessages`` takes at most this many ids.
DELETE_BATCH: Final = 100

JSONDict = dict[str, Any]


class RecentMessages:
    """The ids of the last 48 hours' messages per private chat, bounded, in memory only.

    Ages are measured in Telegram's time: each message's ``date`` as Telegram stamped it,
    against the later of this machine's clock and the newest date Telegram has stamped, so a
    clock behind Telegram's never makes a message look younger than Telegram thinks it is.

    Args:
        per_chat: ids kept per chat (the oldest go first).
        total: ids kept overall (the least recently active chat loses its oldest first).
        clock: seconds since the epoch.
    """

    def __init__(
        self, *, per_chat: int = 1000, total: int = 200_000, clock: Callable[[], float] = time.time
    ) -> None:
        self._per_chat = per_chat
        self._total_cap = total
        self._clock = clock
        # chat → {message id: Telegram date}, chats in order of last activity.
        self._chats: OrderedDict[int, dict[int, float]] = OrderedDict()
        self._total = 0
        self._latest = 0.0

    def __len__(self) -> int:
        """How many ids are held, over all chats."""
        return self._total

    def now(self) -> float:
        """Telegram's time as far as the bot can tell."""
        return max(self._clock(), self._latest)

    def note(self, chat_id: int, message_id: int, sent_at: float) -> None:
        """Remember that ``message_id`` was sent in ``chat_id`` at ``sent_at`` (Telegram's date)."""
        self._latest = max(self._latest, sent_at)
        messages = self._chats.setdefault(chat_id, {})
        self._chats.move_to_end(chat_id)
        if message_id not in messages:  # an edit keeps its message's first date
            messages[message_id] = sent_at
            self._total += 1
        self._prune(chat_id, messages)

    def deletable(self, chat_id: int) -> list[int]:
        """The ids in ``chat_id`` sent less than 48 hours ago, in order."""
        cutoff = self.now() - DELETABLE_FOR_SECONDS
        messages = self._chats.get(chat_id, {})
        return sorted(m for m, sent_at in messages.items() if sent_at > cutoff)

    def forget(self, chat_id: int, message_ids: Collection[int]) -> None:
        """Forget some ids of ``chat_id`` (they were deleted)."""
        messages = self._chats.get(chat_id)
        if messages is None:
            return
        for message_id in message_ids:
            if messages.pop(message_id, None) is not None:
                self._total -= 1
        if not messages:
            del self._chats[chat_id]

    def _prune(self, chat_id: int, messages: dict[int, float]) -> None:
        cutoff = self.now() - DELETABLE_FOR_SECONDS
        # Insertion order is sending order, so the old ones are at the front.
        while messages:
            first, sent_at = next(iter(messages.items()))
            if len(messages) <= self._per_chat and sent_at > cutoff:
                break
            del messages[first]
            self._total -= 1
        # Chats nobody wrote in for 48 hours, then the overall cap, least recently active first.
        while self._chats:
            oldest_chat, oldest = next(iter(self._chats.items()))
            stale = not oldest or max(oldest.values()) <= cutoff
            if not stale and self._total <= self._total_cap:
                break
            if stale:
                self._total -= len(oldest)
                del self._chats[oldest_chat]
            else:
                del oldest[next(iter(oldest))]
                self._total -= 1
                if not oldest:
                    del self._chats[oldest_chat]
        if not messages:
            self._chats.pop(chat_id, None)


class NoteSentMessages(BaseRateLimiter[None]):
    """Notes every message the bot sends to a private chat; limits nothing.

    PTB's one public hook around every Bot API request (except ``getUpdates``) is its rate
    limiter, so this is one that only looks at each answer: a ``Message`` (or a list of them,
    or a ``MessageId`` from ``copyMessage``) in a private chat is noted in ``recent``. Edits
    answer with the message they changed, which is already noted.

    Args:
        recent: where the ids go.
    """

    def __init__(self, recent: RecentMessages) -> None:
        self._recent = recent

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Make the request, then note the messages its answer describes."""
        result = await callback(*args, **kwargs)
        for answer in result if isinstance(result, list) else [result]:
            if isinstance(answer, dict):
                self._note(answer, data.get("chat_id"))
        return result

    def _note(self, answer: JSONDict, requested_chat: object) -> None:
        message_id = answer.get("message_id")
        if not isinstance(message_id, int):
            return
        chat = answer.get("chat")
        if isinstance(chat, dict):
            date = answer.get("date")
            if chat.get("type") == "private" and isinstance(date, int):
                self._recent.note(int(chat["id"]), message_id, float(date))
        elif isinstance(requested_chat, int) and requested_chat > 0:
            # copyMessage answers only {"message_id"}; private chats have positive ids.
            self._recent.note(requested_chat, message_id, self._recent.now())


async def delete_recent(bot: Bot, recent: RecentMessages, chat_id: int) -> tuple[int, int]:
    """Delete the messages of the last 48 hours that ``recent`` knows in ``chat_id``.

    Returns:
        How many ids were handed to Telegram and deleted (Telegram skips ones already gone),
        and how many could not be (a batch refused); those stay remembered for another try.
    """
    ids = recent.deletable(chat_id)
    deleted: list[int] = []
    failed = 0
    for start in range(0, len(ids), DELETE_BATCH):
        batch = ids[start : start + DELETE_BATCH]
        try:
            await bot.delete_messages(chat_id, batch)
        except TelegramError as error:
            log.warning("could not delete a batch of messages: %s", type(error).__name__)
            failed += len(batch)
        else:
            deleted.extend(batch)
    recent.forget(chat_id, deleted)
    return len(deleted), failed


class SelfDeletingNotices:
    """Messages that delete themselves after ``delay`` seconds (at once when the bot stops).

    Args:
        delay: seconds a notice stays.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._now = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def delete_later(self, bot: Bot, recent: RecentMessages, chat_id: int, message_id: int) -> None:
        """Delete ``message_id`` in ``chat_id`` after the delay."""
        task = asyncio.create_task(
            self._delete(bot, recent, chat_id, message_id), name="self-deleting-notice"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _delete(
        self, bot: Bot, recent: RecentMessages, chat_id: int, message_id: int
    ) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._now.wait(), timeout=self.delay)
        try:
            await bot.delete_message(chat_id, message_id)
        except TelegramError as error:  # the person deleted it already, or Telegram is away
            log.warning("could not delete a notice: %s", type(error).__name__)
        recent.forget(chat_id, [message_id])

    async def close(self) -> None:
        """Delete every pending notice now (the bot is stopping; the bot must still be open)."""
        self._now.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
