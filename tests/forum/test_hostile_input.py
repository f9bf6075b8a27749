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
