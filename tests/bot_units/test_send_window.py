"""The bot's count of its own sends keeps a broadcast under Telegram's overall limit."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.delivery import SendWindow


class _PassThrough(BaseRateLimiter[None]):
    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self, callback: Any, args: Any, kwargs: Any, endpoint: Any, data: Any, rate_limit_args: Any
    ) -> Any:
        return await callback(*args, **kwargs)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _answer() -> dict[str, Any]:
    return {"message_id": 1}


async def test_replies_are_counted_and_a_full_window_makes_a_broadcast_wait() -> None:
    clock = _Clock()
    window = SendWindow(_PassThrough(), clock=clock)
    for _ in range(2):  # interactive replies: counted, never held
        await window.process_request(_answer, (), {}, "sendMessage", {}, None)
    await window.process_request(_answer, (), {}, "getMe", {}, None)  # not a message
    assert window.counted() == 2
    for _ in range(3):
        async with window.slot(5):
            # The send inside a slot is counted once, not again by the hook.
            await window.process_request(_answer, (), {}, "sendMessage", {}, None)
    assert window.counted() == 5
    waiting = asyncio.create_task(_enter(window))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # five in the last second: no room
    clock.now += 1.0
    await asyncio.wait_for(waiting, 2)
    assert window.counted() == 1


async def test_a_message_in_flight_counts_until_a_second_after_its_answer() -> None:
    clock = _Clock()
    window = SendWindow(_PassThrough(), clock=clock)
    release = asyncio.Event()

    async def slow() -> dict[str, Any]:
        await release.wait()
        return {"message_id": 2}

    sending = asyncio.create_task(window.process_request(slow, (), {}, "sendMessage", {}, None))
    await asyncio.sleep(0)
    clock.now += 5.0
    assert window.counted() == 1  # still in flight, however long ago it started
    release.set()
    await sending
    clock.now += 0.9
    assert window.counted() == 1
    clock.now += 0.1
    assert window.counted() == 0


async def _enter(window: SendWindow) -> None:
    async with window.slot(5):
        pass
