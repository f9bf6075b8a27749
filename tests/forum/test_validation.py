"""Every validation rule at the API boundary gives its exact error code and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum_service.api.keys import DATABASE
from forum_service.domain import DomainError
from forum_service.validation import clean_body
from tests.support.api import SERVICE_TOKEN, Api


async def _post_count(app: web.Application) -> int:
    from sqlalchemy import func, select

    from forum_service.storage.tables import PostRow

    async with app[DATABASE].read("count") as session:
        return int(await session.scalar(select(func.count()).select_from(PostRow)) or 0)


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"board": "safety", "title": "", "body": "x"}, 422, "title_empty"),
        ({"board": "safety", "title": "   \n\t ", "body": "x"}, 422, "title_empty"),
        ({"board": "safety", "title": "t", "body": "  \n "}, 422, "body_empty"),
        ({"board": "safety", "title": "t" * 201, "body": "x"}, 422, "title_too_long"),
        ({"board": "safety", "title": "t", "body": "b" * 4001}, 422, "body_too_long"),
        ({"board": "safety", "title": "t\x00", "body": "x"}, 422, "text_control_characters"),
        ({"board": "safety", "title": "t", "body": "bell\x07"}, 422, "text_control_characters"),
        (
            {"board": "safety", "title": "t", "body": "rtl \u202e trick"},
            422,
            "text_control_characters",
        ),
        ({"board": "safety", "title": "two\nlines", "body": "x"}, 422, "title_multiline"),
        ({"board": "no-such-board", "title": "t", "body": "x"}, 404, "board_not_found"),
        ({"board": "safety", "title": 5, "body": "x"}, 422, "invalid_request"),
        ({"board": "safety", "title": "t"}, 422, "invalid_request"),
        ({"board": "safety", "title": "t", "body": "x", "extra": 1}, 422, "invalid_request"),
        (["not", "an", "object"], 422, "invalid_request"),
    ],
)
async def test_create_thread_rejects_bad_input_with_exact_code(
    api: Api, app: web.Application, payload: Any, status: int, code: str
) -> None:
    error = await api.call("POST", "/api/v1/threads", api.new_identity(), json=payload)
    assert error["error"]["code"] == code, error
    assert error["error"]["message"]
    assert await _post_count(app) == 0


async def test_limits_are_inclusive(api: Api) -> None:
    created = await api.new_thread(api.new_identity(), title="t" * 200, body="b" * 4000)
    assert len(created["post"]["body"]) == 4000


async def test_unknown_thread_and_post_give_not_found(api: Api) -> None:
    who = api.new_identity()
    error = await api.call("GET", "/api/v1/threads/999999", who, expect=404)
    assert error["error"]["code"] == "thread_not_found"
    error = await api.call(
        "POST", "/api/v1/threads/999999/posts", who, json={"body": "x"}, expect=404
    )
    assert error["error"]["code"] == "thread_not_found"
    error = await api.call("GET", "/api/v1/posts/999999", who, expect=404)
    assert error["error"]["code"] == "post_not_found"
    error = await api.call("GET", "/api/v1/posts/abc", who, expect=400)
    assert error["error"]["code"] == "invalid_id"
    error = await api.call("GET", "/api/v1/boards/nowhere/threads", api.new_identity(), expect=404)
    assert error["error"]["code"] == "board_not_found"


@pytest.mark.parametrize(
    "identity", ["", "ABC", "a" * 63, "A" * 64, "g" * 64, "1" * 65, "12345678"]
)
async def test_malformed_identity_key_is_refused(api: Api, identity: str) -> None:
    error = await api.call("GET", "/api/v1/me/posts", identity, expect=400)
    assert error["error"]["code"] == "identity_malformed"


async def test_missing_identity_is_refused(api: Api) -> None:
    error = await api.call("GET", "/api/v1/me/posts", None, expect=400)
    assert error["error"]["code"] == "identity_missing"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {SERVICE_TOKEN}", "Bearer"])
async def test_missing_or_wrong_token_is_unauthorized(
    api: Api, app: web.Application, header: str | None
) -> None:
    headers = {"X-Forum-Identity": api.new_identity()}
    if header is not None:
        headers["Authorization"] = header
    response = await api.client.post(
        "/api/v1/threads", json={"board": "safety", "title": "t", "body": "b"}, headers=headers
    )
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"
    assert await _post_count(app) == 0


async def test_suspended_identity_cannot_post(api: Api, app: web.Application) -> None:
    from sqlalchemy import update

    from forum_service.storage.tables import IdentityRow

    who = api.new_identity()
    await api.call("GET", "/api/v1/me", who, expect=200)
    async with app[DATABASE].write("suspend") as session:
        await session.execute(
            update(IdentityRow)
            .where(IdentityRow.lookup == app[DATABASE].vault.identity_lookup(who))
            .values(suspended=True)
        )
    error = await api.call(
        "POST",
        "/api/v1/threads",
        who,
        json={"board": "safety", "title": "t", "body": "b"},
        expect=403,
    )
    assert error["error"]["code"] == "identity_suspended"
    assert await _post_count(app) == 0


async def test_non_json_body_is_refused(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/threads", data=b"title=x", headers=api.headers(api.new_identity())
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"


async def test_oversized_request_is_refused(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/threads",
        json={"board": "safety", "title": "t", "body": "x" * 100_000},
        headers=api.headers(api.new_identity()),
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "request_too_large"


async def test_html_is_stored_and_returned_literally(api: Api) -> None:
    created = await api.new_thread(api.new_identity(), body="<b>bold</b> & <script>x</script>")
    assert created["post"]["body"] == "<b>bold</b> & <script>x</script>"


async def test_rate_limit_applies_per_identity(api: Api) -> None:
    who = api.new_identity()
    # New identities get a quarter of the hourly limit (20 // 4 = 5).
    for n in range(5):
        await api.new_thread(who, title=f"t{n}")
    error = await api.call(
        "POST",
        "/api/v1/threads",
        who,
        json={"board": "safety", "title": "t", "body": "b"},
        expect=429,
    )
    assert error["error"]["code"] == "rate_limited"
    await api.new_thread(api.new_identity())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4100))
def test_clean_body_accepts_or_refuses_with_a_known_code(text: str) -> None:
    try:
        cleaned = clean_body(text)
    except DomainError as error:
        assert error.code in {"body_empty", "body_too_long", "text_control_characters"}
    else:
        assert cleaned and len(cleaned) <= 4000 and cleaned == cleaned.strip()
