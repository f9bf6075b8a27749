"""Metrics (Prometheus), readiness and log hygiene.

Metrics live in a registry per application (tests build many apps; the worker process has
its own). Queue depth, oldest pending item and outbox counts are read from the database at
scrape time, so they are true whichever process did the work.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from forum_service.clock import Clock, utc_now
from forum_service.services.health import queue_stats
from forum_service.services.outbox import OutboxService
from forum_service.services.screening import BatchReport
from forum_service.services.workload import workload, workload_since
from forum_service.storage.database import Database

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class Metrics:
    """The service's Prometheus series, in their own registry."""

    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )
    #: The time the scrape-time figures are computed at (the app's clock).
    clock: Clock = utc_now

    def __post_init__(self) -> None:
        r = self.registry
        self.request_seconds = Histogram(
            "forum_http_request_duration_seconds",
            "API request latency by route",
            ["method", "route", "status"],
            registry=r,
            buckets=LATENCY_BUCKETS,
        )
        self.queue_depth = Gauge(
            "forum_moderation_queue_depth", "Items waiting for a human decision", registry=r
        )
        self.queue_unscreened = Gauge(
            "forum_moderation_unscreened", "Items waiting for the model", registry=r
        )
        self.queue_oldest_seconds = Gauge(
            "forum_moderation_queue_oldest_age_seconds",
            "Age of the oldest pending item",
            registry=r,
        )
        self.batch_seconds = Histogram(
            "forum_moderation_batch_duration_seconds",
            "Moderation worker batch latency",
            registry=r,
            buckets=LATENCY_BUCKETS,
        )
        self.screened_posts = Counter(
            "forum_moderation_screened_posts",
            "Posts screened by the worker",
            ["result"],
            registry=r,
        )
        self.posts_per_second = Gauge(
            "forum_moderation_posts_per_second", "Throughput of the last worker batch", registry=r
        )
        self.notifications = Gauge(
            "forum_notifications",
            "Outbox notifications still to send, by status",
            ["status"],
            registry=r,
        )
        self.notifications_settled = Counter(
            "forum_notifications_settled",
            "Notifications the bot settled (then deleted from the outbox), by outcome",
            ["outcome"],
            registry=r,
        )
        self.telegram_429 = Counter(
            "forum_telegram_rate_limited",
            "429 RetryAfter answers Telegram gave the bot",
            registry=r,
        )
        self.posts_created = Counter(
            "forum_posts_created", "Posts and replies stored (pending)", registry=r
        )
        # Moderators' workload per lane (and lane="all"), read from the database at scrape.
        self.decided_last_day = Gauge(
            "forum_moderation_decided_last_day",
            "Items a moderator decided in the last 24 hours, by lane",
            ["lane"],
            registry=r,
        )
        self.decision_seconds = Gauge(
            "forum_moderation_decision_seconds",
            "Time from entering the queue to the decision over the last 24 hours, by lane "
            "(quantile 0.5 = median, 0.9 = p90; NaN when nothing was decided)",
            ["lane", "quantile"],
            registry=r,
        )
        self.lane_waiting = Gauge(
            "forum_moderation_waiting", "Items waiting for a human, by lane", ["lane"], registry=r
        )
        self.lane_oldest_seconds = Gauge(
            "forum_moderation_oldest_waiting_seconds",
            "How long the oldest waiting item has waited, by lane",
            ["lane"],
            registry=r,
        )

    def record_batch(self, report: BatchReport) -> None:
        """Record one worker batch."""
        if report.claimed == 0:
            return
        self.batch_seconds.observe(report.seconds)
        self.screened_posts.labels("screened").inc(report.recorded - report.not_screened)
        self.screened_posts.labels("not_screened").inc(report.not_screened)
        # A subset of not_screened: items whose screening kept failing, sent to humans unscreened.
        self.screened_posts.labels("given_up").inc(report.given_up)
        if report.seconds > 0:
            self.posts_per_second.set(report.claimed / report.seconds)

    def record_settled(self, outcomes: Mapping[str, int]) -> None:
        """Count notifications the bot acknowledged for good."""
        for outcome, n in outcomes.items():
            self.notifications_settled.labels(outcome).inc(n)

    async def refresh_from_database(self, db: Database, now: datetime | None = None) -> None:
        """Read queue and outbox figures from the database (called at scrape time)."""
        now = now or self.clock()
        queue = await queue_stats(db)
        counts = await OutboxService(db).counts()
        self.queue_depth.set(queue.pending)
        self.queue_unscreened.set(queue.unscreened)
        oldest_at = queue.oldest_pending_at
        age = (now - oldest_at).total_seconds() if oldest_at is not None else 0.0
        self.queue_oldest_seconds.set(max(0.0, age))
        for status in ("pending", "sending"):
            self.notifications.labels(status).set(counts.get(status, 0))
        await self._refresh_workload(db, now)

    async def _refresh_workload(self, db: Database, now: datetime) -> None:
        decided, waiting = await workload_since(db, now, now - timedelta(days=1))
        decided = [d for d in decided if d.decided_at > now - timedelta(days=1)]
        for figures in workload(decided, waiting, now=now, days=2):
            self.decided_last_day.labels(figures.lane).set(figures.decided)
            for quantile, value in (("0.5", figures.median_seconds), ("0.9", figures.p90_seconds)):
                self.decision_seconds.labels(figures.lane, quantile).set(
                    math.nan if value is None else value
                )
            self.lane_waiting.labels(figures.lane).set(figures.waiting)
            self.lane_oldest_seconds.labels(figures.lane).set(figures.oldest_waiting_seconds)


def metrics_middleware(metrics: Metrics) -> Middleware:
    """Observe request latency labelled by the route template (never the concrete path)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            metrics.request_seconds.labels(request.method, route, f"{status // 100}xx").observe(
                time.perf_counter() - started
            )

    return middleware


# Defence in depth for logs: identity keys (64 hex) and bot tokens never reach a handler,
# even if a library logs them (e.g. httpx logs Bot API URLs, which contain the token).
_SECRETS = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<identity-key>"),
    # No word boundary in front: in a Bot API URL the token follows "bot" (".../bot123:AA...").
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}\b"), "<bot-token>"),
]


def _scrub(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Scrub identity keys and bot tokens from every record's message and traceback."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message (and a traceback, as text) in place; never drops a record."""
        message = record.getMessage()
        cleaned = _scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            # Both formatters print exc_text when there is no exc_info: format it here, once,
            # scrubbed (an exception's text can hold a URL, and a Bot API URL the token).
            record.exc_text = _scrub(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = _scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = _scrub(record.stack_info)
        return True


def configure_logging(level: str, fmt: str) -> None:
    """Configure the root logger: text or JSON lines, redaction, quiet chatty libraries.

    Args:
        level: DEBUG, INFO, WARNING or ERROR.
        fmt: "text" or "json".
    """
    handler = logging.StreamHandler()
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    # httpx logs every Bot API URL (the token is in it) and PTB logs update contents at DEBUG.
    for noisy, quiet_level in (
        ("httpx", logging.WARNING),
        ("httpcore", logging.WARNING),
        ("telegram", logging.INFO),
        ("aiohttp.access", logging.WARNING),
        ("alembic.runtime.plugins", logging.WARNING),
        # Database drivers log statements with their parameters (post text, identity keys).
        ("aiosqlite", logging.WARNING),
        ("asyncpg", logging.WARNING),
        ("sqlalchemy.engine", logging.WARNING),
    ):
        logging.getLogger(noisy).setLevel(max(quiet_level, root.level))
