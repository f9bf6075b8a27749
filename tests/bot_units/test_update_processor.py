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
    other_chat_done = asyncio.Event()

    async def slow(tag: int) -> None:
        events.append(("start", tag))
        await gate.wait()
        events.append(("end", tag))

    async def fast(tag: int) -> None:
        events.append(("start", tag))
        events.append(("end", tag))
        if tag == 3:
            other_chat_done.set()

    tasks: list[asyncio.Task[Any]] = [
        asyncio.create_task(processor.process_update(_update(1, 100), slow(1))),
        asyncio.create_task(processor.process_update(_update(2, 100), fast(2))),
        asyncio.create_task(processor.process_update(_update(3, 200), fast(3))),
    ]
    # Chat 200's update, queued after chat 100's second, runs to the end while chat 100's
    # first still waits on the gate; had the second not been held back, having been
    # scheduled first it would have run (it never waits) before chat 200's.
    async with asyncio.timeout(5):
        await other_chat_done.wait()
    assert ("start", 2) not in events
    gate.set()
    async with asyncio.timeout(5):
        await asyncio.gather(*tasks)
    assert events.index(("end", 1)) < events.index(("start", 2))
    assert processor._chats == {}, "idle chats are forgotten"
