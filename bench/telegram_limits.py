"""The fake Bot API with Telegram's sending limits enforced, for the broadcast benchmark.

``fake_telegram.FakeTelegram`` records every send but refuses nothing on its own, so a bot
that sends too fast would never see a 429 there. This subclass answers a new message
(``sendMessage``, ``sendDocument``) with 429 "Too Many Requests: retry after 1" when accepting it
would put more than ``per_second`` accepted messages in any one-second window, or two messages
to one chat closer than ``per_chat_interval`` seconds apart. Refused calls are recorded like
any other failed call (``SentMessage.error_code == 429``).

Telegram does not publish its exact algorithm; a strict sliding window is the conservative
reading of "about 30 messages per second overall, one per second per chat".
"""

from __future__ import annotations

import contextvars
import time
from collections import deque
from typing import Any, Final

from aiohttp import web

from fake_telegram import FakeTelegram
from fake_telegram.objects import fault

_SEND_METHODS: Final = frozenset({"sendmessage", "senddocument"})
_METHOD: contextvars.ContextVar[str] = contextvars.ContextVar("bench_bot_api_method", default="")


class LimitedTelegram(FakeTelegram):
    """A :class:`FakeTelegram` that answers 429 when a send would break the limits.

    Args:
        per_second: accepted new messages allowed in any one-second window.
        per_chat_interval: least seconds between two accepted messages to one chat.
        **kwargs: passed to :class:`FakeTelegram`.
    """

    def __init__(
        self, *, per_second: int = 30, per_chat_interval: float = 1.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.per_second = per_second
        self.per_chat_interval = per_chat_interval
        self._accepted: deque[float] = deque()
        self._last_by_chat: dict[int, float] = {}

    async def _handle(self, request: web.Request) -> web.Response:
        # The method name is needed where the fake checks faults, which sees parameters only.
        token = _METHOD.set(request.match_info.get("method", "").lower())
        try:
            return await super()._handle(request)
        finally:
            _METHOD.reset(token)

    def _check_faults(self, params: dict[str, Any]) -> None:
        super()._check_faults(params)
        chat_id = params.get("chat_id")
        if _METHOD.get() not in _SEND_METHODS or not isinstance(chat_id, int):
            return
        now = time.monotonic()
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        if len(self._accepted) >= self.per_second:
            raise fault(429, retry_after=1)
        last = self._last_by_chat.get(chat_id)
        if last is not None and now - last < self.per_chat_interval:
            raise fault(429, retry_after=1)
        self._accepted.append(now)
        self._last_by_chat[chat_id] = now
