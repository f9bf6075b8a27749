"""/queue with Approve / Edit / Reject / Skip buttons, /approve, /reject, /reports.

Each button has its own small handler; all of them start the moderation conversation, whose
one state waits for an edited text or a typed reason.

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
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, parse_id, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.forum_client import ForumError
from bot.forum_models import Decision, QueueItem
from bot.handlers.common import cancel

MOD_TEXT = 20
OUT_OF_DATE = "That button is out of date; use /queue."


def _item_buttons(item: QueueItem) -> InlineKeyboardMarkup:
    ref = (item.id, item.version)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Approve", callback_data=build(Button.APPROVE, *ref)),
                InlineKeyboardButton("Edit", callback_data=build(Button.EDIT, *ref)),
            ],
            [
                InlineKeyboardButton("Reject", callback_data=build(Button.REJECT, *ref)),
                InlineKeyboardButton("Skip", callback_data=build(Button.SKIP, *ref)),
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


async def _pressed(update: Update, button: Button) -> tuple[int, int, tuple[str, ...]] | None:
    """Answer a queue button; its item id, version and other fields, or None when stale."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(button, query.data)
    if fields is None:
        await reply(update, OUT_OF_DATE)
        return None
    return int(fields[0]), int(fields[1]), fields[2:]


async def _decide_pressed(
    update: Update, context: Context, item_id: int, version: int, decision: Decision
) -> int:
    try:
        await _decide(update, context, item_id, version, decision)
    except ForumError as error:
        if error.status == 409:
            await reply(update, f"Item {item_id} has changed: {escape(error.message)} Use /queue.")
            return ConversationHandler.END
        raise
    return ConversationHandler.END


async def on_approve(update: Update, context: Context) -> int:
    """Approve: publish the post as it is."""
    pressed = await _pressed(update, Button.APPROVE)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, _ = pressed
    return await _decide_pressed(update, context, item_id, version, Decision.approve())


async def on_skip(update: Update, context: Context) -> int:
    """Skip: show the next item; skipped ones come back once nothing else is left."""
    pressed = await _pressed(update, Button.SKIP)
    if pressed is None:
        return ConversationHandler.END
    assert context.chat_data is not None
    context.chat_data.setdefault("skipped", set()).add(pressed[0])
    await queue(update, context)
    return ConversationHandler.END


async def on_reject(update: Update, context: Context) -> int:
    """Reject: offer the reject reasons and "Other"."""
    pressed = await _pressed(update, Button.REJECT)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, _ = pressed
    # The reasons admins keep (/reasons), in their order; "Other" is always there.
    reasons = await services(context).forum.reject_reasons(await identity(update, context))
    rows = [
        [
            InlineKeyboardButton(
                r.label, callback_data=build(Button.REJECT_BECAUSE, item_id, version, r.code)
            )
        ]
        for r in reasons
    ]
    other = build(Button.REJECT_OTHER, item_id, version)
    rows.append([InlineKeyboardButton("Other (type a reason)", callback_data=other)])
    await reply(
        update,
        "Why is it rejected? The author receives this reason.",
        reply_markup=InlineKeyboardMarkup(rows),
    )
    return ConversationHandler.END


async def on_reject_because(update: Update, context: Context) -> int:
    """A canned reason: reject with it."""
    pressed = await _pressed(update, Button.REJECT_BECAUSE)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, (code,) = pressed
    return await _decide_pressed(update, context, item_id, version, Decision.reject(code))


async def _ask_for_text(update: Update, context: Context, button: Button, prompt: str) -> int:
    pressed = await _pressed(update, button)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, _ = pressed
    assert context.chat_data is not None
    context.chat_data["moderating"] = {"kind": button, "item": item_id, "version": version}
    await reply(update, prompt)
    return MOD_TEXT


async def on_edit(update: Update, context: Context) -> int:
    """Edit: wait for the text that replaces the post before approval."""
    return await _ask_for_text(
        update,
        context,
        Button.EDIT,
        "Send the edited text; it replaces the post before approval. (/cancel)",
    )


async def on_reject_other(update: Update, context: Context) -> int:
    """The "Other" reason: wait for the reason the author will receive."""
    return await _ask_for_text(
        update, context, Button.REJECT_OTHER, "Type the reason the author will receive. (/cancel)"
    )


async def on_text(update: Update, context: Context) -> int:
    """The edited text or the free-text reason."""
    assert update.effective_message is not None and update.effective_message.text is not None
    assert context.chat_data is not None
    pending = context.chat_data.pop("moderating", None)
    if pending is None:
        return ConversationHandler.END
    text = update.effective_message.text
    if pending["kind"] == Button.EDIT:
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
    """/approve <item> [content note]."""
    args = context.args or []
    item_id = parse_id(args[0]) if args else None
    if item_id is None:
        await reply(
            update,
            "Use /approve &lt;item id&gt; [content note] (ids are shown in /queue), e.g. "
            "/approve 7 self-harm.",
        )
        return
    assert update.effective_message is not None and update.effective_message.text is not None
    words = update.effective_message.text.split(maxsplit=2)
    note = words[2].strip() if len(words) > 2 else None
    version = await _current_version(update, context, item_id)
    await _decide(update, context, item_id, version, Decision.approve(note))


async def reject_command(update: Update, context: Context) -> None:
    """/reject <item> <reason>."""
    args = context.args or []
    item_id = parse_id(args[0]) if len(args) >= 2 else None
    if item_id is None:
        await reply(update, "Use /reject &lt;item id&gt; &lt;reason the author will receive&gt;.")
        return
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
            entry_points=[
                CallbackQueryHandler(on_approve, pattern=pattern(Button.APPROVE)),
                CallbackQueryHandler(on_edit, pattern=pattern(Button.EDIT)),
                CallbackQueryHandler(on_reject, pattern=pattern(Button.REJECT)),
                CallbackQueryHandler(on_skip, pattern=pattern(Button.SKIP)),
                CallbackQueryHandler(on_reject_because, pattern=pattern(Button.REJECT_BECAUSE)),
                CallbackQueryHandler(on_reject_other, pattern=pattern(Button.REJECT_OTHER)),
            ],
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
