"""Alerts and duty (issue 19): queue alerts at once or batched, urgent items and reports at
once, nothing for staff off duty, the admins' SLA summary, and the workload figures."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from forum_service.api.keys import DATABASE
from forum_service.services.alerts import next_sla_time
from forum_service.services.scheduler import Scheduler
from forum_service.services.screening import ScreeningWorker
from moderation.policy import ModerationPolicy
from tests.support.api import Api, make_admin, make_moderator, moderation_queue
from tests.support.clocks import ShiftedClock
from tests.support.scorers import KeywordScorer

CRISIS = "I'm sorry to post this here. I can't go on. I've been cutting again."


class FrozenClock(ShiftedClock):
    """Still time (whole seconds, as stored), moved only by ``advance``: exact waits."""

    def __init__(self) -> None:
        super().__init__()
        self.start = datetime(2031, 5, 6, 10, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.start + self.offset


@pytest.fixture
def clock() -> ShiftedClock:
    """The app's clock, frozen."""
    return FrozenClock()


def _worker(app: web.Application, clock: ShiftedClock) -> ScreeningWorker:
    return ScreeningWorker(
        app[DATABASE], KeywordScorer, ModerationPolicy(), batch_size=50, clock=clock
    )


async def _claim_all(api: Api) -> list[dict[str, Any]]:
    """Deliver every due notification as the bot does: claim, then acknowledge as sent."""
    claimed = await api.call(
        "POST", "/api/v1/outbox/claim", json={"limit": 500, "lease_seconds": 60}, expect=200
    )
    acks = [{"id": n["id"], "outcome": "sent"} for n in claimed["notifications"]]
    await api.call("POST", "/api/v1/outbox/ack", None, json={"acks": acks}, expect=200)
    return list(claimed["notifications"])


async def _alerts(api: Api, kind: str = "queue_alert") -> dict[str, dict[str, Any]]:
    """Recipient → payload of the due notifications of ``kind`` (one each, asserted)."""
    found = [n for n in await _claim_all(api) if n["kind"] == kind]
    by_recipient = {n["recipient"]: n["payload"] for n in found}
    assert len(by_recipient) == len(found), "one per person"
    return by_recipient


async def _team(api: Api) -> tuple[str, str]:
    admin, moderator = api.new_identity(), api.new_identity()
    await make_admin(api, admin)
    await make_moderator(api, moderator, admin)
    return admin, moderator


async def _duty(api: Api, who: str, on: bool | None = None, expect: int = 200) -> Any:
    if on is None:
        return await api.call("GET", "/api/v1/moderation/duty", who, expect=expect)
    return await api.call(
        "PUT", "/api/v1/moderation/duty", who, json={"on_duty": on}, expect=expect
    )


async def test_duty_is_on_for_a_new_moderator_and_only_staff_have_one(api: Api) -> None:
    admin, moderator = await _team(api)
    assert await _duty(api, moderator) == {"on_duty": True}
    assert await _duty(api, moderator, False) == {"on_duty": False}
    assert await _duty(api, moderator) == {"on_duty": False}
    assert await _duty(api, admin) == {"on_duty": True}, "one moderator's duty is their own"
    practitioner = api.new_identity()
    refused = await _duty(api, practitioner, True, expect=403)
    assert refused["error"]["code"] == "moderator_only"
    for bad in ({"on_duty": "yes"}, {"on_duty": 1}, {}, {"on_duty": True, "x": 1}):
        answer = await api.call("PUT", "/api/v1/moderation/duty", moderator, json=bad)
        assert "error" in answer, bad
    assert await _duty(api, moderator) == {"on_duty": False}, "a bad request changes nothing"


async def test_the_first_item_alerts_at_once_later_ones_wait_for_the_batch_window(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    worker, scheduler = _worker(app, clock), Scheduler(app[DATABASE], clock=clock)
    author = api.new_identity()

    await api.new_thread(author, title="Deposits", body="Who pays the deposit?")
    await worker.run_once()
    first = await _alerts(api)
    assert set(first) == {admin, moderator}
    assert first[moderator] == {"waiting": 1, "oldest_seconds": 0, "first": True}

    clock.advance(timedelta(minutes=3))
    await api.new_thread(author, title="GP", body="Which GP registers without an address?")
    await worker.run_once()
    assert await _alerts(api) == {}, "inside the window: no second message"
    clock.advance(timedelta(minutes=6))
    assert await scheduler.run_due() == 0, "the window has not passed yet"

    clock.advance(timedelta(minutes=1, seconds=1))  # 10 min after the first alert
    assert await scheduler.run_due() == 1
    batched = await _alerts(api)
    assert set(batched) == {admin, moderator}
    assert batched[moderator] == {
        "waiting": 2,
        "oldest_seconds": (3 + 6 + 1) * 60 + 1,
        "first": False,
    }
    assert await scheduler.run_due() == 0
    assert await _alerts(api) == {}, "one batch, once"

    # The window has passed since the batch: a new item is told at once, with the count.
    clock.advance(timedelta(minutes=11))
    await api.new_thread(author, title="Housing", body="Any housing advice for a family?")
    await worker.run_once()
    assert (await _alerts(api))[moderator]["waiting"] == 3


async def test_off_duty_staff_get_nothing_and_on_duty_again_they_do(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    worker = _worker(app, clock)
    await _duty(api, moderator, False)
    await api.new_thread(api.new_identity(), title="Deposits", body="Who pays the deposit?")
    await worker.run_once()
    assert set(await _alerts(api)) == {admin}

    await api.new_thread(api.new_identity(), title="Crisis", body=CRISIS)
    await worker.run_once()
    assert set(await _alerts(api, "moderator_alert")) == {admin}, "urgent: on duty only"

    await _duty(api, moderator, True)
    clock.advance(timedelta(minutes=11))
    await api.new_thread(api.new_identity(), title="GP", body="Which GP registers people?")
    await worker.run_once()
    assert set(await _alerts(api)) == {admin, moderator}


async def test_an_urgent_item_alerts_at_once_inside_the_window_and_nobody_on_duty_means_admins(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    worker = _worker(app, clock)
    await api.new_thread(api.new_identity(), title="Deposits", body="Who pays the deposit?")
    await worker.run_once()
    assert set(await _alerts(api)) == {admin, moderator}

    clock.advance(timedelta(minutes=1))
    await api.new_thread(api.new_identity(), title="Struggling", body=CRISIS)
    await worker.run_once()
    urgent = await _alerts(api, "moderator_alert")
    assert set(urgent) == {admin, moderator}
    assert urgent[moderator]["lane"] == "urgent" and "crisis" in urgent[moderator]["reason"]

    for person in (admin, moderator):
        await _duty(api, person, False)
    await api.new_thread(api.new_identity(), title="Again", body=CRISIS)
    await worker.run_once()
    assert set(await _alerts(api, "moderator_alert")) == {admin}, "never to no one"


async def test_a_report_alerts_staff_at_once_but_not_the_reporter_or_author(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    second = api.new_identity()
    await make_moderator(api, second, admin)
    worker = _worker(app, clock)
    created = await api.new_thread(second, title="Deposits", body="Who pays the deposit?")
    await worker.run_once()
    (item,) = await moderation_queue(api, moderator)
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], "action": "approve"},
        expect=200,
    )
    await _claim_all(api)

    await api.call(
        "POST",
        f"/api/v1/posts/{created['post']['id']}/reports",
        admin,
        json={"reason": "Call 07700 900123 <b>now</b>", "category": "other"},
        expect=201,
    )
    alerts = await _alerts(api, "moderator_alert")
    assert set(alerts) == {moderator}, "not the reporter (admin), not the author (second)"
    assert alerts[moderator]["lane"] == "report"
    assert "07700" not in str(alerts), "never the reporter's words"


async def _wait_and_decide(
    api: Api, clock: ShiftedClock, moderator: str, minutes: int, action: str
) -> None:
    clock.advance(timedelta(minutes=minutes))
    item = (await moderation_queue(api, moderator))[0]
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


async def test_the_sla_summary_reaches_admins_only_when_something_waited_too_long(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, _ = await _team(api)
    worker, scheduler = _worker(app, clock), Scheduler(app[DATABASE], clock=clock)
    await api.new_thread(api.new_identity(), title="Deposits", body="Who pays the deposit?")
    await api.new_thread(api.new_identity(), title="MENACE", body="flagged by the model")
    await worker.run_once()
    await scheduler.ensure_sla_summary()
    await scheduler.ensure_sla_summary()  # idempotent
    await _claim_all(api)

    due = next_sla_time(clock())
    clock.advance(due - clock() + timedelta(seconds=5))  # 22 h later: under the 24 h SLA
    assert await scheduler.run_due() >= 1
    assert await _alerts(api, "queue_sla") == {}

    clock.advance(timedelta(days=1))  # the next day's summary: both have waited 46 h
    assert await scheduler.run_due() >= 1
    summary = await _alerts(api, "queue_sla")
    assert set(summary) == {admin}, "admins only"
    waited = int((clock() - FrozenClock().start).total_seconds())
    assert summary[admin] == {
        "sla_hours": 24.0,
        "total": 2,
        "oldest_seconds": waited,
        "lanes": [
            {"lane": "flagged", "count": 1, "oldest_seconds": waited},
            {"lane": "low_risk", "count": 1, "oldest_seconds": waited},
        ],
    }


async def test_modstats_and_metrics_give_decisions_per_day_median_p90_and_oldest_waiting(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    worker = _worker(app, clock)
    for title in ("One", "Two", "Three", "Four"):
        await api.new_thread(api.new_identity(), title=title, body=f"{title}: who pays?")
    await worker.run_once()
    # Waits of 10, 30 and 60 minutes; the fourth item still waits (70 min by the end).
    await _wait_and_decide(api, clock, moderator, 10, "approve")
    await _wait_and_decide(api, clock, moderator, 20, "reject")
    await _wait_and_decide(api, clock, moderator, 30, "approve")
    clock.advance(timedelta(minutes=10))

    refused = await api.call("GET", "/api/v1/admin/modstats", moderator, expect=403)
    assert refused["error"]["code"] == "admin_only"
    for bad in ("0", "91", "x", "-1"):
        await api.call("GET", f"/api/v1/admin/modstats?days={bad}", admin, expect=400)
    stats = await api.call("GET", "/api/v1/admin/modstats?days=3", admin, expect=200)
    assert stats["days"] == 3
    lanes = {lane["lane"]: lane for lane in stats["lanes"]}
    assert list(lanes) == ["urgent", "flagged", "review", "low_risk", "unscreened", "all"]
    low = lanes["low_risk"]
    # Inclusive quantiles of [600, 1800, 3600]: the median 1800; p90 at 1.8 → 1800 + 0.8·1800.
    assert (low["decided"], low["median_seconds"], low["p90_seconds"]) == (3, 1800.0, 3240.0)
    assert [d["date"] for d in low["per_day"]] == ["2031-05-04", "2031-05-05", "2031-05-06"]
    assert [d["count"] for d in low["per_day"]] == [0, 0, 3]
    assert (low["waiting"], low["oldest_waiting_seconds"]) == (1, 70 * 60.0)
    assert lanes["urgent"]["decided"] == 0 and lanes["urgent"]["median_seconds"] is None
    assert lanes["all"]["decided"] == 3 and lanes["all"]["waiting"] == 1

    text = await (await api.client.get("/metrics")).text()

    def sample(name: str, labels: str) -> float:
        match = re.search(rf"^{name}\{{{labels}\}} (\S+)$", text, re.MULTILINE)
        assert match is not None, (name, labels)
        return float(match.group(1))

    assert sample("forum_moderation_decided_last_day", 'lane="low_risk"') == 3
    assert sample("forum_moderation_decision_seconds", 'lane="low_risk",quantile="0.5"') == 1800
    assert sample("forum_moderation_decision_seconds", 'lane="all",quantile="0.9"') == 3240
    assert math.isnan(sample("forum_moderation_decision_seconds", 'lane="urgent",quantile="0.5"'))
    assert sample("forum_moderation_waiting", 'lane="low_risk"') == 1
    assert sample("forum_moderation_oldest_waiting_seconds", 'lane="low_risk"') == 4200
    assert sample("forum_moderation_oldest_waiting_seconds", 'lane="flagged"') == 0


async def test_auto_approvals_are_no_moderators_work(
    api: Api, app: web.Application, clock: ShiftedClock
) -> None:
    admin, moderator = await _team(api)
    await api.call("PUT", "/api/v1/admin/boards/safety/auto-approve", admin, json={"enabled": True})
    await api.new_thread(api.new_identity(), title="Deposits", body="Who pays the deposit?")
    await _worker(app, clock).run_once()
    assert await moderation_queue(api, moderator) == [], "auto-approved"
    assert await _alerts(api) == {}, "nobody is alerted about an item that never waited"
    stats = await api.call("GET", "/api/v1/admin/modstats?days=1", admin, expect=200)
    assert stats["lanes"][-1]["decided"] == 0
