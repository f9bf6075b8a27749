"""The role model: nobody acts on a higher role; only admins act on admins; redeeming an
invite never lowers a role. Each test reproduces a defect found by probing from outside."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api, make_admin, make_moderator


async def _post_by(api: Api, identity: str) -> int:
    created = await api.new_thread(identity, title="Anything", body="Anything at all")
    post_id: int = created["post"]["id"]
    return post_id


async def _suspend(
    api: Api, actor: str, post_id: int, expect: int, *, suspended: bool = True
) -> Any:
    return await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/author-suspension",
        actor,
        json={"suspended": suspended, "reason": "testing the role model"},
        expect=expect,
    )


async def test_a_moderator_cannot_suspend_an_admin_and_the_admin_keeps_working(api: Api) -> None:
    admin, moderator = api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_moderator(api, moderator, admin)
    post_id = await _post_by(api, admin)

    refused = await _suspend(api, moderator, post_id, 403)

    assert refused["error"]["code"] == "outranked"
    await api.call("GET", "/api/v1/admin/moderators", admin, expect=200)


async def test_a_moderator_cannot_suspend_another_moderator(api: Api) -> None:
    admin, first, second = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, first, admin)
    await make_moderator(api, second, admin)

    refused = await _suspend(api, first, await _post_by(api, second), 403)

    assert refused["error"]["code"] == "outranked"
    await api.call("GET", "/api/v1/moderation/queue", second, expect=200)


async def test_a_moderator_still_suspends_a_practitioner(api: Api) -> None:
    moderator, author = api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)

    await _suspend(api, moderator, await _post_by(api, author), 200)

    refused = await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "Again", "body": "Again"},
        expect=403,
    )
    assert refused["error"]["code"] == "identity_suspended"


async def test_an_admin_suspends_and_reinstates_a_moderator(api: Api) -> None:
    admin, moderator = api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_moderator(api, moderator, admin)
    post_id = await _post_by(api, moderator)

    await _suspend(api, admin, post_id, 200)
    await api.call("GET", "/api/v1/moderation/queue", moderator, expect=403)
    await _suspend(api, admin, post_id, 200, suspended=False)
    await api.call("GET", "/api/v1/moderation/queue", moderator, expect=200)


async def test_bootstrapping_the_configured_admins_lifts_their_suspension(api: Api) -> None:
    first, second = api.new_identity(), api.new_identity()
    await make_admin(api, first)
    await make_admin(api, second)
    await _suspend(api, second, await _post_by(api, first), 200)
    await api.call("GET", "/api/v1/admin/moderators", first, expect=403)

    await make_admin(api, first)  # what the bot does at every start for its configured admins

    await api.call("GET", "/api/v1/admin/moderators", first, expect=200)


async def test_an_admin_who_redeems_a_moderator_invite_stays_admin_and_the_code_stays_valid(
    api: Api,
) -> None:
    admin, other_admin, newcomer = api.new_identity(), api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_admin(api, other_admin)
    invite = await api.call(
        "POST", "/api/v1/admin/invites", admin, json={"role": "moderator"}, expect=201
    )

    kept = await api.call(
        "POST", "/api/v1/invites/redeem", other_admin, json={"code": invite["code"]}, expect=200
    )

    assert kept["role"] == "admin"
    assert (await api.call("GET", "/api/v1/me", other_admin, expect=200))["role"] == "admin"
    joined = await api.call(
        "POST", "/api/v1/invites/redeem", newcomer, json={"code": invite["code"]}, expect=200
    )
    assert joined["role"] == "moderator"


async def test_a_suspended_identity_cannot_redeem_an_invite(api: Api) -> None:
    admin, author = api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await _suspend(api, admin, await _post_by(api, author), 200)
    invite = await api.call(
        "POST", "/api/v1/admin/invites", admin, json={"role": "moderator"}, expect=201
    )

    refused = await api.call(
        "POST", "/api/v1/invites/redeem", author, json={"code": invite["code"]}, expect=403
    )

    assert refused["error"]["code"] == "identity_suspended"
    assert (await api.call("GET", "/api/v1/me", author, expect=200))["role"] == "practitioner"
