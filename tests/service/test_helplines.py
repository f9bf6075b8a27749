"""The signposting card's helplines: the seed, and admins keeping it current."""

from __future__ import annotations

import pytest

from forum_service.services.safeguarding import MAX_HELPLINES
from tests.support.api import Api, make_moderator, new_admin

SEED = [
    ("Modern Slavery & Exploitation Helpline", "08000 121 700"),
    ("Samaritans", "116 123"),
    ("NSPCC Helpline", "0808 800 5000"),
    ("Police", "999"),
]


async def _card(api: Api) -> list[tuple[str, str]]:
    body = await api.call("GET", "/api/v1/helplines", None, expect=200)
    return [(h["name"], h["contact"]) for h in body["helplines"]]


async def test_the_card_lists_the_uk_seed_to_anyone_in_order(api: Api) -> None:
    assert await _card(api) == SEED
    body = await api.call("GET", "/api/v1/helplines", api.new_identity(), expect=200)
    assert "immediate danger" in body["helplines"][-1]["description"]


async def test_an_admin_adds_and_removes_a_helpline_and_both_are_audited(api: Api) -> None:
    admin = await new_admin(api)
    added = await api.call(
        "POST",
        "/api/v1/admin/helplines",
        admin,
        json={"name": "Shout", "contact": "text SHOUT to 85258", "description": "24/7 text"},
        expect=201,
    )
    assert await _card(api) == [*SEED, ("Shout", "text SHOUT to 85258")]

    await api.call("DELETE", f"/api/v1/admin/helplines/{added['id']}", admin, expect=200)
    assert await _card(api) == SEED
    again = await api.call("DELETE", f"/api/v1/admin/helplines/{added['id']}", admin, expect=404)
    assert again["error"]["code"] == "helpline_not_found"
    audit = await api.call("GET", "/api/v1/admin/audit", admin, expect=200)
    assert [e["action"] for e in audit["entries"][:2]] == ["helpline:remove", "helpline:add"]


async def test_moderators_and_practitioners_cannot_change_the_card(api: Api) -> None:
    moderator, practitioner = api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    for who in (moderator, practitioner):
        refused = await api.call(
            "POST",
            "/api/v1/admin/helplines",
            who,
            json={"name": "Mine", "contact": "123"},
            expect=403,
        )
        assert refused["error"]["code"] == "admin_only"
        await api.call("DELETE", "/api/v1/admin/helplines/1", who, expect=403)
    assert await _card(api) == SEED


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  ", "contact": "123"}, "name_empty"),
        ({"name": "x" * 81, "contact": "123"}, "name_too_long"),
        ({"name": "Line", "contact": "123\n456"}, "contact_multiline"),
        ({"name": "Line", "contact": "1" * 201}, "contact_too_long"),
        ({"name": "Bad\u202e", "contact": "123"}, "text_control_characters"),
        ({"name": "Line", "contact": "123", "description": "d" * 301}, "description_too_long"),
    ],
)
async def test_bad_helpline_fields_are_refused_with_a_clear_code_and_nothing_is_added(
    api: Api, fields: dict[str, str], code: str
) -> None:
    admin = await new_admin(api)
    refused = await api.call("POST", "/api/v1/admin/helplines", admin, json=fields, expect=400)
    assert refused["error"]["code"] == code
    assert await _card(api) == SEED


async def test_the_card_stays_short_enough_to_read_in_a_hurry(api: Api) -> None:
    admin = await new_admin(api)
    for n in range(MAX_HELPLINES - len(SEED)):
        await api.call(
            "POST",
            "/api/v1/admin/helplines",
            admin,
            json={"name": f"Service {n}", "contact": "0800 000 000"},
            expect=201,
        )
    full = await api.call(
        "POST",
        "/api/v1/admin/helplines",
        admin,
        json={"name": "One more", "contact": "0800 000 001"},
        expect=400,
    )
    assert full["error"]["code"] == "helplines_full"
