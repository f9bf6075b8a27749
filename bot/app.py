"""``build_application(settings)``: the one place the PTB application is assembled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommandScopeAllPrivateChats, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    Defaults,
    TypeHandler,
)

from bot import commands
from bot.context import BotServices
from bot.delivery import Dispatcher, SendWindow
from bot.delivery_store import DeliveryStore
from bot.flood import FloodGate
from bot.forum_client import ForumClient, ForumError
from bot.handlers import (
    admin,
    announcements,
    board_admin,
    boards,
    common,
    community,
    duty,
    expert_forums,
    feedback,
    forum_lifecycle,
    membership,
    moderation,
    newsletters,
    posting,
    quick_exit,
    resources,
    safeguarding,
    staff,
    subscriptions,
    timezone,
)
from bot.identity import IdentityDeriver
from bot.quick_exit import NoteSentMessages, RecentMessages, SelfDeletingNotices
from bot.settings import BotSettings
from bot.telegram_request import AiohttpRequest
from bot.update_processor import PerChatUpdateProcessor

log = logging.getLogger(__name__)

#: Telegram's command menu in private chats, from the one command table.
COMMANDS = commands.menu()


def prepare_environment() -> None:
    """Process-wide PTB switch: ``RetryAfter.retry_after`` as a timedelta (PTB 22 deprecation)."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


def build_application(
    settings: BotSettings, *, deliver: bool = True
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Assemble the bot.

    Args:
        settings: the bot settings (``TELEGRAM_BOT_TOKEN`` must be set).
        deliver: run the notification dispatcher in the background.

    Returns:
        The PTB application; resources open in ``post_init`` and close in ``post_shutdown``.
    """
    prepare_environment()
    # PTB logs update contents (ids, names, text) at DEBUG and httpx logs Bot API URLs, which
    # contain the token: keep both quiet whoever configured logging.
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    api = settings.telegram_api_base_url
    services = BotServices(
        settings=settings,
        forum=ForumClient(settings.forum_api_url, settings.service_token.get_secret_value()),
        identities=IdentityDeriver(settings.identity_pepper.get_secret_value().encode()),
        store=DeliveryStore(
            settings.bot_store_path, settings.bot_store_secret.get_secret_value().encode()
        ),
        flood=FloodGate(settings.bot_user_per_minute, settings.bot_user_burst),
        recent=RecentMessages(),
        exit_notices=SelfDeletingNotices(settings.bot_exit_notice_seconds),
    )
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    window = SendWindow(NoteSentMessages(services.recent))

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await services.forum.open()
        await services.store.open()
        await _bootstrap_admins(services)
        await application.bot.set_my_commands(COMMANDS, scope=BotCommandScopeAllPrivateChats())
        if deliver:
            dispatcher = Dispatcher(
                application.bot,
                services.forum,
                services.store,
                rate=settings.bot_broadcast_rate,
                window=window,
            )
            application.bot_data["dispatcher"] = dispatcher
            tasks.append(
                asyncio.create_task(
                    dispatcher.run(stop, idle_seconds=settings.bot_outbox_interval),
                    name="notification-dispatcher",
                )
            )

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=10)
        await services.exit_notices.close()  # the bot is still open: delete them now
        await services.forum.close()
        await services.store.close()

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # aiohttp, not PTB's default httpx: the Bot API client was ~40% of the bot's event loop
        # under load (bot/telegram_request.py). One connection for the long poll, as PTB's.
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .concurrent_updates(PerChatUpdateProcessor())
        # Not a limit: the hook that notes each message sent to a private chat, for /exit,
        # inside the count of all sends the broadcast dispatcher keeps under Telegram's limit.
        .rate_limiter(window)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["services"] = services
    register_handlers(application)
    return application


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler. Order matters: bookkeeping first, conversations before commands."""
    application.add_handler(TypeHandler(Update, quick_exit.note_incoming), group=-4)
    application.add_handler(TypeHandler(Update, common.flood_control), group=-3)
    application.add_handler(TypeHandler(Update, common.groups_get_a_pointer), group=-2)
    application.add_handler(TypeHandler(Update, common.remember_chat), group=-1)
    for conversation in posting.conversations():
        application.add_handler(conversation)
    application.add_handler(moderation.conversation())
    application.add_handler(expert_forums.conversation())
    application.add_handler(feedback.conversation())
    application.add_handlers(
        [
            CommandHandler("start", common.start),
            CommandHandler("help", common.help_command),
            CommandHandler("outcomes", boards.outcomes),
            CommandHandler("read", boards.read),
            CommandHandler("myposts", posting.my_posts),
            CommandHandler("forgetme", common.forget_me),
            CommandHandler("cancel", common.nothing_to_cancel),
            *boards.buttons(),
            *moderation.commands(),
            *admin.commands(),
            *membership.handlers(),
            *expert_forums.handlers(),
            *forum_lifecycle.handlers(),
            *announcements.handlers(),
            *subscriptions.handlers(),
            *timezone.handlers(),
            *duty.handlers(),
            *safeguarding.handlers(),
            *quick_exit.handlers(),
            *resources.handlers(),
            *newsletters.handlers(),
            *feedback.handlers(),
            *board_admin.handlers(),
            *staff.handlers(),
            *community.handlers(),
        ]
    )
    application.add_error_handler(common.on_error)


async def _bootstrap_admins(services: BotServices) -> None:
    ids = services.settings.bot_admin_telegram_ids
    if not ids:
        return
    keys = [await services.identities.identity_key_async(i) for i in ids]
    try:
        await services.forum.bootstrap_admins(keys)
    except ForumError as error:
        log.error("could not register the bootstrap admins: %s", error.code)


@asynccontextmanager
async def polling(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    poll_interval: float = 0.0,
    long_poll_seconds: int = 10,
) -> AsyncIterator[None]:
    """Run the bot inside an event loop someone else owns (single process, demo, tests).

    ``run_polling`` owns the loop, and ``initialize()`` does not call ``post_init`` (only
    ``run_polling``/``run_webhook`` do), so this does both lifecycles by hand.
    """
    await application.initialize()
    updater = application.updater
    assert updater is not None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await updater.start_polling(poll_interval=poll_interval, timeout=long_poll_seconds)
        await application.start()
        try:
            yield
        finally:
            await updater.stop()
            await application.stop()
    finally:
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()


WEBHOOK_PATH = "telegram"


def webhook_options(settings: BotSettings) -> dict[str, Any]:
    """Where the webhook listens and what Telegram is told; every update must carry the
    secret token (Telegram's ``X-Telegram-Bot-Api-Secret-Token``), others get 403."""
    assert settings.bot_webhook_url is not None and settings.bot_webhook_secret is not None
    return {
        "listen": settings.bot_webhook_listen,
        "port": settings.bot_webhook_port,
        "url_path": WEBHOOK_PATH,
        "webhook_url": settings.bot_webhook_url,
        "secret_token": settings.bot_webhook_secret.get_secret_value(),
    }


def run_bot(settings: BotSettings) -> None:
    """Run the bot until interrupted: long polling, or a webhook when ``BOT_WEBHOOK_URL`` is set."""
    application = build_application(settings)
    if settings.bot_webhook_url:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
