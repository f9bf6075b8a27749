"""/subscribe and /unsubscribe, with a one-line form and topic buttons.

Topics are ``all`` (announcements), ``digest`` (the weekly digest) and ``outcome:<slug>``;
people type and press the bare slug.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, reply, services
from bot.formatting import escape

TOPIC_HELP = "Use /subscribe all, /subscribe digest or /subscribe &lt;outcome&gt;."


def _topic(arg: str) -> str:
    arg = arg.lower()
    return arg if arg in ("all", "digest") else f"outcome:{arg}"


def _topic_buttons(button: Button, choices: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One ``button`` per (label, topic) choice, one per row."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=build(button, topic))]
            for label, topic in choices
        ]
    )


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe [all|digest|<outcome>]; without an argument, buttons."""
    args = context.args or []
    if not args:
        boards = await services(context).forum.boards(await identity(update, context))
        choices = [("All announcements", "all"), ("Weekly digest of new threads", "digest")]
        choices += [(b.title, b.slug) for b in boards]
        await reply(
            update,
            "What would you like to follow?",
            reply_markup=_topic_buttons(Button.SUBSCRIBE, choices),
        )
        return
    await _subscribe(update, context, args[0])


async def _subscribe(update: Update, context: Context, arg: str) -> None:
    key = await identity(update, context)
    if update.effective_chat is not None:
        await services(context).store.remember(key, update.effective_chat.id)
    topics = await services(context).forum.subscribe(key, _topic(arg))
    await reply(update, "Subscribed. You follow: " + ", ".join(escape(t) for t in topics))


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe [all|digest|<outcome>|everything]; without an argument, buttons."""
    args = context.args or []
    key = await identity(update, context)
    forum = services(context).forum
    if not args:
        topics = await forum.subscriptions(key)
        if not topics:
            await reply(update, "You follow nothing. " + TOPIC_HELP)
            return
        choices = [(t, t.removeprefix("outcome:")) for t in topics]
        choices.append(("Everything", "everything"))
        await reply(
            update,
            "Stop following what?",
            reply_markup=_topic_buttons(Button.UNSUBSCRIBE, choices),
        )
        return
    await _unsubscribe(update, context, args[0])


async def _unsubscribe(update: Update, context: Context, arg: str) -> None:
    key = await identity(update, context)
    forum = services(context).forum
    if arg.lower() == "everything":
        topics = await forum.unsubscribe_all(key)
    else:
        topics = await forum.unsubscribe(key, _topic(arg))
    left = ", ".join(escape(t) for t in topics) or "nothing"
    await reply(update, f"Done. You now follow: {left}.")


async def _pressed_topic(update: Update, button: Button) -> str | None:
    """Answer a topic button; its topic, or None when the data is malformed (then ignored)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(button, query.data)
    return None if fields is None else fields[0]


async def on_subscribe_button(update: Update, context: Context) -> None:
    """A topic button of /subscribe."""
    if (topic := await _pressed_topic(update, Button.SUBSCRIBE)) is not None:
        await _subscribe(update, context, topic)


async def on_unsubscribe_button(update: Update, context: Context) -> None:
    """A topic (or "Everything") button of /unsubscribe."""
    if (topic := await _pressed_topic(update, Button.UNSUBSCRIBE)) is not None:
        await _unsubscribe(update, context, topic)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The commands and their topic buttons."""
    return [
        CommandHandler("subscribe", subscribe),
        CommandHandler("unsubscribe", unsubscribe),
        CallbackQueryHandler(on_subscribe_button, pattern=pattern(Button.SUBSCRIBE)),
        CallbackQueryHandler(on_unsubscribe_button, pattern=pattern(Button.UNSUBSCRIBE)),
    ]
