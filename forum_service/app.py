"""Application factory: wires settings, database, services, routes and middlewares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from forum_service.api import (
    admin_board_routes,
    admin_expert_forum_routes,
    admin_membership_routes,
    admin_routes,
    board_routes,
    bot_routes,
    community_routes,
    draft_routes,
    expert_forum_routes,
    feedback_routes,
    forum_question_routes,
    helpline_routes,
    membership_routes,
    moderation_routes,
    moderation_view_routes,
    newsletter_routes,
    resource_routes,
    staff_routes,
    subscription_routes,
    system_routes,
    workload_routes,
)
from forum_service.api.auth import service_token_middleware
from forum_service.api.errors import error_middleware
from forum_service.api.keys import (
    ADMIN,
    APPEALS,
    BOARD_ADMIN,
    BOARDS,
    DATABASE,
    EXPERT_FORUMS,
    FEEDBACK,
    FOLLOWS,
    FORUM_QUESTIONS,
    HEALTH,
    HELPLINES,
    MEMBERSHIP,
    METRICS,
    MODERATION,
    MODERATION_NOTES,
    NEWSLETTERS,
    OUTBOX,
    REASONS,
    RENDERINGS,
    RESOURCES,
    SEARCH,
    SETTINGS,
    SUBSCRIPTIONS,
    SUSPENSIONS,
    WITHDRAWALS,
    WORKLOAD,
)
from forum_service.api.membership_gate import membership_gate
from forum_service.api.params import refuse_nul_in_path
from forum_service.api.rendered import Renderings
from forum_service.clock import Clock, utc_now
from forum_service.domain import MembershipMode
from forum_service.observability import Metrics, metrics_middleware
from forum_service.pseudonyms import Pseudonymizer
from forum_service.services.admin import AdminService
from forum_service.services.appeals import AppealService
from forum_service.services.board_admin import BoardAdminService
from forum_service.services.boards import BoardService
from forum_service.services.expert_forums import ExpertForumService
from forum_service.services.feedback import FeedbackService
from forum_service.services.follows import FollowService
from forum_service.services.forum_questions import ForumQuestionService
from forum_service.services.health import HealthCheck
from forum_service.services.membership import MembershipService
from forum_service.services.moderation import ModerationService
from forum_service.services.moderation_notes import NotesService
from forum_service.services.newsletters import NewsletterService
from forum_service.services.outbox import OutboxService
from forum_service.services.reasons import ReasonService
from forum_service.services.resources import ResourceService
from forum_service.services.safeguarding import HelplineService
from forum_service.services.search import SearchService
from forum_service.services.subscriptions import SubscriptionService
from forum_service.services.suspensions import SuspensionService
from forum_service.services.withdrawal import WithdrawalService
from forum_service.services.workload import WorkloadService
from forum_service.settings import ServiceSettings
from forum_service.storage import vault_repo
from forum_service.storage.database import Database

#: Requests larger than this are refused with 413 before they are read (a post is ≤ 4,000 chars).
MAX_REQUEST_BYTES = 64 * 1024


def create_app(
    settings: ServiceSettings,
    *,
    database: Database | None = None,
    metrics: Metrics | None = None,
    clock: Clock = utc_now,
) -> web.Application:
    """Build the forum service application.

    Args:
        settings: the service settings.
        database: an existing database to share (the single-process runner); when None the app
            opens its own on startup and disposes it on cleanup.
        metrics: the Prometheus series to record into (a fresh registry when None).
        clock: time source of every service (tests move it instead of sleeping).

    Returns:
        The aiohttp application, ready for ``web.run_app`` or a test client.
    """
    metrics = metrics or Metrics(clock=clock)
    app = web.Application(
        middlewares=[
            metrics_middleware(metrics),
            error_middleware,
            refuse_nul_in_path,
            service_token_middleware,
            membership_gate,
        ],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[RENDERINGS] = Renderings()

    async def database_context(app: web.Application) -> AsyncIterator[None]:
        own = database is None
        db = database or Database(
            settings.database_url, vault=settings.vault(), echo=settings.db_echo
        )
        # A database written with other secrets is refused before it is read.
        try:
            await vault_repo.verify_keys(db)
        except BaseException:
            if own:
                await db.dispose()
            raise
        app[DATABASE] = db
        pseudonyms = Pseudonymizer(settings.pseudonym_secret.get_secret_value().encode())
        app[BOARDS] = BoardService(
            db, pseudonyms, posts_per_hour=settings.posts_per_hour, clock=clock
        )
        app[MODERATION] = ModerationService(
            db, pseudonyms, clock=clock, undo_window=timedelta(seconds=settings.undo_seconds)
        )
        app[MODERATION_NOTES] = NotesService(db, pseudonyms, clock=clock)
        app[ADMIN] = AdminService(db, pseudonyms, clock=clock)
        app[OUTBOX] = OutboxService(db, clock=clock, on_settled=metrics.record_settled)
        app[EXPERT_FORUMS] = ExpertForumService(db, pseudonyms, clock=clock)
        app[FORUM_QUESTIONS] = ForumQuestionService(db, pseudonyms, clock=clock)
        app[SUBSCRIPTIONS] = SubscriptionService(db, clock=clock)
        app[MEMBERSHIP] = MembershipService(
            db, pseudonyms, mode=MembershipMode(settings.membership), clock=clock
        )
        app[HELPLINES] = HelplineService(db, pseudonyms, clock=clock)
        app[RESOURCES] = ResourceService(db, pseudonyms, clock=clock)
        app[NEWSLETTERS] = NewsletterService(db, pseudonyms, clock=clock)
        app[FEEDBACK] = FeedbackService(db, pseudonyms, clock=clock)
        app[BOARD_ADMIN] = BoardAdminService(db, pseudonyms, clock=clock)
        app[WORKLOAD] = WorkloadService(db, pseudonyms, clock=clock)
        app[REASONS] = ReasonService(db, pseudonyms, clock=clock)
        app[SUSPENSIONS] = SuspensionService(db, pseudonyms, clock=clock)
        app[APPEALS] = AppealService(db, pseudonyms, clock=clock)
        app[HEALTH] = HealthCheck(db)
        app[FOLLOWS] = FollowService(db, clock=clock)
        app[SEARCH] = SearchService(db, clock=clock)
        app[WITHDRAWALS] = WithdrawalService(db, clock=clock)
        yield
        if own:
            await db.dispose()

    app.cleanup_ctx.append(database_context)
    app.add_routes(system_routes.routes)
    app.add_routes(board_routes.routes)
    app.add_routes(draft_routes.routes)
    app.add_routes(moderation_routes.routes)
    app.add_routes(moderation_view_routes.routes)
    app.add_routes(admin_routes.routes)
    app.add_routes(membership_routes.routes)
    app.add_routes(admin_membership_routes.routes)
    app.add_routes(bot_routes.routes)
    app.add_routes(admin_expert_forum_routes.routes)
    app.add_routes(expert_forum_routes.routes)
    app.add_routes(forum_question_routes.routes)
    app.add_routes(subscription_routes.routes)
    app.add_routes(helpline_routes.routes)
    app.add_routes(resource_routes.routes)
    app.add_routes(newsletter_routes.routes)
    app.add_routes(feedback_routes.routes)
    app.add_routes(admin_board_routes.routes)
    app.add_routes(workload_routes.routes)
    app.add_routes(staff_routes.routes)
    app.add_routes(community_routes.routes)
    return app
