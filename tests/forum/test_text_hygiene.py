"""One text-hygiene rule for every text field: garbage is refused with a clear code, not stored.

Each case was stored (or a 500) when probed from outside: lone surrogates, invisible-only
titles, U+2028 in a one-line title, right-to-left marks, control characters in report reasons.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from forum_service.api.keys import DATABASE
from forum_service.domain import DomainError, PostStatus
from forum_service.storage.tables import ReportRow
from forum_service.validation import clean_text, clean_title
from tests.support.api import Api, new_admin
from tests.support.storage import set_status

INVISIBLE = [
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "\u2060",  # word joiner
    "\u3164",  # Hangul filler
    "\u2800",  # blank braille pattern
    "\U000e0041\U000e0042",  # tag characters
    "\ufe0f",  # variation selector
    "\u00ad",  # soft hyphen
]


@pytest.mark.parametrize("invisible", INVISIBLE)
def test_a_title_of_invisible_characters_only_is_empty(invisible: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_title(f" {invisible}{invisible} ")
    assert caught.value.code == "title_empty"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_unicode_line_separators_are_line_breaks(separator: str) -> None:
    assert clean_text(f"one{separator}two", field="body", max_length=100) == "one\ntwo"
    with pytest.raises(DomainError) as caught:
        clean_title(f"one{separator}two")
    assert caught.value.code == "title_multiline"


@pytest.mark.parametrize("control", ["\u2066", "\u202e", "\u202a"])
def test_direction_overrides_and_isolates_are_refused(control: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_text(f"abc{control}def", field="reason", max_length=100)
    assert caught.value.code == "text_control_characters"


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("שלום \u200f(054) עולם", "שלום (054) עולם"),
        ("مرحبا\u061c 2024", "مرحبا 2024"),
        ("abc\u200edef", "abcdef"),
    ],
)
def test_direction_marks_of_right_to_left_writers_are_dropped_not_refused(
    written: str, stored: str
) -> None:
    """Phone keyboards type LRM/RLM/ALM in mixed Hebrew or Arabic and Latin text."""
    assert clean_text(written, field="body", max_length=100) == stored


def test_a_text_of_direction_marks_only_is_empty() -> None:
    with pytest.raises(DomainError) as caught:
        clean_text("\u200f\u200e", field="title", max_length=100)
    assert caught.value.code == "title_empty"


def test_visible_text_with_emoji_flags_and_accents_is_kept_as_written() -> None:
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    text = f"Café meeting in Łódź {england} ❤️"
    assert clean_text(text, field="body", max_length=100) == text


async def _raw(api: Api, method: str, path: str, identity: str, body: str) -> Any:
    response = await api.client.request(
        method,
        path,
        data=body.encode(),
        headers={**api.headers(identity), "Content-Type": "application/json"},
    )
    return response.status, await response.json()


@pytest.mark.parametrize(
    "payload",
    [
        '{"board": "safety", "title": "x\\ud800", "body": "fine"}',
        '{"board": "safety", "title": "fine", "body": "lone \\udfff surrogate"}',
    ],
)
async def test_a_lone_surrogate_is_refused_not_a_server_error(api: Api, payload: str) -> None:
    status, body = await _raw(api, "POST", "/api/v1/threads", api.new_identity(), payload)
    assert status == 422
    assert body["error"]["code"] == "text_invalid_unicode"


async def test_report_reasons_get_the_same_hygiene(api: Api, app: web.Application) -> None:
    author, reader = api.new_identity(), api.new_identity()
    created = await api.new_thread(author)
    await set_status(app, created["post"]["id"], PostStatus.APPROVED)
    path = f"/api/v1/posts/{created['post']['id']}/reports"
    for reason, code in (
        ("spam\u202e", "text_control_characters"),
        ("\u200b\u200b", "reason_empty"),
    ):
        body = await api.call("POST", path, reader, json={"reason": reason}, expect=422)
        assert body["error"]["code"] == code
    status, body = await _raw(api, "POST", path, reader, '{"reason": "x\\ud800"}')
    assert (status, body["error"]["code"]) == (422, "text_invalid_unicode")
    async with app[DATABASE].read("reports") as session:
        assert await session.scalar(select(func.count()).select_from(ReportRow)) == 0


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ("https://meet.example/\u202eabc", "text_control_characters"),
        ("https://meet.exаmple/x", "join_link_invalid"),  # Cyrillic "а": a look-alike host
        ("http://meet.example/x", "join_link_invalid"),
    ],
)
async def test_a_join_link_gets_the_same_hygiene_and_must_be_plain_https(
    api: Api, link: str, code: str
) -> None:
    admin = await new_admin(api)
    body = await api.call(
        "POST",
        "/api/v1/admin/forums",
        admin,
        json={"board": "safety", "title": "T", "lead": "L", "join_link": link},
        expect=422,
    )
    assert body["error"]["code"] == code
