"""Pseudonyms are stable within a thread and unlinkable across threads."""

from __future__ import annotations

from aiohttp import web

from forum_service.domain import PostStatus
from forum_service.pseudonyms import Pseudonymizer
from tests.support.api import Api
from tests.support.storage import set_status


async def test_same_person_same_pseudonym_in_a_thread_different_across_threads(
    api: Api, app: web.Application
) -> None:
    person, other = api.new_identity(), api.new_identity()
    first = await api.new_thread(person, title="First")
    second = await api.new_thread(person, title="Second")
    await set_status(app, first["post"]["id"], PostStatus.APPROVED)
    reply = await api.call(
        "POST",
        f"/api/v1/threads/{first['thread_id']}/posts",
        person,
        json={"body": "me again"},
        expect=201,
    )
    other_reply = await api.call(
        "POST",
        f"/api/v1/threads/{first['thread_id']}/posts",
        other,
        json={"body": "someone"},
        expect=201,
    )
    assert reply["post"]["author"] == first["post"]["author"]
    assert other_reply["post"]["author"] != first["post"]["author"]
    assert second["post"]["author"] != first["post"]["author"]
    assert first["post"]["author"].startswith("Practitioner ")


def test_pseudonyms_depend_on_the_secret() -> None:
    key = "ab" * 32
    one = Pseudonymizer(b"secret-one-0123456789").for_thread(key, 1)
    two = Pseudonymizer(b"secret-two-0123456789").for_thread(key, 1)
    assert one != two
    assert key not in one
