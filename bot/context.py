"""What every handler needs: the forum client, the identity deriver and the delivery store."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.delivery_store import DeliveryStore
from bot.flood import FloodGate
from bot.forum_client import ForumClient, ForumError
from bot.identity import IdentityDeriver
from bot.quick_exit import RecentMessages, SelfDeletingNotices
from bot.settings import BotSettings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BotServices:
    """Long-lived resources, kept in ``application.bot_data['services']``."""

    settings: BotSettings
    forum: ForumClient
    identities: IdentityDeriver
    store: DeliveryStore
    flood: FloodGate
    #: Ids of the last 48 hours' messages per private chat, in memory only (for /exit).
    recent: RecentMessages
    #: /exit's answer, which deletes itself.
    exit_notices: SelfDeletingNotices


Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> BotServices:
    """Return the bot's resources."""
    found: BotServices = context.application.bot_data["services"]
    return found


async def identity(update: Update, context: Context) -> str:
    """Return the acting person's identity key (argon2id of their id; cached in memory)."""
    user = update.effective_user
    if user is None:
        raise ForumError(400, "no_user", "I can only act for a person.")
    return await services(context).identities.identity_key_async(user.id)


def parse_id(text: str) -> int | None:
    """Read a forum id (thread, post, item, forum, word) that a person typed, or None.

    ASCII digits only: ``"²".isdigit()`` is true, yet ``int("²")`` fails.
    """
    return int(text) if text.isascii() and text.isdigit() else None


def is_private(update: Update) -> bool:
    """Whether the update comes from a private chat (the only place people may post)."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer in the chat the update came from (message or button press)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.message.reply_text(text, **kwargs)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, **kwargs)


async def reply_many(update: Update, messages: list[str], **last_kwargs: Any) -> None:
    """Send several messages in order; keyword arguments (e.g. buttons) go to the last one."""
    for index, text in enumerate(messages):
        kwargs = last_kwargs if index == len(messages) - 1 else {}
        await reply(update, text, **kwargs)


#: ``chat_data`` keys holding a flow's half-entered input; /cancel and a finished flow clear them.
FLOW_KEYS = ("draft", "moderating")


def draft(context: Context) -> dict[str, Any]:
    """The current flow's half-entered input (one flow at a time per chat)."""
    assert context.chat_data is not None
    found: dict[str, Any] = context.chat_data.setdefault("draft", {})
    return found


def clear_draft(context: Context) -> None:
    """Forget any half-entered input."""
    if context.chat_data is not None:
        for key in FLOW_KEYS:
            context.chat_data.pop(key, None)
