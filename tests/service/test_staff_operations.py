"""Reject reasons, suspensions with an end and notices, appeals (issue 19) through the real API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.services.scheduler import Scheduler
from forum_service.storage.tables import AppealRow
from tests.support.api import Api, make_admin, make_moderator, moderation_queue
from tests.support.clocks import ShiftedClock


async def _claim_all(api: Api) -> list[dict[str, Any]]:
    """Claim every due notification as the bot does."""
    claimed = await api.call(
        "POST", "/api/v1/outbox/claim", json={"limit": 500, "lease_seconds": 60}, expect=200
    )
    return list(claimed["notifications"])


def _for(notices: list[dict[str, Any]], who: str, kind: str) -> list[dict[str, Any]]:
    return [n["payload"] for n in notices if n["recipient"] == who and n["kind"] == kind]


async def _team(api: Api) -> tuple[str, str]:
    admin, moderator = api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_moderator(api, moderator, admin)
    return admin, moderator


async def _decide(api: Api, moderator: str, post_id: int, **decision: Any) -> dict[str, Any]:
    expect = decision.pop("expect", 200)
    (item,) = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    return await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], **decision},
        expect=expect,
    )


async def _published(api: Api, moderator: str, author: str) -> int:
    post_id = int((await api.new_thread(author, body="Which GP registers people?"))["post"]["id"])
    await _decide(api, moderator, post_id, action="approve")
    return post_id


async def _suspend(api: Api, who: str, post_id: int, expect: int = 200, **body: Any) -> Any:
    return await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/author-suspension",
        who,
        json={"suspended": True, **body},
        expect=expect,
    )


# -- reject reasons ----------------------------------------------------------------------------


async def test_seeded_reasons_can_be_added_moved_removed_and_name_a_rejection(api: Api) -> None:
    admin, moderator = await _team(api)
    listed = await api.call("GET", "/api/v1/moderation/reject-reasons", moderator, expect=200)
    assert [r["code"] for r in listed["reasons"]] == [
        "personal_details",
        "abusive",
        "unsafe",
        "off_topic",
        "duplicate",
    ]
    added = await api.call(
        "POST",
        "/api/v1/admin/reject-reasons",
        admin,
        json={"label": "Advertising", "text": "It advertises a product or a service."},
        expect=201,
    )
    moved = await api.call(
        "POST",
        f"/api/v1/admin/reject-reasons/{added['id']}/move",
        admin,
        json={"position": 1},
        expect=200,
    )
    assert [r["label"] for r in moved["reasons"]][:2] == ["Advertising", "Personal details"]
    first = moved["reasons"][1]["id"]
    await api.call("DELETE", f"/api/v1/admin/reject-reasons/{first}", admin, expect=200)
    listed = await api.call("GET", "/api/v1/moderation/reject-reasons", moderator, expect=200)
    assert [r["position"] for r in listed["reasons"]] == [1, 2, 3, 4, 5]
    assert "personal_details" not in [r["code"] for r in listed["reasons"]]

    post_id = int((await api.new_thread(api.new_identity()))["post"]["id"])
    refused = await _decide(
        api, moderator, post_id, action="reject", reason_code="personal_details", expect=400
    )
    assert refused["error"]["code"] == "reason_unknown"
    await _decide(api, moderator, post_id, action="reject", reason_code=added["code"])
    post = await api.call("GET", f"/api/v1/posts/{post_id}", moderator, expect=200)
    assert post["post"]["status"] == "rejected"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"label": "A" * 41}, None),
        ({"label": "A" * 40, "text": "B" * 301}, None),
        ({"label": "Spam", "text": "two\nlines"}, "reason_multiline"),
        ({"label": "   "}, "label_empty"),
    ],
)
async def test_a_bad_reason_is_refused_and_nothing_is_added(
    api: Api, body: dict[str, Any], code: str | None
) -> None:
    admin, moderator = await _team(api)
    refused = await api.call("POST", "/api/v1/admin/reject-reasons", admin, json=body)
    assert code is None or refused["error"]["code"] == code
    assert "error" in refused
    listed = await api.call("GET", "/api/v1/moderation/reject-reasons", moderator, expect=200)
    assert len(listed["reasons"]) == 5


async def test_only_admins_change_reasons(api: Api) -> None:
    _, moderator = await _team(api)
    refused = await api.call(
        "POST", "/api/v1/admin/reject-reasons", moderator, json={"label": "Spam"}, expect=403
    )
    assert refused["error"]["code"] == "admin_only"


# -- suspensions -------------------------------------------------------------------------------


async def test_suspension_tells_the_person_blocks_posting_and_ends_on_its_day(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    _, moderator = await _team(api)
    author = api.new_identity()
    post_id = await _published(api, moderator, author)
    await _claim_all(api)

    done = await _suspend(api, moderator, post_id, reason="Shared an address", days=3)

    assert done["until"] is not None
    (notice,) = _for(await _claim_all(api), author, "suspension")
    assert notice["reason"] == "Shared an address"
    assert datetime.fromisoformat(notice["until"]) == datetime.fromisoformat(done["until"])
    assert datetime.fromisoformat(done["until"]) - clock() > timedelta(days=2, hours=23)
    refused = await api.call(
        "POST", "/api/v1/threads", author, json={"board": "safety", "title": "T", "body": "B"}
    )
    assert refused["error"]["code"] == "identity_suspended"

    audited = await api.call("GET", "/api/v1/admin/audit", await _admin(api), expect=200)
    moderator_handle = audited["entries"][0]["actor"]
    scheduler = Scheduler(app[DATABASE], clock=clock)
    assert await scheduler.end_suspensions() == 0  # not yet
    clock.advance(timedelta(days=3, seconds=1))
    assert await scheduler.end_suspensions() == 1
    assert _for(await _claim_all(api), author, "suspension_lifted") == [{"why": "ended"}]
    await api.new_thread(author)
    entries = await api.call("GET", "/api/v1/admin/audit", await _admin(api), expect=200)
    assert [(e["actor"], e["action"]) for e in entries["entries"][:2]] == [
        ("Policy (suspension ended)", "unsuspend"),
        (moderator_handle, "suspend"),
    ]


async def _admin(api: Api) -> str:
    admin = api.new_identity()
    await make_admin(api, admin)
    return admin


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "reason_required"),
        ({"reason": "x", "days": 0}, 422, None),
        ({"reason": "x", "days": 366}, 422, None),
        ({"reason": "x", "days": "7"}, 422, None),
        ({"reason": "x" * 501}, 422, None),
    ],
)
async def test_a_bad_suspension_is_refused_and_nobody_is_suspended(
    api: Api, body: dict[str, Any], status: int, code: str | None
) -> None:
    _, moderator = await _team(api)
    author = api.new_identity()
    post_id = await _published(api, moderator, author)
    refused = await _suspend(api, moderator, post_id, expect=status, **body)
    if code is not None:
        assert refused["error"]["code"] == code
    me = await api.call("GET", "/api/v1/me", author, expect=200)
    assert me["suspended"] is False


async def test_an_admin_suspends_a_moderator_by_handle_and_reinstates_them(api: Api) -> None:
    admin, moderator = await _team(api)
    team = await api.call("GET", "/api/v1/admin/moderators", admin, expect=200)
    (handle,) = [m["handle"] for m in team["moderators"] if m["role"] == "moderator"]
    unknown = await api.call(
        "POST",
        "/api/v1/admin/staff-suspension",
        admin,
        json={"handle": "Moderator 00000", "suspended": True, "reason": "x"},
        expect=404,
    )
    assert unknown["error"]["code"] == "handle_not_found"

    await api.call(
        "POST",
        "/api/v1/admin/staff-suspension",
        admin,
        json={"handle": handle.upper(), "suspended": True, "reason": "Abusive replies"},
        expect=200,
    )
    refused = await api.call("GET", "/api/v1/moderation/queue", moderator, expect=403)
    assert refused["error"]["code"] == "identity_suspended"
    await api.call(
        "POST",
        "/api/v1/admin/staff-suspension",
        admin,
        json={"handle": handle, "suspended": False},
        expect=200,
    )
    await api.call("GET", "/api/v1/moderation/queue", moderator, expect=200)
    notices = await _claim_all(api)
    assert _for(notices, moderator, "suspension")[0]["until"] is None
    assert _for(notices, moderator, "suspension_lifted") == [{"why": "lifted"}]


# -- appeals -----------------------------------------------------------------------------------


async def test_a_suspension_appeal_reaches_admins_once_and_lifting_it_reinstates(
    api: Api, app: web.Application
) -> None:
    admin, moderator = await _team(api)
    author = api.new_identity()
    post_id = await _published(api, moderator, author)
    not_yet = await api.call("POST", "/api/v1/appeals", author, json={"text": "Why?"}, expect=409)
    assert not_yet["error"]["code"] == "not_suspended"
    await _suspend(api, moderator, post_id, reason="Shared an address", days=7)
    await _claim_all(api)

    pii = await api.call(
        "POST", "/api/v1/appeals", author, json={"text": "Call me on 07700 900123"}, expect=400
    )
    assert pii["error"]["code"] == "appeal_contains_pii"
    sent = await api.call(
        "POST", "/api/v1/appeals", author, json={"text": "It was a <b>public</b> office."}
    )
    again = await api.call("POST", "/api/v1/appeals", author, json={"text": "Again"}, expect=409)
    assert again["error"]["code"] == "appeal_already_sent"

    (to_admin,) = _for(await _claim_all(api), admin, "appeal")
    assert to_admin["text"] == "It was a <b>public</b> office."
    assert to_admin["reason"] == "Shared an address" and to_admin["subject"] == "suspension"
    refused = await api.call(
        "POST", f"/api/v1/admin/appeals/{sent['id']}/decision", moderator, json={"lift": True}
    )
    assert refused["error"]["code"] == "admin_only"

    await api.call(
        "POST",
        f"/api/v1/admin/appeals/{sent['id']}/decision",
        admin,
        json={"lift": True, "message": "Agreed, sorry."},
        expect=200,
    )
    (outcome,) = _for(await _claim_all(api), author, "appeal_outcome")
    assert outcome["lifted"] is True and outcome["message"] == "Agreed, sorry."
    assert (await api.call("GET", "/api/v1/me", author, expect=200))["suspended"] is False
    twice = await api.call(
        "POST", f"/api/v1/admin/appeals/{sent['id']}/decision", admin, json={"lift": False}
    )
    assert twice["error"]["code"] == "appeal_answered"
    async with app[DATABASE].read("appeal_row") as session:
        row = (await session.execute(select(AppealRow))).scalar_one()
    assert row.appellant_seal is None and row.text_seal is None and row.status == "lifted"


async def test_a_hidden_post_appeal_upheld_keeps_it_hidden_lifted_shows_it(api: Api) -> None:
    admin, moderator = await _team(api)
    author, other = api.new_identity(), api.new_identity()
    kept = await _published(api, moderator, author)
    shown = await _published(api, moderator, author)
    for post_id in (kept, shown):
        await api.call(
            "POST",
            f"/api/v1/moderation/posts/{post_id}/hide",
            moderator,
            json={"reason": "Names a shelter"},
            expect=200,
        )
    mine = await api.call("POST", "/api/v1/appeals", other, json={"text": "x", "post_id": kept})
    assert mine["error"]["code"] == "post_not_found"
    first = await api.call(
        "POST", "/api/v1/appeals", author, json={"text": "It is public", "post_id": kept}
    )
    second = await api.call(
        "POST", "/api/v1/appeals", author, json={"text": "It is public", "post_id": shown}
    )
    await _claim_all(api)
    for appeal, lift in ((first, False), (second, True)):
        await api.call(
            "POST",
            f"/api/v1/admin/appeals/{appeal['id']}/decision",
            admin,
            json={"lift": lift},
            expect=200,
        )
    statuses = [
        (await api.call("GET", f"/api/v1/posts/{p}", author, expect=200))["post"]["status"]
        for p in (kept, shown)
    ]
    assert statuses == ["hidden", "approved"]
    outcomes = _for(await _claim_all(api), author, "appeal_outcome")
    assert sorted((o["post_id"], o["lifted"]) for o in outcomes) == [(kept, False), (shown, True)]
