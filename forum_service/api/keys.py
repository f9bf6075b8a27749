"""Every typed application key in one module, imported by views and the app factory."""

from __future__ import annotations

from aiohttp import web

from forum_service.observability import Metrics
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
from forum_service.storage.database import Database

SETTINGS = web.AppKey("settings", ServiceSettings)
DATABASE = web.AppKey("database", Database)
BOARDS = web.AppKey("boards", BoardService)
MODERATION = web.AppKey("moderation", ModerationService)
ADMIN = web.AppKey("admin", AdminService)
OUTBOX = web.AppKey("outbox", OutboxService)
EXPERT_FORUMS = web.AppKey("expert_forums", ExpertForumService)
SUBSCRIPTIONS = web.AppKey("subscriptions", SubscriptionService)
METRICS = web.AppKey("metrics", Metrics)
MEMBERSHIP = web.AppKey("membership", MembershipService)
HELPLINES = web.AppKey("helplines", HelplineService)
RESOURCES = web.AppKey("resources", ResourceService)
NEWSLETTERS = web.AppKey("newsletters", NewsletterService)
FEEDBACK = web.AppKey("feedback", FeedbackService)
BOARD_ADMIN = web.AppKey("board_admin", BoardAdminService)
FORUM_QUESTIONS = web.AppKey("forum_questions", ForumQuestionService)
WORKLOAD = web.AppKey("workload", WorkloadService)
MODERATION_NOTES = web.AppKey("moderation_notes", NotesService)
REASONS = web.AppKey("reasons", ReasonService)
SUSPENSIONS = web.AppKey("suspensions", SuspensionService)
APPEALS = web.AppKey("appeals", AppealService)
HEALTH = web.AppKey("health", HealthCheck)
FOLLOWS = web.AppKey("follows", FollowService)
SEARCH = web.AppKey("search", SearchService)
WITHDRAWALS = web.AppKey("withdrawals", WithdrawalService)
