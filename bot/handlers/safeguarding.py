"""/helplines (and the admins' ``add``/``remove``), /report with its category buttons, and the
signposting card shown at once to the author of a post that discloses their own crisis.

A report's reason waits in ``chat_data`` (memory only) for the category button: Telegram's
64 bytes of callback data cannot carry it. Roles are checked by the service.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render, texts
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, parse_id, reply, services
from bot.formatting import escape
from bot.forum_models import ReportCategory
from bot.handlers.common import how_to_join

#: The report categories as buttons, fast ones first.
REPORT_CATEGORIES: list[tuple[ReportCategory, str]] = [
    ("identifies_someone", "Identifies someone"),
    ("safety_risk", "Safety risk"),
    ("other", "Other"),
]
CATEGORY_BY_CODE: dict[str, ReportCategory] = {code: code for code, _ in REPORT_CATEGORIES}
REPORT_USAGE = "Use /report &lt;post id&gt; [reason]. Post ids are shown in /read."
HELPLINES_USAGE = (
    "Use /helplines, or as an admin /helplines add &lt;name&gt; | &lt;contact&gt; | "
    "&lt;description&gt; and /helplines remove &lt;id&gt;."
)
REASON_MAX = 500


async def signpost(update: Update, context: Context) -> None:
    """Show the signposting card (the helplines) to the person who has just posted."""
    found = await services(context).forum.helplines()
    await reply(update, render.helplines(found, heading=texts.SIGNPOSTING))


async def helplines(update: Update, context: Context) -> None:
    """/helplines; /helplines add <name> | <contact> | <description>; /helplines remove <id>."""
    message = update.effective_message
    assert message is not None and message.text is not None
    rest = message.text.partition(" ")[2].strip()
    verb, _, arguments = rest.partition(" ")
    forum = services(context).forum
    if not rest:
        found = await forum.helplines()
        card = render.helplines(found, heading=texts.HELPLINES)
        if (await forum.me(await identity(update, context))).role == "admin":
            card += "\n\nIds (for /helplines remove): " + ", ".join(
                f"{h.id} {escape(h.name)}" for h in found
            )
        await reply(update, card)
    elif verb == "add":
        name, _, more = arguments.partition("|")
        contact, _, description = more.partition("|")
        if not name.strip() or not contact.strip():
            await reply(update, HELPLINES_USAGE)
            return
        added = await forum.add_helpline(
            await identity(update, context), name.strip(), contact.strip(), description.strip()
        )
        await reply(update, f"Added helpline {added.id}: {escape(added.name)}.")
    elif verb == "remove" and (helpline_id := parse_id(arguments.strip())) is not None:
        await forum.remove_helpline(await identity(update, context), helpline_id)
        await reply(update, f"Removed helpline {helpline_id}.")
    else:
        await reply(update, HELPLINES_USAGE)


async def report(update: Update, context: Context) -> None:
    """/report <post> [reason]: ask why, with the categories as buttons."""
    message = update.effective_message
    assert message is not None and message.text is not None
    args = context.args or []
    post_id = parse_id(args[0]) if args else None
    if post_id is None:
        await reply(update, REPORT_USAGE)
        return
    if not (await services(context).forum.me(await identity(update, context))).member:
        # The categories come before any call that the service would refuse a non-member.
        await how_to_join(update, context)
        return
    parts = message.text.split(maxsplit=2)
    reason = parts[2].strip()[:REASON_MAX] if len(parts) > 2 else ""
    assert context.chat_data is not None
    reasons: dict[int, str] = context.chat_data.setdefault("report_reasons", {})
    if reason:
        reasons[post_id] = reason
    else:
        reasons.pop(post_id, None)
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=build(Button.REPORT_CATEGORY, post_id, code)
                )
            ]
            for code, label in REPORT_CATEGORIES
        ]
    )
    await reply(
        update,
        f"Why are you reporting post {post_id}? A post that identifies someone or is a "
        "safety risk is hidden at once until a moderator decides.",
        reply_markup=buttons,
    )


async def on_report_category(update: Update, context: Context) -> None:
    """A category pressed: file the report (an "other" report needs a reason)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.REPORT_CATEGORY, query.data)
    if fields is None:
        await reply(update, "That button is out of date; use /report again.")
        return
    post_id, category = int(fields[0]), fields[1]
    assert context.chat_data is not None
    reasons: dict[int, str] = context.chat_data.setdefault("report_reasons", {})
    reason = reasons.get(post_id)
    if category == "other" and not reason:
        await reply(
            update,
            f"Please tell the moderators what is wrong: /report {post_id} &lt;reason&gt;.",
        )
        return
    # Remove the buttons so the same report cannot be sent twice.
    await query.edit_message_reply_markup(None)
    chosen = CATEGORY_BY_CODE[category]  # the button's pattern admits these only
    fast = chosen != "other"
    await services(context).forum.report(await identity(update, context), post_id, reason, chosen)
    reasons.pop(post_id, None)
    await reply(
        update,
        (
            f"Thank you — post {post_id} is hidden until a moderator decides"
            if fast
            else "Thank you — the moderators will look at it"
        )
        + ". I will tell you the outcome. Your report is anonymous.",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The safeguarding commands and buttons."""
    return [
        CommandHandler("helplines", helplines),
        CommandHandler("report", report),
        CallbackQueryHandler(on_report_category, pattern=pattern(Button.REPORT_CATEGORY)),
    ]
