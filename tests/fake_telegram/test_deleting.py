"""Deleting messages as Telegram allows it: 48 hours, deleteMessages skipping what it cannot."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fake_telegram import FakeTelegram

HOURS = 3600


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(trust_env=False) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeTelegram, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """Calls the fake the way PTB does: form fields, non-strings JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with http.post(f"{fake.base_url}{fake.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def send(http: aiohttp.ClientSession, fake: FakeTelegram, chat_id: int) -> int:
    _, body = await call(http, fake, "sendMessage", chat_id=chat_id, text="hello")
    return int(body["result"]["message_id"])


async def test_delete_messages_deletes_what_it_can_and_skips_the_rest(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake_telegram.user(1001)
    old = await send(http, fake_telegram, alice.id)
    fake_telegram.advance_clock(48 * HOURS)
    await fake_telegram.send_text(alice, "my own words")  # incoming: message 2
    recent = await send(http, fake_telegram, alice.id)

    status, body = await call(
        http, fake_telegram, "deleteMessages", chat_id=alice.id, message_ids=[old, 2, recent, 99]
    )

    assert (status, body["result"]) == (200, True)
    # A bot may delete the person's messages in a private chat too; never one 48 h old.
    assert fake_telegram.deleted == [(alice.id, 2), (alice.id, recent)]
    assert fake_telegram.current_message(alice.id, old) is not None
    assert fake_telegram.current_message(alice.id, recent) is None


async def test_delete_message_refuses_a_message_sent_48_hours_ago(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    young = await send(http, fake_telegram, 7)
    fake_telegram.advance_clock(48 * HOURS - 60)
    assert await call(http, fake_telegram, "deleteMessage", chat_id=7, message_id=young) == (
        200,
        {"ok": True, "result": True},
    )
    old = await send(http, fake_telegram, 7)
    fake_telegram.advance_clock(48 * HOURS)

    status, body = await call(http, fake_telegram, "deleteMessage", chat_id=7, message_id=old)

    assert (status, body["description"]) == (400, "Bad Request: message can't be deleted")
    assert fake_telegram.deleted == [(7, young)]


async def test_in_a_group_only_the_bots_own_messages_can_be_deleted(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake_telegram.user(1001)
    await fake_telegram.send_text(alice, "in the group", chat_id=-500)
    own = await send(http, fake_telegram, -500)

    await call(http, fake_telegram, "deleteMessages", chat_id=-500, message_ids=[1, own])

    assert fake_telegram.deleted == [(-500, own)]


@pytest.mark.parametrize(
    ("ids", "description"),
    [
        ([], "Bad Request: message identifiers are not specified"),
        ("[1, 2", "Bad Request: message identifiers are not specified"),
        (list(range(1, 102)), "Bad Request: too many message identifiers specified"),
        (["1"], "Bad Request: message identifiers are invalid"),
        ([True], "Bad Request: message identifiers are invalid"),
    ],
)
async def test_delete_messages_refuses_a_malformed_id_list(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession, ids: Any, description: str
) -> None:
    status, body = await call(http, fake_telegram, "deleteMessages", chat_id=7, message_ids=ids)

    assert (status, body["description"]) == (400, description)
    assert fake_telegram.deleted == []


async def test_message_dates_follow_telegrams_clock(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    first = await send(http, fake_telegram, 7)
    fake_telegram.advance_clock(49 * HOURS)
    second = await send(http, fake_telegram, 7)

    dates = [fake_telegram.current_message(7, m)["date"] for m in (first, second)]  # type: ignore[index]
    assert 49 * HOURS <= dates[1] - dates[0] <= 49 * HOURS + 5
