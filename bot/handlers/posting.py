"""/new, /reply, /myposts (revise and resubmit) — guided and one-line forms (/report lives in
``handlers.safeguarding``).

Every create carries ``Idempotency-Key: tg-<update id>``: Telegram re-delivers an update
whose answer was lost, and the replay then returns the stored post instead of a second one.
"""

from __future__ import annotations

import warnings
from typing import Any

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
from bot.context import (
    Context,
    clear_draft,
    draft,
    identity,
    parse_id,
    reply,
    services,
)
from bot.formatting import escape
from bot.handlers.boards import ask_outcome, take_outcome
from bot.handlers.common import cancel
from bot.handlers.safeguarding import signpost

# Conversation states (named, one small step each).
NEW_BOARD, NEW_TITLE, NEW_BODY, NEW_CONFIRM = range(4)
TEXT_FOR_TARGET = 10

TEXT = filters.TEXT & ~filters.COMMAND


def _key(update: Update) -> str:
    return f"tg-{update.update_id}"


async def _create_thread(
    update: Update, context: Context, board: str, title: str, body: str
) -> None:
    key = await identity(update, context)
    created = await services(context).forum.create_thread(
        key, board, title, body, idempotency_key=_key(update)
    )
    await reply(
        update,
        f"Received — thread {created.thread_id} “{escape(created.post.thread_title)}” "
        "is waiting for a moderator. You will hear from me when it is decided. /myposts shows it.",
    )
    if created.signposting:
        await signpost(update, context)


async def new_entry(update: Update, context: Context) -> int:
    """/new: one-line form ``/new <outcome> <title> | <text>``, or start the guided flow."""
    message = update.effective_message
    assert message is not None and message.text is not None
    rest = message.text.partition(" ")[2].strip()
    if rest:
        head, bar, body = rest.partition("|")
        board, _, title = head.strip().partition(" ")
        if not bar or not title.strip() or not body.strip():
            await reply(update, "One-line form: /new &lt;outcome&gt; &lt;title&gt; | &lt;text&gt;")
            return ConversationHandler.END
        await _create_thread(update, context, board.lower(), title.strip(), body.strip())
        return ConversationHandler.END
    clear_draft(context)
    await ask_outcome(
        update,
        context,
        "Which outcome is your thread about? (/cancel to stop)",
        Button.NEW_THREAD_BOARD,
    )
    return NEW_BOARD


async def new_board(update: Update, context: Context) -> int:
    """Outcome chosen → ask for the title."""
    if not await take_outcome(update, context, Button.NEW_THREAD_BOARD):
        return NEW_BOARD
    await reply(update, "The title of your thread (up to 200 characters)?")
    return NEW_TITLE


async def new_title(update: Update, context: Context) -> int:
    """Title received → ask for the text."""
    assert update.effective_message is not None and update.effective_message.text is not None
    title = update.effective_message.text.strip()
    if len(title) > 200:
        await reply(update, f"That title is {len(title)} characters; please keep it to 200.")
        return NEW_TITLE
    draft(context)["title"] = title
    await reply(update, "Now the text of your post (up to 4,000 characters).")
    return NEW_BODY


async def new_body(update: Update, context: Context) -> int:
    """Text received → show a preview with Send / Cancel."""
    assert update.effective_message is not None and update.effective_message.text is not None
    body = update.effective_message.text.strip()
    if len(body) > 4000:
        await reply(update, f"That text is {len(body)} characters; please keep it to 4,000.")
        return NEW_BODY
    entered = draft(context)
    entered["body"] = body
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Send to moderators", callback_data=build(Button.NEW_THREAD_CONFIRM, "send")
                ),
                InlineKeyboardButton(
                    "Cancel", callback_data=build(Button.NEW_THREAD_CONFIRM, "cancel")
                ),
            ]
        ]
    )
    preview = (
        f"<b>Preview</b> ({escape(entered['board'])})\n<b>{escape(entered['title'])}</b>\n"
        f"{escape(body)}"
    )
    if len(preview) > 4000:
        preview = f"<b>Preview</b>: <b>{escape(entered['title'])}</b> ({len(body)} characters)"
    await reply(update, preview, reply_markup=buttons)
    return NEW_CONFIRM


async def new_confirm(update: Update, context: Context) -> int:
    """Send or cancel the draft."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    # Remove the Send / Cancel buttons so the preview cannot be sent twice.
    await query.edit_message_reply_markup(None)
    entered = draft(context)
    send = parse(Button.NEW_THREAD_CONFIRM, query.data) == ("send",)
    if send and {"board", "title", "body"} <= entered.keys():
        await _create_thread(update, context, entered["board"], entered["title"], entered["body"])
    else:
        await reply(update, "Cancelled. Nothing was sent.")
    clear_draft(context)
    return ConversationHandler.END


async def _ask_for_text(
    update: Update, context: Context, action: str, target: int, prompt: str
) -> int:
    draft(context).update(action=action, target=target)
    await reply(update, f"{prompt} (/cancel to stop)")
    return TEXT_FOR_TARGET


async def reply_entry(update: Update, context: Context) -> int:
    """/reply <thread> [text]."""
    args = context.args or []
    thread_id = parse_id(args[0]) if args else None
    if thread_id is None:
        await reply(update, "Which thread? Use /reply &lt;thread id&gt;, or open one with /read.")
        return ConversationHandler.END
    if len(args) > 1:
        assert update.effective_message is not None and update.effective_message.text is not None
        text = update.effective_message.text.split(maxsplit=2)[2]
        await _send_text(update, context, "reply", thread_id, text)
        return ConversationHandler.END
    return await _ask_for_text(update, context, "reply", thread_id, "Your reply?")


async def _pressed_target(update: Update, button: Button) -> int:
    """Answer a Reply / Revise button; the id it carries (its pattern admits only good data)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(button, query.data)
    assert fields is not None
    return int(fields[0])


async def on_reply_button(update: Update, context: Context) -> int:
    """A thread's Reply button."""
    thread_id = await _pressed_target(update, Button.REPLY)
    return await _ask_for_text(update, context, "reply", thread_id, "Your reply?")


async def on_revise_button(update: Update, context: Context) -> int:
    """A rejected post's "Revise and resubmit" button."""
    post_id = await _pressed_target(update, Button.REVISE)
    return await _ask_for_text(
        update, context, "revise", post_id, "Send the revised text of your post."
    )


async def text_for_target(update: Update, context: Context) -> int:
    """The text a reply or a revision was waiting for."""
    assert update.effective_message is not None and update.effective_message.text is not None
    entered = draft(context)
    await _send_text(
        update, context, entered["action"], entered["target"], update.effective_message.text
    )
    clear_draft(context)
    return ConversationHandler.END


async def _send_text(update: Update, context: Context, action: str, target: int, text: str) -> None:
    key = await identity(update, context)
    forum = services(context).forum
    if action == "reply":
        created = await forum.reply(key, target, text, idempotency_key=_key(update))
        await reply(
            update, f"Received — your reply (post {created.post.id}) is waiting for a moderator."
        )
        if created.signposting:
            await signpost(update, context)
    else:
        await forum.revise(key, target, text)
        await reply(update, f"Thank you — post {target} is back with the moderators.")


async def my_posts(update: Update, context: Context) -> None:
    """List my posts with status and reasons; rejected ones get a Revise button."""
    key = await identity(update, context)
    posts = await services(context).forum.my_posts(key, limit=10)
    if not posts:
        await reply(update, "You have not posted yet. Start with /new.")
        return
    for post in posts:
        markup = None
        if post.status == "rejected":
            markup = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            "Revise and resubmit", callback_data=build(Button.REVISE, post.id)
                        )
                    ]
                ]
            )
        await reply(update, render.my_post(post), reply_markup=markup)


def conversations() -> list[ConversationHandler[Any]]:
    """The practitioner flows."""
    fallbacks: list[BaseHandler[Update, Context, object]] = [CommandHandler("cancel", cancel)]
    with warnings.catch_warnings():
        # PTB warns that CallbackQueryHandlers are tracked per chat, not per message: intended.
        warnings.simplefilter("ignore", PTBUserWarning)
        new = ConversationHandler(
            entry_points=[CommandHandler("new", new_entry)],
            states={
                NEW_BOARD: [
                    CallbackQueryHandler(new_board, pattern=pattern(Button.NEW_THREAD_BOARD))
                ],
                NEW_TITLE: [MessageHandler(TEXT, new_title)],
                NEW_BODY: [MessageHandler(TEXT, new_body)],
                NEW_CONFIRM: [
                    CallbackQueryHandler(new_confirm, pattern=pattern(Button.NEW_THREAD_CONFIRM))
                ],
            },
            fallbacks=fallbacks,
            allow_reentry=True,
            name="new_thread",
        )
        text_flows = ConversationHandler(
            entry_points=[
                CommandHandler("reply", reply_entry),
                CallbackQueryHandler(on_reply_button, pattern=pattern(Button.REPLY, whole=True)),
                CallbackQueryHandler(on_revise_button, pattern=pattern(Button.REVISE, whole=True)),
            ],
            states={TEXT_FOR_TARGET: [MessageHandler(TEXT, text_for_target)]},
            fallbacks=fallbacks,
            allow_reentry=True,
            name="text_for_target",
        )
    return [new, text_flows]
