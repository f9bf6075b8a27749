"""Webhook mode: Telegram is told the URL and secret; updates without the secret are refused."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import WEBHOOK_PATH, build_application, webhook_options
from fake_telegram import FakeTelegram
from tests.support.bot_harness import e2e_bot_settings

SECRET = "webhook-secret_token-123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_update(update_id: int, user_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Webhook"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_webhook_registers_with_its_secret_and_refuses_updates_without_it(
    telegram: FakeTelegram, service: TestServer, tmp_path: Path
) -> None:
    port = _free_port()
    settings = e2e_bot_settings(
        telegram,
        service,
        tmp_path / "store.db",
        BOT_WEBHOOK_URL="https://forum.example.org/telegram",
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_WEBHOOK_PORT=port,
    )
    application = build_application(settings, deliver=False)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_webhook(**webhook_options(settings))
    await application.start()
    try:
        registered = await telegram.wait_for(lambda m: m.method.lower() == "setwebhook")
        assert registered.params.get("url") == "https://forum.example.org/telegram"
        assert registered.params.get("secret_token") == SECRET
        url = f"http://127.0.0.1:{port}/{WEBHOOK_PATH}"
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with session.post(url, json=_start_update(1, 4242), headers=headers) as r:
                    assert r.status == 403
            mark = len(telegram.sent)
            async with session.post(
                url,
                json=_start_update(2, 4242),
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as r:
                assert r.status == 200
        welcome = await telegram.wait_for(
            lambda m: m.chat_id == 4242 and "anonymity" in (m.text or ""), since=mark
        )
        assert welcome.ok
        replies = [m for m in telegram.sent if m.chat_id == 4242 and m.method == "sendMessage"]
        assert len(replies) == 1, "the refused updates were never processed"
    finally:
        await application.updater.stop()
        await application.stop()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
        await application.shutdown()
