"""The forum client against a scripted HTTP server: typed answers, refusals, malformed bodies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.forum_client import ForumClient, ForumError, ForumUnavailable
from bot.forum_models import Ack, Decision, ForumDraft

TOKEN = "service-token-for-tests"
KEY = "a" * 64
BOARD = {"slug": "housing", "title": "Secure and suitable housing", "approved_thread_count": 3}


@dataclass
class Script:
    """What the server answers next, and every request it saw."""

    status: int = 200
    body: Any = None
    raw: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
async def client(script: Script, aiohttp_server: Any) -> AsyncIterator[ForumClient]:
    async def answer(request: web.Request) -> web.Response:
        script.seen.append(
            {
                "method": request.method,
                "path": request.raw_path,
                "headers": dict(request.headers),
                "json": await request.json() if request.can_read_body else None,
            }
        )
        if script.raw is not None:
            return web.Response(status=script.status, text=script.raw)
        return web.json_response(script.body, status=script.status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    server: TestServer = await aiohttp_server(app)
    forum = ForumClient(str(server.make_url("")), TOKEN)
    await forum.open()
    yield forum
    await forum.close()


async def test_answers_become_typed_values(client: ForumClient, script: Script) -> None:
    script.body = {"boards": [BOARD], "added_later": True}
    boards = await client.boards(KEY)
    assert boards[0].slug == "housing" and boards[0].approved_thread_count == 3
    assert script.seen[0]["method"] == "GET" and script.seen[0]["path"] == "/api/v1/boards"
    assert script.seen[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_a_malformed_answer_is_forum_unavailable_and_logs_no_values(
    client: ForumClient, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.body = {"boards": [{"slug": "housing", "title": "Private words 0770 900 123"}]}
    with caplog.at_level(logging.ERROR), pytest.raises(ForumUnavailable) as caught:
        await client.boards(KEY)
    assert caught.value.code == "bad_answer"
    assert "could not read" in caught.value.message
    assert "boards.0.approved_thread_count" in caplog.text
    assert "0770" not in caplog.text


async def test_an_answer_of_the_wrong_kind_is_forum_unavailable(
    client: ForumClient, script: Script
) -> None:
    script.body = ["not", "an", "object"]
    with pytest.raises(ForumUnavailable):
        await client.me(KEY)
    script.raw = "<html>gateway</html>"
    with pytest.raises(ForumUnavailable) as caught:
        await client.me(KEY)
    assert caught.value.code == "unavailable"


async def test_a_refusal_keeps_its_status_code_and_message(
    client: ForumClient, script: Script
) -> None:
    script.status = 409
    script.body = {"error": {"code": "stale_version", "message": "Someone decided it already."}}
    with pytest.raises(ForumError) as caught:
        await client.decide(KEY, 7, 2, Decision.approve())
    assert not isinstance(caught.value, ForumUnavailable)
    assert (caught.value.status, caught.value.code) == (409, "stale_version")
    assert caught.value.message == "Someone decided it already."
    assert script.seen[0]["headers"]["X-Forum-Identity"] == KEY


async def test_request_bodies_leave_unset_fields_out(client: ForumClient, script: Script) -> None:
    script.status = 400  # the bodies sent are what this test is about
    script.body = {"error": {"code": "x", "message": "x"}}
    with pytest.raises(ForumError):
        await client.decide(KEY, 7, 2, Decision.reject("other", "Names a survivor"))
    with pytest.raises(ForumError):
        await client.outbox_ack([Ack(1, "sent"), Ack(2, "retry", retry_after=5)])
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    with pytest.raises(ForumError):
        await client.schedule_forum(KEY, ForumDraft("safety", "Safety plans", "Dr A", start))
    assert [seen["json"] for seen in script.seen] == [
        {"version": 2, "action": "reject", "reason_code": "other", "reason": "Names a survivor"},
        {"acks": [{"id": 1, "outcome": "sent"}, {"id": 2, "outcome": "retry", "retry_after": 5}]},
        {
            "board": "safety",
            "title": "Safety plans",
            "lead": "Dr A",
            "starts_at": "2026-12-03T14:00:00+00:00",
        },
    ]


async def test_a_typed_topic_stays_one_path_segment(client: ForumClient, script: Script) -> None:
    script.body = {"topics": []}
    assert await client.unsubscribe(KEY, "outcome:housing") == ()
    await client.unsubscribe(KEY, "outcome:x/../../../admin/watched-words/3?y")
    assert [seen["path"] for seen in script.seen] == [
        "/api/v1/me/subscriptions/outcome:housing",
        "/api/v1/me/subscriptions/outcome:x%2F..%2F..%2F..%2Fadmin%2Fwatched-words%2F3%3Fy",
    ]


async def test_a_closed_client_says_the_forum_is_starting() -> None:
    with pytest.raises(ForumUnavailable) as caught:
        await ForumClient("http://127.0.0.1:1", TOKEN).boards(KEY)
    assert caught.value.code == "not_open"
