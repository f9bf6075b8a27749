"""Updates from different chats run concurrently; updates from one chat run in order.

PTB processes one update at a time by default, so one slow reply (a service call) delays
everyone (the benchmark: with 10 people at once every reply took ~10× longer). Concurrent
processing would break ConversationHandler, which needs a conversation's updates one by one;
a conversation here is a private chat, so serialising per chat keeps it correct.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` in flight, and one at a time per chat.

    Args:
        max_concurrent_updates: the overall bound.
    """

    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        # chat → (lock, how many updates hold or wait for it)
        self._chats: dict[int | None, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` once the same chat's earlier updates are done."""
        key = None
        if isinstance(update, Update):
            chat = update.effective_chat
            user = update.effective_user
            key = chat.id if chat is not None else (user.id if user is not None else None)
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            # Forget a chat once no update holds or awaits its lock, so the map does not grow
            # with every person ever seen (counting, because a released lock with waiters
            # still reports unlocked for a moment).
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
