"""Per-chat ordering with concurrency across chats."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Chat, Message, Update, User

from bot.update_processor import PerChatUpdateProcessor


def _update(update_id: int, chat_id: int) -> Update:
    user = User(id=chat_id, is_bot=False, first_name="T")
    chat = Chat(id=chat_id, type="private")
    message = Message(message_id=update_id, date=None, chat=chat, from_user=user)  # type: ignore[arg-type]
    return Update(update_id=update_id, message=message)


async def test_one_chat_runs_in_order_while_other_chats_run_alongside() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=8)
    events: list[tuple[str, int]] = []
    gate = asyncio.Event()

    async def slow(tag: int) -> None:
        events.append(("start", tag))
        await gate.wait()
        events.append(("end", tag))

    async def fast(tag: int) -> None:
        events.append(("start", tag))
        events.append(("end", tag))

    tasks: list[asyncio.Task[Any]] = [
        asyncio.create_task(processor.process_update(_update(1, 100), slow(1))),
        asyncio.create_task(processor.process_update(_update(2, 100), fast(2))),
        asyncio.create_task(processor.process_update(_update(3, 200), fast(3))),
    ]
    await asyncio.sleep(0)  # let every task reach its lock
    for _ in range(5):
        await asyncio.sleep(0)
    # Chat 200 finished while chat 100's first update is still running; chat 100's second waits.
    assert ("end", 3) in events and ("start", 2) not in events
    gate.set()
    await asyncio.gather(*tasks)
    assert events.index(("end", 1)) < events.index(("start", 2))
    assert processor._chats == {}, "idle chats are forgotten"
