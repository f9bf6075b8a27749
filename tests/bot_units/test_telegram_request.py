"""The bot's Bot API client (aiohttp under PTB): messages and uploads arrive whole through a
real ``telegram.Bot``, and timeouts and failures become PTB's own errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.telegram_request import AiohttpRequest
from fake_telegram import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as telegram:
        yield telegram


async def test_messages_and_uploads_reach_the_bot_api_whole(fake: FakeTelegram) -> None:
    user = fake.user(4_200_001, "Ada")
    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest())
    async with bot:
        sent = await bot.send_message(user.id, "<b>bold</b> & plain", parse_mode="HTML")
        calendar = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n\x00\xff"
        await bot.send_document(user.id, calendar, filename="forum.ics", caption="Your file")
    assert sent.text == "bold & plain"
    assert fake.uploads_to(user.id) == [("forum.ics", calendar)]
    assert [m.text for m in fake.messages_to(user.id)] == ["<b>bold</b> & plain", "Your file"]


async def _serve(aiohttp_server: Any, handler: Any) -> TestServer:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server: TestServer = await aiohttp_server(app)
    return server


async def test_a_slow_answer_times_out_as_ptb_timed_out(aiohttp_server: Any) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"ok": True, "result": True})

    server = await _serve(aiohttp_server, slow)
    request = AiohttpRequest(read_timeout=0.2)
    async with request:
        with pytest.raises(TimedOut):
            await request.do_request(str(server.make_url("/botT/getMe")), "POST")


async def test_a_full_pool_times_out_without_sending(aiohttp_server: Any) -> None:
    arrived = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal arrived
        arrived += 1
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    server = await _serve(aiohttp_server, slow)
    url = str(server.make_url("/botT/getMe"))
    # Waiting for a free connection and opening one are bounded together (aiohttp has one
    # timeout for both): 0.1 + 0.1 s, well before the held connection is free again.
    request = AiohttpRequest(
        connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1, read_timeout=5
    )
    async with request:
        holding = asyncio.create_task(request.do_request(url, "POST"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut, match="not\\* sent"):
            await request.do_request(url, "POST")
        holding.cancel()
    assert arrived == 1


async def test_an_unreachable_api_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    async with request:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"http://127.0.0.1:{port}/botSECRET-TOKEN/getMe", "POST")
    assert not isinstance(raised.value, TimedOut)
    assert "SECRET-TOKEN" not in str(raised.value)


async def test_redirects_are_not_followed_and_ptb_names_itself(
    aiohttp_server: Any,
) -> None:
    seen: list[str] = []

    async def moved(request: web.Request) -> web.Response:
        seen.append(request.headers["User-Agent"])
        raise web.HTTPFound("/elsewhere")

    server = await _serve(aiohttp_server, moved)
    request = AiohttpRequest()
    async with request:
        status, _ = await request.do_request(
            str(server.make_url("/botT/sendMessage")),
            "POST",
            RequestData(),
        )
    assert status == 302
    assert seen == [AiohttpRequest.USER_AGENT]


async def test_requests_need_initialising_and_work_again_after_a_restart(
    fake: FakeTelegram,
) -> None:
    request = AiohttpRequest()
    url = f"{fake.base_url}{fake.token}/getMe"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    for _ in range(2):
        await request.initialize()
        status, body = await request.do_request(url, "POST")
        assert status == 200
        assert json.loads(body)["result"]["is_bot"] is True
        await request.shutdown()
        await request.shutdown()  # twice: nothing
    with pytest.raises(ValueError, match="at least 1"):
        AiohttpRequest(connection_pool_size=0)


async def test_a_proxy_from_the_environment_is_used_unless_no_proxy_names_the_host(
    aiohttp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    through: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        through.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    server = await _serve(aiohttp_server, proxy)
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, str(server.make_url("")))
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "direct.invalid")
    request = AiohttpRequest(connect_timeout=2)
    async with request:
        status, _ = await request.do_request("http://api.invalid/botT/getMe", "POST")
        with pytest.raises(NetworkError):  # not through the proxy: the name does not resolve
            await request.do_request("http://direct.invalid/botT/getMe", "POST")
    assert status == 200
    assert through == ["http://api.invalid/botT/getMe"]


async def test_a_garbled_answer_leaves_the_token_out_of_the_traceback_too() -> None:
    """PTB logs errors with their traceback: no cause or context may carry the URL."""
    import traceback

    async def garble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 banana\r\nX: \x00\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/botSECRET-TOKEN/getMe"  # a traceback shows the call's line
    request = AiohttpRequest()
    try:
        async with request:
            with pytest.raises(NetworkError) as raised:
                await request.do_request(url, "POST")
    finally:
        server.close()
        await server.wait_closed()
    printed = "".join(traceback.format_exception(raised.value))
    assert "SECRET-TOKEN" not in printed
