"""/new, /reply, /myposts (revise and resubmit) — guided and one-line forms (/report lives in
``handlers.safeguarding``).

Every create carries ``Idempotency-Key: tg-<update id>`` of the update that sends it (the
message of a one-line form, the button pressed after a preview): Telegram re-delivers an
update whose answer was lost, and the replay then returns the stored post instead of a second.

Check before sending: a thread, reply or revision is screened first (``/drafts/check``, which
stores nothing). When something is found the author sees it highlighted with Remove and send /
Edit / Send anyway; a clean one-line form or reply is sent at once, a guided thread shows its
usual preview.
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
    reply_many,
    services,
)
from bot.draft_check import COMMON_NOTES, check_buttons, check_messages, content_note_buttons
from bot.formatting import escape
from bot.handlers.boards import ask_outcome, take_outcome
from bot.handlers.common import cancel
from bot.handlers.community import withdraw_button
from bot.handlers.safeguarding import signpost

# Conversation states (named, one small step each).
NEW_BOARD, NEW_TITLE, NEW_BODY, NEW_CONFIRM, NEW_NOTE, NEW_NOTE_TEXT = range(6)
TEXT_FOR_TARGET, TEXT_CONFIRM, REPLY_NOTE_TEXT = 10, 11, 12

#: The most characters of a content note (the service's limit).
CONTENT_NOTE_MAX = 80

TEXT = filters.TEXT & ~filters.COMMAND


def _key(update: Update) -> str:
    return f"tg-{update.update_id}"


async def _create_thread(
    update: Update,
    context: Context,
    board: str,
    title: str,
    body: str,
    content_note: str | None = None,
) -> None:
    key = await identity(update, context)
    created = await services(context).forum.create_thread(
        key, board, title, body, idempotency_key=_key(update), content_note=content_note
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
        clear_draft(context)
        # No content-note step in the one-line form: "note" is decided (none).
        draft(context).update(
            board=board.lower(), title=title.strip(), body=body.strip(), note=None
        )
        return await _check_new(update, context, one_line=True)
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
    entered = draft(context)
    entered["title"] = title
    if "body" in entered:  # back from Edit: check the draft again
        return await _check_new(update, context, one_line=False)
    similar = await services(context).forum.similar_threads(await identity(update, context), title)
    if similar.threads:  # before the author writes a duplicate
        await reply(update, render.similar_threads(similar.threads))
    await reply(update, "Now the text of your post (up to 4,000 characters).")
    return NEW_BODY


async def new_body(update: Update, context: Context) -> int:
    """Text received → ask for a content note (or, back from Edit, check again)."""
    assert update.effective_message is not None and update.effective_message.text is not None
    body = update.effective_message.text.strip()
    if len(body) > 4000:
        await reply(update, f"That text is {len(body)} characters; please keep it to 4,000.")
        return NEW_BODY
    entered = draft(context)
    entered["body"] = body
    if "note" in entered:
        return await _check_new(update, context, one_line=False)
    await reply(
        update,
        "Does your post need a content note? Readers see the note first and open the text "
        "with a tap.",
        reply_markup=content_note_buttons(),
    )
    return NEW_NOTE


async def _pressed_note(update: Update) -> str:
    """Answer a content-note button; which one (its pattern admits only good data)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    fields = parse(Button.CONTENT_NOTE, query.data)
    assert fields is not None
    return fields[0]


async def _ask_typed_note(update: Update) -> None:
    await reply(
        update,
        f"Type the content note: a few words, up to {CONTENT_NOTE_MAX} characters "
        "(e.g. domestic violence).",
    )


async def _typed_note(update: Update) -> str | None:
    """The note typed after "Other…", or None (and the person told) when it is too long."""
    assert update.effective_message is not None and update.effective_message.text is not None
    note = update.effective_message.text.strip()
    if len(note) > CONTENT_NOTE_MAX or "\n" in note:
        await reply(
            update,
            f"Please keep the content note to one line of {CONTENT_NOTE_MAX} characters.",
        )
        return None
    return note


async def new_note(update: Update, context: Context) -> int:
    """A content-note button: a common note, "Other…" (type one) or "None"."""
    choice = await _pressed_note(update)
    if choice == "other":
        await _ask_typed_note(update)
        return NEW_NOTE_TEXT
    draft(context)["note"] = COMMON_NOTES.get(choice)
    return await _check_new(update, context, one_line=False)


async def new_note_text(update: Update, context: Context) -> int:
    """A content note typed after "Other…"."""
    note = await _typed_note(update)
    if note is None:
        return NEW_NOTE_TEXT
    draft(context)["note"] = note
    return await _check_new(update, context, one_line=False)


async def _check_new(update: Update, context: Context, *, one_line: bool) -> int:
    """Check the draft thread before sending; show what was found, or the preview.

    A clean one-line form is sent at once.
    """
    entered = draft(context)
    key = await identity(update, context)
    check = await services(context).forum.check_draft(key, entered["body"], entered["title"])
    entered.update(title=check.title, body=check.body)
    if check.clean:
        if one_line:
            clear_draft(context)
            await _create_thread(
                update, context, entered["board"], entered["title"], entered["body"]
            )
            return ConversationHandler.END
        return await _preview(update, entered)
    entered.update(
        redacted_title=check.redacted_title,
        redacted_body=check.redacted_body,
        title_found=any(f.field == "title" for f in check.findings),
    )
    heading = f"New thread ({entered['board']})"
    messages = check_messages(check, heading=heading, content_note=entered.get("note"))
    await reply_many(update, messages, reply_markup=check_buttons())
    return NEW_CONFIRM


async def _preview(update: Update, entered: dict[str, Any]) -> int:
    """The preview of a draft thread in which the check found nothing: Send / Cancel."""
    body = entered["body"]
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
    note = f"Content note: {escape(entered['note'])}\n" if entered.get("note") else ""
    preview = (
        f"<b>Preview</b> ({escape(entered['board'])})\n<b>{escape(entered['title'])}</b>\n"
        f"{note}{escape(body)}"
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
        await _create_thread(
            update,
            context,
            entered["board"],
            entered["title"],
            entered["body"],
            entered.get("note"),
        )
    else:
        await reply(update, "Cancelled. Nothing was sent.")
    clear_draft(context)
    return ConversationHandler.END


async def _checked_choice(update: Update) -> str:
    """Answer a Remove and send / Edit / Send anyway button; which one it was."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    # Remove the buttons so the draft cannot be sent twice.
    await query.edit_message_reply_markup(None)
    fields = parse(Button.DRAFT_CHECK, query.data)
    assert fields is not None  # the handler's pattern admits only good data
    return fields[0]


async def new_checked(update: Update, context: Context) -> int:
    """After the check found something in a thread: remove and send, edit, or send anyway."""
    choice = await _checked_choice(update)
    entered = draft(context)
    if not {"board", "title", "body", "redacted_body"} <= entered.keys():
        await reply(update, "That draft is no longer open. Start again with /new.")
        return ConversationHandler.END
    if choice == "edit":
        if entered.get("title_found"):
            await reply(update, "Send the corrected title of your thread.")
            return NEW_TITLE
        await reply(update, "Send the corrected text of your post.")
        return NEW_BODY
    redact = choice == "redact"
    title = entered["redacted_title"] if redact else entered["title"]
    body = entered["redacted_body"] if redact else entered["body"]
    clear_draft(context)
    await _create_thread(update, context, entered["board"], title, body, entered.get("note"))
    return ConversationHandler.END


async def _ask_for_text(
    update: Update, context: Context, action: str, target: int, prompt: str
) -> int:
    draft(context).update(action=action, target=target)
    # A reply may carry a content note, offered without adding a step to every reply.
    markup = (
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        "Add a content note", callback_data=build(Button.CONTENT_NOTE, "ask")
                    )
                ]
            ]
        )
        if action == "reply"
        else None
    )
    await reply(update, f"{prompt} (/cancel to stop)", reply_markup=markup)
    return TEXT_FOR_TARGET


async def reply_note(update: Update, context: Context) -> int:
    """A guided reply's content note: "Add a content note", then a common one, Other… or None."""
    choice = await _pressed_note(update)
    entered = draft(context)
    if entered.get("action") != "reply":
        await reply(update, "That draft is no longer open; please start again.")
        return ConversationHandler.END
    if choice == "ask":
        await reply(
            update,
            "Which content note? Readers see it first and open the text with a tap.",
            reply_markup=content_note_buttons(),
        )
        return TEXT_FOR_TARGET
    if choice == "other":
        await _ask_typed_note(update)
        return REPLY_NOTE_TEXT
    entered["note"] = COMMON_NOTES.get(choice)
    return await _note_set(update, entered)


async def reply_note_text(update: Update, context: Context) -> int:
    """A reply's content note typed after "Other…"."""
    note = await _typed_note(update)
    if note is None:
        return REPLY_NOTE_TEXT
    entered = draft(context)
    entered["note"] = note
    return await _note_set(update, entered)


async def _note_set(update: Update, entered: dict[str, Any]) -> int:
    note = entered.get("note")
    said = f"Content note: <b>{escape(note)}</b>." if note else "No content note."
    await reply(update, f"{said} Now your reply? (/cancel to stop)")
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
        clear_draft(context)
        return await _check_text(update, context, "reply", thread_id, text)
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
    return await _check_text(
        update, context, entered["action"], entered["target"], update.effective_message.text
    )


async def _check_text(update: Update, context: Context, action: str, target: int, text: str) -> int:
    """Check a reply or revision before sending; send it at once when nothing is found."""
    note = draft(context).get("note") if action == "reply" else None
    if action == "report":  # a report is read by moderators only
        clear_draft(context)
        await _send_text(update, context, action, target, text)
        return ConversationHandler.END
    key = await identity(update, context)
    check = await services(context).forum.check_draft(key, text)
    if check.clean:
        clear_draft(context)
        await _send_text(update, context, action, target, check.body, note)
        return ConversationHandler.END
    draft(context).update(
        action=action, target=target, body=check.body, redacted_body=check.redacted_body
    )
    heading = f"Reply to thread {target}" if action == "reply" else f"Revised post {target}"
    await reply_many(update, check_messages(check, heading=heading), reply_markup=check_buttons())
    return TEXT_CONFIRM


async def text_checked(update: Update, context: Context) -> int:
    """After the check found something in a reply or revision: remove, edit or send anyway."""
    choice = await _checked_choice(update)
    entered = draft(context)
    if not {"action", "target", "body", "redacted_body"} <= entered.keys():
        await reply(update, "That draft is no longer open; please start again.")
        return ConversationHandler.END
    if choice == "edit":
        await reply(update, "Send the corrected text. (/cancel to stop)")
        return TEXT_FOR_TARGET
    body = entered["redacted_body"] if choice == "redact" else entered["body"]
    clear_draft(context)
    await _send_text(
        update, context, entered["action"], entered["target"], body, entered.get("note")
    )
    return ConversationHandler.END


async def _send_text(
    update: Update,
    context: Context,
    action: str,
    target: int,
    text: str,
    content_note: str | None = None,
) -> None:
    key = await identity(update, context)
    forum = services(context).forum
    if action == "reply":
        created = await forum.reply(
            key, target, text, idempotency_key=_key(update), content_note=content_note
        )
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
        if post.status == "pending":
            markup = InlineKeyboardMarkup([[withdraw_button(post.id)]])
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
                NEW_NOTE: [
                    CallbackQueryHandler(new_note, pattern=pattern(Button.CONTENT_NOTE, whole=True))
                ],
                NEW_NOTE_TEXT: [MessageHandler(TEXT, new_note_text)],
                NEW_CONFIRM: [
                    CallbackQueryHandler(new_confirm, pattern=pattern(Button.NEW_THREAD_CONFIRM)),
                    CallbackQueryHandler(
                        new_checked, pattern=pattern(Button.DRAFT_CHECK, whole=True)
                    ),
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
            states={
                TEXT_FOR_TARGET: [
                    MessageHandler(TEXT, text_for_target),
                    CallbackQueryHandler(
                        reply_note, pattern=pattern(Button.CONTENT_NOTE, whole=True)
                    ),
                ],
                REPLY_NOTE_TEXT: [MessageHandler(TEXT, reply_note_text)],
                TEXT_CONFIRM: [
                    CallbackQueryHandler(
                        text_checked, pattern=pattern(Button.DRAFT_CHECK, whole=True)
                    )
                ],
            },
            fallbacks=fallbacks,
            allow_reentry=True,
            name="text_for_target",
        )
    return [new, text_flows]
