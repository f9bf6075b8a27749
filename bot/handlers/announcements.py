"""/announce (admins): a text, or a PDF whose caption is the command, to every subscriber of
all announcements. Delivery goes through the service's outbox (``bot.delivery``)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import Context, identity, reply, services


async def announce(update: Update, context: Context) -> None:
    """/announce <text>, or a PDF whose caption is /announce <text> (forwarded by file id)."""
    message = update.effective_message
    assert message is not None
    raw = message.caption if message.document is not None else message.text
    text = (raw or "").partition(" ")[2].strip()
    if not text:
        await reply(update, "Use /announce &lt;text&gt; (or send a PDF with that caption).")
        return
    document: str | None = None
    if message.document is not None:
        if message.document.mime_type not in (None, "application/pdf"):
            await reply(update, "Only PDF documents can be attached to announcements.")
            return
        document = message.document.file_id
    key = await identity(update, context)
    count = await services(context).forum.announce(key, text, document)
    await reply(update, f"Queued for {count} subscriber(s).")


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/announce as a text message, and as the caption of a document."""
    return [
        CommandHandler("announce", announce),
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/announce\b"), announce),
    ]
