"""/start, /help, /cancel, /forgetme, delivery bookkeeping and the error handler."""

from __future__ import annotations

import logging
import uuid

from telegram import LinkPreviewOptions, Update
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import commands, texts
from bot.context import Context, clear_draft, identity, is_private, reply, reply_many, services
from bot.formatting import escape
from bot.forum_client import ForumError
from bot.handlers.boards import show_thread
from bot.handlers.community import shared_thread_id
from bot.handlers.membership import join_with

log = logging.getLogger(__name__)


async def flood_control(update: Update, context: Context) -> None:
    """Drop updates from someone sending faster than the flood gate allows (group -3, first).

    They are told once per flood, in their private chat; nothing is logged about who.
    """
    user = update.effective_user
    if user is None:
        return
    allowed, warn = services(context).flood.admit(user.id)
    if allowed:
        return
    if warn and is_private(update):
        await reply(update, texts.TOO_FAST)
    raise ApplicationHandlerStop


async def groups_get_a_pointer(update: Update, context: Context) -> None:
    """Stop every update from a group, channel or supergroup before any other handler runs.

    Runs first (group -2). A command or a button press there gets one pointer to the private
    chat; nothing from a board, the queue or reports is ever sent to a group.
    """
    chat = update.effective_chat
    if chat is None or is_private(update):
        return
    query = update.callback_query
    if query is not None:
        await query.answer(texts.PRIVATE_ONLY, show_alert=True)
    else:
        message = update.effective_message
        if message is not None and (message.text or "").startswith("/"):
            await message.reply_text(
                texts.GROUP_POINTER.format(username=context.bot.username),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
    raise ApplicationHandlerStop


async def remember_chat(update: Update, context: Context) -> None:
    """Keep the identity key → chat id mapping (encrypted) so decisions can be delivered.

    Runs before every handler (group -1). Only private chats are remembered; /forgetme is
    skipped so that forgetting is not undone by the command itself.
    """
    if not is_private(update) or update.effective_chat is None or update.effective_user is None:
        return
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/forgetme"):
        return
    key = await identity(update, context)
    await services(context).store.remember(key, update.effective_chat.id)


async def start(update: Update, context: Context) -> None:
    """Explain what this is, the rules and the anonymity promise; a non-member is told how to
    join. ``/start CODE`` (an invite's deep link ``t.me/<bot>?start=CODE``) joins;
    ``/start t<id>`` (a thread's shared link) opens that thread."""
    args = context.args or []
    if len(args) == 1 and (thread_id := shared_thread_id(args[0])) is not None:
        await open_shared(update, context, thread_id)
        return
    if len(args) == 1:
        await join_with(update, context, args[0])
        return
    me = await services(context).forum.me(await identity(update, context))
    if me.member:
        await reply(update, texts.START)
    else:
        await reply(update, f"{texts.NOT_A_MEMBER_WELCOME}\n\n{texts.how_to_join(me.membership)}")


async def open_shared(update: Update, context: Context, thread_id: int) -> None:
    """``/start t<id>`` (a thread's shared link): a member sees the thread, others how to join."""
    me = await services(context).forum.me(await identity(update, context))
    if not me.member:
        await reply(
            update,
            f"Someone shared a thread of the forum with you.\n\n{texts.NOT_A_MEMBER_WELCOME}"
            f"\n\n{texts.how_to_join(me.membership)}",
        )
        return
    await show_thread(update, context, thread_id)


async def help_command(update: Update, context: Context) -> None:
    """List every command the person may use, by their role (``bot.commands``); a non-member
    learns how to join."""
    me = await services(context).forum.me(await identity(update, context))
    if not me.member:
        messages = commands.help_messages(None)
        messages[-1] += f"\n\n{texts.how_to_join(me.membership)}"
        await reply_many(update, messages)
        return
    await reply_many(update, commands.help_messages(me.role))


async def how_to_join(update: Update, context: Context) -> None:
    """A non-member tried to read or post: say how to join instead (the service refused)."""
    try:
        membership = (await services(context).forum.me(await identity(update, context))).membership
    except ForumError:
        membership = "invite"
    await reply(update, f"This forum is for members only.\n\n{texts.how_to_join(membership)}")


async def cancel(update: Update, context: Context) -> int:
    """Leave any flow (used as every conversation's fallback)."""
    clear_draft(context)
    await reply(update, texts.CANCELLED)
    return ConversationHandler.END


async def nothing_to_cancel(update: Update, context: Context) -> None:
    """/cancel outside any flow."""
    await reply(update, texts.NOTHING_TO_CANCEL)


async def forget_me(update: Update, context: Context) -> None:
    """Delete the delivery data the bot keeps (chat id, timezone)."""
    key = await identity(update, context)
    removed = await services(context).store.forget(key)
    await reply(
        update,
        "Done: I deleted your delivery data. You will get no notifications until you use "
        "/start again or post."
        if removed
        else "I hold no delivery data for you.",
    )


async def on_error(update: object, context: Context) -> None:
    """Log the failure without personal data and tell the user something went wrong.

    Only the exception type and a correlation id are logged; never the update (ids, names,
    text) nor the message of the exception (it may quote the request).
    """
    error = context.error
    if (
        isinstance(error, ForumError)
        and error.code == "membership_required"
        and isinstance(update, Update)
    ):
        await how_to_join(update, context)
        return
    if isinstance(error, ForumError) and isinstance(update, Update):
        # A plain sentence, but it may quote what the user typed: escape it for HTML.
        await reply(update, escape(error.message))
        return
    correlation = uuid.uuid4().hex[:12]
    log.error("handler failed with %s [%s]", type(error).__name__, correlation)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, f"{texts.SOMETHING_WRONG} (ref {correlation})")
        except Exception as send_error:  # the reply itself may fail; nothing more to do
            log.error("could not tell the user: %s", type(send_error).__name__)
