"""The queue view over the API: claims name their holder, Skip releases, one-tap redaction,
undo within the window (the author is told once it passed), moderators' notes and history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.services.screening import ScreeningWorker
from forum_service.storage.tables import AuditEntryRow, ModerationNoteRow, NotificationRow
from moderation.policy import ModerationPolicy
from tests.support.api import Api, make_moderator, moderation_queue
from tests.support.clocks import ShiftedClock
from tests.support.scorers import KeywordScorer

PHONE = "07700 900123"


async def _screen(app: web.Application, clock: ShiftedClock) -> None:
    worker = ScreeningWorker(
        app[DATABASE], KeywordScorer, ModerationPolicy(), batch_size=50, clock=clock
    )
    await worker.start()
    await worker.run_once()


async def _item(api: Api, moderator: str, post_id: int) -> dict[str, Any]:
    found = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    assert len(found) == 1, found
    return found[0]


async def _moderators(api: Api, count: int) -> list[str]:
    mods = [api.new_identity() for _ in range(count)]
    for mod in mods:
        await make_moderator(api, mod)
    return mods


async def _notifications(app: web.Application) -> list[tuple[str, dict[str, Any]]]:
    async with app[DATABASE].read("t") as session:
        rows = (
            await session.execute(select(NotificationRow).order_by(NotificationRow.id))
        ).scalars()
        return [(r.kind, dict(r.payload)) for r in rows if r.kind == "post_decision"]


async def test_a_claim_names_its_holder_refuses_others_and_skip_releases_it(api: Api) -> None:
    author = api.new_identity()
    first, second = await _moderators(api, 2)
    post = (await api.new_thread(author))["post"]["id"]
    item = await _item(api, first, post)
    path = f"/api/v1/moderation/items/{item['id']}"
    claimed = await api.call("POST", f"{path}/claim", first, json={"version": 1}, expect=200)
    assert claimed["item"]["claimed_by_me"] and claimed["item"]["claim_seconds_left"] > 590

    seen = await _item(api, second, post)
    assert seen["claimed_by_other"] and seen["claimed_by"].startswith("Moderator ")
    refused = await api.call(
        "POST", f"{path}/decision", second, json={"version": 1, "action": "approve"}, expect=409
    )
    assert refused["error"]["code"] == "claimed_by_other"
    assert refused["error"]["message"].startswith(
        f"{seen['claimed_by']} is working on item {item['id']} (claimed for 10 more minutes)"
    )
    # Releasing someone else's claim changes nothing; releasing one's own frees the item.
    await api.call("DELETE", f"{path}/claim", second, expect=200)
    assert (await _item(api, second, post))["claimed_by_other"]
    released = await api.call("DELETE", f"{path}/claim", first, expect=200)
    assert not released["item"]["claimed_by_me"]
    assert not (await _item(api, second, post))["claimed_by_other"]


async def test_redaction_replaces_spans_in_title_and_body_and_tells_the_author(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    author = api.new_identity()
    (mod,) = await _moderators(api, 1)
    body = f"Her mobile is {PHONE}, or write to helper@example.org today."
    created = await api.new_thread(author, title=f"Call {PHONE}", body=body)
    await _screen(app, clock)
    item = await _item(api, mod, created["post"]["id"])
    assert [(f["kind"], f["excerpt"]) for f in item["pii"]] == [
        ("phone", PHONE),
        ("phone", PHONE),
        ("email", "helper@example.org"),
    ]
    assert item["pii"][0]["label"] == "phone number"
    path = f"/api/v1/moderation/items/{item['id']}/redactions"
    # The body's phone first (finding 1), then the title's (0), then the e-mail: each later
    # span still points at the right text after the earlier ones changed lengths.
    one = await api.call("POST", path, mod, json={"version": item["version"], "finding": 1})
    assert one["item"]["post"]["body"] == (
        "Her mobile is [phone number], or write to helper@example.org today."
    )
    two = await api.call("POST", path, mod, json={"version": one["item"]["version"], "finding": 0})
    assert two["item"]["post"]["thread_title"] == "Call [phone number]"
    assert [f["excerpt"] for f in two["item"]["pii"]] == ["helper@example.org"]
    three = await api.call(
        "POST", path, mod, json={"version": two["item"]["version"], "finding": 0}
    )
    final = three["item"]
    assert final["post"]["body"] == (
        "Her mobile is [phone number], or write to [e-mail address] today."
    )
    assert final["pii"] == [] and final["redactions"] == ["phone", "phone", "email"]
    assert final["status"] == "pending" and final["post"]["status"] == "pending"
    # A stale button (the version before) is refused; nothing changes.
    stale = await api.call(
        "POST", path, mod, json={"version": item["version"], "finding": 0}, expect=409
    )
    assert stale["error"]["code"] == "stale_version"
    gone = await api.call(
        "POST", path, mod, json={"version": final["version"], "finding": 0}, expect=400
    )
    assert gone["error"]["code"] == "finding_not_found"

    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": final["version"], "action": "approve"},
        expect=200,
    )
    assert await _notifications(app) == [
        (
            "post_decision",
            {
                "post_id": created["post"]["id"],
                "thread_id": created["thread_id"],
                "thread_title": "Call [phone number]",
                "outcome": "edited",
                "changes": [
                    "phone number replaced by [phone number]",
                    "e-mail address replaced by [e-mail address]",
                ],
            },
        )
    ]


async def test_a_practitioner_cannot_redact_and_bad_findings_are_refused(api: Api) -> None:
    author = api.new_identity()
    (mod,) = await _moderators(api, 1)
    created = await api.new_thread(author, body="Nothing personal here.")
    item = await _item(api, mod, created["post"]["id"])
    path = f"/api/v1/moderation/items/{item['id']}/redactions"
    await api.call("POST", path, author, json={"version": 1, "finding": 0}, expect=403)
    for bad in ({"version": 1, "finding": -1}, {"version": 1}, {"version": 1, "finding": "0"}):
        await api.call("POST", path, mod, json=bad, expect=422)
    await api.call(
        "POST",
        "/api/v1/moderation/items/999999/redactions",
        mod,
        json={"version": 1, "finding": 0},
        expect=404,
    )


@pytest.mark.undo_window(300)
async def test_undo_within_the_window_restores_the_item_and_the_author_is_told_once(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    author, reader = api.new_identity(), api.new_identity()
    (mod,) = await _moderators(api, 1)
    created = await api.new_thread(author, title="Undo me", body="A question.")
    item = await _item(api, mod, created["post"]["id"])
    base = f"/api/v1/moderation/items/{item['id']}"
    decided = await api.call(
        "POST", f"{base}/decision", mod, json={"version": item["version"], "action": "approve"}
    )
    assert 290 < decided["item"]["undo_seconds_left"] <= 300
    thread = f"/api/v1/threads/{created['thread_id']}"
    await api.call("GET", thread, reader, expect=200)
    # Nothing is handed to the bot during the window.
    claim = {"limit": 10, "lease_seconds": 30}
    assert (await api.call("POST", "/api/v1/outbox/claim", None, json=claim))["notifications"] == []

    clock.advance(timedelta(minutes=2))
    undone = await api.call(
        "POST", f"{base}/undo", mod, json={"version": decided["item"]["version"]}
    )
    assert undone["item"]["status"] == "pending" and undone["item"]["claimed_by_me"]
    assert undone["item"]["post"]["status"] == "pending"
    await api.call("GET", thread, reader, expect=404)
    assert await _notifications(app) == []
    # A second press of the same Undo button is refused.
    again = await api.call(
        "POST", f"{base}/undo", mod, json={"version": decided["item"]["version"]}, expect=409
    )
    assert again["error"]["code"] == "not_decided"

    await api.call(
        "POST",
        f"{base}/decision",
        mod,
        json={"version": undone["item"]["version"], "action": "reject", "reason_code": "off_topic"},
    )
    clock.advance(timedelta(minutes=6))
    told = (await api.call("POST", "/api/v1/outbox/claim", None, json=claim))["notifications"]
    assert [(n["recipient"], n["payload"]["outcome"]) for n in told] == [(author, "rejected")]


@pytest.mark.undo_window(300)
async def test_undo_by_another_moderator_or_after_the_window_is_refused(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    author = api.new_identity()
    mod, other = await _moderators(api, 2)
    created = await api.new_thread(author)
    item = await _item(api, mod, created["post"]["id"])
    base = f"/api/v1/moderation/items/{item['id']}"
    decided = await api.call(
        "POST", f"{base}/decision", mod, json={"version": item["version"], "action": "approve"}
    )
    version = {"version": decided["item"]["version"]}
    refused = await api.call("POST", f"{base}/undo", other, json=version, expect=403)
    assert refused["error"]["code"] == "not_your_decision"
    await api.call("POST", f"{base}/undo", author, json=version, expect=403)
    clock.advance(timedelta(minutes=5, seconds=1))
    late = await api.call("POST", f"{base}/undo", mod, json=version, expect=409)
    assert late["error"]["code"] == "undo_expired"
    assert "5 minutes" in late["error"]["message"]
    assert [p["outcome"] for _, p in await _notifications(app)] == ["approved"]


async def test_without_an_undo_window_nothing_can_be_undone_and_the_author_is_told_at_once(
    api: Api, app: web.Application
) -> None:
    author = api.new_identity()
    (mod,) = await _moderators(api, 1)
    created = await api.new_thread(author)
    item = await _item(api, mod, created["post"]["id"])
    base = f"/api/v1/moderation/items/{item['id']}"
    decided = await api.call(
        "POST", f"{base}/decision", mod, json={"version": item["version"], "action": "approve"}
    )
    assert decided["item"]["undo_seconds_left"] == 0
    refused = await api.call(
        "POST", f"{base}/undo", mod, json={"version": decided["item"]["version"]}, expect=409
    )
    assert refused["error"]["code"] == "undo_not_available"
    claim = {"limit": 10, "lease_seconds": 30}
    told = (await api.call("POST", "/api/v1/outbox/claim", None, json=claim))["notifications"]
    assert [n["payload"]["outcome"] for n in told] == ["approved"]


async def test_notes_on_items_and_authors_are_for_staff_sealed_and_come_with_history(
    api: Api, app: web.Application
) -> None:
    author, someone = api.new_identity(), api.new_identity()
    (mod,) = await _moderators(api, 1)
    # Two earlier posts of the author, in different threads, rejected.
    for reason in ("personal_details", "personal_details"):
        old = await api.new_thread(author)
        old_item = await _item(api, mod, old["post"]["id"])
        await api.call(
            "POST",
            f"/api/v1/moderation/items/{old_item['id']}/decision",
            mod,
            json={"version": old_item["version"], "action": "reject", "reason_code": reason},
        )
    other = await api.new_thread(someone)
    other_item = await _item(api, mod, other["post"]["id"])
    current = await api.new_thread(author, title="Third try")
    item = await _item(api, mod, current["post"]["id"])
    path = f"/api/v1/moderation/items/{item['id']}/notes"

    await api.call("POST", path, mod, json={"text": "Asked to rephrase."}, expect=201)
    await api.call(
        "POST", path, mod, json={"text": "Keeps naming a shelter.", "about": "author"}, expect=201
    )
    found = await api.call("GET", path, mod, expect=200)
    assert found["history"] == (
        "2 earlier posts by this author were rejected: identifying details (2)"
    )
    assert [(n["about"], n["text"]) for n in found["notes"]] == [
        ("item", "Asked to rephrase."),
        ("author", "Keeps naming a shelter."),
    ]
    assert found["notes"][0]["author_handle"].startswith("Moderator ")
    # Another author's item shows neither note, and no history.
    elsewhere = await api.call(
        "GET", f"/api/v1/moderation/items/{other_item['id']}/notes", mod, expect=200
    )
    assert elsewhere["notes"] == []
    assert elsewhere["history"] == "No earlier post by this author was rejected."

    for caller in (author, someone):
        await api.call("GET", path, caller, expect=403)
        await api.call("POST", path, caller, json={"text": "hi"}, expect=403)
    for bad in ({"text": ""}, {"text": "x" * 501}, {"text": "a\u202eb"}, {"about": "item"}):
        await api.call("POST", path, mod, json=bad, expect=422)
    await api.call(
        "POST", "/api/v1/moderation/items/999999/notes", mod, json={"text": "x"}, expect=404
    )
    async with app[DATABASE].read("t") as session:
        rows = list((await session.execute(select(ModerationNoteRow))).scalars())
    assert len(rows) == 2
    assert all(b"shelter" not in r.body_seal and b"rephrase" not in r.body_seal for r in rows)
    assert {r.subject.split(":")[0] for r in rows} == {"item", "author"}


async def test_the_audit_line_of_a_note_on_an_author_names_no_item_nor_post(
    api: Api, app: web.Application
) -> None:
    # Notes on one author share one tag; an audit line naming the item each was written from
    # (same time, same order) would tie the author's posts in different threads together.
    author = api.new_identity()
    (mod,) = await _moderators(api, 1)
    items = []
    for _ in range(2):
        thread = await api.new_thread(author)
        items.append(await _item(api, mod, thread["post"]["id"]))
    for item in items:
        path = f"/api/v1/moderation/items/{item['id']}/notes"
        await api.call("POST", path, mod, json={"text": "Names a shelter.", "about": "author"})
    await api.call(
        "POST", f"/api/v1/moderation/items/{items[0]['id']}/notes", mod, json={"text": "Fine."}
    )
    async with app[DATABASE].read("t") as session:
        notes = list((await session.execute(select(AuditEntryRow))).scalars())
    lines = [(r.action, r.target_type, r.target_id) for r in notes if r.action.startswith("note")]
    assert lines == [
        ("note:author", "author", None),
        ("note:author", "author", None),
        ("note:item", "item", items[0]["id"]),
    ]
    # The notes are still found from either post.
    for item in items:
        found = await api.call(
            "GET", f"/api/v1/moderation/items/{item['id']}/notes", mod, expect=200
        )
        assert [n["about"] for n in found["notes"]].count("author") == 2


@pytest.mark.undo_window(300)
async def test_hiding_a_post_inside_its_undo_window_tells_the_author_only_hidden(
    api: Api, app: web.Application
) -> None:
    author = api.new_identity()
    (mod,) = await _moderators(api, 1)
    created = await api.new_thread(author)
    item = await _item(api, mod, created["post"]["id"])
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"], "action": "approve"},
    )
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{created['post']['id']}/hide",
        mod,
        json={"reason": "Names a shelter."},
    )
    assert [p["outcome"] for _, p in await _notifications(app)] == ["hidden"]
