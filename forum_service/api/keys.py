"""Every typed application key in one module, imported by views and the app factory."""

from __future__ import annotations

from aiohttp import web

from forum_service.observability import Metrics
from forum_service.services.admin import AdminService
from forum_service.services.boards import BoardService
from forum_service.services.expert_forums import ExpertForumService
from forum_service.services.follows import FollowService
from forum_service.services.membership import MembershipService
from forum_service.services.moderation import ModerationService
from forum_service.services.outbox import OutboxService
from forum_service.services.safeguarding import HelplineService
from forum_service.services.search import SearchService
from forum_service.services.subscriptions import SubscriptionService
from forum_service.services.withdrawal import WithdrawalService
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
FOLLOWS = web.AppKey("follows", FollowService)
SEARCH = web.AppKey("search", SearchService)
WITHDRAWALS = web.AppKey("withdrawals", WithdrawalService)
