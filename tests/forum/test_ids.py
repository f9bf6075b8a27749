"""Ids, cursors and limits from outside: one boundary parser, a documented range, 400 not 500.

Each case was a 5xx when probed from outside (PostgreSQL stored int4 ids while the API
accepted up to 2**62; ``isdigit()`` accepted "²" and "٣"; cursors past 2**63 overflowed).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from forum_service.api.params import MAX_ID
from forum_service.services.boards import encode_cursor
from tests.support.api import Api, make_admin


def test_the_documented_id_range_fits_a_signed_64_bit_column() -> None:
    assert MAX_ID == 2**63 - 1


@pytest.mark.parametrize("big", [2**31, 2**32 + 7, MAX_ID])
async def test_ids_beyond_32_bits_are_simply_not_found(api: Api, big: int) -> None:
    reader = api.new_identity()
    for path in (f"/api/v1/posts/{big}", f"/api/v1/threads/{big}", f"/api/v1/forums/{big}"):
        body = await api.call("GET", path, reader, expect=404)
        assert body["error"]["code"].endswith("_not_found")
    await api.call(
        "POST", f"/api/v1/threads/{big}/posts", reader, json={"body": "Hello"}, expect=404
    )


@pytest.mark.parametrize(
    "raw", ["%C2%B2", "%D9%A3", "00001", "0", "-1", "1e3", str(MAX_ID + 1), "9" * 5000]
)
async def test_an_id_that_is_not_plain_ascii_digits_in_range_is_refused(api: Api, raw: str) -> None:
    body = await api.call("GET", f"/api/v1/posts/{raw}", api.new_identity(), expect=400)
    assert body["error"]["code"] == "invalid_id"


@pytest.mark.parametrize("raw", ["²", "٣", "07", str(2**63), "9" * 5000, "true"])
async def test_cursors_and_limits_that_are_not_plain_numbers_are_refused(
    api: Api, raw: str
) -> None:
    admin = api.new_identity()
    await make_admin(api, admin)
    checks = {
        f"/api/v1/me/posts?cursor={raw}": "cursor_invalid",
        f"/api/v1/admin/audit?cursor={raw}": "cursor_invalid",
        f"/api/v1/boards/safety/threads?limit={raw}": "invalid_query",
        f"/api/v1/threads/1?after={raw}": "invalid_query",
    }
    for path, code in checks.items():
        response = await api.client.get(path, headers=api.headers(admin))
        assert response.status == 400, (path, response.status)
        assert (await response.json())["error"]["code"] == code


async def test_outbox_ack_ids_beyond_the_range_are_refused_not_crashed(api: Api) -> None:
    for bad in (2**63, -1, 0):
        body = await api.call(
            "POST",
            "/api/v1/outbox/ack",
            None,
            json={"acks": [{"id": bad, "outcome": "sent"}]},
            expect=422,
        )
        assert body["error"]["code"] == "invalid_request"
        assert body["error"]["message"].startswith("acks.0.id:")
    await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": 2**40, "outcome": "sent"}]},
        expect=200,
    )


async def test_a_thread_page_cursor_holding_a_non_integer_id_is_refused(api: Api) -> None:
    genuine = encode_cursor(datetime.now(UTC), 1)
    reader = api.new_identity()
    ok = await api.client.get(
        f"/api/v1/boards/safety/threads?cursor={genuine}", headers=api.headers(reader)
    )
    assert ok.status == 200
    for cursor in (
        _raw_cursor('["2026-01-01T00:00:00+00:00", true]'),
        _raw_cursor(f'["2026-01-01T00:00:00+00:00", {2**63}]'),
        _raw_cursor('["0001-01-01T00:00:00+14:00", 5]'),  # found in review: a 500
    ):
        response = await api.client.get(
            f"/api/v1/boards/safety/threads?cursor={cursor}", headers=api.headers(reader)
        )
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "cursor_invalid"


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
