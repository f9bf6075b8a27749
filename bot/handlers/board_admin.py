"""/addboard, /renameboard, /archiveboard (admins): boards beyond the eight core outcomes,
e.g. "Children and young people". The service refuses archiving a core outcome."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import Context, identity, reply, services
from bot.formatting import escape


def _slug_and_title(update: Update) -> tuple[str, str]:
    message = update.effective_message
    assert message is not None and message.text is not None
    slug, _, title = message.text.partition(" ")[2].strip().partition(" ")
    return slug, title.strip()


async def add_board(update: Update, context: Context) -> None:
    """/addboard <slug> <title>."""
    slug, title = _slug_and_title(update)
    if not slug or not title:
        await reply(
            update,
            "Use /addboard &lt;short-name&gt; &lt;title&gt;, e.g. /addboard children-young-people "
            "Children and young people.",
        )
        return
    board = await services(context).forum.add_board(await identity(update, context), slug, title)
    await reply(
        update,
        f"Added the board “{escape(board.title)}” (<code>{escape(board.slug)}</code>): "
        f"/read {escape(board.slug)}.",
    )


async def rename_board(update: Update, context: Context) -> None:
    """/renameboard <slug> <title>."""
    slug, title = _slug_and_title(update)
    if not slug or not title:
        await reply(update, "Use /renameboard &lt;short-name&gt; &lt;new title&gt;.")
        return
    board = await services(context).forum.rename_board(
        await identity(update, context), slug.lower(), title
    )
    await reply(update, f"Renamed <code>{escape(board.slug)}</code> to “{escape(board.title)}”.")


async def archive_board(update: Update, context: Context) -> None:
    """/archiveboard <slug>."""
    args = context.args or []
    if len(args) != 1:
        await reply(update, "Use /archiveboard &lt;short-name&gt;.")
        return
    board = await services(context).forum.archive_board(
        await identity(update, context), args[0].lower()
    )
    await reply(
        update,
        f"Archived “{escape(board.title)}”: it left /outcomes and takes no new threads; "
        "its threads stay readable with /read &lt;thread id&gt;.",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """The three board commands."""
    return [
        CommandHandler("addboard", add_board),
        CommandHandler("renameboard", rename_board),
        CommandHandler("archiveboard", archive_board),
    ]
