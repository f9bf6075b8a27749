"""The memory behind /exit: 48 hours in Telegram's time, bounded per chat and overall."""

from __future__ import annotations

from typing import Any

from bot.quick_exit import DELETABLE_FOR_SECONDS, NoteSentMessages, RecentMessages

T0 = 1_800_000_000.0
HOUR = 3600.0


class Clock:
    """A clock the test moves."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_only_messages_younger_than_48_hours_are_deletable() -> None:
    clock = Clock()
    recent = RecentMessages(clock=clock)
    recent.note(5, 1, T0)
    recent.note(5, 2, T0 + 1 * HOUR)
    clock.now = T0 + DELETABLE_FOR_SECONDS

    assert recent.deletable(5) == [2]
    assert recent.deletable(6) == []


def test_telegrams_dates_count_when_this_clock_is_behind() -> None:
    recent = RecentMessages(clock=Clock(T0))
    recent.note(5, 1, T0)
    recent.note(9, 1, T0 + 49 * HOUR)  # Telegram says it is two days later

    assert recent.deletable(5) == []
    assert recent.deletable(9) == [1]


def test_an_edit_keeps_the_first_date_and_is_not_counted_twice() -> None:
    clock = Clock()
    recent = RecentMessages(clock=clock)
    recent.note(5, 1, T0)
    recent.note(5, 1, T0 + 47 * HOUR)
    clock.now = T0 + 48 * HOUR

    assert len(recent) == 1
    assert recent.deletable(5) == []


def test_each_chat_keeps_its_newest_ids_up_to_the_cap() -> None:
    recent = RecentMessages(per_chat=3, clock=Clock())
    for message_id in range(1, 6):
        recent.note(5, message_id, T0)

    assert recent.deletable(5) == [3, 4, 5]
    assert len(recent) == 3


def test_the_overall_cap_takes_from_the_least_recently_active_chat() -> None:
    recent = RecentMessages(total=4, clock=Clock())
    recent.note(1, 1, T0)
    recent.note(1, 2, T0)
    recent.note(2, 1, T0)
    recent.note(2, 2, T0)
    recent.note(1, 3, T0)  # chat 1 is now the more recently active
    recent.note(3, 1, T0)

    assert len(recent) == 4
    assert recent.deletable(2) == []
    assert recent.deletable(1) == [1, 2, 3]
    assert recent.deletable(3) == [1]


def test_chats_quiet_for_48_hours_are_forgotten_entirely() -> None:
    clock = Clock()
    recent = RecentMessages(clock=clock)
    for chat in range(1, 101):
        recent.note(chat, 1, T0)
    clock.now = T0 + 49 * HOUR

    recent.note(500, 1, clock.now)

    assert len(recent) == 1


def test_forgetting_deleted_ids_frees_them() -> None:
    recent = RecentMessages(clock=Clock())
    for message_id in (1, 2, 3):
        recent.note(5, message_id, T0)

    recent.forget(5, [1, 3, 99])
    recent.forget(6, [1])

    assert recent.deletable(5) == [2]
    assert len(recent) == 1
    recent.forget(5, [2])
    assert len(recent) == 0


def private(chat_id: int, message_id: int, date: int) -> dict[str, Any]:
    return {"message_id": message_id, "date": date, "chat": {"id": chat_id, "type": "private"}}


async def hooked(recent: RecentMessages, result: Any, **data: Any) -> Any:
    """Run one request through the hook with ``result`` as the Bot API's answer."""

    async def request() -> Any:
        return result

    hook = NoteSentMessages(recent)
    return await hook.process_request(request, (), {}, "sendMessage", data, None)


async def test_the_hook_notes_messages_in_private_chats_and_returns_the_answer() -> None:
    recent = RecentMessages(clock=Clock())
    answer = private(5, 7, int(T0))

    assert await hooked(recent, answer, chat_id=5) is answer
    await hooked(recent, [private(5, 8, int(T0)), private(5, 9, int(T0))])  # media group
    group = {"message_id": 3, "date": int(T0), "chat": {"id": -100, "type": "group"}}
    await hooked(recent, group, chat_id=-100)
    await hooked(recent, {"message_id": 11}, chat_id=5)  # copyMessage: MessageId only
    await hooked(recent, {"message_id": 12}, chat_id=-100)
    await hooked(recent, True, chat_id=5)

    assert recent.deletable(5) == [7, 8, 9, 11]
    assert recent.deletable(-100) == []
