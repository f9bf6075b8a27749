"""A fake Telegram Bot API on 127.0.0.1, for tests, the offline demo and the benchmarks.

It stands in for Telegram, so it shares no code with the bot it is talking to: it imports
nothing from ``bot`` or ``forum_service``, and the bot never imports it. The only facts both
sides use, Telegram's length limits and how lengths are counted, come from :mod:`telegram_text`.

- :mod:`fake_telegram.server`: :class:`FakeTelegram`, the HTTP server, update queue, fault
  injection and what tests observe.
- :mod:`fake_telegram.objects`: the Bot API objects it records and its rules for messages.
- :mod:`fake_telegram.html`: Telegram's HTML parse mode.
"""

from fake_telegram.objects import BotAccount, CallbackAnswer, FakeUser, RateStats, SentMessage
from fake_telegram.server import DEFAULT_TOKEN, FakeTelegram

__all__ = [
    "DEFAULT_TOKEN",
    "BotAccount",
    "CallbackAnswer",
    "FakeTelegram",
    "FakeUser",
    "RateStats",
    "SentMessage",
]
