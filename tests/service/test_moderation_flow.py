"""Queue flows end to end over the API: approve, edit, reject, resubmit, report, conflicts."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.storage.tables import NotificationRow, PostRevisionRow
from tests.support.api import Api, make_moderator, moderation_queue, new_admin


async def _item_for(api: Api, moderator: str, post_id: int) -> dict[str, Any]:
    items = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    assert len(items) == 1, items
    return items[0]


async def _decide(
    api: Api, moderator: str, item: dict[str, Any], expect: int = 200, **decision: Any
) -> Any:
    return await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], **decision},
        expect=expect,
    )


async def _notifications(app: web.Application) -> list[dict[str, Any]]:
    async with app[DATABASE].read("t") as session:
        rows = (
            await session.execute(select(NotificationRow).order_by(NotificationRow.id))
        ).scalars()
        return [{"kind": r.kind, **r.payload} for r in rows]


async def test_approve_makes_the_post_visible_and_notifies_the_author(
    api: Api, app: web.Application
) -> None:
    author, mod, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author, title="Benefits advice", body="Who can help?")
    item = await _item_for(api, mod, created["post"]["id"])
    assert item["post"]["body"] == "Who can help?" and item["screening"] == "unscreened"

    decided = await _decide(api, mod, item, action="approve")
    assert decided["item"]["status"] == "approved"
    thread = await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=200)
    assert [p["body"] for p in thread["posts"]] == ["Who can help?"]
    assert await moderation_queue(api, mod) == []
    notes = await _notifications(app)
    assert notes == [
        {
            "kind": "post_decision",
            "post_id": created["post"]["id"],
            "thread_id": created["thread_id"],
            "thread_title": "Benefits advice",
            "outcome": "approved",
        }
    ]


async def test_edit_and_approve_publishes_the_edit_keeps_history_and_tells_the_author(
    api: Api, app: web.Application
) -> None:
    author, mod, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author, body="Call her on 07700 900123 today")
    item = await _item_for(api, mod, created["post"]["id"])
    await _decide(
        api,
        mod,
        item,
        action="edit_approve",
        body="Call her on [phone removed] today",
        note="removed a phone number",
    )
    thread = await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=200)
    assert thread["posts"][0]["body"] == "Call her on [phone removed] today"
    assert thread["posts"][0]["revision"] == 2
    async with app[DATABASE].read("t") as session:
        revisions = (
            await session.execute(
                select(PostRevisionRow.kind, PostRevisionRow.body).order_by(
                    PostRevisionRow.revision
                )
            )
        ).all()
    assert [tuple(r) for r in revisions] == [
        ("submitted", "Call her on 07700 900123 today"),
        ("moderator_edit", "Call her on [phone removed] today"),
    ]
    (note,) = await _notifications(app)
    assert note["outcome"] == "edited" and note["note"] == "removed a phone number"
    assert note["changes"] and "text edited" in note["changes"][0]
    audit = await api.call("GET", "/api/v1/admin/audit", await new_admin(api), expect=200)
    assert "07700" not in str(audit), "the audit log never holds removed text"


async def test_reject_with_reason_reaches_the_author_who_can_resubmit(
    api: Api, app: web.Application
) -> None:
    author, mod, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author, body="First draft naming the family")
    post_id = created["post"]["id"]
    item = await _item_for(api, mod, post_id)
    await _decide(
        api,
        mod,
        item,
        action="reject",
        reason_code="personal_details",
        reason="Please leave out the family's name.",
    )
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert mine["posts"][0]["status"] == "rejected"
    assert mine["posts"][0]["rejection_reason"] == (
        "It contains personal details that could identify someone. "
        "Please leave out the family's name."
    )
    await api.call("GET", f"/api/v1/posts/{post_id}", reader, expect=404)
    (note,) = await _notifications(app)
    assert note["outcome"] == "rejected" and "family's name" in note["reason"]

    revised = await api.call(
        "POST",
        f"/api/v1/posts/{post_id}/revise",
        author,
        json={"body": "Second draft without names"},
        expect=200,
    )
    assert revised["post"]["status"] == "pending" and revised["post"]["revision"] == 2
    again = await _item_for(api, mod, post_id)
    assert again["version"] > item["version"] and again["screening"] == "unscreened"
    await _decide(api, mod, again, action="approve")
    thread = await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=200)
    assert thread["posts"][0]["body"] == "Second draft without names"


async def test_only_the_author_can_revise_and_only_a_rejected_post(api: Api) -> None:
    author, other = api.new_identity(), api.new_identity()
    created = await api.new_thread(author)
    post_id = created["post"]["id"]
    error = await api.call(
        "POST", f"/api/v1/posts/{post_id}/revise", other, json={"body": "hijack"}, expect=404
    )
    assert error["error"]["code"] == "post_not_found"
    error = await api.call(
        "POST", f"/api/v1/posts/{post_id}/revise", author, json={"body": "too early"}, expect=409
    )
    assert error["error"]["code"] == "not_rejected"


async def test_reject_needs_a_known_reason(api: Api) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    item = await _item_for(api, mod, created["post"]["id"])
    error = await _decide(api, mod, item, expect=400, action="reject")
    assert error["error"]["code"] == "reason_required"
    error = await _decide(api, mod, item, expect=400, action="reject", reason_code="nope")
    assert error["error"]["code"] == "reason_unknown"
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert mine["posts"][0]["status"] == "pending"


async def test_report_puts_an_approved_post_back_in_the_queue_and_reject_hides_it(
    api: Api, app: web.Application
) -> None:
    author, mod, reporter = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    post_id = created["post"]["id"]
    await _decide(api, mod, await _item_for(api, mod, post_id), action="approve")
    assert await moderation_queue(api, mod) == []

    await api.call(
        "POST",
        f"/api/v1/posts/{post_id}/reports",
        reporter,
        json={"reason": "It names a survivor"},
        expect=201,
    )
    error = await api.call(
        "POST", f"/api/v1/posts/{post_id}/reports", reporter, json={"reason": "again"}, expect=409
    )
    assert error["error"]["code"] == "already_reported"
    item = await _item_for(api, mod, post_id)
    assert item["open_reports"] == 1 and item["post"]["status"] == "approved"
    reports = await api.call("GET", "/api/v1/moderation/reports", mod, expect=200)
    assert [(r["post_id"], r["reason"]) for r in reports["reports"]] == [
        (post_id, "It names a survivor")
    ]
    assert reporter not in str(reports)

    await _decide(api, mod, item, action="reject", reason_code="unsafe")
    await api.call("GET", f"/api/v1/posts/{post_id}", reporter, expect=404)
    reports = await api.call("GET", "/api/v1/moderation/reports", mod, expect=200)
    assert reports["reports"] == []
    # The author is told the post was hidden; the reporter, that it was removed.
    assert [(n["kind"], n["outcome"]) for n in (await _notifications(app))[-2:]] == [
        ("post_decision", "hidden"),
        ("report_outcome", "removed"),
    ]


async def test_reporting_unknown_or_pending_posts_is_not_found_and_rate_limited(api: Api) -> None:
    author, reporter = api.new_identity(), api.new_identity()
    pending = await api.new_thread(author)
    error = await api.call(
        "POST",
        f"/api/v1/posts/{pending['post']['id']}/reports",
        reporter,
        json={"reason": "x"},
        expect=404,
    )
    assert error["error"]["code"] == "post_not_found"
    error = await api.call(
        "POST", "/api/v1/posts/424242/reports", reporter, json={"reason": "x"}, expect=404
    )
    assert error["error"]["code"] == "post_not_found"


async def test_second_decision_on_the_same_item_is_a_conflict(api: Api) -> None:
    author, mod1, mod2 = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod1)
    await make_moderator(api, mod2)
    created = await api.new_thread(author)
    item = await _item_for(api, mod1, created["post"]["id"])
    await _decide(api, mod1, item, action="approve")
    error = await _decide(api, mod2, item, expect=409, action="reject", reason_code="abusive")
    assert error["error"]["code"] == "already_decided"


async def test_concurrent_decisions_decide_once(api: Api, app: web.Application) -> None:
    author, mod1, mod2 = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod1)
    await make_moderator(api, mod2)
    created = await api.new_thread(author)
    item = await _item_for(api, mod1, created["post"]["id"])
    responses = await asyncio.gather(
        api.client.post(
            f"/api/v1/moderation/items/{item['id']}/decision",
            json={"version": item["version"], "action": "approve"},
            headers=api.headers(mod1),
        ),
        api.client.post(
            f"/api/v1/moderation/items/{item['id']}/decision",
            json={"version": item["version"], "action": "reject", "reason_code": "abusive"},
            headers=api.headers(mod2),
        ),
    )
    assert sorted(r.status for r in responses) == [200, 409]
    assert len(await _notifications(app)) == 1


async def test_claimed_item_cannot_be_decided_by_another_moderator(api: Api) -> None:
    author, mod1, mod2 = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod1)
    await make_moderator(api, mod2)
    created = await api.new_thread(author)
    item = await _item_for(api, mod1, created["post"]["id"])
    claimed = await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/claim",
        mod1,
        json={"version": item["version"]},
        expect=200,
    )
    assert claimed["item"]["claimed_by_me"] is True
    seen_by_other = await _item_for(api, mod2, created["post"]["id"])
    assert seen_by_other["claimed_by_other"] is True
    error = await _decide(api, mod2, item, expect=409, action="approve")
    assert error["error"]["code"] == "claimed_by_other"
    await _decide(api, mod1, item, action="approve")


async def test_stale_version_is_a_conflict(api: Api) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    item = await _item_for(api, mod, created["post"]["id"])
    error = await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"] + 5, "action": "approve"},
        expect=409,
    )
    assert error["error"]["code"] == "stale_version"


async def test_practitioners_cannot_use_moderator_or_admin_endpoints(api: Api) -> None:
    author, practitioner, mod = api.new_identity(), api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    item = await _item_for(api, mod, created["post"]["id"])
    for method, path, payload in [
        ("GET", "/api/v1/moderation/queue", None),
        ("GET", "/api/v1/moderation/reports", None),
        ("GET", f"/api/v1/moderation/items/{item['id']}", None),
        ("POST", f"/api/v1/moderation/items/{item['id']}/claim", {"version": 1}),
        (
            "POST",
            f"/api/v1/moderation/items/{item['id']}/decision",
            {"version": item["version"], "action": "approve"},
        ),
        ("POST", f"/api/v1/moderation/posts/{created['post']['id']}/hide", {"reason": "x"}),
    ]:
        error = await api.call(method, path, practitioner, json=payload, expect=403)
        assert error["error"]["code"] == "moderator_only"
    for method, path, payload in [
        ("GET", "/api/v1/admin/audit", None),
        ("POST", "/api/v1/admin/invites", {"role": "moderator"}),
        ("POST", "/api/v1/admin/watched-words", {"word": "x", "action": "flag"}),
    ]:
        error = await api.call(method, path, mod, json=payload, expect=403)
        assert error["error"]["code"] == "admin_only"
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert mine["posts"][0]["status"] == "pending"


async def test_hide_and_suspend_the_author_without_revealing_them(api: Api) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    post_id = created["post"]["id"]
    await _decide(api, mod, await _item_for(api, mod, post_id), action="approve")
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/hide",
        mod,
        json={"reason": "Shares a survivor's location"},
        expect=200,
    )
    await api.call("GET", f"/api/v1/posts/{post_id}", api.new_identity(), expect=404)
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/author-suspension",
        mod,
        json={"suspended": True, "reason": "repeated doxxing"},
        expect=200,
    )
    error = await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "t", "body": "b"},
        expect=403,
    )
    assert error["error"]["code"] == "identity_suspended"
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post_id}/author-suspension",
        mod,
        json={"suspended": False},
        expect=200,
    )
    await api.new_thread(author)
    audit = await api.call("GET", "/api/v1/admin/audit", await new_admin(api), expect=200)
    actions = [e["action"] for e in audit["entries"]]
    assert {"hide", "suspend", "unsuspend", "decide:approve"} <= set(actions)
    assert all(e["actor"].startswith("Moderator ") for e in audit["entries"])
    assert author not in str(audit) and mod not in str(audit)


async def test_blocked_word_is_refused_at_submission_and_nothing_is_stored(api: Api) -> None:
    admin, author = await new_admin(api), api.new_identity()
    await api.call(
        "POST",
        "/api/v1/admin/watched-words",
        admin,
        json={"word": "Forbiddenword", "action": "block"},
        expect=201,
    )
    error = await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "t", "body": "a forbiddenword here"},
        expect=400,
    )
    assert error["error"]["code"] == "blocked_word"
    mine = await api.call("GET", "/api/v1/me/posts", author, expect=200)
    assert mine["posts"] == []
    await api.new_thread(author, body="forbiddenwords is another word")


async def test_invites_are_one_time_and_moderators_can_be_removed_by_handle(api: Api) -> None:
    admin, mod, other = await new_admin(api), api.new_identity(), api.new_identity()
    invite = await api.call("POST", "/api/v1/admin/invites", admin, json={}, expect=201)
    await api.call("POST", "/api/v1/invites/redeem", mod, json={"code": invite["code"]}, expect=200)
    error = await api.call(
        "POST", "/api/v1/invites/redeem", other, json={"code": invite["code"]}, expect=410
    )
    assert error["error"]["code"] == "invite_used_up"
    listed = await api.call("GET", "/api/v1/admin/moderators", admin, expect=200)
    handle = next(m["handle"] for m in listed["moderators"] if m["role"] == "moderator")
    await api.call(
        "POST", "/api/v1/admin/moderators/remove", admin, json={"handle": handle}, expect=200
    )
    error = await api.call("GET", "/api/v1/moderation/queue", mod, expect=403)
    assert error["error"]["code"] == "moderator_only"


async def test_board_counts_follow_approval_and_hiding(api: Api) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)

    async def safety_count() -> int:
        boards = await api.call("GET", "/api/v1/boards", author, expect=200)
        return int({b["slug"]: b["approved_thread_count"] for b in boards["boards"]}["safety"])

    created = await api.new_thread(author)
    assert await safety_count() == 0
    await _decide(api, mod, await _item_for(api, mod, created["post"]["id"]), action="approve")
    assert await safety_count() == 1
    reply = await api.call(
        "POST",
        f"/api/v1/threads/{created['thread_id']}/posts",
        author,
        json={"body": "a reply"},
        expect=201,
    )
    await _decide(api, mod, await _item_for(api, mod, reply["post"]["id"]), action="approve")
    assert await safety_count() == 1, "replies do not count as threads"
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{created['post']['id']}/hide",
        mod,
        json={"reason": "off topic"},
        expect=200,
    )
    assert await safety_count() == 0
