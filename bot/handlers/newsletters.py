"""The newsletter archive: /newsletter <title> (admins; a PDF with that caption, or
/newsletter <title> | <text>) publishes the weekly update to every subscriber of all
announcements, like /announce; /updates pages through past issues, newest first, and sends
the chosen one (the PDF by Telegram file id, or the text)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, reply, services
from bot.formatting import escape
from bot.forum_models import Newsletter

PAGE = 5
USAGE = (
    "Use /newsletter &lt;title&gt; as the caption of a PDF, or /newsletter &lt;title&gt; | "
    "&lt;text&gt;."
)


def newsletter_text(newsletter: Newsletter) -> str:
    """A newsletter as a message (or a PDF's caption): its title, date and text."""
    head = f"📰 <b>{escape(newsletter.title)}</b> · {newsletter.published_at:%d %b %Y}"
    return f"{head}\n{escape(newsletter.text)}" if newsletter.text else head


async def publish(update: Update, context: Context) -> None:
    """/newsletter <title> with a PDF, or /newsletter <title> | <text>."""
    message = update.effective_message
    assert message is not None
    document = message.document
    raw = message.caption if document is not None else message.text
    title, _, text = (raw or "").partition(" ")[2].partition("|")
    if not title.strip():
        await reply(update, USAGE)
        return
    file_id: str | None = None
    if document is not None:
        if document.mime_type not in (None, "application/pdf"):
            await reply(update, "Only PDF documents can be published as newsletters.")
            return
        file_id = document.file_id
    elif not text.strip():
        await reply(update, USAGE)
        return
    key = await identity(update, context)
    published = await services(context).forum.publish_newsletter(
        key, title.strip(), text.strip(), file_id
    )
    await reply(
        update,
        f"Published newsletter {published.newsletter.id} “{escape(published.newsletter.title)}”; "
        f"queued for {published.count} subscriber(s).",
    )


async def _page(update: Update, context: Context, cursor: str | None) -> None:
    page = await services(context).forum.newsletters(
        await identity(update, context), cursor, limit=PAGE
    )
    if not page.newsletters:
        await reply(update, "No newsletters yet." if cursor is None else "No older newsletters.")
        return
    rows = [
        [
            InlineKeyboardButton(
                f"{n.published_at:%d %b %Y}: {n.title[:40]}",
                callback_data=build(Button.NEWSLETTER, n.id),
            )
        ]
        for n in page.newsletters
    ]
    if page.next_cursor:
        rows.append(
            [
                InlineKeyboardButton(
                    "Older ›", callback_data=build(Button.NEWSLETTER_PAGE, page.next_cursor)
                )
            ]
        )
    await reply(
        update,
        "📰 <b>Weekly updates</b>, newest first: choose one.",
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def updates(update: Update, context: Context) -> None:
    """/updates: the newest page of the archive."""
    await _page(update, context, None)


async def on_page(update: Update, context: Context) -> None:
    """The "Older" button."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.NEWSLETTER_PAGE, query.data)
    assert fields is not None  # the pattern admits only well-formed data
    await _page(update, context, fields[0])


async def on_newsletter(update: Update, context: Context) -> None:
    """A newsletter's button: the PDF by file id (the title as caption), or the text."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.NEWSLETTER, query.data)
    assert fields is not None
    found = await services(context).forum.newsletter(
        await identity(update, context), int(fields[0])
    )
    chat = update.effective_chat
    if found.document_file_id and chat is not None:
        head = f"📰 <b>{escape(found.title)}</b> · {found.published_at:%d %b %Y}"
        await context.bot.send_document(chat.id, found.document_file_id, caption=head)
        if found.text:
            await reply(update, newsletter_text(found))
        return
    await reply(update, newsletter_text(found))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/newsletter (text or a PDF's caption), /updates and its buttons."""
    return [
        CommandHandler("newsletter", publish),
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/newsletter\b"), publish),
        CommandHandler("updates", updates),
        CallbackQueryHandler(on_page, pattern=pattern(Button.NEWSLETTER_PAGE, whole=True)),
        CallbackQueryHandler(on_newsletter, pattern=pattern(Button.NEWSLETTER, whole=True)),
    ]
