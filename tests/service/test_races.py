"""Races and suspension found in review: RSVPs for the last places, claims on one item."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.support.api import Api, make_moderator, moderation_queue, new_admin


async def _forum(api: Api, admin: str, capacity: int) -> int:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    created = await api.call(
        "POST",
        "/api/v1/admin/forums",
        admin,
        json={
            "board": "safety",
            "title": "Safety planning",
            "lead": "Lead",
            "starts_at": starts,
            "capacity": capacity,
        },
        expect=201,
    )
    forum_id: int = created["forum"]["id"]
    return forum_id


async def test_many_people_taking_the_last_places_at_once_never_overbook(api: Api) -> None:
    admin = await new_admin(api)
    forum_id = await _forum(api, admin, capacity=2)
    people = [api.new_identity() for _ in range(8)]

    answers = await asyncio.gather(
        *(
            api.call("PUT", f"/api/v1/forums/{forum_id}/rsvp", p, json={"status": "going"})
            for p in people
        )
    )

    mine = [answer["forum"]["my_rsvp"] for answer in answers]
    assert sorted(mine) == ["going"] * 2 + ["waiting"] * 6, answers
    shown = (await api.call("GET", f"/api/v1/forums/{forum_id}", admin, expect=200))["forum"]
    assert (shown["going"], shown["waiting"]) == (2, 6)


async def test_a_suspended_person_cannot_rsvp(api: Api) -> None:
    admin, person = await new_admin(api), api.new_identity()
    forum_id = await _forum(api, admin, capacity=5)
    post = await api.new_thread(person)
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post['post']['id']}/author-suspension",
        admin,
        json={"suspended": True, "reason": "abuse"},
        expect=200,
    )

    refused = await api.call(
        "PUT", f"/api/v1/forums/{forum_id}/rsvp", person, json={"status": "going"}, expect=403
    )

    assert refused["error"]["code"] == "identity_suspended"


async def test_two_moderators_claiming_one_item_at_once_cannot_both_hold_it(api: Api) -> None:
    admin = await new_admin(api)
    moderators = [api.new_identity() for _ in range(4)]
    for moderator in moderators:
        await make_moderator(api, moderator, admin)
    await api.new_thread(api.new_identity())
    (item,) = await moderation_queue(api, admin)

    answers = await asyncio.gather(
        *(
            api.client.post(
                f"/api/v1/moderation/items/{item['id']}/claim",
                json={"version": item["version"]},
                headers=api.headers(moderator),
            )
            for moderator in moderators
        )
    )

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [200, 409, 409, 409]
    codes = {(await a.json())["error"]["code"] for a in answers if a.status == 409}
    assert codes == {"claimed_by_other"}
