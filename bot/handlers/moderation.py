"""/queue with Approve / Edit / Reject / Skip buttons, /approve, /reject, /reports.

Buttons carry the item id and the version the moderator saw; the service re-checks both, so a
stale button (item decided or changed meanwhile) gets a clear message instead of a decision.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import render
from bot.context import Context, identity, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.forum_client import ForumError
from bot.forum_models import Decision, QueueItem
from bot.handlers.common import cancel

MOD_TEXT = 20

REASONS = [
    ("personal_details", "Personal details"),
    ("abusive", "Abusive"),
    ("unsafe", "Puts someone at risk"),
    ("off_topic", "Off topic"),
    ("duplicate", "Duplicate"),
]


def _item_buttons(item: QueueItem) -> InlineKeyboardMarkup:
    ref = f"{item.id}:{item.version}"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Approve", callback_data=f"qa:{ref}"),
                InlineKeyboardButton("Edit", callback_data=f"qe:{ref}"),
            ],
            [
                InlineKeyboardButton("Reject", callback_data=f"qr:{ref}"),
                InlineKeyboardButton("Skip", callback_data=f"qs:{ref}"),
            ],
        ]
    )


async def queue(update: Update, context: Context) -> None:
    """Show the highest-risk item not claimed by someone else and not skipped."""
    key = await identity(update, context)
    skipped: set[int] = (context.chat_data or {}).get("skipped", set())
    found = await services(context).forum.queue(key, limit=50)
    items = [i for i in found if not i.claimed_by_other and i.id not in skipped]
    if not items:
        await reply(
            update,
            "The queue is empty. Thank you!"
            if not skipped
            else "No more items (you skipped some; /queue again after they are decided).",
        )
        if context.chat_data is not None:
            context.chat_data["skipped"] = set()
        return
    item = items[0]
    await reply_many(update, render.queue_item(item), reply_markup=_item_buttons(item))


async def _decide(
    update: Update, context: Context, item_id: int, version: int, decision: Decision
) -> None:
    key = await identity(update, context)
    await services(context).forum.decide(key, item_id, version, decision)
    await reply(update, f"Done: item {item_id} — {decision.action.replace('_', ' ')}.")


async def on_button(update: Update, context: Context) -> int | None:
    """qa/qs/qr/qc buttons; qe and qo start a text step (edit, or a free-text reason)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    kind, _, rest = query.data.partition(":")
    parts = rest.split(":")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        await reply(update, "That button is out of date; use /queue.")
        return ConversationHandler.END
    item_id, version = int(parts[0]), int(parts[1])
    try:
        if kind == "qa":
            await _decide(update, context, item_id, version, Decision.approve())
        elif kind == "qs":
            assert context.chat_data is not None
            context.chat_data.setdefault("skipped", set()).add(item_id)
            await queue(update, context)
        elif kind == "qr":
            rows = [
                [InlineKeyboardButton(label, callback_data=f"qc:{item_id}:{version}:{code}")]
                for code, label in REASONS
            ]
            rows.append(
                [
                    InlineKeyboardButton(
                        "Other (type a reason)", callback_data=f"qo:{item_id}:{version}"
                    )
                ]
            )
            await reply(
                update,
                "Why is it rejected? The author receives this reason.",
                reply_markup=InlineKeyboardMarkup(rows),
            )
        elif kind == "qc" and len(parts) == 3:
            await _decide(update, context, item_id, version, Decision.reject(parts[2]))
        elif kind in ("qe", "qo"):
            assert context.chat_data is not None
            context.chat_data["moderating"] = {"kind": kind, "item": item_id, "version": version}
            await reply(
                update,
                "Send the edited text; it replaces the post before approval. (/cancel)"
                if kind == "qe"
                else "Type the reason the author will receive. (/cancel)",
            )
            return MOD_TEXT
    except ForumError as error:
        if error.status == 409:
            await reply(update, f"Item {item_id} has changed: {escape(error.message)} Use /queue.")
            return ConversationHandler.END
        raise
    return ConversationHandler.END


async def on_text(update: Update, context: Context) -> int:
    """The edited text or the free-text reason."""
    assert update.effective_message is not None and update.effective_message.text is not None
    assert context.chat_data is not None
    pending = context.chat_data.pop("moderating", None)
    if pending is None:
        return ConversationHandler.END
    text = update.effective_message.text
    if pending["kind"] == "qe":
        decision = Decision.edit(text, "edited by a moderator before approval")
    else:
        decision = Decision.reject("other", text.strip()[:500])
    try:
        await _decide(update, context, pending["item"], pending["version"], decision)
    except ForumError as error:
        if error.status in (400, 422):
            # The text itself was refused (e.g. unchanged, too long): keep waiting for a new one.
            context.chat_data["moderating"] = pending
            await reply(update, f"{escape(error.message)} Send another text, or /cancel.")
            return MOD_TEXT
        raise
    return ConversationHandler.END


async def _current_version(update: Update, context: Context, item_id: int) -> int:
    key = await identity(update, context)
    return (await services(context).forum.queue_item(key, item_id)).version


async def approve_command(update: Update, context: Context) -> None:
    """/approve <item>."""
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit():
        await reply(update, "Use /approve &lt;item id&gt; (ids are shown in /queue).")
        return
    item_id = int(args[0])
    version = await _current_version(update, context, item_id)
    await _decide(update, context, item_id, version, Decision.approve())


async def reject_command(update: Update, context: Context) -> None:
    """/reject <item> <reason>."""
    args = context.args or []
    if len(args) < 2 or not args[0].isdigit():
        await reply(update, "Use /reject &lt;item id&gt; &lt;reason the author will receive&gt;.")
        return
    item_id = int(args[0])
    version = await _current_version(update, context, item_id)
    await _decide(
        update, context, item_id, version, Decision.reject("other", " ".join(args[1:])[:500])
    )


async def reports(update: Update, context: Context) -> None:
    """/reports: open reports, oldest first."""
    key = await identity(update, context)
    found = await services(context).forum.reports(key)
    if not found:
        await reply(update, "No open reports.")
        return
    lines = [f"• post {r.post_id} (queue item {r.item_id}): {escape(r.reason)}" for r in found]
    # Up to 20 reasons of up to 500 characters: more than one message can hold.
    blocks = ["<b>Open reports</b>", *lines, "Work them with /queue."]
    await reply_many(update, paginate_blocks(blocks, separator="\n"))


def conversation() -> ConversationHandler[Any]:
    """The queue buttons, with a text step for edits and free-text reasons."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(on_button, pattern=r"^q[aesrco]:")],
            states={MOD_TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_text)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            name="moderation",
        )


def commands() -> list[CommandHandler[Any, Any]]:
    """Moderator commands."""
    return [
        CommandHandler("queue", queue),
        CommandHandler("approve", approve_command),
        CommandHandler("reject", reject_command),
        CommandHandler("reports", reports),
    ]
