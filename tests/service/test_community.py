"""Resources, newsletters, feedback and board management through the real API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, make_moderator, moderation_queue, new_admin
from tests.support.dbdump import dump_all_tables

LINK = "https://admins-link.example/nrm-handbook"


def code(body: dict[str, Any]) -> str:
    return str(body["error"]["code"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"url": "http://plain.example/x"}, "url_invalid"),
        ({"url": "https://"}, "url_invalid"),
        ({"url": "https://user@host.example/x"}, "url_invalid"),
        ({"url": "https://x.example/a b"}, "url_invalid"),
        ({"url": "https://x.example:0/"}, "url_invalid"),
        ({"url": "https://x.example/" + "a" * 500}, "url_too_long"),
        ({"url": None}, "resource_link_required"),
        ({"document_file_id": "BQAC-ok_1"}, "resource_link_required"),
        ({"title": "T" * 121}, "title_too_long"),
        ({"title": "Two\nlines"}, "title_multiline"),
        ({"title": "Bell\x07"}, "text_control_characters"),
        ({"description": "d" * 201}, "description_too_long"),
        ({"board": "nowhere"}, "board_not_found"),
    ],
)
async def test_a_bad_resource_is_refused_with_its_code_and_nothing_is_pinned(
    api: Api, change: dict[str, Any], expected: str
) -> None:
    admin = await new_admin(api)
    body = {"board": "safety", "title": "NRM Handbook", "description": "ODIHR/OSCE", "url": LINK}
    body.update(change)
    refused = await api.call("POST", "/api/v1/admin/resources", admin, json=body)
    assert code(refused) == expected
    listed = await api.call("GET", "/api/v1/resources", admin, expect=200)
    assert listed["resources"] == []


async def test_resources_are_listed_in_pin_order_per_board_and_unpinned(api: Api) -> None:
    admin, member = await new_admin(api), api.new_identity()
    body = {"board": "safety", "title": "<b>NRM Handbook</b>", "url": LINK}
    first = await api.call("POST", "/api/v1/admin/resources", admin, json=body, expect=201)
    pdf = {"board": "safety", "title": "Framework", "document_file_id": "BQAC-framework_1"}
    second = await api.call("POST", "/api/v1/admin/resources", admin, json=pdf, expect=201)
    other = {**body, "board": "housing", "title": "Housing guide"}
    await api.call("POST", "/api/v1/admin/resources", admin, json=other, expect=201)
    on_safety = await api.call("GET", "/api/v1/boards/safety/resources", member, expect=200)
    assert [r["title"] for r in on_safety["resources"]] == ["<b>NRM Handbook</b>", "Framework"]
    everything = await api.call("GET", "/api/v1/resources", member, expect=200)
    assert [r["board"] for r in everything["resources"]] == ["housing", "safety", "safety"]
    one = await api.call("GET", f"/api/v1/resources/{second['id']}", member, expect=200)
    assert one["document_file_id"] == "BQAC-framework_1" and one["url"] is None
    refused = await api.call("DELETE", f"/api/v1/admin/resources/{first['id']}", member)
    assert code(refused) == "admin_only"
    await api.call("DELETE", f"/api/v1/admin/resources/{first['id']}", admin, expect=200)
    again = await api.call("DELETE", f"/api/v1/admin/resources/{first['id']}", admin, expect=404)
    assert code(again) == "resource_not_found"


async def test_newsletters_are_announced_archived_and_paged_newest_first(api: Api) -> None:
    admin, member = await new_admin(api), api.new_identity()
    await api.call("POST", "/api/v1/me/subscriptions", member, json={"topic": "all"}, expect=200)
    for week in range(1, 8):
        body = {"title": f"Week {week}", "text": f"News of week {week}"}
        published = await api.call(
            "POST", "/api/v1/admin/newsletters", admin, json=body, expect=201
        )
        assert published["count"] == 1
    empty = await api.call("POST", "/api/v1/admin/newsletters", admin, json={"title": "Nothing"})
    assert code(empty) == "newsletter_empty"
    first = await api.call("GET", "/api/v1/newsletters?limit=5", member, expect=200)
    assert [n["title"] for n in first["newsletters"]] == [f"Week {w}" for w in (7, 6, 5, 4, 3)]
    rest = await api.call(
        "GET", f"/api/v1/newsletters?limit=5&cursor={first['next_cursor']}", member, expect=200
    )
    assert [n["title"] for n in rest["newsletters"]] == ["Week 2", "Week 1"]
    assert rest["next_cursor"] is None
    claimed = await api.call(
        "POST", "/api/v1/outbox/claim", json={"limit": 50, "lease_seconds": 60}, expect=200
    )
    assert sorted(n["payload"]["title"] for n in claimed["notifications"]) == sorted(
        f"Week {w}" for w in range(1, 8)
    )
    bad = await api.call("GET", "/api/v1/newsletters?cursor=x", member, expect=400)
    assert code(bad) == "cursor_invalid"


async def test_feedback_is_refused_with_pii_answered_once_and_then_forgets_its_author(
    api: Api, database_url: str
) -> None:
    admin, member = await new_admin(api), api.new_identity()
    pii = await api.call(
        "POST", "/api/v1/feedback", member, json={"text": "Mail me at jo@example.org"}
    )
    assert code(pii) == "feedback_contains_pii"
    sent = await api.call(
        "POST", "/api/v1/feedback", member, json={"text": "More forums please"}, expect=201
    )
    assert sent["signposting"] is False
    path = f"/api/v1/admin/feedback/{sent['id']}"
    shown = await api.call("GET", path, admin, expect=200)
    assert shown == {**shown, "text": "More forums please", "replied": False}
    assert member not in str(shown)
    refused = await api.call("POST", f"{path}/reply", member, json={"text": "Hi"})
    assert code(refused) == "admin_only"
    await api.call("POST", f"{path}/reply", admin, json={"text": "We will"}, expect=201)
    twice = await api.call("POST", f"{path}/reply", admin, json={"text": "Again"}, expect=409)
    assert code(twice) == "feedback_already_answered"
    ((_, _, author_seal, _, _, replied_at),) = (await dump_all_tables(database_url))["feedback"]
    assert author_seal is None and replied_at is not None
    crisis = await api.call(
        "POST", "/api/v1/feedback", member, json={"text": "I can't go on any more"}, expect=201
    )
    assert crisis["signposting"] is True


async def test_boards_are_added_renamed_archived_and_core_outcomes_stay(api: Api) -> None:
    admin, member = await new_admin(api), api.new_identity()
    moderator = api.new_identity()
    await make_moderator(api, moderator, admin)
    added = await api.call(
        "POST",
        "/api/v1/admin/boards",
        admin,
        json={"slug": "children-young-people", "title": "Children and young people"},
        expect=201,
    )
    assert added == {**added, "core": False, "archived": False, "approved_thread_count": 0}
    for slug, expected in (
        ("children-young-people", "board_exists"),
        ("Children", "slug_invalid"),
        ("a", "slug_invalid"),
        ("2024", "slug_invalid"),
        ("-kids", "slug_invalid"),
        ("kids--x", "slug_invalid"),
        ("all", "slug_invalid"),
        ("k" * 41, "slug_invalid"),
    ):
        refused = await api.call(
            "POST", "/api/v1/admin/boards", admin, json={"slug": slug, "title": "T"}
        )
        assert code(refused) == expected, slug
    thread = await api.new_thread(member, board="children-young-people", title="Ages", body="Q")
    (item,) = await moderation_queue(api, moderator)
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], "action": "approve"},
        expect=200,
    )
    renamed = await api.call(
        "PATCH", "/api/v1/admin/boards/housing", admin, json={"title": "Housing"}, expect=200
    )
    assert renamed["title"] == "Housing" and renamed["core"] is True
    core = await api.call("POST", "/api/v1/admin/boards/housing/archive", admin, expect=409)
    assert code(core) == "board_is_core"
    archived = await api.call(
        "POST", "/api/v1/admin/boards/children-young-people/archive", admin, expect=200
    )
    assert archived["archived"] is True and archived["approved_thread_count"] == 1
    listed = await api.call("GET", "/api/v1/boards", member, expect=200)
    assert "children-young-people" not in [b["slug"] for b in listed["boards"]]
    assert len(listed["boards"]) == 8
    every = await api.call("GET", "/api/v1/admin/boards", admin, expect=200)
    assert [b["slug"] for b in every["boards"] if b["archived"]] == ["children-young-people"]
    closed = await api.call(
        "POST",
        "/api/v1/threads",
        member,
        json={"board": "children-young-people", "title": "New", "body": "New"},
        expect=409,
    )
    assert code(closed) == "board_archived"
    read = await api.call("GET", f"/api/v1/threads/{thread['thread_id']}", member, expect=200)
    assert read["posts"][0]["body"] == "Q"
    again = await api.call(
        "POST", "/api/v1/admin/boards/children-young-people/archive", admin, expect=409
    )
    assert code(again) == "board_archived"
