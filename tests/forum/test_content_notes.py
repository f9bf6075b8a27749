"""Content notes (issue 15): set by the author or by a moderator approving; returned with posts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Api, make_moderator, moderation_queue
from tests.support.dbdump import dump_all_tables


async def _thread(api: Api, author: str, expect: int = 201, **extra: Any) -> Any:
    return await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "After the raid", "body": "What happened.", **extra},
        expect=expect,
    )


async def _decide(
    api: Api, moderator: str, post_id: int, expect: int = 200, **decision: Any
) -> Any:
    (item,) = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    return await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], **decision},
        expect=expect,
    )


async def test_an_authors_note_is_stored_and_shown_to_readers_with_the_post(api: Api) -> None:
    author, moderator, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    created = await _thread(api, author, content_note="  sexual violence ")
    assert created["post"]["content_note"] == "sexual violence"
    await _decide(api, moderator, created["post"]["id"], action="approve")

    thread = await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=200)
    assert [p["content_note"] for p in thread["posts"]] == ["sexual violence"]

    replied = await api.call(
        "POST",
        f"/api/v1/threads/{created['thread_id']}/posts",
        reader,
        json={"body": "Thank you for writing this.", "content_note": "self-harm"},
        expect=201,
    )
    assert replied["post"]["content_note"] == "self-harm"
    plain = await api.call(
        "POST",
        f"/api/v1/threads/{created['thread_id']}/posts",
        reader,
        json={"body": "No note here."},
        expect=201,
    )
    assert plain["post"]["content_note"] is None


async def test_a_moderator_adds_changes_or_removes_the_note_when_approving(api: Api) -> None:
    author, moderator, admin = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, moderator, admin)
    plain = await _thread(api, author)
    noted = await _thread(api, author, content_note="child abuse")
    other = await _thread(api, author, content_note="violence")

    added = await _decide(
        api, moderator, plain["post"]["id"], action="approve", content_note="self-harm"
    )
    assert added["item"]["post"]["content_note"] == "self-harm"
    removed = await _decide(
        api, moderator, noted["post"]["id"], action="approve", content_note=None
    )
    assert removed["item"]["post"]["content_note"] is None
    changed = await _decide(
        api,
        moderator,
        other["post"]["id"],
        action="edit_approve",
        body="What happened, edited.",
        content_note="domestic violence",
    )
    assert changed["item"]["post"]["content_note"] == "domestic violence"

    audit = await api.call("GET", "/api/v1/admin/audit", admin, expect=200)
    # The audit line says that the note changed, never what it says.
    notes = [(e["details"] or {}).get("content_note") for e in audit["entries"]]
    assert sorted(n for n in notes if n) == ["added", "changed", "removed"]
    assert "self-harm" not in str(audit) and "domestic violence" not in str(audit)


async def test_a_note_on_a_rejection_is_refused_and_changes_nothing(api: Api) -> None:
    author, moderator = api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    created = await _thread(api, author)
    refused = await _decide(
        api,
        moderator,
        created["post"]["id"],
        expect=400,
        action="reject",
        reason_code="off_topic",
        content_note="self-harm",
    )
    assert refused["error"]["code"] == "content_note_not_allowed"
    (item,) = await moderation_queue(api, moderator)
    assert item["status"] == "pending" and item["post"]["content_note"] is None


async def test_revising_keeps_changes_or_removes_the_note(api: Api) -> None:
    author, moderator = api.new_identity(), api.new_identity()
    await make_moderator(api, moderator)
    created = await _thread(api, author, content_note="self-harm")
    post_id = created["post"]["id"]

    async def reject_and_revise(**revision: Any) -> Any:
        await _decide(api, moderator, post_id, action="reject", reason_code="off_topic")
        answer = await api.call(
            "POST", f"/api/v1/posts/{post_id}/revise", author, json=revision, expect=200
        )
        return answer["post"]["content_note"]

    assert await reject_and_revise(body="Second try.") == "self-harm"
    assert await reject_and_revise(body="Third try.", content_note="sexual violence") == (
        "sexual violence"
    )
    assert await reject_and_revise(body="Fourth try.", content_note=None) is None


@pytest.mark.parametrize(
    ("note", "code"),
    [
        ("", "content_note_empty"),
        ("\u200b", "content_note_empty"),
        ("x" * 81, "content_note_too_long"),
        ("self\nharm", "content_note_multiline"),
        ("self\u202eharm", "text_control_characters"),
        (7, "invalid_request"),
    ],
)
async def test_bad_notes_are_refused_and_nothing_is_stored(
    api: Api, database_url: str, note: object, code: str
) -> None:
    refused = await _thread(api, api.new_identity(), expect=422, content_note=note)
    assert refused["error"]["code"] == code
    assert (await dump_all_tables(database_url))["posts"] == []


async def test_a_replay_with_another_note_is_a_different_request(api: Api) -> None:
    author = api.new_identity()
    headers = {"Idempotency-Key": "k-1"}
    body = {"board": "safety", "title": "T", "body": "B", "content_note": "self-harm"}
    await api.call("POST", "/api/v1/threads", author, json=body, expect=201, **headers)
    await api.call("POST", "/api/v1/threads", author, json=body, expect=200, **headers)
    other = {**body, "content_note": "child abuse"}
    refused = await api.call("POST", "/api/v1/threads", author, json=other, expect=409, **headers)
    assert refused["error"]["code"] == "idempotency_key_reused"
