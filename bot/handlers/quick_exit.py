"""/exit and the Exit button: a quick exit for someone on a shared or monitored device.

It deletes every message of the last 48 hours in the private chat that the bot knows of (its
own and the person's: Telegram lets a bot delete both in a private chat, within 48 hours of
sending), ends every conversation the person is in and forgets the chat's and the person's
in-memory state (half-written posts, moderation steps, page cursors). Its answer says what it
could not delete and deletes itself after ``BOT_EXIT_NOTICE_SECONDS``.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot import texts
from bot.callbacks import Button, build, pattern
from bot.context import Context, is_private, services
from bot.quick_exit import delete_recent


def exit_button() -> InlineKeyboardButton:
    """The Exit button shown under thread views."""
    return InlineKeyboardButton("Exit", callback_data=build(Button.EXIT))


async def note_incoming(update: Update, context: Context) -> None:
    """Note the id of each message the person sends in a private chat (group -4, first of all,
    so that even updates the flood gate drops can be deleted by /exit)."""
    message = update.effective_message
    chat = update.effective_chat
    if isinstance(message, Message) and chat is not None and is_private(update):
        services(context).recent.note(chat.id, message.message_id, message.date.timestamp())


def end_conversations(update: Update, context: Context) -> int:
    """End every conversation the update's person is in, in every ConversationHandler.

    PTB has no public way to end a conversation from outside it, and /cancel as a fallback
    ends only the first conversation that matches; so this uses the handler's own
    ``_get_key``/``_update_state`` (PTB 22), which the /exit test exercises.

    Returns:
        How many conversations were ended.
    """
    ended = 0
    for handlers in context.application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                key = handler._get_key(update)
                if key in handler._conversations:
                    handler._update_state(ConversationHandler.END, key)
                    ended += 1
    return ended


async def quick_exit(update: Update, context: Context) -> None:
    """Delete the chat's recent messages, forget the person's state, say what is left."""
    chat = update.effective_chat
    if chat is None or not is_private(update):
        return
    end_conversations(update, context)
    if context.chat_data is not None:
        context.chat_data.clear()
    if context.user_data is not None:
        context.user_data.clear()
    found = services(context)
    deleted, failed = await delete_recent(context.bot, found.recent, chat.id)
    seconds = found.exit_notices.delay
    notice = await context.bot.send_message(
        chat.id, texts.exit_notice(deleted, failed, max(1, round(seconds)))
    )
    found.exit_notices.delete_later(context.bot, found.recent, chat.id, notice.message_id)


async def on_exit_button(update: Update, context: Context) -> None:
    """The Exit button: the same as /exit."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await quick_exit(update, context)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/exit and the Exit button."""
    return [
        CommandHandler("exit", quick_exit),
        CallbackQueryHandler(on_exit_button, pattern=pattern(Button.EXIT, whole=True)),
    ]
