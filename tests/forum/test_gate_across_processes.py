"""The membership gate reads a person's standing on every request (``standing_now``, one
statement on the driver): a join, a removal or a suspension made through one API process
holds on the very next request to another on the same database."""

from __future__ import annotations

import pytest

from tests.support.api import Api, make_moderator, new_admin

pytestmark = pytest.mark.membership("invite")


async def _join(api: Api, admin: str, person: str) -> None:
    code = await api.call("POST", "/api/v1/admin/member-invites", admin, json={}, expect=201)
    await api.call(
        "POST", "/api/v1/invites/redeem", person, json={"code": code["code"]}, expect=200
    )


async def test_a_join_in_one_process_admits_at_the_other_at_once(api: Api, second_api: Api) -> None:
    admin, person = await new_admin(api), api.new_identity()
    refused = await second_api.call("GET", "/api/v1/boards", person, expect=403)
    assert refused["error"]["code"] == "membership_required"
    await _join(api, admin, person)
    await second_api.call("GET", "/api/v1/boards", person, expect=200)


async def test_a_removed_member_is_refused_by_every_process_on_the_next_request(
    api: Api, second_api: Api
) -> None:
    admin, member = await new_admin(api), api.new_identity()
    await _join(api, admin, member)
    post = (await api.new_thread(member, title="Mine"))["post"]["id"]
    thread = await second_api.call("GET", "/api/v1/boards/safety/threads", member, expect=200)
    assert isinstance(thread["threads"], list)  # admitted by both, so far

    await api.call("DELETE", f"/api/v1/admin/posts/{post}/author-membership", admin, expect=200)
    for process in (second_api, api):
        for method, path in (("GET", "/api/v1/boards"), ("GET", f"/api/v1/posts/{post}")):
            refused = await process.call(method, path, member, expect=403)
            assert refused["error"]["code"] == "membership_required"
    # Someone else is not affected.
    other = api.new_identity()
    await _join(api, admin, other)
    await second_api.call("GET", "/api/v1/boards", other, expect=200)


async def test_a_suspended_member_cannot_post_through_the_other_process_next(
    api: Api, second_api: Api
) -> None:
    admin, moderator, member = await new_admin(api), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator, admin)
    await _join(api, admin, member)
    post = (await second_api.new_thread(member, title="Before"))["post"]["id"]

    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post}/author-suspension",
        moderator,
        json={"suspended": True, "reason": "repeated doxxing"},
        expect=200,
    )
    refused = await second_api.call(
        "POST",
        "/api/v1/threads",
        member,
        json={"board": "safety", "title": "After", "body": "After"},
        expect=403,
    )
    assert refused["error"]["code"] == "identity_suspended"
