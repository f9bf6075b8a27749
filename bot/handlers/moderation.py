"""/queue with Redact / Approve / Edit / Reject / Skip buttons and Undo, /approve, /reject,
/reports, and the moderators' notes (/note, /authornote, /notes).

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

from bot import queue_view
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, parse_id, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.forum_client import ForumError
from bot.forum_models import Decision, QueueItem
from bot.handlers.common import cancel

MOD_TEXT = 20
OUT_OF_DATE = "That button is out of date; use /queue."


async def _show(
    update: Update, context: Context, item: QueueItem, others: tuple[QueueItem, ...] = ()
) -> None:
    """Send the queue view of ``item`` with its buttons."""
    key = await identity(update, context)
    notes = await services(context).forum.item_notes(key, item.id)
    await reply_many(
        update, queue_view.view(item, notes, others), reply_markup=queue_view.buttons(item)
    )


async def queue(update: Update, context: Context) -> None:
    """Claim and show the first item nobody else holds and this chat did not skip.

    Claiming is what keeps two moderators apart: the second one's /queue skips what the first
    holds (and a claim lost to a race is skipped too).
    """
    key = await identity(update, context)
    skipped: set[int] = (context.chat_data or {}).get("skipped", set())
    forum = services(context).forum
    found = await forum.queue(key, limit=50)
    others = tuple(i for i in found if i.claimed_by_other)
    for candidate in found:
        if candidate.claimed_by_other or candidate.id in skipped:
            continue
        try:
            item = await forum.claim(key, candidate.id, candidate.version)
        except ForumError as error:
            if error.status == 409:  # claimed or decided in the meantime: the next one
                continue
            raise
        await _show(update, context, item, others)
        return
    if skipped:
        text = "No more items (you skipped some; /queue again after they are decided)."
    elif others:
        text = "Nothing free: " + "; ".join(queue_view.claimed_line(i) for i in others) + "."
    else:
        text = "The queue is empty. Thank you!"
    await reply(update, text)
    if context.chat_data is not None:
        context.chat_data["skipped"] = set()


async def _decide(
    update: Update, context: Context, item_id: int, version: int, decision: Decision
) -> None:
    key = await identity(update, context)
    item = await services(context).forum.decide(key, item_id, version, decision)
    done = f"Done: item {item_id} — {decision.action.replace('_', ' ')}."
    if item.undo_seconds_left:
        await reply(
            update,
            f"{done} The author is told in {queue_view.minutes(item.undo_seconds_left)}; "
            "until then you can undo it.",
            reply_markup=queue_view.undo_button(item),
        )
    else:
        await reply(update, done)


def _refusal(item_id: int, error: ForumError) -> str:
    """What a moderator is told when the service refuses a decision on an item."""
    if error.code == "claimed_by_other":
        return f"Not decided: {escape(error.message)}. /queue gives you another item."
    return f"Item {item_id} has changed: {escape(error.message)} Use /queue."


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
            await reply(update, _refusal(item_id, error))
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
    await services(context).forum.release(await identity(update, context), pressed[0])
    await queue(update, context)
    return ConversationHandler.END


async def on_redact(update: Update, context: Context) -> int:
    """Redact one finding: the span becomes its placeholder in a new revision; the result is
    shown again, with fresh buttons, before anything is approved."""
    pressed = await _pressed(update, Button.REDACT)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, (index,) = pressed
    key = await identity(update, context)
    try:
        item = await services(context).forum.redact(key, item_id, version, int(index))
    except ForumError as error:
        if error.status in (400, 404, 409, 422):
            await reply(update, _refusal(item_id, error))
            return ConversationHandler.END
        raise
    await reply(
        update,
        f"Redacted in item {item_id}. Check the text before you approve; the author is told "
        "what was redacted with your decision.",
    )
    await _show(update, context, item)
    return ConversationHandler.END


async def on_undo(update: Update, context: Context) -> int:
    """Undo my decision: the item is back in the queue, claimed by me, shown again."""
    pressed = await _pressed(update, Button.UNDO)
    if pressed is None:
        return ConversationHandler.END
    item_id, version, _ = pressed
    key = await identity(update, context)
    try:
        item = await services(context).forum.undo(key, item_id, version)
    except ForumError as error:
        if error.status in (403, 409):
            await reply(update, f"Cannot undo: {escape(error.message)}.")
            return ConversationHandler.END
        raise
    await reply(
        update,
        f"Undone: item {item_id} is back in the queue, claimed by you; the author was not told.",
    )
    await _show(update, context, item)
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


def _item_and_text(update: Update, context: Context) -> tuple[int | None, str]:
    """The item id and the rest of the line of ``/note <item> <text>``."""
    args = context.args or []
    item_id = parse_id(args[0]) if args else None
    assert update.effective_message is not None and update.effective_message.text is not None
    words = update.effective_message.text.split(maxsplit=2)
    return item_id, words[2].strip() if len(words) > 2 else ""


async def _add_note(update: Update, context: Context, about: str) -> None:
    item_id, text = _item_and_text(update, context)
    command = "note" if about == "item" else "authornote"
    if item_id is None or not text:
        await reply(
            update,
            f"Use /{command} &lt;item id&gt; &lt;text&gt; (ids are shown in /queue), e.g. "
            f"/{command} 7 asked to rephrase before.",
        )
        return
    key = await identity(update, context)
    await services(context).forum.add_note(key, item_id, text, about=about)
    if about == "item":
        await reply(update, f"Note added to item {item_id}; moderators see it in its queue view.")
    else:
        await reply(
            update,
            f"Note added on the author of item {item_id} (they stay anonymous); moderators see "
            "it with every post of theirs in the queue.",
        )


async def note_command(update: Update, context: Context) -> None:
    """/note <item> <text>: a note on a queue item."""
    await _add_note(update, context, "item")


async def authornote_command(update: Update, context: Context) -> None:
    """/authornote <item> <text>: a note on the author of an item's post."""
    await _add_note(update, context, "author")


async def notes_command(update: Update, context: Context) -> None:
    """/notes <item>: the notes on an item and its author, with the history line."""
    item_id, _ = _item_and_text(update, context)
    if item_id is None:
        await reply(update, "Use /notes &lt;item id&gt; (ids are shown in /queue).")
        return
    key = await identity(update, context)
    notes = await services(context).forum.item_notes(key, item_id)
    await reply_many(update, paginate_blocks([queue_view.notes_block(notes)]))


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
                CallbackQueryHandler(on_redact, pattern=pattern(Button.REDACT)),
                CallbackQueryHandler(on_undo, pattern=pattern(Button.UNDO)),
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
        CommandHandler("note", note_command),
        CommandHandler("authornote", authornote_command),
        CommandHandler("notes", notes_command),
    ]
