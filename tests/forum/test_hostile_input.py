"""Hostile input that was a 500 when probed from outside (issue 13, item 5): now a clear 4xx."""

from __future__ import annotations

import pytest

from tests.support.api import Api, new_admin


async def test_json_nested_20000_deep_is_refused_not_a_server_error(api: Api) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    response = await api.client.post(
        "/api/v1/threads",
        data=deep.encode(),
        headers={**api.headers(api.new_identity()), "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59-12:00", "2999-01-01T00:00:00+00:00"])
async def test_a_start_time_out_of_any_sensible_range_is_refused(api: Api, starts_at: str) -> None:
    admin = await new_admin(api)
    body = await api.call(
        "POST",
        "/api/v1/admin/forums",
        admin,
        json={"board": "safety", "title": "T", "lead": "L", "starts_at": starts_at},
        expect=422,
    )
    assert body["error"]["code"] == "time_out_of_range"
    forums = await api.call("GET", "/api/v1/forums", admin, expect=200)
    assert forums["forums"] == []


async def test_a_nul_in_a_slug_or_topic_is_a_clear_refusal_on_every_database(api: Api) -> None:
    """PostgreSQL cannot compare text holding U+0000: these were 500s there."""
    reader = api.new_identity()
    path = await api.client.get("/api/v1/boards/sa%00fety/threads", headers=api.headers(None))
    assert (path.status, (await path.json())["error"]["code"]) == (400, "invalid_path")
    unsubscribe = await api.client.delete(
        "/api/v1/me/subscriptions/outcome:sa%00fety", headers=api.headers(reader)
    )
    assert unsubscribe.status == 400
    board = await api.call(
        "POST",
        "/api/v1/threads",
        reader,
        json={"board": "sa\u0000fety", "title": "t", "body": "b"},
        expect=404,
    )
    assert board["error"]["code"] == "board_not_found"
    topic = await api.call(
        "POST", "/api/v1/me/subscriptions", reader, json={"topic": "outcome:sa\u0000fety"}
    )
    assert topic["error"]["code"] == "topic_invalid", topic
