"""Expert forums over the API: scheduling, TBC dates, RSVPs and waiting list, reminders, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select

from forum_service.api.keys import DATABASE
from forum_service.domain import PostStatus
from forum_service.services.scheduler import Scheduler, next_digest_time
from forum_service.storage.outbox_repo import RECIPIENT
from forum_service.storage.tables import NotificationRow
from tests.support.api import Api, new_admin
from tests.support.storage import set_status


async def _notes(app: web.Application, kind: str | None = None) -> list[dict[str, Any]]:
    async with app[DATABASE].read("t") as session:
        stmt = select(NotificationRow).order_by(NotificationRow.id)
        if kind:
            stmt = stmt.where(NotificationRow.kind == kind)
        rows = (await session.execute(stmt)).scalars()
        vault = app[DATABASE].vault
        return [
            {"recipient": vault.open_key(r.recipient_seal, RECIPIENT), "kind": r.kind, **r.payload}
            for r in rows
        ]


async def _subscribe(api: Api, topic: str) -> str:
    who = api.new_identity()
    await api.call("POST", "/api/v1/me/subscriptions", who, json={"topic": topic}, expect=200)
    return who


def _future(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(microsecond=0).isoformat()


async def _create(api: Api, admin: str, **fields: Any) -> dict[str, Any]:
    body = {"board": "safety", "title": "Safety expert forum", "lead": "Dr A. Example", **fields}
    created = await api.call("POST", "/api/v1/admin/forums", admin, json=body, expect=201)
    return dict(created["forum"])


async def test_tbc_forum_is_announced_then_date_confirmed_once(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    everyone, safety, housing = (
        await _subscribe(api, "all"),
        await _subscribe(api, "outcome:safety"),
        await _subscribe(api, "outcome:housing"),
    )
    forum = await _create(
        api,
        admin,
        tbc_label="November",
        title="Safety from any trafficker or other abuser — expert forum",
    )
    assert forum["starts_at"] is None and forum["tbc_label"] == "November"
    created = await _notes(app, "forum_announcement")
    assert {n["event"] for n in created} == {"created"}
    assert len(created) == 2, "all + safety subscribers, not housing"
    when = _future(72)
    await api.call(
        "POST",
        f"/api/v1/admin/forums/{forum['id']}/reschedule",
        admin,
        json={"starts_at": when},
        expect=200,
    )
    confirmed = [n for n in await _notes(app) if n["event"] == "date_confirmed"]
    assert len(confirmed) == 2 and confirmed[0]["starts_at"] is not None
    # A second date change is a reschedule, never a second "date confirmed".
    await api.call(
        "POST",
        f"/api/v1/admin/forums/{forum['id']}/reschedule",
        admin,
        json={"starts_at": _future(96)},
        expect=200,
    )
    events = [n["event"] for n in await _notes(app)]
    assert events.count("date_confirmed") == 2 and events.count("rescheduled") == 2
    _ = (everyone, safety, housing)


async def test_rsvp_going_gets_the_link_interested_does_not_and_full_means_waiting(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    forum = await _create(
        api, admin, starts_at=_future(48), capacity=1, join_link="https://meet.example.org/safety"
    )
    first, second, third = api.new_identity(), api.new_identity(), api.new_identity()
    going = await api.call(
        "PUT", f"/api/v1/forums/{forum['id']}/rsvp", first, json={"status": "going"}, expect=200
    )
    assert going["forum"]["my_rsvp"] == "going"
    assert going["forum"]["join_link"] == "https://meet.example.org/safety"
    waiting = await api.call(
        "PUT", f"/api/v1/forums/{forum['id']}/rsvp", second, json={"status": "going"}, expect=200
    )
    assert waiting["forum"]["my_rsvp"] == "waiting" and waiting["forum"]["join_link"] is None
    interested = await api.call(
        "PUT",
        f"/api/v1/forums/{forum['id']}/rsvp",
        third,
        json={"status": "interested"},
        expect=200,
    )
    assert interested["forum"]["join_link"] is None
    # The first drops out: the waiting person is promoted and told, with the link.
    await api.call(
        "PUT", f"/api/v1/forums/{forum['id']}/rsvp", first, json={"status": "not_going"}, expect=200
    )
    promoted = await api.call("GET", f"/api/v1/forums/{forum['id']}", second, expect=200)
    assert promoted["forum"]["my_rsvp"] == "going"
    (note,) = [n for n in await _notes(app) if n["event"] == "place_available"]
    assert note["join_link"] == "https://meet.example.org/safety"


async def test_reminders_24h_and_1h_go_to_going_and_interested_once(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    starts = datetime.now(UTC) + timedelta(hours=30)
    forum = await _create(
        api, admin, starts_at=starts.isoformat(), join_link="https://meet.example.org/x"
    )
    going, interested, nope = api.new_identity(), api.new_identity(), api.new_identity()
    for who, status in ((going, "going"), (interested, "interested"), (nope, "not_going")):
        await api.call(
            "PUT", f"/api/v1/forums/{forum['id']}/rsvp", who, json={"status": status}, expect=200
        )
    clock = {"now": datetime.now(UTC)}
    scheduler = Scheduler(app[DATABASE], clock=lambda: clock["now"])
    assert await scheduler.run_due() == 0
    clock["now"] = starts - timedelta(hours=23)  # past the 24 h mark (scheduler was "down")
    assert await scheduler.run_due() == 1
    assert await scheduler.run_due() == 0, "a due job runs once"
    reminders = await _notes(app, "forum_reminder")
    assert len(reminders) == 2
    links = sorted(str(r.get("join_link")) for r in reminders)
    assert links == ["None", "https://meet.example.org/x"]
    clock["now"] = starts - timedelta(minutes=30)
    assert await scheduler.run_due() == 1
    assert len(await _notes(app, "forum_reminder")) == 4


async def test_cancel_tells_everyone_who_answered_and_skips_reminders(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    starts = datetime.now(UTC) + timedelta(hours=30)
    forum = await _create(api, admin, starts_at=starts.isoformat())
    people = [api.new_identity() for _ in range(3)]
    for who, status in zip(people, ("going", "interested", "not_going"), strict=True):
        await api.call(
            "PUT", f"/api/v1/forums/{forum['id']}/rsvp", who, json={"status": status}, expect=200
        )
    await api.call(
        "POST",
        f"/api/v1/admin/forums/{forum['id']}/cancel",
        admin,
        json={"reason": "The lead is unwell"},
        expect=200,
    )
    cancelled = [n for n in await _notes(app) if n["event"] == "cancelled"]
    assert len(cancelled) == 2 and cancelled[0]["reason"] == "The lead is unwell"
    scheduler = Scheduler(app[DATABASE], clock=lambda: starts)
    await scheduler.run_due()
    assert await _notes(app, "forum_reminder") == []
    error = await api.call(
        "PUT", f"/api/v1/forums/{forum['id']}/rsvp", people[0], json={"status": "going"}, expect=409
    )
    assert error["error"]["code"] == "forum_cancelled"


async def test_bad_forum_input_is_refused_and_changes_nothing(
    api: Api, app: web.Application
) -> None:
    admin, practitioner = await new_admin(api), api.new_identity()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        (
            admin,
            "POST",
            "/api/v1/admin/forums",
            {"board": "safety", "title": "t", "lead": "l", "starts_at": past},
            400,
            "date_in_past",
        ),
        (
            admin,
            "POST",
            "/api/v1/admin/forums",
            {"board": "safety", "title": "t", "lead": "l", "starts_at": "next tuesday"},
            422,
            "invalid_request",
        ),
        (
            admin,
            "POST",
            "/api/v1/admin/forums",
            {"board": "safety", "title": "t", "lead": "l", "starts_at": "2030-01-01T10:00:00"},
            422,
            "invalid_request",
        ),
        (
            admin,
            "POST",
            "/api/v1/admin/forums",
            {"board": "nowhere", "title": "t", "lead": "l"},
            404,
            "board_not_found",
        ),
        (
            admin,
            "POST",
            "/api/v1/admin/forums/999/reschedule",
            {"starts_at": _future(5)},
            404,
            "forum_not_found",
        ),
        (
            practitioner,
            "POST",
            "/api/v1/admin/forums",
            {"board": "safety", "title": "t", "lead": "l"},
            403,
            "admin_only",
        ),
        (practitioner, "POST", "/api/v1/admin/announcements", {"text": "hi"}, 403, "admin_only"),
        (
            practitioner,
            "POST",
            "/api/v1/me/subscriptions",
            {"topic": "outcome:nowhere"},
            400,
            "topic_invalid",
        ),
        (
            admin,
            "POST",
            "/api/v1/admin/forums",
            {"board": "safety", "title": "t", "lead": "l", "join_link": "javascript:alert(1)"},
            422,
            "join_link_invalid",
        ),
    ]
    for who, method, path, body, status, code in cases:
        error = await api.call(method, path, who, json=body, expect=status)
        assert error["error"]["code"] == code, (path, body, error)
    listed = await api.call("GET", "/api/v1/forums", practitioner, expect=200)
    assert listed["forums"] == []
    assert await _notes(app) == []


async def test_announcement_reaches_all_subscribers_and_blocked_ones_are_unsubscribed(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    subs = [await _subscribe(api, "all") for _ in range(3)]
    sent = await api.call(
        "POST",
        "/api/v1/admin/announcements",
        admin,
        json={"text": "Weekly update", "document_file_id": "BQACAgQ"},
        expect=201,
    )
    assert sent["count"] == 3
    claimed = (
        await api.call("POST", "/api/v1/outbox/claim", None, json={"limit": 10}, expect=200)
    )["notifications"]
    blocked = next(n for n in claimed if n["recipient"] == subs[0])
    acks = [{"id": n["id"], "outcome": "blocked" if n is blocked else "sent"} for n in claimed]
    await api.call("POST", "/api/v1/outbox/ack", None, json={"acks": acks}, expect=200)
    topics = await api.call("GET", "/api/v1/me/subscriptions", subs[0], expect=200)
    assert topics["topics"] == []
    still = await api.call("GET", "/api/v1/me/subscriptions", subs[1], expect=200)
    assert still["topics"] == ["all"]


async def test_weekly_digest_lists_approved_threads_of_followed_outcomes_and_skips_empty_weeks(
    api: Api, app: web.Application
) -> None:
    reader = api.new_identity()
    for topic in ("digest", "outcome:housing"):
        await api.call(
            "POST", "/api/v1/me/subscriptions", reader, json={"topic": topic}, expect=200
        )
    everything = await _subscribe(api, "digest")
    author = api.new_identity()
    housing = await api.new_thread(author, board="housing", title="Housing thread")
    safety = await api.new_thread(author, board="safety", title="Safety thread")
    await api.new_thread(author, board="housing", title="Still pending")
    for created in (housing, safety):
        await set_status(app, created["post"]["id"], PostStatus.APPROVED)
    now = datetime.now(UTC)
    clock = {"now": now}
    scheduler = Scheduler(app[DATABASE], clock=lambda: clock["now"])
    await scheduler.ensure_digest()
    clock["now"] = next_digest_time(now) + timedelta(minutes=1)
    assert await scheduler.run_due() == 1
    digests = {n["recipient"]: n for n in await _notes(app, "digest")}
    assert len(digests) == 2
    titles = sorted(sorted(t["title"] for t in d["threads"]) for d in digests.values())
    assert titles == [["Housing thread"], ["Housing thread", "Safety thread"]]
    # The next week has nothing new: nothing is sent.
    clock["now"] = clock["now"] + timedelta(days=7)
    assert await scheduler.run_due() == 1
    assert len(await _notes(app, "digest")) == 2
    _ = everything


async def test_waiting_list_is_first_come_and_repeating_an_answer_keeps_the_place(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    forum = await _create(api, admin, starts_at=_future(48), capacity=1)
    rsvp = f"/api/v1/forums/{forum['id']}/rsvp"
    first, second, third = api.new_identity(), api.new_identity(), api.new_identity()
    for who in (first, second, third):
        await api.call("PUT", rsvp, who, json={"status": "going"}, expect=200)
    again = await api.call("PUT", rsvp, second, json={"status": "going"}, expect=200)
    assert again["forum"]["my_rsvp"] == "waiting" and again["forum"]["waiting"] == 2
    # Going → interested frees the place too: the longest waiting is promoted, not the latest.
    freed = await api.call("PUT", rsvp, first, json={"status": "interested"}, expect=200)
    assert (freed["forum"]["going"], freed["forum"]["waiting"]) == (1, 1)
    for who, expected in ((second, "going"), (third, "waiting")):
        seen = await api.call("GET", f"/api/v1/forums/{forum['id']}", who, expect=200)
        assert seen["forum"]["my_rsvp"] == expected
    assert len([n for n in await _notes(app) if n["event"] == "place_available"]) == 1


async def test_rescheduled_forum_reminds_at_the_new_time_only(
    api: Api, app: web.Application
) -> None:
    admin = await new_admin(api)
    old_start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
    forum = await _create(api, admin, starts_at=old_start.isoformat())
    going = api.new_identity()
    await api.call(
        "PUT", f"/api/v1/forums/{forum['id']}/rsvp", going, json={"status": "going"}, expect=200
    )
    reschedule = f"/api/v1/admin/forums/{forum['id']}/reschedule"
    same = await api.call(
        "POST", reschedule, admin, json={"starts_at": old_start.isoformat()}, expect=400
    )
    assert same["error"]["code"] == "date_unchanged"
    new_start = old_start + timedelta(hours=48)
    moved = await api.call(
        "POST", reschedule, admin, json={"starts_at": new_start.isoformat()}, expect=200
    )
    assert moved["forum"]["status"] == "rescheduled"
    (told,) = [n for n in await _notes(app) if n["event"] == "rescheduled"]
    assert told["starts_at"] == new_start.isoformat()
    clock = {"now": old_start - timedelta(minutes=30)}
    scheduler = Scheduler(app[DATABASE], clock=lambda: clock["now"])
    assert await scheduler.run_due() == 0, "the old reminders were skipped when it moved"
    clock["now"] = new_start - timedelta(minutes=30)
    assert await scheduler.run_due() == 2, "both new reminders, 24 h and 1 h, fall due"
    reminders = await _notes(app, "forum_reminder")
    assert sorted(r["offset"] for r in reminders) == ["1h", "24h"]
    assert {r["starts_at"] for r in reminders} == {new_start.isoformat()}
