"""Resources pinned to boards: /resources [outcome] for members; /pin and /unpin for admins.

A resource is a https link or a PDF (the admin sends the PDF with the /pin command as its
caption; the bot keeps only Telegram's file id and sends the PDF by that id when asked).
A board's view (/read <outcome>) shows its resources first (:func:`pinned`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, parse_id, reply, services
from bot.formatting import escape
from bot.forum_client import ForumClient
from bot.forum_models import Resource

PIN_USAGE = (
    "Use /pin &lt;outcome&gt; &lt;title&gt; | &lt;one-line description&gt; | "
    "&lt;https:// link&gt;, or send a PDF with the caption /pin &lt;outcome&gt; &lt;title&gt; | "
    "&lt;one-line description&gt;."
)


def resource_lines(items: Sequence[Resource]) -> list[str]:
    """One line per resource: its title (a link for a link), description and id."""
    lines = []
    for item in items:
        title = escape(item.title)
        shown = f'<a href="{escape(item.url)}">{title}</a>' if item.url else f"📄 {title}"
        about = f" — {escape(item.description)}" if item.description else ""
        lines.append(f"• {shown}{about} <i>(#{item.id})</i>")
    return lines


def document_buttons(items: Sequence[Resource]) -> list[list[InlineKeyboardButton]]:
    """A button per PDF resource, which sends it."""
    return [
        [
            InlineKeyboardButton(
                f"📄 {item.title[:40]}", callback_data=build(Button.RESOURCE_DOCUMENT, item.id)
            )
        ]
        for item in items
        if item.document_file_id
    ]


async def pinned(
    forum: ForumClient, key: str, slug: str
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """A board's resources as the block its view starts with, and their PDF buttons."""
    items = await forum.resources(key, slug)
    if not items:
        return "", []
    return "📌 <b>Resources</b>\n" + "\n".join(resource_lines(items)) + "\n\n", document_buttons(
        items
    )


async def resources(update: Update, context: Context) -> None:
    """/resources (every board's) or /resources <outcome>."""
    args = context.args or []
    forum = services(context).forum
    key = await identity(update, context)
    board = args[0].lower() if args else None
    items = await forum.resources(key, board)
    if not items:
        where = f" on “{escape(board[:40])}”" if board else ""
        await reply(update, f"No resources pinned{where} yet.")
        return
    titles = {b.slug: b.title for b in await forum.boards(key)}
    blocks: dict[str, list[Resource]] = {}
    for item in items:
        blocks.setdefault(item.board, []).append(item)
    text = "\n\n".join(
        f"<b>{escape(titles.get(slug, slug))}</b>\n" + "\n".join(resource_lines(group))
        for slug, group in blocks.items()
    )
    buttons = document_buttons(items)
    await reply(
        update,
        f"📌 <b>Resources</b>\n\n{text}",
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def pin(update: Update, context: Context) -> None:
    """/pin <outcome> <title> | <description> | <https link>, or a PDF with that caption."""
    message = update.effective_message
    assert message is not None
    document = message.document
    raw = message.caption if document is not None else message.text
    board, _, rest = (raw or "").partition(" ")[2].strip().partition(" ")
    parts = [part.strip() for part in rest.split("|")]
    if document is not None:
        if document.mime_type not in (None, "application/pdf"):
            await reply(update, "Only PDF documents can be pinned.")
            return
        if not board or not parts[0] or len(parts) > 2:
            await reply(update, PIN_USAGE)
            return
        title, description, url, file_id = parts[0], "|".join(parts[1:]), None, document.file_id
    else:
        if not board or len(parts) not in (2, 3) or not parts[0] or not parts[-1]:
            await reply(update, PIN_USAGE)
            return
        title, description, url, file_id = (
            parts[0],
            parts[1] if len(parts) == 3 else "",
            parts[-1],
            None,
        )
    key = await identity(update, context)
    pinned_resource = await services(context).forum.pin_resource(
        key, board.lower(), title, description, url=url, document_file_id=file_id
    )
    await reply(
        update,
        f"Pinned resource {pinned_resource.id} to {escape(pinned_resource.board)}: "
        f"{escape(pinned_resource.title)}. /unpin {pinned_resource.id} removes it.",
    )


async def unpin(update: Update, context: Context) -> None:
    """/unpin <resource id>."""
    args = context.args or []
    resource_id = parse_id(args[0]) if len(args) == 1 else None
    if resource_id is None:
        await reply(update, "Use /unpin &lt;resource id&gt; (the # number in /resources).")
        return
    await services(context).forum.unpin_resource(await identity(update, context), resource_id)
    await reply(update, f"Unpinned resource {resource_id}.")


async def on_document(update: Update, context: Context) -> None:
    """A PDF resource's button: the PDF, sent by Telegram file id."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.RESOURCE_DOCUMENT, query.data)
    assert fields is not None  # the pattern admits only well-formed data
    found = await services(context).forum.resource(await identity(update, context), int(fields[0]))
    chat = update.effective_chat
    if found.document_file_id is None or chat is None:
        await reply(update, f'<a href="{escape(found.url or "")}">{escape(found.title)}</a>')
        return
    await context.bot.send_document(
        chat.id, found.document_file_id, caption=f"<b>{escape(found.title)}</b>"
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/resources, /pin (text or a PDF's caption), /unpin and the PDF buttons."""
    return [
        CommandHandler("resources", resources),
        CommandHandler("pin", pin),
        MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/pin\b"), pin),
        CommandHandler("unpin", unpin),
        CallbackQueryHandler(on_document, pattern=pattern(Button.RESOURCE_DOCUMENT, whole=True)),
    ]
