"""/feedback <text>: anonymous feedback to the admins. Admins receive it with a Reply button
(or use /replyfeedback <id> <text>) and may reply once; neither side learns who the other is
(the service delivers the reply to the sealed author and then forgets them)."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import Button, parse, pattern
from bot.context import Context, clear_draft, draft, identity, parse_id, reply, services
from bot.handlers.common import cancel
from bot.handlers.safeguarding import signpost

REPLYING = 0
TEXT = filters.TEXT & ~filters.COMMAND


async def send_feedback(update: Update, context: Context) -> None:
    """/feedback <text>."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text.partition(" ")[2].strip()
    if not text:
        await reply(
            update,
            "Use /feedback &lt;your message&gt;: it goes to the admins without your name; "
            "they may answer once, through me.",
        )
        return
    sent = await services(context).forum.send_feedback(await identity(update, context), text)
    await reply(
        update,
        f"Thank you: your feedback ({sent.id}) went to the admins without anything that says "
        "who you are. If they answer, I will pass it on.",
    )
    if sent.signposting:
        await signpost(update, context)


async def reply_command(update: Update, context: Context) -> None:
    """/replyfeedback <id> <text>."""
    message = update.effective_message
    assert message is not None and message.text is not None
    first, _, text = message.text.partition(" ")[2].strip().partition(" ")
    feedback_id = parse_id(first)
    if feedback_id is None or not text.strip():
        await reply(update, "Use /replyfeedback &lt;feedback id&gt; &lt;your reply&gt;.")
        return
    await _send_reply(update, context, feedback_id, text)


async def _send_reply(update: Update, context: Context, feedback_id: int, text: str) -> None:
    key = await identity(update, context)
    await services(context).forum.reply_feedback(key, feedback_id, text.strip())
    await reply(
        update, f"Reply sent to the author of feedback {feedback_id} (they stay anonymous)."
    )


async def reply_entry(update: Update, context: Context) -> int:
    """The Reply button under a feedback: ask for the reply."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.FEEDBACK_REPLY, query.data)
    assert fields is not None  # the pattern admits only well-formed data
    clear_draft(context)
    draft(context)["feedback"] = int(fields[0])
    await reply(
        update,
        f"Write your one reply to feedback {fields[0]} in your next message (/cancel to stop).",
    )
    return REPLYING


async def reply_text(update: Update, context: Context) -> int:
    """The reply itself."""
    message = update.effective_message
    assert message is not None and message.text is not None
    feedback_id = int(draft(context).get("feedback", 0))
    clear_draft(context)
    await _send_reply(update, context, feedback_id, message.text)
    return ConversationHandler.END


def conversation() -> ConversationHandler[Any]:
    """The Reply button's one step."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(
                    reply_entry, pattern=pattern(Button.FEEDBACK_REPLY, whole=True)
                )
            ],
            states={REPLYING: [MessageHandler(TEXT, reply_text)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            name="feedback_reply",
        )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/feedback and /replyfeedback."""
    return [
        CommandHandler("feedback", send_feedback),
        CommandHandler("replyfeedback", reply_command),
    ]
