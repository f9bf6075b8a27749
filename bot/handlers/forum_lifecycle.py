"""The expert-forum lifecycle around /forums: calendar files, one forum's page, past forums,
questions in advance (/ask; /questions and its buttons for moderators) and the follow-up an
admin attaches when marking a forum held (/forumheld, or a PDF with that caption).

Roles are checked by the service; the bot relays its refusal as a sentence.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import render
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, parse_id, reply, services
from bot.forum_models import ExpertForum

#: The caption under a forum's calendar file.
CALENDAR_CAPTION = "📅 Forum {id}: open this file to put it in your calendar."


def _message(update: Update) -> Message | None:
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        return query.message
    return update.effective_message


async def send_calendar(update: Update, forum: ExpertForum) -> None:
    """Send a forum's .ics file as a document (nothing while its date is TBC)."""
    message = _message(update)
    if forum.calendar is None or message is None:
        return
    await message.reply_document(
        InputFile(forum.calendar.encode("utf-8"), filename=f"expert-forum-{forum.id}.ics"),
        caption=CALENDAR_CAPTION.format(id=forum.id),
    )


async def _tz(update: Update, context: Context) -> str:
    return await services(context).store.timezone_for(await identity(update, context))


async def past(update: Update, context: Context) -> None:
    """/forums past: held, cancelled or begun forums, newest first."""
    found = await services(context).forum.past_forums(await identity(update, context))
    if not found:
        await reply(update, "No expert forums have taken place yet. /forums shows what is coming.")
        return
    await reply(update, render.past_forums(found, await _tz(update, context)))


async def page(update: Update, context: Context, forum_id: int) -> None:
    """/forums <id>: one forum, its follow-up once held (slides as the PDF), its calendar."""
    forum = await services(context).forum.forum(await identity(update, context), forum_id)
    await reply(update, render.expert_forum(forum, await _tz(update, context)))
    message = _message(update)
    if forum.follow_up and forum.follow_up.slides_file_id and message is not None:
        await message.reply_document(
            forum.follow_up.slides_file_id, caption=f"Slides of forum {forum.id}"
        )
    if forum.status != "held":
        await send_calendar(update, forum)


async def ask(update: Update, context: Context) -> None:
    """/ask <forum> <question>: anonymous, reviewed by a moderator, then listed for the lead."""
    message = update.effective_message
    assert message is not None and message.text is not None
    rest = message.text.partition(" ")[2].strip()
    first, _, question = rest.partition(" ")
    forum_id = parse_id(first)
    if forum_id is None or not question.strip():
        await reply(
            update, "Use /ask &lt;forum id&gt; &lt;your question&gt; (up to 500 characters)."
        )
        return
    key = await identity(update, context)
    await services(context).forum.ask_question(key, forum_id, question.strip())
    await reply(
        update,
        "Thank you. Your question waits for a moderator; once approved it reaches the forum's "
        "lead, with nothing that says who asked.",
    )


def _decision_buttons(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=build(Button.QUESTION_DECISION, question_id, answer)
                )
                for label, answer in (("Approve", "approve"), ("Reject", "reject"))
            ]
        ]
    )


async def questions(update: Update, context: Context) -> None:
    """/questions <forum>: pending questions with Approve / Reject, then the lead's list."""
    args = context.args or []
    forum_id = parse_id(args[0]) if len(args) == 1 else None
    if forum_id is None:
        await reply(update, "Use /questions &lt;forum id&gt;.")
        return
    found = await services(context).forum.forum_questions(await identity(update, context), forum_id)
    pending = [q for q in found.questions if q.status == "pending"]
    for question in pending:
        await reply(
            update, render.pending_question(question), reply_markup=_decision_buttons(question.id)
        )
    if not pending:
        await reply(update, "No questions wait for review.")
    await reply(update, render.lead_questions(found.forum, found.questions))


async def on_question_decision(update: Update, context: Context) -> None:
    """An Approve / Reject button under a pending question."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.QUESTION_DECISION, query.data)
    assert fields is not None  # the handler's pattern admits only well-formed data
    question_id, approve = int(fields[0]), fields[1] == "approve"
    key = await identity(update, context)
    decided = await services(context).forum.decide_question(key, question_id, approve)
    outcome = "approved: it is on the lead's list" if approve else "rejected"
    await reply(update, f"Question {decided.id} {outcome}. /questions {decided.forum_id}")


async def forum_held(update: Update, context: Context) -> None:
    """/forumheld <forum> [https recording link] [summary], or a PDF (the slides) with it."""
    message = update.effective_message
    assert message is not None
    raw = message.caption if message.document is not None else message.text
    rest = (raw or "").partition(" ")[2].strip()
    first, _, remainder = rest.partition(" ")
    forum_id = parse_id(first)
    remainder = remainder.strip()
    recording: str | None = None
    if remainder.lower().startswith(("https://", "http://")):
        recording, _, remainder = remainder.partition(" ")
        remainder = remainder.strip()
    slides: str | None = None
    if message.document is not None:
        if message.document.mime_type not in (None, "application/pdf"):
            await reply(update, "Only a PDF can be attached as the slides.")
            return
        slides = message.document.file_id
    if forum_id is None or not (recording or remainder or slides):
        await reply(
            update,
            "Use /forumheld &lt;forum id&gt; [https recording link] [summary], or send the "
            "slides as a PDF with that caption: at least one of the three.",
        )
        return
    key = await identity(update, context)
    done = await services(context).forum.mark_forum_held(
        key, forum_id, recording_url=recording, slides_file_id=slides, summary=remainder or None
    )
    await reply(
        update,
        f"Forum {done.id} is marked held; the follow-up goes to everyone who answered and "
        f"stays on its page (/forums {done.id}).",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/ask, /questions and its buttons, /forumheld (as text and as a PDF's caption)."""
    return [
        CommandHandler("ask", ask),
        CommandHandler("questions", questions),
        CallbackQueryHandler(
            on_question_decision, pattern=pattern(Button.QUESTION_DECISION, whole=True)
        ),
        CommandHandler("forumheld", forum_held),
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/forumheld\b"), forum_held),
    ]
