"""The moderation worker: routing with known scores, failing closed, leases and crashes."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select, update

from forum_service.api.keys import DATABASE
from forum_service.domain import AGING_HOURS_PER_POINT, Screening
from forum_service.observability import Metrics
from forum_service.services.operator import rescreen
from forum_service.services.screening import MAX_SCREEN_ATTEMPTS, BatchReport, ScreeningWorker
from forum_service.storage import moderation_repo
from forum_service.storage.tables import ModerationItemRow
from moderation.labels import LABELS
from moderation.ner import PiiScreen
from moderation.policy import NOT_SCREENED_PRIORITY, ModerationPolicy
from moderation.scoring import Scorer
from tests.support.api import Api, make_admin, make_moderator, moderation_queue
from tests.support.scorers import BrokenScorer, KeywordScorer


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _worker(
    app: web.Application, scorer: Scorer | None, clock: Any = None, **kw: Any
) -> ScreeningWorker:
    args: dict[str, Any] = {"batch_size": 10, **kw}
    if clock is not None:
        args["clock"] = clock
    return ScreeningWorker(app[DATABASE], lambda: scorer, ModerationPolicy(), **args)


async def _claim_and_die(
    app: web.Application, owner: str, clock: FakeClock
) -> list[moderation_repo.ScreeningTask]:
    """Claim a batch as a worker that then dies before recording anything."""
    db = app[DATABASE]
    async with db.write("claim") as session:
        return await moderation_repo.claim_for_screening(
            session,
            owner=owner,
            now=clock(),
            lease=timedelta(minutes=2),
            limit=10,
            skip_locked=db.dialect.supports_skip_locked,
        )


async def _calm_and_menacing(
    api: Api, app: web.Application
) -> tuple[str, dict[str, Any], dict[str, Any], BatchReport]:
    """A moderator, a calm and a menacing thread, screened; the moderator's key first."""
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    calm = await api.new_thread(author, title="Housing", body="A calm question about housing")
    menacing = await api.new_thread(author, title="Angry", body="MENACE you will regret it")
    return mod, calm, menacing, await _worker(app, KeywordScorer()).run_once()


async def test_over_threshold_posts_are_flagged_and_ordered_first(
    api: Api, app: web.Application
) -> None:
    mod, calm, menacing, report = await _calm_and_menacing(api, app)
    assert (report.claimed, report.recorded, report.not_screened) == (2, 2, 0)
    queue = await moderation_queue(api, mod)
    assert [i["post"]["id"] for i in queue] == [menacing["post"]["id"], calm["post"]["id"]]
    first, second = queue
    assert first["route"] == "flagged" and first["scores"]["threat"] == 0.95
    assert any("threat" in reason for reason in first["reasons"])
    assert first["scorer"] == "keyword-test"
    assert second["route"] == "low_risk" and second["screening"] == "screened"
    # Low risk still waits for a human: nobody else can see it.
    other = api.new_identity()
    await api.call("GET", f"/api/v1/threads/{calm['thread_id']}", other, expect=404)


async def test_pii_is_found_with_spans_and_flags_the_post(api: Api, app: web.Application) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    body = "You can reach her on 07700 900123 or jane.doe@example.org"
    await api.new_thread(author, title="Contact", body=body)
    await _worker(app, KeywordScorer()).run_once()
    (item,) = await moderation_queue(api, mod)
    screened_text = f"Contact\n\n{body}"
    kinds = {f["kind"]: screened_text[f["start"] : f["end"]] for f in item["pii"]}
    assert kinds["phone"] == "07700 900123"
    assert kinds["email"] == "jane.doe@example.org"
    assert item["route"] == "flagged"


async def test_model_failure_queues_posts_as_not_screened_and_health_is_degraded(
    api: Api, app: web.Application
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author, body="anything")
    report = await _worker(app, BrokenScorer()).run_once()
    assert report.not_screened == 1
    (item,) = await moderation_queue(api, mod)
    assert item["screening"] == "not_screened" and item["route"] == "not_screened"
    assert item["scores"] is None
    health = await (await api.client.get("/healthz")).json()
    assert health["status"] == "degraded"
    assert health["details"]["moderation_model"]["state"] == "degraded"


async def test_no_model_configured_is_degraded_but_nothing_is_lost(
    api: Api, app: web.Application
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author)
    await _worker(app, None).run_once()
    (item,) = await moderation_queue(api, mod)
    assert item["post"]["id"] == created["post"]["id"] and item["screening"] == "not_screened"
    assert (await (await api.client.get("/healthz")).json())["status"] == "degraded"


async def test_healthy_model_and_ner_screen_report_ok(
    api: Api, app: web.Application, pii_screen: PiiScreen
) -> None:
    await _worker(app, KeywordScorer(), load_pii=lambda: pii_screen).run_once()
    health = await (await api.client.get("/healthz")).json()
    assert health["status"] == "ok", health


async def test_the_ner_screen_finds_a_name_the_rules_cannot(
    api: Api, app: web.Application, pii_screen: PiiScreen
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    body = "The caseworker visited Maria Santos at her new flat on Tuesday."
    await api.new_thread(author, title="Update", body=body)
    await _worker(app, KeywordScorer(), load_pii=lambda: pii_screen).run_once()
    (item,) = await moderation_queue(api, mod)
    text = f"Update\n\n{body}"
    names = [text[f["start"] : f["end"]] for f in item["pii"] if f["kind"] == "person_name"]
    assert names == ["Maria Santos"]
    assert item["route"] == "flagged"


async def test_worker_crash_mid_batch_every_item_screened_once_in_effect(
    api: Api, app: web.Application
) -> None:
    author = api.new_identity()
    created = [await api.new_thread(author, title=f"t{n}") for n in range(3)]
    clock = FakeClock()
    db = app[DATABASE]
    # Worker A claims the batch and dies before recording anything.
    claimed = await _claim_and_die(app, "worker-a", clock)
    assert len(claimed) == 3
    survivor = _worker(app, KeywordScorer(), clock=clock, lease=timedelta(minutes=2))
    # While A's lease holds, nobody else takes the items.
    assert (await survivor.run_once()).claimed == 0
    clock.now += timedelta(minutes=3)
    report = await survivor.run_once()
    assert (report.claimed, report.recorded) == (3, 3)
    # A comes back to life and tries to record its stale verdicts: discarded.
    async with db.write("late") as session:
        for task in claimed:
            stored = await moderation_repo.record_screening(
                session,
                task=task,
                owner="worker-a",
                screening=Screening.SCREENED,
                route="flagged",
                priority=99.0,
                scorer="stale",
                scores=None,
                findings=[],
                watch_matches=[],
                reasons=["stale"],
                now=clock(),
            )
            assert stored is False
    async with db.read("check") as session:
        rows = (await session.execute(select(ModerationItemRow))).scalars().all()
    assert sorted(r.post_id for r in rows) == sorted(c["post"]["id"] for c in created)
    assert all(r.screening == "screened" and r.scorer == "keyword-test" for r in rows)
    assert all(r.screen_attempts == 2 and r.priority < 99 for r in rows)
    assert (await survivor.run_once()).claimed == 0


async def test_auto_approve_board_publishes_low_risk_posts_only(
    api: Api, app: web.Application
) -> None:
    admin, author, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await _auto_approving_board(api, admin)
    calm = await api.new_thread(author, board="education", body="College courses for adults?")
    pii = await api.new_thread(author, board="education", body="Email me at a.b@example.org")
    flagged = await api.new_thread(author, board="education", body="MENACE")
    other_board = await api.new_thread(author, board="housing", body="Calm housing question")
    report = await _worker(app, KeywordScorer()).run_once()
    assert report.auto_approved == 1
    await api.call("GET", f"/api/v1/threads/{calm['thread_id']}", reader, expect=200)
    for pending in (pii, flagged, other_board):
        await api.call("GET", f"/api/v1/threads/{pending['thread_id']}", reader, expect=404)
    audit = await api.call("GET", "/api/v1/admin/audit", admin, expect=200)
    assert any(e["action"] == "decide:auto_approve" for e in audit["entries"])


async def test_revised_post_is_screened_again(api: Api, app: web.Application) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = await api.new_thread(author, body="MENACE first")
    worker = _worker(app, KeywordScorer())
    await worker.run_once()
    (item,) = await moderation_queue(api, mod)
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"], "action": "reject", "reason_code": "abusive"},
        expect=200,
    )
    await api.call(
        "POST",
        f"/api/v1/posts/{created['post']['id']}/revise",
        author,
        json={"body": "a calmer second version"},
        expect=200,
    )
    assert (await worker.run_once()).recorded == 1
    (item,) = await moderation_queue(api, mod)
    assert item["route"] == "low_risk" and item["post"]["revision"] == 2


async def test_risk_patterns_flag_an_attempt_to_locate_someone_without_abusive_words(
    api: Api, app: web.Application
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(
        author,
        title="Question",
        body="Does anyone know which refuge she was moved to? I need her address.",
    )
    await _worker(app, KeywordScorer()).run_once()
    (item,) = await moderation_queue(api, mod)
    # Locating someone is urgent (the urgent lane, tests/service/test_safeguarding.py).
    assert item["route"] == "urgent"
    assert any(m["word"].startswith("pattern:") for m in item["watched_words"])
    assert any("asks where a person is" in reason for reason in item["reasons"])


class _CountingScorer:
    """Counts calls; ``answer`` decides what one call does with the texts."""

    def __init__(self, name: str, answer: Callable[[Sequence[str]], Any]) -> None:
        self.name = name
        self.calls = 0
        self._answer = answer

    def score(self, texts: Sequence[str]) -> Any:
        self.calls += 1
        return self._answer(texts)


def _too_few(texts: Sequence[str]) -> list[dict[str, float]]:
    return [dict.fromkeys(LABELS, 0.01) for _ in texts[1:]]


def _raises(texts: Sequence[str]) -> list[dict[str, float]]:
    raise KeyError("a bug in the model wrapper")


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (_too_few, "scorer faulty failed: returned 2 results for 3 texts"),
        (_raises, "scorer faulty failed: KeyError"),
        ("hang", "scorer faulty gave no answer within 0.2s"),
    ],
)
async def test_a_faulty_scorer_queues_every_post_not_screened_degrades_health_and_never_loops(
    api: Api, app: web.Application, answer: Any, detail: str
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    created = [await api.new_thread(author, title=f"Case {n}") for n in range(3)]
    release = threading.Event()
    if answer == "hang":

        def answer(texts: Sequence[str]) -> list[dict[str, float]]:
            release.wait(timeout=30)
            return [dict.fromkeys(LABELS, 0.01) for _ in texts]

    scorer = _CountingScorer("faulty", answer)
    clock = FakeClock()
    worker = _worker(app, scorer, clock=clock, lease=timedelta(minutes=2), scorer_timeout=0.2)
    try:
        report = await worker.run_once()
    finally:
        release.set()

    assert (report.claimed, report.recorded, report.not_screened) == (3, 3, 3)
    queue = await moderation_queue(api, mod)
    assert sorted(i["post"]["id"] for i in queue) == sorted(c["post"]["id"] for c in created)
    assert {(i["screening"], i["route"]) for i in queue} == {("not_screened", "not_screened")}
    # "Not screened" is the high-priority lane, above any post a model found harmless.
    assert all(i["priority"] >= NOT_SCREENED_PRIORITY for i in queue)
    health = await (await api.client.get("/healthz")).json()
    assert health["status"] == "degraded"
    assert health["details"]["moderation_model"] == {"state": "degraded", "detail": detail}
    # Nothing loops: once the lease would have expired, there is no work left to claim.
    clock.now += timedelta(minutes=5)
    assert (await worker.run_once()).claimed == 0
    assert scorer.calls == 1


async def test_an_item_whose_batch_keeps_crashing_goes_to_humans_not_screened(
    api: Api, app: web.Application
) -> None:
    author, mod = api.new_identity(), api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author, title="Crashes the worker")
    clock = FakeClock()
    for attempt in range(MAX_SCREEN_ATTEMPTS):
        assert len(await _claim_and_die(app, f"dies-{attempt}", clock)) == 1
        clock.now += timedelta(minutes=3)
    scorer = KeywordScorer()

    report = await _worker(app, scorer, clock=clock).run_once()

    assert (report.claimed, report.recorded, report.not_screened, report.given_up) == (1, 1, 1, 1)
    assert scorer.calls == 0
    metrics = Metrics()
    metrics.record_batch(report)
    given_up = {"result": "given_up"}
    assert metrics.registry.get_sample_value("forum_moderation_screened_posts_total", given_up) == 1
    (item,) = await moderation_queue(api, mod)
    assert item["route"] == "not_screened"
    assert item["reasons"] == [f"not screened: screening failed {MAX_SCREEN_ATTEMPTS} times"]


async def _auto_approving_board(api: Api, admin: str) -> None:
    await make_admin(api, admin)
    await api.call(
        "PUT",
        "/api/v1/admin/boards/education/auto-approve",
        admin,
        json={"enabled": True},
        expect=200,
    )


async def test_a_post_rejected_before_screening_is_never_auto_approved(
    api: Api, app: web.Application
) -> None:
    admin, author, reader = api.new_identity(), api.new_identity(), api.new_identity()
    await _auto_approving_board(api, admin)
    created = await api.new_thread(author, board="education", body="College courses for adults?")
    (item,) = await moderation_queue(api, admin)
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        admin,
        json={"version": item["version"], "action": "reject", "reason_code": "off_topic"},
        expect=200,
    )

    report = await _worker(app, KeywordScorer()).run_once()

    assert report.auto_approved == 0
    await api.call("GET", f"/api/v1/threads/{created['thread_id']}", reader, expect=404)
    audit = await api.call("GET", "/api/v1/admin/audit", admin, expect=200)
    assert not any(e["action"] == "decide:auto_approve" for e in audit["entries"])


async def test_a_reported_post_sent_back_to_screening_waits_for_a_human(
    api: Api, app: web.Application
) -> None:
    admin, author, reporter = api.new_identity(), api.new_identity(), api.new_identity()
    await _auto_approving_board(api, admin)
    created = await api.new_thread(author, board="education", body="College courses for adults?")
    assert (await _worker(app, KeywordScorer()).run_once()).auto_approved == 1
    await api.call(
        "POST",
        f"/api/v1/posts/{created['post']['id']}/reports",
        reporter,
        json={"reason": "This identifies someone"},
        expect=201,
    )
    assert await rescreen(app[DATABASE], include_screened=True, out=io.StringIO()) == 1

    report = await _worker(app, KeywordScorer()).run_once()

    assert (report.recorded, report.auto_approved) == (1, 0)
    (item,) = await moderation_queue(api, admin)
    assert item["open_reports"] == 1 and item["status"] == "pending"


async def _waited(app: web.Application, post_id: int, hours: float) -> None:
    """Pretend the post's queue item entered the queue ``hours`` ago."""
    async with app[DATABASE].write("age") as session:
        await session.execute(
            update(ModerationItemRow)
            .where(ModerationItemRow.post_id == post_id)
            .values(created_at=datetime.now(UTC) - timedelta(hours=hours))
        )


async def test_a_low_risk_post_that_waited_a_day_overtakes_fresh_flagged_ones(
    api: Api, app: web.Application
) -> None:
    """The documented rank: priority + hours waited / 12 (domain.queue_rank)."""
    mod, calm, menacing, _ = await _calm_and_menacing(api, app)
    fresh = await moderation_queue(api, mod)
    assert [i["post"]["id"] for i in fresh] == [menacing["post"]["id"], calm["post"]["id"]]
    flagged_priority = fresh[0]["priority"]

    # Waited just too little to catch up with the flagged post ...
    hours = (flagged_priority - fresh[1]["priority"]) * AGING_HOURS_PER_POINT
    await _waited(app, calm["post"]["id"], hours - 1)
    assert (await moderation_queue(api, mod))[0]["post"]["id"] == menacing["post"]["id"]
    # ... and then enough.
    await _waited(app, calm["post"]["id"], hours + 1)
    first, second = await moderation_queue(api, mod)
    assert first["post"]["id"] == calm["post"]["id"]
    assert first["waited_seconds"] >= (hours + 1) * 3600 - 60
    assert first["rank"] > second["rank"] >= flagged_priority
