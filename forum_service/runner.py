"""Background jobs hosted by an aiohttp application (single-machine ``run``) or on their own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web
from prometheus_client import start_http_server

from forum_service.api.keys import DATABASE, METRICS, SEARCH
from forum_service.heap import freeze_heap
from forum_service.observability import Metrics
from forum_service.scorers import scorer_loader, sentence_model_present, shared_sentence_encoder
from forum_service.services.scheduler import Scheduler
from forum_service.services.screening import ScreeningWorker
from forum_service.settings import ServiceSettings
from forum_service.storage import vault_repo
from forum_service.storage.database import Database
from moderation.ner import load_pii_screen
from moderation.policy import ModerationPolicy, Thresholds

log = logging.getLogger(__name__)

WORKER_TASK = web.AppKey("worker_task", asyncio.Task[None])
WORKER_STOP = web.AppKey("worker_stop", asyncio.Event)
SEARCH_MODEL_TASK = web.AppKey("search_model_task", asyncio.Task[None])


def build_worker(settings: ServiceSettings, db: Database) -> ScreeningWorker:
    """Build the moderation worker from the settings."""
    return ScreeningWorker(
        db,
        scorer_loader(settings),
        ModerationPolicy(Thresholds.from_mapping(settings.moderation_thresholds)),
        batch_size=settings.moderation_batch_size,
        lease=timedelta(seconds=settings.moderation_lease_seconds),
        load_pii=lambda: load_pii_screen(settings.pii_spacy_model),
        scorer_timeout=settings.moderation_scorer_timeout_seconds,
        alert_batch=timedelta(minutes=settings.alert_batch_minutes),
    )


def build_scheduler(settings: ServiceSettings, db: Database) -> Scheduler:
    """Build the job scheduler from the settings."""
    return Scheduler(
        db,
        alert_batch=timedelta(minutes=settings.alert_batch_minutes),
        queue_sla=timedelta(hours=settings.queue_sla_hours),
        follow_batch=timedelta(seconds=settings.follow_batch_seconds),
    )


def attach_worker(app: web.Application, settings: ServiceSettings) -> None:
    """Run the moderation worker inside ``app`` (started after the database, stopped first).

    The loop is stopped in ``on_shutdown`` so it is not left running through aiohttp's graceful
    shutdown wait (code after ``yield`` in a cleanup context runs only after that wait).
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = build_worker(settings, app[DATABASE])
        metrics = app[METRICS]
        worker.on_batch = metrics.record_batch
        worker.on_started = _freeze_after_models
        app[WORKER_STOP] = stop
        app[WORKER_TASK] = asyncio.create_task(
            _background(worker, build_scheduler(settings, app[DATABASE]), stop, settings),
            name="moderation-worker",
        )
        yield
        await _stop(app)

    async def on_shutdown(app: web.Application) -> None:
        await _stop(app)

    app.cleanup_ctx.append(context)
    app.on_shutdown.append(on_shutdown)


def attach_search_model(app: web.Application, settings: ServiceSettings) -> None:
    """Re-rank search by meaning in ``app`` once the sentence model is loaded.

    The model loads in a thread after startup (the process's one encoder, shared with the
    abuse screen of an attached worker); search is full-text only until then, and for good
    when the model is not installed or fails to load (``/readyz`` says which).
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        app[SEARCH_MODEL_TASK] = asyncio.create_task(
            load_search_model(app, settings), name="search-model"
        )
        yield
        task = app[SEARCH_MODEL_TASK]
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.cleanup_ctx.append(context)


def freeze_heap_once_started(app: web.Application) -> None:
    """Freeze the heap (:mod:`forum_service.heap`) when ``app`` has started, and again when
    its sentence model has loaded.

    For a serving process only: call it after the app's other contexts are attached (it runs
    after their startup). Tests build apps without it, so their heaps are collected as usual.
    """

    async def freeze(app: web.Application) -> None:
        freeze_heap("startup")
        task = app.get(SEARCH_MODEL_TASK)
        if task is not None:
            task.add_done_callback(_freeze_after_search_model)

    app.on_startup.append(freeze)


def _freeze_after_search_model(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        freeze_heap("the search model loaded")


def _freeze_after_models() -> None:
    freeze_heap("the moderation models loaded")


async def load_search_model(app: web.Application, settings: ServiceSettings) -> None:
    """Load the shared sentence encoder (in a thread) and hand it to search; never raises."""
    search = app[SEARCH]
    if not sentence_model_present(settings.sentence_model_dir):
        search.full_text_only("no sentence model installed")
        log.info("search: full-text only (no sentence model installed)")
        return
    search.loading()
    try:
        encoder = await asyncio.to_thread(shared_sentence_encoder, settings.sentence_model_dir)
    except Exception as exc:  # a missing or altered file: words alone, never a failure
        search.full_text_only(f"sentence model failed to load: {type(exc).__name__}")
        log.warning("search: full-text only (sentence model failed: %s)", type(exc).__name__)
        return
    search.use_encoder(encoder)
    log.info("search: re-ranked by meaning (%s)", encoder.name)


async def _stop(app: web.Application) -> None:
    app[WORKER_STOP].set()
    task = app[WORKER_TASK]
    if not task.done():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), timeout=10)
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _background(
    worker: ScreeningWorker, scheduler: Scheduler, stop: asyncio.Event, settings: ServiceSettings
) -> None:
    await asyncio.gather(
        worker.run_forever(stop, idle_seconds=settings.moderation_poll_seconds),
        scheduler.run_forever(stop, idle_seconds=settings.scheduler_poll_seconds),
    )


async def run_worker(settings: ServiceSettings) -> None:
    """Run the moderation worker and the job scheduler until interrupted."""
    db = Database(settings.database_url, vault=settings.vault())
    stop = asyncio.Event()
    try:
        await vault_repo.verify_keys(db)
    except BaseException:
        await db.dispose()
        raise
    worker = build_worker(settings, db)
    worker.on_started = _freeze_after_models
    if settings.worker_metrics_port:
        metrics = Metrics()
        start_http_server(settings.worker_metrics_port, registry=metrics.registry)
        worker.on_batch = metrics.record_batch
    try:
        await _background(worker, build_scheduler(settings, db), stop, settings)
    finally:
        await db.dispose()
