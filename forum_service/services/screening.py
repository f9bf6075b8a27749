"""The moderation worker: claims unscreened posts in batches, screens them, records verdicts.

The screening itself is `moderation.screen_texts`, the one pipeline, run off the event loop.
It fails closed: when the model cannot load, errors, answers wrongly or too late, the batch is
recorded as "not screened" (humans still review it, with high priority) and the component
status says "degraded". An urgent verdict (locating, a threat, the author's own crisis) alerts
the moderators and admins on duty through the outbox in the same transaction, once per item
version; any other item that reaches the human queue is announced, at once or in a batch
(`services/alerts.py`).
Crash safety: items are leased; a worker that dies leaves leases that
expire, and the next claim takes those items again. A verdict is stored only by the lease
holder and only for the revision it screened, so every revision is recorded once in effect.
An item whose batch keeps failing before its verdict is stored is not retried for ever: after
`MAX_SCREEN_ATTEMPTS` claims it goes to the queue "not screened".
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from forum_service.clock import Clock, utc_now
from forum_service.domain import PostStatus, Screening
from forum_service.services.alerts import DEFAULT_BATCH_WINDOW, item_queued
from forum_service.services.conclusion import Conclusion, conclude_item
from forum_service.services.safeguarding import alert_staff
from forum_service.storage import (
    component_status_repo,
    moderation_repo,
    watched_words_repo,
    workload_repo,
)
from forum_service.storage.database import Database
from forum_service.storage.moderation_repo import ScreeningTask
from forum_service.storage.sessions import Session
from moderation.ner import PiiScreen
from moderation.policy import ModerationPolicy, Route, ScreeningResult
from moderation.scoring import Scorer, ScorerError, describe_scorer
from moderation.screening import ScorerCalls, ScreeningBatch, screen_texts
from moderation.watchwords import WatchedWord

log = logging.getLogger(__name__)

COMPONENT = "moderation_model"
PII_COMPONENT = "pii_screen"
SYSTEM_ACTOR = "Policy (auto-approve)"
#: Claims of one item after which it is queued "not screened" instead of being retried.
MAX_SCREEN_ATTEMPTS = 3

ScorerLoader = Callable[[], Scorer | None]


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What one batch did (for logs, metrics and tests)."""

    claimed: int
    recorded: int
    not_screened: int
    auto_approved: int
    seconds: float
    #: Items queued "not screened" without screening, after MAX_SCREEN_ATTEMPTS failed claims.
    given_up: int = 0


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
        scorer_timeout: seconds the scorer may take on one batch before the batch is queued
            "not screened"; keep it well under ``lease``.
        alert_batch: the queue alerts' batch window (``FORUM_ALERT_BATCH_MINUTES``).
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
        scorer_timeout: float = 60.0,
        alert_batch: timedelta = DEFAULT_BATCH_WINDOW,
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
        self._scorer_timeout = scorer_timeout
        self._scorer_calls = ScorerCalls()
        self._pii_failed = False
        self._alert_batch = alert_batch
        self.on_batch: Callable[[BatchReport], None] | None = None
        #: Called once :meth:`run_forever` has loaded the screens (a serving process freezes
        #: its heap there: ``forum_service.heap``).
        self.on_started: Callable[[], None] | None = None

    async def start(self) -> None:
        """Load the PII screen and the scorer (in threads) and publish their status."""
        self._pii = await asyncio.to_thread(self._load_pii)
        pii_status = self._pii.status
        await self._set_status(pii_status.state, pii_status.detail, component=PII_COMPONENT)
        try:
            self._scorer = await asyncio.to_thread(self._load_scorer)
        except Exception as error:  # any load failure: the worker runs on, not screening
            if not isinstance(error, ScorerError):
                error = ScorerError(f"{type(error).__name__}: {error}")
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
            await self._set_scorer_loaded()

    async def _set_scorer_loaded(self) -> None:
        """Name the loaded scorer; degraded when it stands in for a missing better one."""
        assert self._scorer is not None
        detail = describe_scorer(self._scorer)
        await self._set_status("degraded" if detail.startswith("degraded") else "ok", detail)

    async def _set_status(self, state: str, detail: str, *, component: str = COMPONENT) -> None:
        async with self._db.write("component_status") as session:
            await component_status_repo.set_status(
                session, component, state=state, detail=detail, now=self._clock()
            )

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
            words = await watched_words_repo.watched_words(session) if tasks else []
        if not tasks:
            return BatchReport(0, 0, 0, 0, time.perf_counter() - started)
        fresh = [t for t in tasks if t.attempts <= MAX_SCREEN_ATTEMPTS]
        if len(fresh) < len(tasks):
            log.error(
                "%d item(s) failed screening %d times; queued as not screened",
                len(tasks) - len(fresh),
                MAX_SCREEN_ATTEMPTS,
            )
        results = dict(zip(fresh, await self._screen([t.text for t in fresh], words), strict=True))
        for task in tasks:
            results.setdefault(task, _given_up(self._policy, task.attempts))
        recorded = not_screened = auto = 0
        async with self._db.write("screening_record") as session:
            for task in tasks:
                result = results[task]
                if not await self._record(session, task, result):
                    continue  # lease lost or post revised meanwhile: another screening owns it
                recorded += 1
                if result.scores is None:
                    not_screened += 1
                if result.route is Route.URGENT:
                    await self._alert(session, task, result)
                if (
                    task.auto_approve_low_risk
                    and result.auto_approvable
                    and task.open_reports == 0
                    and await self._auto_approve(session, task)
                ):
                    auto += 1
                elif result.route is not Route.URGENT:
                    await self._announce(session, task)
        report = BatchReport(
            len(tasks),
            recorded,
            not_screened,
            auto,
            time.perf_counter() - started,
            given_up=len(tasks) - len(fresh),
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
    ) -> tuple[ScreeningResult, ...]:
        if not texts:
            return ()
        assert self._pii is not None
        # Model inference and spaCy are CPU-bound and blocking: off the event loop.
        batch: ScreeningBatch = await asyncio.to_thread(
            screen_texts,
            texts,
            scorer=self._scorer,
            policy=self._policy,
            watched_words=words,
            find_personal_data=self._pii.find_many,
            risk_patterns=True,
            scorer_timeout=self._scorer_timeout,
            scorer_calls=self._scorer_calls,
        )
        await self._publish(batch)
        return batch.results

    async def _publish(self, batch: ScreeningBatch) -> None:
        """Tell health what this batch showed about the scorer and the PII screen."""
        if batch.scorer_failure is not None:
            self._scorer_state = "failed"
            await self._set_status("degraded", batch.scorer_failure)
        elif self._scorer is not None and self._scorer_state != "ok":
            self._scorer_state = "ok"
            await self._set_scorer_loaded()
        assert self._pii is not None
        if batch.pii_failure is not None:
            self._pii_failed = True
            await self._set_status("degraded", batch.pii_failure, component=PII_COMPONENT)
        elif self._pii_failed:
            self._pii_failed = False
            status = self._pii.status
            await self._set_status(status.state, status.detail, component=PII_COMPONENT)

    async def _record(self, session: Session, task: ScreeningTask, result: ScreeningResult) -> bool:
        return await moderation_repo.record_screening(
            session,
            task=task,
            owner=self.owner,
            # An urgent post may be urgent by its patterns alone, the model having failed.
            screening=Screening.NOT_SCREENED if result.scores is None else Screening.SCREENED,
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

    async def _alert(self, session: Session, task: ScreeningTask, result: ScreeningResult) -> None:
        """Alert every moderator and admin at once (but not the post's own author), unless a
        moderator decided the item meanwhile."""
        found = await moderation_repo.item(session, task.item_id, "", self._clock())
        assert found is not None  # the verdict was just recorded on it
        item, author = found
        if item.status != PostStatus.PENDING.value:
            return
        await alert_staff(
            session,
            self._db.vault,
            item_id=task.item_id,
            version=task.version,
            reasons=result.urgent_reasons,
            now=self._clock(),
            exclude={self._db.vault.open_key(author.blob, author.context)},
        )

    async def _announce(self, session: Session, task: ScreeningTask) -> None:
        """Tell the staff on duty that an item entered the queue (at once or batched), unless
        a moderator decided it meanwhile; never its own author."""
        found = await moderation_repo.item(session, task.item_id, "", self._clock())
        assert found is not None  # the verdict was just recorded on it
        item, author = found
        if item.status != PostStatus.PENDING.value:
            return
        await item_queued(
            session,
            self._db.vault,
            item_id=task.item_id,
            version=task.version,
            now=self._clock(),
            window=self._alert_batch,
            exclude={self._db.vault.open_key(author.blob, author.context)},
        )

    async def _auto_approve(self, session: Session, task: ScreeningTask) -> bool:
        """Publish a low-risk post of an auto-approve board; False if it changed meanwhile.

        Only the version the worker claimed is concluded: a post a moderator decided, or that
        was reported or revised, since the claim is left to humans.
        """
        found = await moderation_repo.item(session, task.item_id, "", self._clock())
        assert found is not None
        item, author = found
        if item.status != PostStatus.PENDING.value or item.version != task.version:
            return False
        await conclude_item(
            session,
            item_id=item.id,
            expected_version=task.version,
            post=item.post,
            author=author,
            vault=self._db.vault,
            conclusion=Conclusion(
                status=PostStatus.APPROVED,
                actor=SYSTEM_ACTOR,
                action="decide:auto_approve",
                reason="low risk on an auto-approve board",
                outcome="approved",
                dedupe_key=f"decision:{task.item_id}:auto:{task.version}",
            ),
            now=self._clock(),
        )
        await workload_repo.mark_decided_by_policy(session, task.item_id)
        return True

    async def run_forever(self, stop: asyncio.Event, *, idle_seconds: float = 1.0) -> None:
        """Screen batches until ``stop`` is set; sleeps ``idle_seconds`` when there is no work."""
        await self.start()
        if self.on_started is not None:
            self.on_started()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception as error:  # keep the worker alive; the lease protects the items
                log.error("screening batch failed: %s", type(error).__name__)
                report = BatchReport(0, 0, 0, 0, 0.0)
            if report.claimed == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle_seconds)


def _given_up(policy: ModerationPolicy, attempts: int) -> ScreeningResult:
    """The verdict of an item whose screening kept failing: to humans, not screened."""
    result = policy.decide(None, [], [], None)
    return dataclasses.replace(
        result, reasons=(f"not screened: screening failed {attempts - 1} times",)
    )
