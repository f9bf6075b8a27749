"""Safeguarding: the urgent lane and its alerts, crisis signposting, fast reports, helplines."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select, update

from forum_service.api.keys import DATABASE
from forum_service.services.operator import rescreen
from forum_service.services.screening import ScreeningWorker
from forum_service.storage import rekey_repo
from forum_service.storage.tables import ModerationItemRow, ReportRow
from forum_service.vault import Vault
from moderation.policy import ModerationPolicy
from tests.support.api import (
    AT_REST_KEY,
    PSEUDONYM_SECRET,
    Api,
    make_admin,
    make_moderator,
    moderation_queue,
)
from tests.support.scorers import KeywordScorer

CRISIS = "I'm sorry to post this here. I can't go on. I've been cutting again."
CALM = "Which GP practices register people without an address?"


async def _worker_run(app: web.Application) -> None:
    worker = ScreeningWorker(app[DATABASE], KeywordScorer, ModerationPolicy(), batch_size=50)
    await worker.run_once()


async def _claim_all(api: Api) -> list[dict[str, Any]]:
    """Claim every due notification as the bot does (and leave them claimed)."""
    claimed = await api.call(
        "POST", "/api/v1/outbox/claim", json={"limit": 500, "lease_seconds": 60}, expect=200
    )
    return list(claimed["notifications"])


async def _staff(api: Api) -> tuple[str, str, str]:
    """An admin and two moderators."""
    admin, first, second = api.new_identity(), api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_moderator(api, first, admin)
    await make_moderator(api, second, admin)
    return admin, first, second


async def _approved_thread(api: Api, app: web.Application, moderator: str) -> dict[str, Any]:
    created = await api.new_thread(api.new_identity(), title="Registering with a GP", body=CALM)
    await _approve(api, moderator, created["post"]["id"])
    return created


async def _approve(api: Api, moderator: str, post_id: int, action: str = "approve") -> None:
    (item,) = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    decision: dict[str, Any] = {"version": item["version"], "action": action}
    if action == "reject":
        decision["reason_code"] = "personal_details"
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json=decision,
        expect=200,
    )


async def _age(app: web.Application, post_id: int, days: float) -> None:
    async with app[DATABASE].write("age") as session:
        await session.execute(
            update(ModerationItemRow)
            .where(ModerationItemRow.post_id == post_id)
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


# -- the urgent lane -------------------------------------------------------------------------


async def test_an_urgent_post_tops_the_queue_over_month_old_items_and_alerts_all_staff_once(
    api: Api, app: web.Application
) -> None:
    admin, first, second = await _staff(api)
    author = api.new_identity()
    old = await api.new_thread(author, title="Old", body="Call her on 07700 900123, PII first")
    await _age(app, old["post"]["id"], days=30)
    await api.new_thread(api.new_identity(), title="MENACE", body="flagged by the model")
    crisis = await api.new_thread(author, title="Struggling", body=CRISIS)

    await _worker_run(app)

    queue = await moderation_queue(api, first)
    top = queue[0]
    assert top["post"]["id"] == crisis["post"]["id"] and top["route"] == "urgent"
    assert top["rank"] < queue[1]["rank"], "first although the month-old item ranks higher"
    assert top["reasons"][0].startswith("urgent: the author may be in crisis")
    alerts = [n for n in await _claim_all(api) if n["kind"] == "moderator_alert"]
    assert {n["recipient"] for n in alerts} == {admin, first, second}
    assert len(alerts) == 3
    assert all(n["payload"]["item_id"] == top["id"] for n in alerts)
    assert "crisis" in alerts[0]["payload"]["reason"]
    assert "cutting" not in str(alerts) and "Struggling" not in str(alerts), "never the post"

    # Screened again (an operator's re-screen) at the same version: no second alert.
    assert await rescreen(app[DATABASE], include_screened=True, out=io.StringIO()) == 3
    await _worker_run(app)
    again = [n for n in await _claim_all(api) if n["kind"] == "moderator_alert"]
    assert again == []


async def test_a_staff_member_who_wrote_the_urgent_post_is_not_alerted_about_it(
    api: Api, app: web.Application
) -> None:
    admin, first, second = await _staff(api)
    await api.new_thread(
        first, title="Question", body="Does anyone know which refuge the girl went to?"
    )

    await _worker_run(app)

    alerts = [n for n in await _claim_all(api) if n["kind"] == "moderator_alert"]
    assert {n["recipient"] for n in alerts} == {admin, second}
    assert alerts[0]["payload"]["reason"] == "it may try to locate or identify someone"


@pytest.mark.parametrize(
    ("body", "signposting"),
    [
        (CRISIS, True),
        ("I want to end it.", True),
        ("The survivor said she wanted to end it.", False),
    ],
)
async def test_a_crisis_post_answers_signposting_at_once_and_on_replay(
    api: Api, body: str, signposting: bool
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    thread = await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "Today", "body": body},
        expect=201,
        **{"Idempotency-Key": "tg-1"},
    )
    assert thread["signposting"] is signposting
    replayed = await api.call(
        "POST",
        "/api/v1/threads",
        author,
        json={"board": "safety", "title": "Today", "body": body},
        expect=200,
        **{"Idempotency-Key": "tg-1"},
    )
    assert replayed["signposting"] is signposting
    await _approve(api, mod, thread["post"]["id"])
    reply = await api.call(
        "POST",
        f"/api/v1/threads/{thread['thread_id']}/posts",
        author,
        json={"body": body},
        expect=201,
    )
    assert reply["signposting"] is signposting


# -- fast reports ----------------------------------------------------------------------------


async def test_an_identifies_someone_report_holds_the_reply_and_tells_the_reporter_it_was_kept(
    api: Api, app: web.Application
) -> None:
    admin, first, second = await _staff(api)
    thread = await _approved_thread(api, app, first)
    author, reporter, reader = api.new_identity(), api.new_identity(), api.new_identity()
    reply = await api.call(
        "POST",
        f"/api/v1/threads/{thread['thread_id']}/posts",
        author,
        json={"body": "The family moved to the flats by the station."},
        expect=201,
    )
    post_id = reply["post"]["id"]
    await _approve(api, first, post_id)
    await _claim_all(api)  # the author's approval notice

    await api.call(
        "POST",
        f"/api/v1/posts/{post_id}/reports",
        reporter,
        json={"category": "identifies_someone"},
        expect=201,
    )

    path = f"/api/v1/threads/{thread['thread_id']}"
    seen = (await api.call("GET", path, reader, expect=200))["posts"][-1]
    assert (seen["id"], seen["status"], seen["body"]) == (post_id, "held", "")
    own = (await api.call("GET", path, author, expect=200))["posts"][-1]
    assert (own["status"], own["body"]) == ("held", "The family moved to the flats by the station.")
    top = (await moderation_queue(api, first))[0]
    assert (top["post"]["id"], top["route"]) == (post_id, "urgent")
    assert top["reasons"][0] == "urgent: reported as identifies someone"
    alerts = await _claim_all(api)
    assert {(n["kind"], n["recipient"]) for n in alerts} == {
        ("moderator_alert", staff) for staff in (admin, first, second)
    }
    assert alerts[0]["payload"]["reason"] == "reported as identifies someone"
    refused = await api.call(
        "POST",
        f"/api/v1/posts/{post_id}/reports",
        reader,
        json={"category": "safety_risk"},
        expect=409,
    )
    assert refused["error"]["code"] == "already_under_review"

    await _approve(api, second, post_id)

    assert (await api.call("GET", path, reader, expect=200))["posts"][-1]["body"].startswith("The")
    told = {(n["kind"], n["recipient"]): n["payload"] for n in await _claim_all(api)}
    assert told[("report_outcome", reporter)] == {"post_id": post_id, "outcome": "kept"}
    assert told[("post_decision", author)]["outcome"] == "restored"
    async with app[DATABASE].read("t") as session:
        seals = (await session.execute(select(ReportRow.reporter_seal))).scalars().all()
    assert seals == [None], "the reporter's key is cleared once they are told"


async def test_a_safety_risk_report_of_an_opening_post_holds_the_thread_until_removed(
    api: Api, app: web.Application
) -> None:
    _, first, _ = await _staff(api)
    thread = await _approved_thread(api, app, first)
    reporter, reader = api.new_identity(), api.new_identity()
    post_id = thread["post"]["id"]

    await api.call(
        "POST",
        f"/api/v1/posts/{post_id}/reports",
        reporter,
        json={"category": "safety_risk", "reason": "The title names the town."},
        expect=201,
    )

    held = await api.call("GET", f"/api/v1/threads/{thread['thread_id']}", reader, expect=404)
    assert held["error"]["code"] == "thread_held"
    assert "hidden while a moderator reviews it" in held["error"]["message"]
    listed = await api.call("GET", "/api/v1/boards/safety/threads", reader, expect=200)
    assert listed["threads"] == []
    reports = await api.call("GET", "/api/v1/moderation/reports", first, expect=200)
    assert [(r["category"], r["reason"]) for r in reports["reports"]] == [
        ("safety_risk", "The title names the town.")
    ]

    await _approve(api, first, post_id, action="reject")

    gone = await api.call("GET", f"/api/v1/threads/{thread['thread_id']}", reader, expect=404)
    assert gone["error"]["code"] == "thread_not_found"
    told = [n for n in await _claim_all(api) if n["recipient"] == reporter]
    assert [(n["kind"], n["payload"]["outcome"]) for n in told] == [("report_outcome", "removed")]


async def test_an_other_report_needs_a_reason_and_holds_nothing(
    api: Api, app: web.Application
) -> None:
    _, first, _ = await _staff(api)
    thread = await _approved_thread(api, app, first)
    path = f"/api/v1/posts/{thread['post']['id']}/reports"
    reporter = api.new_identity()

    missing = await api.call("POST", path, reporter, json={}, expect=400)
    assert missing["error"]["code"] == "reason_required"
    unknown = await api.call(
        "POST", path, reporter, json={"category": "urgent", "reason": "x"}, expect=422
    )
    assert unknown["error"]["code"] == "invalid_request"
    await api.call("POST", path, reporter, json={"reason": "Off topic"}, expect=201)

    assert (await api.call("GET", path.removesuffix("/reports"), reporter, expect=200))["post"][
        "status"
    ] == "approved"
    assert (await moderation_queue(api, first))[0]["route"] != "urgent"


async def test_rotation_reseals_unsent_reporters_and_skips_cleared_ones(
    api: Api, app: web.Application
) -> None:
    _, first, _ = await _staff(api)
    kept, pending = await _approved_thread(api, app, first), await _approved_thread(api, app, first)
    for created in (kept, pending):
        await api.call(
            "POST",
            f"/api/v1/posts/{created['post']['id']}/reports",
            api.new_identity(),
            json={"reason": "Please check"},
            expect=201,
        )
    await _approve(api, first, kept["post"]["id"])  # its reporter is told: seal cleared
    old = Vault(PSEUDONYM_SECRET, AT_REST_KEY)
    new = Vault(PSEUDONYM_SECRET, "a-new-at-rest-key-0123456789abcdefghijkl")

    async with app[DATABASE].write("rotate") as session:
        resealed = await rekey_repo.reseal(session, old, new, lambda _: None)
        seals = dict(
            (await session.execute(select(ReportRow.post_id, ReportRow.reporter_seal))).all()
        )

    assert seals[kept["post"]["id"]] is None
    blob = seals[pending["post"]["id"]]
    assert blob is not None and new.sealed_by_current(blob)
    assert resealed >= 1
