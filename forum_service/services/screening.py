"""The moderation worker: claims unscreened posts in batches, screens them, records verdicts.

Fail closed: when the model cannot load or errors, the batch is recorded as "not screened"
(humans still review it, with high priority) and the component status says "degraded".
Crash safety: items are leased; a worker that dies leaves leases that expire, and the next
claim takes those items again. A verdict is stored only by the lease holder and only for the
revision it screened, so every revision is recorded once in effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from forum_service.clock import Clock, utc_now
from forum_service.domain import PostStatus, Screening
from forum_service.services.admin import load_watched_words
from forum_service.storage import boards_repo, moderation_repo, outbox_repo
from forum_service.storage.database import Database
from forum_service.storage.moderation_repo import ScreeningTask
from forum_service.storage.tables import ComponentStatusRow, ModerationItemRow
from moderation.ner import PiiScreen
from moderation.policy import ModerationPolicy, Route, ScreeningResult
from moderation.risk_patterns import match_risk_patterns
from moderation.scoring import Scorer, ScorerError
from moderation.watchwords import WatchedWord, match_watched_words

log = logging.getLogger(__name__)

COMPONENT = "moderation_model"
PII_COMPONENT = "pii_screen"
SYSTEM_ACTOR = "Policy (auto-approve)"

ScorerLoader = Callable[[], Scorer | None]


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What one batch did (for logs, metrics and tests)."""

    claimed: int
    recorded: int
    not_screened: int
    auto_approved: int
    seconds: float


class ScreeningWorker:
    """Screens pending posts with a scorer, the PII screen and watched words.

    Args:
        db: the database.
        load_scorer: returns the scorer, or None when no model is configured; called once,
            lazily, in a thread (model loading is slow and blocking).
        policy: turns screening results into routes and priorities.
        batch_size: items per claim.
        lease: how long a claim holds before another worker may take the items.
        clock: time source.
        load_pii: builds the PII screen (spaCy NER when configured), once, in a thread;
            rules only when None.
    """

    def __init__(
        self,
        db: Database,
        load_scorer: ScorerLoader,
        policy: ModerationPolicy,
        *,
        batch_size: int = 16,
        lease: timedelta = timedelta(minutes=2),
        clock: Clock = utc_now,
        load_pii: Callable[[], PiiScreen] | None = None,
    ) -> None:
        self._db = db
        self._load_scorer = load_scorer
        self._policy = policy
        self._batch_size = batch_size
        self._lease = lease
        self._clock = clock
        self.owner = f"worker-{uuid.uuid4().hex[:12]}"
        self._load_pii = load_pii or (lambda: PiiScreen(degraded_reason="not configured"))
        self._pii: PiiScreen | None = None
        self._scorer: Scorer | None = None
        self._scorer_state: str | None = None  # None until the first load attempt
        self.on_batch: Callable[[BatchReport], None] | None = None

    async def start(self) -> None:
        """Load the PII screen and the scorer (in threads) and publish their status."""
        self._pii = await asyncio.to_thread(self._load_pii)
        pii_status = self._pii.status
        await self._set_status(pii_status.state, pii_status.detail, component=PII_COMPONENT)
        try:
            self._scorer = await asyncio.to_thread(self._load_scorer)
        except ScorerError as error:
            log.error("toxicity model unavailable: %s", error)
            self._scorer = None
            await self._set_status("degraded", f"toxicity model failed to load: {error}")
            self._scorer_state = "failed"
            return
        if self._scorer is None:
            self._scorer_state = "absent"
            await self._set_status(
                "degraded", "no toxicity model configured; posts are queued as not screened"
            )
        else:
            self._scorer_state = "ok"
            await self._set_status("ok", f"scorer {self._scorer.name} loaded")

    async def _set_status(self, state: str, detail: str, *, component: str = COMPONENT) -> None:
        now = self._clock()
        async with self._db.write("component_status") as session:
            row = await session.get(ComponentStatusRow, component)
            if row is None:
                session.add(
                    ComponentStatusRow(name=component, state=state, detail=detail, updated_at=now)
                )
            else:
                row.state, row.detail, row.updated_at = state, detail, now

    async def run_once(self) -> BatchReport:
        """Claim one batch, screen it and record the verdicts."""
        if self._scorer_state is None:
            await self.start()
        started = time.perf_counter()
        async with self._db.write("screening_claim") as session:
            tasks = await moderation_repo.claim_for_screening(
                session,
                owner=self.owner,
                now=self._clock(),
                lease=self._lease,
                limit=self._batch_size,
                skip_locked=self._db.dialect.supports_skip_locked,
            )
            words = await load_watched_words(session) if tasks else []
        if not tasks:
            return BatchReport(0, 0, 0, 0, time.perf_counter() - started)
        results = await self._screen([t.text for t in tasks], words)
        recorded = not_screened = auto = 0
        async with self._db.write("screening_record") as session:
            for task, result in zip(tasks, results, strict=True):
                if not await self._record(session, task, result):
                    continue  # lease lost or post revised meanwhile: another screening owns it
                recorded += 1
                if result.route is Route.NOT_SCREENED:
                    not_screened += 1
                if task.auto_approve_low_risk and result.auto_approvable:
                    await self._auto_approve(session, task)
                    auto += 1
        report = BatchReport(
            len(tasks), recorded, not_screened, auto, time.perf_counter() - started
        )
        log.info(
            "screened batch: claimed=%d recorded=%d not_screened=%d auto_approved=%d in %.3fs",
            report.claimed,
            report.recorded,
            report.not_screened,
            report.auto_approved,
            report.seconds,
        )
        if self.on_batch is not None:
            self.on_batch(report)
        return report

    async def _screen(
        self, texts: Sequence[str], words: Sequence[WatchedWord]
    ) -> list[ScreeningResult]:
        scores: list[dict[str, float]] | None = None
        if self._scorer is not None:
            try:
                scores = await asyncio.to_thread(self._scorer.score, list(texts))
            except Exception as error:  # any scorer failure must fail closed, never lose posts
                log.error(
                    "scorer %s failed on a batch: %s", self._scorer.name, type(error).__name__
                )
                await self._set_status("degraded", f"scorer failed: {type(error).__name__}")
                scores = None
            else:
                if self._scorer_state != "ok":
                    self._scorer_state = "ok"
                    await self._set_status("ok", f"scorer {self._scorer.name} loaded")
        name = self._scorer.name if self._scorer is not None and scores is not None else None
        assert self._pii is not None
        # spaCy is CPU-bound: off the event loop, like the scorer.
        findings = await asyncio.to_thread(self._pii.find_many, list(texts))
        results = []
        for index, text in enumerate(texts):
            # Reviewable risk patterns (quiet threats, attempts to locate someone) arrive as
            # FLAG matches named "pattern: ...", beside the admins' watched words.
            matches = sorted(
                [*match_watched_words(text, words), *match_risk_patterns(text)],
                key=lambda m: (m.start, m.end, m.word),
            )
            results.append(
                self._policy.decide(
                    scores[index] if scores is not None else None, findings[index], matches, name
                )
            )
        return results

    async def _record(self, session: Any, task: ScreeningTask, result: ScreeningResult) -> bool:
        return await moderation_repo.record_screening(
            session,
            task=task,
            owner=self.owner,
            screening=Screening.NOT_SCREENED
            if result.route is Route.NOT_SCREENED
            else Screening.SCREENED,
            route=result.route.value,
            priority=result.priority,
            scorer=result.scorer,
            scores=dict(result.scores) if result.scores is not None else None,
            findings=[{"kind": str(f.kind), "start": f.start, "end": f.end} for f in result.pii],
            watch_matches=[
                {"word": m.word, "action": m.action.value, "start": m.start, "end": m.end}
                for m in result.watch_matches
            ],
            reasons=list(result.reasons),
            now=self._clock(),
        )

    async def _auto_approve(self, session: Any, task: ScreeningTask) -> None:
        now = self._clock()
        await boards_repo.set_post_status(session, task.post_id, PostStatus.APPROVED, now)
        row = (
            await session.execute(
                select(ModerationItemRow).where(ModerationItemRow.id == task.item_id)
            )
        ).scalar_one()
        row.status = PostStatus.APPROVED.value
        row.version += 1
        row.decided_at = now
        found = await boards_repo.post_with_author(session, task.post_id)
        assert found is not None
        post, author_id = found
        await moderation_repo.audit(
            session,
            actor=SYSTEM_ACTOR,
            action="decide:auto_approve",
            target_type="post",
            target_id=task.post_id,
            reason="low risk on an auto-approve board",
            details=None,
            now=now,
        )
        await outbox_repo.notify(
            session,
            recipient_id=author_id,
            kind="post_decision",
            payload={
                "post_id": post.id,
                "thread_id": post.thread_id,
                "thread_title": post.thread_title,
                "outcome": "approved",
            },
            now=now,
            dedupe_key=f"decision:{task.item_id}:auto",
        )

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Screen batches until ``stop`` is set; sleeps ``idle_seconds`` when there is no work."""
        await self.start()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception as error:  # keep the worker alive; the lease protects the items
                log.error("screening batch failed: %s", type(error).__name__)
                report = BatchReport(0, 0, 0, 0, 0.0)
            if report.claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


async def component_states(db: Database) -> dict[str, tuple[str, str]]:
    """Return ``name → (state, detail)`` of every background component that reported."""
    async with db.read("component_states") as session:
        rows = (await session.execute(select(ComponentStatusRow))).scalars()
        return {row.name: (row.state, row.detail) for row in rows}
