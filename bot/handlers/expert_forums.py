"""Expert forums: /schedule (guided or one line), /reschedule, /cancelforum (admins); /forums
with Going / Interested / Not going buttons (everyone). Times are read and shown in each
person's timezone (see /timezone).

Admin rights are checked by the service; the bot only relays its refusal as a sentence.
"""

from __future__ import annotations

import warnings
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import render
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, clear_draft, draft, identity, parse_id, reply, services
from bot.formatting import escape
from bot.forum_models import ForumDraft, RsvpChoice
from bot.handlers import forum_lifecycle
from bot.handlers.boards import ask_outcome, take_outcome
from bot.handlers.common import cancel
from bot.timefmt import TimeInputError, parse_start

SCHEDULE_BOARD, SCHEDULE_TITLE, SCHEDULE_WHEN, SCHEDULE_LEAD = range(30, 34)
TEXT = filters.TEXT & ~filters.COMMAND
RSVP_LABELS = {"going": "Going", "interested": "Interested", "not_going": "Not going"}


async def _tz(update: Update, context: Context) -> str:
    key = await identity(update, context)
    return await services(context).store.timezone_for(key)


async def _create(
    update: Update,
    context: Context,
    board: str,
    title: str,
    when: str,
    lead: str,
    extra: list[str] | None = None,
) -> None:
    starts_at, tbc = parse_start(when, await _tz(update, context))
    capacity: int | None = None
    join_link: str | None = None
    for value in extra or []:
        # Optional trailing fields of the one-line form: a join link and/or a capacity.
        if (number := parse_id(value)) is not None:
            capacity = number
        elif value:
            join_link = value
    draft = ForumDraft(board, title, lead, starts_at, tbc, capacity, join_link)
    key = await identity(update, context)
    created = await services(context).forum.schedule_forum(key, draft)
    await reply(
        update,
        "Scheduled and announced to subscribers:\n\n"
        + render.expert_forum(created, await _tz(update, context)),
    )


async def schedule_entry(update: Update, context: Context) -> int:
    """/schedule <outcome> | <title> | <YYYY-MM-DD HH:MM or TBC> | <lead>, or the guided flow."""
    assert update.effective_message is not None and update.effective_message.text is not None
    rest = update.effective_message.text.partition(" ")[2].strip()
    if rest:
        parts = [p.strip() for p in rest.split("|")]
        if not 4 <= len(parts) <= 6 or not all(parts[:4]):
            await reply(
                update,
                "One-line form: /schedule &lt;outcome&gt; | &lt;title&gt; | "
                "&lt;YYYY-MM-DD HH:MM or TBC&gt; | &lt;lead&gt; [| &lt;join link&gt;] "
                "[| &lt;capacity&gt;]",
            )
            return ConversationHandler.END
        try:
            await _create(
                update, context, parts[0].lower(), parts[1], parts[2], parts[3], parts[4:]
            )
        except TimeInputError as error:
            await reply(update, escape(str(error)))
        return ConversationHandler.END
    me = await services(context).forum.me(await identity(update, context))
    if me.role != "admin":
        await reply(update, "Only admins can schedule expert forums.")
        return ConversationHandler.END
    clear_draft(context)
    prompt = "Which outcome is the forum about? (/cancel to stop)"
    await ask_outcome(update, context, prompt, Button.SCHEDULE_BOARD)
    return SCHEDULE_BOARD


async def schedule_board(update: Update, context: Context) -> int:
    """Outcome chosen."""
    if not await take_outcome(update, context, Button.SCHEDULE_BOARD):
        return SCHEDULE_BOARD
    await reply(update, "Title of the forum?")
    return SCHEDULE_TITLE


async def schedule_title(update: Update, context: Context) -> int:
    """Title received."""
    assert update.effective_message is not None and update.effective_message.text is not None
    draft(context)["title"] = update.effective_message.text.strip()
    await reply(update, "When? YYYY-MM-DD HH:MM in your timezone, or TBC (e.g. “November, TBC”).")
    return SCHEDULE_WHEN


async def schedule_when(update: Update, context: Context) -> int:
    """Date received (checked now, so a typo is caught before the last step)."""
    assert update.effective_message is not None and update.effective_message.text is not None
    text = update.effective_message.text.strip()
    try:
        parse_start(text, await _tz(update, context))
    except TimeInputError as error:
        await reply(update, escape(str(error)))
        return SCHEDULE_WHEN
    draft(context)["when"] = text
    await reply(update, "Who leads it (the expert's name as it should be published)?")
    return SCHEDULE_LEAD


async def schedule_lead(update: Update, context: Context) -> int:
    """Lead received: create."""
    assert update.effective_message is not None and update.effective_message.text is not None
    entered = draft(context)
    try:
        await _create(
            update,
            context,
            entered["board"],
            entered["title"],
            entered["when"],
            update.effective_message.text.strip(),
        )
    except TimeInputError as error:
        await reply(update, escape(str(error)))
    clear_draft(context)
    return ConversationHandler.END


async def reschedule(update: Update, context: Context) -> None:
    """/reschedule <forum> <YYYY-MM-DD HH:MM>."""
    args = context.args or []
    forum_id = parse_id(args[0]) if len(args) == 3 else None
    if forum_id is None:
        await reply(update, "Use /reschedule &lt;forum id&gt; &lt;YYYY-MM-DD HH:MM&gt;.")
        return
    try:
        starts_at, _ = parse_start(f"{args[1]} {args[2]}", await _tz(update, context))
    except TimeInputError as error:
        await reply(update, escape(str(error)))
        return
    if starts_at is None:
        await reply(update, "Give a date: /reschedule &lt;forum id&gt; &lt;YYYY-MM-DD HH:MM&gt;.")
        return
    key = await identity(update, context)
    done = await services(context).forum.reschedule_forum(key, forum_id, starts_at)
    await reply(
        update,
        "Updated; everyone concerned is told.\n\n"
        + render.expert_forum(done, await _tz(update, context)),
    )


async def cancel_forum(update: Update, context: Context) -> None:
    """/cancelforum <forum> [reason]."""
    args = context.args or []
    forum_id = parse_id(args[0]) if args else None
    if forum_id is None:
        await reply(update, "Use /cancelforum &lt;forum id&gt; [reason].")
        return
    key = await identity(update, context)
    reason = " ".join(args[1:])[:500] if len(args) > 1 else None
    await services(context).forum.cancel_forum(key, forum_id, reason)
    await reply(update, f"Forum {args[0]} is cancelled; everyone who answered is told.")


async def forums(update: Update, context: Context) -> None:
    """/forums: upcoming forums, each with Going / Interested / Not going buttons and its
    calendar file; /forums past; /forums <id> (one forum's page)."""
    args = context.args or []
    if args:
        forum_id = parse_id(args[0]) if len(args) == 1 else None
        if args == ["past"]:
            await forum_lifecycle.past(update, context)
        elif forum_id is not None:
            await forum_lifecycle.page(update, context, forum_id)
        else:
            await reply(update, "Use /forums, /forums past or /forums &lt;forum id&gt;.")
        return
    key = await identity(update, context)
    found = await services(context).forum.upcoming_forums(key)
    if not found:
        await reply(update, "No expert forums are scheduled yet. /subscribe to hear about them.")
        return
    tz = await _tz(update, context)
    for forum in found:
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(label, callback_data=build(Button.RSVP, forum.id, status))
                    for status, label in RSVP_LABELS.items()
                ]
            ]
        )
        await reply(update, render.expert_forum(forum, tz), reply_markup=buttons)
        await forum_lifecycle.send_calendar(update, forum)


async def on_rsvp(update: Update, context: Context) -> None:
    """An RSVP button."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.RSVP, query.data)
    assert fields is not None  # the handler's pattern admits only well-formed data
    forum_id, status = int(fields[0]), cast(RsvpChoice, fields[1])
    key = await identity(update, context)
    forum = await services(context).forum.rsvp(key, forum_id, status)
    mine = forum.my_rsvp
    if mine == "waiting":
        text = "The forum is full: you are on the waiting list and will be told if a place opens."
    elif mine == "going":
        text = "You are going. I will remind you 24 hours and 1 hour before."
        if forum.join_link:
            text += f"\nJoin link: {escape(forum.join_link)}"
    elif mine == "interested":
        text = "Noted as interested: you will get the reminders (the join link is for those going)."
    else:
        text = "Noted: not going."
    if mine in ("going", "interested", "waiting"):
        text += f"\nA question for the lead in advance? /ask {forum.id} &lt;your question&gt;"
    await reply(update, f"<b>{escape(forum.title)}</b>\n{text}")


def conversation() -> ConversationHandler[Any]:
    """The guided /schedule flow."""
    fallbacks: list[BaseHandler[Update, Context, object]] = [CommandHandler("cancel", cancel)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("schedule", schedule_entry)],
            states={
                SCHEDULE_BOARD: [
                    CallbackQueryHandler(schedule_board, pattern=pattern(Button.SCHEDULE_BOARD))
                ],
                SCHEDULE_TITLE: [MessageHandler(TEXT, schedule_title)],
                SCHEDULE_WHEN: [MessageHandler(TEXT, schedule_when)],
                SCHEDULE_LEAD: [MessageHandler(TEXT, schedule_lead)],
            },
            fallbacks=fallbacks,
            allow_reentry=True,
            name="schedule_forum",
        )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/reschedule, /cancelforum, /forums and the RSVP buttons."""
    return [
        CommandHandler("reschedule", reschedule),
        CommandHandler("cancelforum", cancel_forum),
        CommandHandler("forums", forums),
        CallbackQueryHandler(on_rsvp, pattern=pattern(Button.RSVP, whole=True)),
    ]
