"""The fake Bot API at the HTTP level: bodies, errors, long polling, faults."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fake_telegram import FakeTelegram


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(trust_env=False) as session:
        yield session


async def call(
    http: aiohttp.ClientSession,
    fake: FakeTelegram,
    method: str,
    token: str | None = None,
    **params: Any,
) -> tuple[int, dict[str, Any]]:
    """Calls the fake the way PTB does: form fields, non-strings JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    url = f"{fake.base_url}{token or fake.token}/{method}"
    async with http.post(url, data=form) as response:
        return response.status, await response.json()


async def test_get_me_describes_the_bot(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake_telegram, "getMe")

    assert status == 200
    assert body["ok"] is True
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "mscos_forum_test_bot"


async def test_unknown_method_and_wrong_token_get_telegram_errors(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    assert await call(http, fake_telegram, "sendCarrierPigeon") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    status, body = await call(http, fake_telegram, "getMe", token="1:wrong")
    assert (status, body["error_code"]) == (401, 401)


async def test_string_parameters_stay_strings_in_forms_and_json_bodies_work(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, fake_telegram, "sendMessage", chat_id=55, text="42")
    url = f"{fake_telegram.base_url}{fake_telegram.token}/sendMessage"
    async with http.post(url, json={"chat_id": 55, "text": "again"}) as response:
        second = await response.json()

    assert status == 200
    assert body["result"]["text"] == "42"
    assert body["result"]["chat"] == {"id": 55, "type": "private", "first_name": "Test"}
    assert second["result"]["message_id"] == body["result"]["message_id"] + 1
    assert [m.text for m in fake_telegram.messages_to(55)] == ["42", "again"]


async def test_html_is_parsed_into_entities_and_bad_html_is_rejected(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    _, good = await call(
        http, fake_telegram, "sendMessage", chat_id=1, text="<b>Hi</b> &amp; bye", parse_mode="HTML"
    )
    status, bad = await call(
        http, fake_telegram, "sendMessage", chat_id=1, text="a <br> b", parse_mode="HTML"
    )

    assert good["result"]["text"] == "Hi & bye"
    assert good["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert status == 400
    assert bad["description"].startswith("Bad Request: can't parse entities")
    assert fake_telegram.sent[-1].error_code == 400


async def test_empty_and_too_long_texts_are_rejected(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    empty = await call(http, fake_telegram, "sendMessage", chat_id=1, text="  ")
    long = await call(http, fake_telegram, "sendMessage", chat_id=1, text="x" * 4097)
    emoji = await call(http, fake_telegram, "sendMessage", chat_id=1, text="😀" * 2049)

    assert empty[1]["description"] == "Bad Request: message text is empty"
    assert long[1]["description"] == "Bad Request: message is too long"
    assert emoji[0] == 400  # 4,098 UTF-16 code units


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake_telegram.user(1001)
    poll = asyncio.create_task(call(http, fake_telegram, "getUpdates", offset=0, timeout=20))
    started = time.monotonic()
    await fake_telegram.wait_polling()
    assert fake_telegram.polls_waiting == 1
    update_id = await fake_telegram.send_text(alice, "/start@mscos_forum_test_bot now")

    _, body = await poll

    assert time.monotonic() - started < 5
    [update] = body["result"]
    assert update["update_id"] == update_id
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 27}]


async def test_long_poll_times_out_empty(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    started = time.monotonic()
    _, body = await call(http, fake_telegram, "getUpdates", timeout=0.3)

    assert body["result"] == []
    assert time.monotonic() - started >= 0.25


async def test_offset_acknowledges_and_replayed_updates_come_back(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake_telegram.user(1001)
    first = await fake_telegram.send_text(alice, "one")
    await fake_telegram.send_text(alice, "two")

    _, unacked = await call(http, fake_telegram, "getUpdates")
    _, again = await call(http, fake_telegram, "getUpdates", offset=first + 1)
    _, none_left = await call(http, fake_telegram, "getUpdates", offset=first + 2)
    await fake_telegram.inject_raw(fake_telegram.updates[0])
    _, replay = await call(http, fake_telegram, "getUpdates", offset=first + 2)

    assert [u["message"]["text"] for u in unacked["result"]] == ["one", "two"]
    assert [u["message"]["text"] for u in again["result"]] == ["two"]
    assert none_left["result"] == []
    assert [u["update_id"] for u in replay["result"]] == [first]
    assert await fake_telegram.send_text(alice, "three") == first + 2


async def test_injected_faults_answer_like_telegram_then_clear(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    fake_telegram.fail_next(7, status=429, retry_after=3)
    fake_telegram.block_chat(8)

    limited = await call(http, fake_telegram, "sendMessage", chat_id=7, text="a")
    retried = await call(http, fake_telegram, "sendMessage", chat_id=7, text="a")
    blocked = await call(http, fake_telegram, "sendMessage", chat_id=8, text="b")

    assert limited == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    assert retried[0] == 200
    assert blocked[0] == 403
    assert blocked[1]["description"] == "Forbidden: bot was blocked by the user"
    assert [m.ok for m in fake_telegram.sent] == [False, True, False]
    assert len(fake_telegram.messages_to(7)) == 1


async def test_edits_follow_telegram_rules(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    _, sent = await call(
        http, fake_telegram, "sendMessage", chat_id=3, text="Sure?", reply_markup=keyboard
    )
    message_id = sent["result"]["message_id"]

    unchanged = await call(
        http,
        fake_telegram,
        "editMessageText",
        chat_id=3,
        message_id=message_id,
        text="Sure?",
        reply_markup=keyboard,
    )
    edited = await call(
        http, fake_telegram, "editMessageText", chat_id=3, message_id=message_id, text="Done"
    )
    missing = await call(http, fake_telegram, "deleteMessage", chat_id=3, message_id=999)

    assert sent["result"]["reply_markup"] == keyboard
    assert unchanged[0] == 400
    assert "message is not modified" in unchanged[1]["description"]
    assert "reply_markup" not in edited[1]["result"]  # no markup given: keyboard removed
    assert fake_telegram.current_message(3, message_id)["text"] == "Done"  # type: ignore[index]
    assert missing[1]["description"] == "Bad Request: message to delete not found"


async def test_pressing_a_button_that_is_not_there_is_a_test_error(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    alice = fake_telegram.user(1001)
    await call(http, fake_telegram, "sendMessage", chat_id=alice.id, text="no buttons")

    with pytest.raises(ValueError, match="no button"):
        await fake_telegram.press_button(alice, fake_telegram.sent[-1], "yes")


async def test_commands_are_stored_per_scope(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    commands = [{"command": "start", "description": "Start"}]
    await call(http, fake_telegram, "setMyCommands", commands=commands)

    assert (await call(http, fake_telegram, "getMyCommands"))[1]["result"] == commands
    await call(http, fake_telegram, "deleteMyCommands")
    assert (await call(http, fake_telegram, "getMyCommands"))[1]["result"] == []


async def test_wait_for_raises_with_what_was_seen(fake_telegram: FakeTelegram) -> None:
    with pytest.raises(TimeoutError, match="no matching Bot API call"):
        await fake_telegram.wait_for(lambda m: m.method == "sendMessage", timeout=0.1)


async def test_rate_stats_measure_per_chat_gaps_and_peak_rate(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    for chat_id in (1, 2, 1):
        await call(http, fake_telegram, "sendMessage", chat_id=chat_id, text="hello")

    stats = fake_telegram.rate_stats()

    assert stats.total == 3
    assert stats.max_per_second == 3
    assert set(stats.min_interval_per_chat) == {1}
    assert 0 <= stats.min_interval_per_chat[1] < 1


async def test_malformed_parameters_get_a_400_not_a_crash(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    url = f"{fake_telegram.base_url}{fake_telegram.token}/getUpdates"
    async with http.post(url, data="{not json", headers={"Content-Type": "application/json"}) as r:
        bad_json = r.status
    status, _ = await call(http, fake_telegram, "getUpdates", limit="many")

    assert (bad_json, status) == (400, 400)


async def test_get_updates_conflicts_with_an_active_webhook(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    await call(http, fake_telegram, "setWebhook", url="https://example.org/hook")
    conflict = await call(http, fake_telegram, "getUpdates")
    _, info = await call(http, fake_telegram, "getWebhookInfo")
    await call(http, fake_telegram, "deleteWebhook", drop_pending_updates=True)

    assert conflict[0] == 409
    assert info["result"]["url"] == "https://example.org/hook"
    assert (await call(http, fake_telegram, "getUpdates"))[0] == 200


async def test_documents_by_file_id_and_by_upload(
    fake_telegram: FakeTelegram, http: aiohttp.ClientSession
) -> None:
    _, by_id = await call(
        http,
        fake_telegram,
        "sendDocument",
        chat_id=9,
        document="BQAC-file",
        caption="<i>Guide</i>",
        parse_mode="HTML",
    )
    form = aiohttp.FormData()
    form.add_field("chat_id", "9")
    form.add_field("document", b"%PDF-1.4 tiny", filename="guide.pdf")
    url = f"{fake_telegram.base_url}{fake_telegram.token}/sendDocument"
    async with http.post(url, data=form) as response:
        uploaded = await response.json()

    assert by_id["result"]["document"]["file_id"] == "BQAC-file"
    assert by_id["result"]["caption"] == "Guide"
    assert by_id["result"]["caption_entities"] == [{"type": "italic", "offset": 0, "length": 5}]
    assert uploaded["result"]["document"]["file_name"] == "guide.pdf"
    assert uploaded["result"]["document"]["file_size"] == 13
    assert [m.method for m in fake_telegram.messages_to(9)] == ["sendDocument", "sendDocument"]
    assert fake_telegram.uploads_to(9) == [("guide.pdf", b"%PDF-1.4 tiny")]
