"""The membership gate (issue 15): who may read and post, codes, requests, removal.

The shared ``settings`` fixture runs everyone else's tests in open mode; here it is invite
mode unless a test asks for another with ``@pytest.mark.parametrize("settings", [...],
indirect=True)``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from forum_service.api.openapi import doc_of
from forum_service.settings import ServiceSettings
from tests.service.test_authorization_matrix import SAMPLE_BODIES
from tests.support.api import (
    Api,
    make_moderator,
    new_admin,
)
from tests.support.clocks import ShiftedClock
from tests.support.dbdump import dump_all_tables, dump_text

pytestmark = pytest.mark.membership("invite")

LABEL = "Helen Bamber Foundation caseworkers"
#: What a non-member may call besides the bot's system routes.
OPEN_TO_NON_MEMBERS = {
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/invites/redeem"),
    ("POST", "/api/v1/membership-requests"),
}


def _identity_routes(app: web.Application) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        doc = doc_of(route.handler)
        if route.method == "HEAD" or doc is None or doc.public or not doc.identity:
            continue
        found.append((route.method, str(route.resource.canonical if route.resource else "")))
    return found


def _url(path: str) -> str:
    filled = {"slug": "safety", "topic": "all"}
    return re.sub(r"{(\w+)}", lambda m: filled.get(m.group(1), "1"), path)


async def _member_code(api: Api, admin: str, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = await api.call(
        "POST", "/api/v1/admin/member-invites", admin, json=body, expect=201
    )
    return created


async def _redeem(api: Api, person: str, code: str, expect: int) -> dict[str, Any]:
    answer: dict[str, Any] = await api.call(
        "POST", "/api/v1/invites/redeem", person, json={"code": code}, expect=expect
    )
    return answer


@pytest.mark.parametrize("settings", ["invite", "approval"], indirect=True)
async def test_a_non_member_is_refused_every_route_but_me_redeem_and_request(
    api: Api, app: web.Application, settings: ServiceSettings
) -> None:
    admin = await new_admin(api)
    thread = await api.new_thread(admin, title="Members only", body="Nobody else reads this")
    stranger = api.new_identity()
    routes = _identity_routes(app)
    assert set(routes) >= OPEN_TO_NON_MEMBERS
    for method, path in routes:
        if (method, path) in OPEN_TO_NON_MEMBERS:
            continue
        response = await api.client.request(
            method,
            _url(path).replace("/1/", f"/{thread['thread_id']}/"),
            json=SAMPLE_BODIES.get((method, path)),
            headers=api.headers(stranger),
        )
        body = await response.json()
        assert response.status == 403, (method, path, response.status, body)
        assert body["error"]["code"] == "membership_required", (method, path)
        assert "invite code" in body["error"]["message"]
        if settings.membership == "approval":
            assert "membership request" in body["error"]["message"]
    me = await api.call("GET", "/api/v1/me", stranger, expect=200)
    assert (me["member"], me["membership"], me["role"]) == (
        False,
        settings.membership,
        "practitioner",
    )
    # The admin (a bootstrap admin) is a member and reads on.
    assert (await api.call("GET", "/api/v1/me", admin, expect=200))["member"] is True
    await api.call("GET", f"/api/v1/threads/{thread['thread_id']}", admin, expect=200)


@pytest.mark.parametrize("settings", ["open"], indirect=True)
async def test_in_open_mode_everybody_is_a_member(api: Api) -> None:
    stranger = api.new_identity()
    me = await api.call("GET", "/api/v1/me", stranger, expect=200)
    assert (me["member"], me["membership"]) == (True, "open")
    await api.call("GET", "/api/v1/boards", stranger, expect=200)
    await api.new_thread(stranger)


async def test_the_gate_needs_the_identity_header(api: Api) -> None:
    error = await api.call("GET", "/api/v1/boards", None, expect=400)
    assert error["error"]["code"] == "identity_missing"


async def test_a_partner_code_admits_as_many_people_as_it_has_uses(api: Api) -> None:
    admin = await new_admin(api)
    created = await _member_code(api, admin, uses=2, days=30, label=LABEL)
    assert (created["uses_left"], created["label"], created["status"]) == (2, LABEL, "active")
    code = created["code"]
    first, second, third = (api.new_identity() for _ in range(3))
    await api.call("GET", "/api/v1/boards", first, expect=403)

    assert await _redeem(api, first, code, 200) == {"role": "practitioner", "member": True}
    await api.call("GET", "/api/v1/boards", first, expect=200)
    await api.new_thread(first, title="Now a member")
    assert (await api.call("GET", "/api/v1/me", first, expect=200))["member"] is True
    # Redeeming again costs the code nothing.
    await _redeem(api, first, code, 200)
    await _redeem(api, second, code, 200)

    listed = await api.call("GET", "/api/v1/admin/member-invites", admin, expect=200)
    (shown,) = listed["invites"]
    assert (shown["code"], shown["uses_left"], shown["status"]) == (code, 0, "used_up")
    expiry = datetime.fromisoformat(shown["expires_at"])
    assert timedelta(days=29) < expiry - datetime.now(UTC) <= timedelta(days=30)

    used_up = await _redeem(api, third, code, 410)
    assert used_up["error"] == {
        "code": "invite_used_up",
        "message": "this invite code has been used up; ask whoever gave it to you for a new one",
    }
    await api.call("GET", "/api/v1/boards", third, expect=403)


async def test_defaults_are_25_uses_for_30_days(api: Api) -> None:
    admin = await new_admin(api)
    created = await _member_code(api, admin)
    assert (created["uses_left"], created["label"]) == (25, None)


async def test_expired_revoked_and_unknown_codes_are_refused_each_with_its_own_message(
    api: Api, clock: ShiftedClock
) -> None:
    admin = await new_admin(api)
    person = api.new_identity()
    expiring = (await _member_code(api, admin, days=1))["code"]
    revoked = (await _member_code(api, admin, label=LABEL))["code"]

    answer = await api.call(
        "POST", "/api/v1/admin/invites/revoke", admin, json={"code": revoked}, expect=200
    )
    assert (answer["status"], answer["label"]) == ("revoked", LABEL)
    again = await api.call(
        "POST", "/api/v1/admin/invites/revoke", admin, json={"code": revoked}, expect=409
    )
    assert again["error"]["code"] == "invite_revoked"
    refused = await _redeem(api, person, revoked, 410)
    assert refused["error"]["code"] == "invite_revoked"
    assert "withdrawn by an admin" in refused["error"]["message"]

    clock.offset = timedelta(days=2)
    refused = await _redeem(api, person, expiring, 410)
    assert refused["error"]["code"] == "invite_expired"
    assert refused["error"]["message"].startswith("this invite code expired on ")

    refused = await _redeem(api, person, "no-such-code", 404)
    assert refused["error"] == {
        "code": "invite_invalid",
        "message": "this invite code is unknown: check that you copied all of it",
    }
    unknown = await api.call(
        "POST", "/api/v1/admin/invites/revoke", admin, json={"code": "nope"}, expect=404
    )
    assert unknown["error"]["code"] == "invite_invalid"
    statuses = {
        i["code"]: i["status"]
        for i in (await api.call("GET", "/api/v1/admin/member-invites", admin, expect=200))[
            "invites"
        ]
    }
    assert statuses == {expiring: "expired", revoked: "revoked"}
    await api.call("GET", "/api/v1/boards", person, expect=403)


async def test_only_admins_make_list_and_revoke_codes_and_bad_values_are_refused(
    api: Api,
) -> None:
    admin, moderator = await new_admin(api), api.new_identity()
    await make_moderator(api, moderator, admin)
    for method, path, body in (
        ("POST", "/api/v1/admin/member-invites", {}),
        ("GET", "/api/v1/admin/member-invites", None),
        ("POST", "/api/v1/admin/invites/revoke", {"code": "x"}),
    ):
        error = await api.call(method, path, moderator, json=body, expect=403)
        assert error["error"]["code"] == "admin_only"
    for body in ({"uses": 0}, {"days": 366}, {"uses": "5"}, {"label": "x" * 121}):
        await api.call("POST", "/api/v1/admin/member-invites", admin, json=body, expect=422)
    error = await api.call(
        "POST", "/api/v1/admin/member-invites", admin, json={"label": "a\nb"}, expect=400
    )
    assert error["error"]["code"] == "label_multiline"
    error = await api.call(
        "POST", "/api/v1/admin/member-invites", admin, json={"label": "a\u202eb"}, expect=400
    )
    assert error["error"]["code"] == "text_control_characters"


async def test_a_moderator_code_makes_a_member_too(api: Api) -> None:
    moderator = api.new_identity()
    await make_moderator(api, moderator)
    await api.call("GET", "/api/v1/boards", moderator, expect=200)
    assert (await api.call("GET", "/api/v1/me", moderator, expect=200))["member"] is True


async def test_no_row_links_a_code_or_its_label_to_the_person_who_used_it(
    api: Api, database_url: str
) -> None:
    admin = await new_admin(api)
    code = (await _member_code(api, admin, label=LABEL))["code"]
    person = api.new_identity()
    await _redeem(api, person, code, 200)
    dump = await dump_all_tables(database_url)
    assert code not in dump_text(dump)  # hashed and sealed only
    assert [table for table in dump if LABEL in dump_text({table: dump[table]})] == ["invites"]
    audit = await api.call("GET", "/api/v1/admin/audit", admin, expect=200)
    join = next(e for e in audit["entries"] if e["action"] == "join")
    assert join["actor"] == "new member" and join["target_type"] == "invite"


async def test_requests_are_for_approval_mode_only(api: Api) -> None:
    error = await api.call(
        "POST", "/api/v1/membership-requests", api.new_identity(), json={"text": "hi"}, expect=409
    )
    assert error["error"]["code"] == "requests_closed"


async def _claim(api: Api) -> list[dict[str, Any]]:
    body = await api.call("POST", "/api/v1/outbox/claim", None, json={"limit": 50}, expect=200)
    claimed: list[dict[str, Any]] = body["notifications"]
    await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": n["id"], "outcome": "sent"} for n in claimed]},
        expect=200,
    )
    return claimed


@pytest.mark.parametrize("settings", ["approval"], indirect=True)
async def test_a_request_with_personal_data_is_refused_and_nothing_is_stored(
    api: Api, database_url: str
) -> None:
    await new_admin(api)
    person = api.new_identity()
    error = await api.call(
        "POST",
        "/api/v1/membership-requests",
        person,
        json={"text": "Caseworker, call me on 07700 900123"},
        expect=400,
    )
    assert error["error"]["code"] == "request_contains_pii"
    assert "phone number “07700 900123”" in error["error"]["message"]
    assert "nothing was sent" in error["error"]["message"]
    dump = await dump_all_tables(database_url)
    assert dump["membership_requests"] == [] and dump["notifications"] == []
    for text, code in (("two\nlines", "request_multiline"), ("   ", "request_empty")):
        error = await api.call(
            "POST", "/api/v1/membership-requests", person, json={"text": text}, expect=400
        )
        assert error["error"]["code"] == code
    await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": "x" * 301}, expect=422
    )
    # Refusals do not use up the one request.
    await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": "A caseworker"}, expect=201
    )


@pytest.mark.parametrize("settings", ["approval"], indirect=True)
async def test_an_approved_request_makes_a_member_and_tells_them(
    api: Api, database_url: str
) -> None:
    admin, other_admin = await new_admin(api), await new_admin(api)
    person = api.new_identity()
    text = "Support worker at a UK anti-trafficking charity"
    created = await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": text}, expect=201
    )
    again = await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": text}, expect=409
    )
    assert again["error"]["code"] == "request_pending"
    dump = await dump_all_tables(database_url)
    (row,) = dump["membership_requests"]
    assert text not in dump_text({"membership_requests": [row]})  # sealed
    notes = await _claim(api)
    assert {n["recipient"] for n in notes} == {admin, other_admin}
    assert {n["kind"] for n in notes} == {"membership_request"}
    assert notes[0]["payload"] == {"request_id": created["id"], "text": text}

    decision = f"/api/v1/admin/membership-requests/{created['id']}/decision"
    refused = await api.call("POST", decision, person, json={"approve": True}, expect=403)
    assert refused["error"]["code"] == "membership_required"
    await api.call("POST", decision, admin, json={"approve": True}, expect=200)
    stale = await api.call("POST", decision, other_admin, json={"approve": False}, expect=404)
    assert stale["error"]["code"] == "request_not_found"

    (told,) = await _claim(api)
    assert (told["recipient"], told["kind"], told["payload"]) == (
        person,
        "membership_decision",
        {"approved": True},
    )
    await api.call("GET", "/api/v1/boards", person, expect=200)
    dump = await dump_all_tables(database_url)
    assert dump["membership_requests"] == []
    member = await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": text}, expect=409
    )
    assert member["error"]["code"] == "already_member"


@pytest.mark.parametrize("settings", ["approval"], indirect=True)
async def test_a_declined_request_is_told_and_cannot_be_sent_again(api: Api) -> None:
    admin = await new_admin(api)
    person = api.new_identity()
    created = await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": "A nurse"}, expect=201
    )
    await _claim(api)
    await api.call(
        "POST",
        f"/api/v1/admin/membership-requests/{created['id']}/decision",
        admin,
        json={"approve": False},
        expect=200,
    )
    (told,) = await _claim(api)
    assert (told["recipient"], told["payload"]) == (person, {"approved": False})
    await api.call("GET", "/api/v1/boards", person, expect=403)
    again = await api.call(
        "POST", "/api/v1/membership-requests", person, json={"text": "A nurse"}, expect=409
    )
    assert again["error"]["code"] == "request_already_sent"


async def test_an_admin_removes_a_member_by_any_of_their_posts(api: Api) -> None:
    admin = await new_admin(api)
    moderator = api.new_identity()
    await make_moderator(api, moderator, admin)
    member = api.new_identity()
    await _redeem(api, member, (await _member_code(api, admin))["code"], 200)
    await api.call("POST", "/api/v1/me/subscriptions", member, json={"topic": "all"}, expect=200)
    post = (await api.new_thread(member, title="Mine"))["post"]["id"]
    staff_post = (await api.new_thread(moderator, title="Staff"))["post"]["id"]
    path = f"/api/v1/admin/posts/{post}/author-membership"

    refused = await api.call("DELETE", path, moderator, expect=403)
    assert refused["error"]["code"] == "admin_only"
    await api.call("DELETE", path, admin, expect=200)
    refused = await api.call("GET", "/api/v1/boards", member, expect=403)
    assert refused["error"]["code"] == "membership_required"
    me = await api.call("GET", "/api/v1/me", member, expect=200)
    assert me["member"] is False
    again = await api.call("DELETE", path, admin, expect=409)
    assert again["error"]["code"] == "not_a_member"
    staff = await api.call(
        "DELETE", f"/api/v1/admin/posts/{staff_post}/author-membership", admin, expect=403
    )
    assert staff["error"]["code"] == "member_is_staff"
    missing = await api.call("DELETE", "/api/v1/admin/posts/999999/author-membership", admin)
    assert missing["error"]["code"] == "post_not_found"
    # Their subscription went with the membership: they rejoin with nothing followed.
    await _redeem(api, member, (await _member_code(api, admin))["code"], 200)
    assert (await api.call("GET", "/api/v1/me/subscriptions", member, expect=200))["topics"] == []
