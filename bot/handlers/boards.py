"""/outcomes and /read: browse the outcome boards, page through threads, open a thread.

Also the outcome picker (one button per board) that the /new and /schedule flows start with.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.ext import CallbackQueryHandler

from bot import render
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, draft, identity, parse_id, reply, reply_many, services
from bot.formatting import escape
from bot.forum_models import Board
from bot.handlers import resources
from bot.handlers.community import thread_buttons
from bot.handlers.quick_exit import exit_button

PAGE = 5


def board_keyboard(boards: Sequence[Board], button: Button) -> InlineKeyboardMarkup:
    """One ``button`` per board, carrying its slug."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=build(button, b.slug))] for b in boards]
    )


async def ask_outcome(update: Update, context: Context, prompt: str, button: Button) -> None:
    """Ask which outcome a flow is about, with one ``button`` per board."""
    boards = await services(context).forum.boards(await identity(update, context))
    await reply(update, prompt, reply_markup=board_keyboard(boards, button))


async def take_outcome(update: Update, context: Context, button: Button) -> bool:
    """Store the outcome a flow's person pressed in the flow's draft; False for bad data."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(button, query.data)
    if fields is None:
        return False
    draft(context)["board"] = fields[0]
    return True


async def outcomes(update: Update, context: Context) -> None:
    """List the eight boards with their thread counts."""
    boards = await services(context).forum.boards(await identity(update, context))
    await reply(update, render.boards(boards), reply_markup=board_keyboard(boards, Button.BOARD))


async def read(update: Update, context: Context) -> None:
    """/read (pick a board), /read <outcome> (its threads) or /read <thread id> (open it)."""
    args = context.args or []
    if not args:
        boards = await services(context).forum.boards(await identity(update, context))
        await reply(update, "Which outcome?", reply_markup=board_keyboard(boards, Button.BOARD))
    elif (thread_id := parse_id(args[0])) is not None:
        await show_thread(update, context, thread_id)
    else:
        await show_board(update, context, args[0].lower(), None)


def _remember_cursor(context: Context, cursor: str) -> str:
    """Cursors are too long for callback data (64 bytes): keep them per chat behind a token."""
    assert context.chat_data is not None
    cursors: dict[str, str] = context.chat_data.setdefault("cursors", {})
    if len(cursors) > 50:
        cursors.clear()
    token = secrets.token_hex(4)
    cursors[token] = cursor
    return token


async def show_board(update: Update, context: Context, slug: str, cursor: str | None) -> None:
    """Show one page of a board's threads with buttons to open them and page on."""
    forum = services(context).forum
    key = await identity(update, context)
    boards = {b.slug: b for b in await forum.boards(key)}
    board = boards.get(slug)
    if board is None:
        await reply(update, f"There is no outcome called “{escape(slug[:40])}”. Try /outcomes.")
        return
    page = await forum.threads(key, slug, cursor, limit=PAGE)
    # The first page starts with the board's pinned resources.
    pinned, rows = await resources.pinned(forum, key, slug) if cursor is None else ("", [])
    rows += [
        [
            InlineKeyboardButton(
                f"Open #{t.id}: {t.title[:40]}", callback_data=build(Button.THREAD, t.id)
            )
        ]
        for t in page.threads
    ]
    if page.next_cursor:
        token = _remember_cursor(context, page.next_cursor)
        more = build(Button.BOARD_PAGE, slug, token)
        rows.append([InlineKeyboardButton("More threads ›", callback_data=more)])
    await reply(
        update,
        pinned + render.thread_list(board, page.threads),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def show_thread(update: Update, context: Context, thread_id: int, after: int = 0) -> None:
    """Send a thread (split over several messages when long) with Reply / More buttons."""
    key = await identity(update, context)
    forum = services(context).forum
    detail = await forum.thread(key, thread_id, after)
    rows = [
        [
            InlineKeyboardButton("Reply", callback_data=build(Button.REPLY, thread_id)),
            exit_button(),
        ]
    ]
    if detail.thread.status == "approved":  # followable and shareable once published
        following = await forum.is_following(key, thread_id)
        rows.append(thread_buttons(context.bot.username, thread_id, following))
    if detail.next_after:
        more = build(Button.THREAD_MORE, thread_id, detail.next_after)
        rows.insert(0, [InlineKeyboardButton("More posts ›", callback_data=more)])
    await reply_many(
        update, render.thread_messages(detail), reply_markup=InlineKeyboardMarkup(rows)
    )


async def _pressed(update: Update, button: Button) -> tuple[str, ...] | None:
    """Answer a reading button; its fields, or None when they are malformed (then ignored)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    return parse(button, query.data)


async def on_board(update: Update, context: Context) -> None:
    """A board button: its first page of threads."""
    if (fields := await _pressed(update, Button.BOARD)) is not None:
        await show_board(update, context, fields[0], None)


async def on_board_page(update: Update, context: Context) -> None:
    """The "More threads" button: the next page, or the first if its token is forgotten."""
    if (fields := await _pressed(update, Button.BOARD_PAGE)) is None:
        return
    slug, token = fields
    cursor = (context.chat_data or {}).get("cursors", {}).get(token)
    if cursor is None:
        await reply(update, "That list is out of date; here is the newest page.")
    await show_board(update, context, slug, cursor)


async def on_thread(update: Update, context: Context) -> None:
    """An "Open" button: the thread."""
    if (fields := await _pressed(update, Button.THREAD)) is not None:
        await show_thread(update, context, int(fields[0]))


async def on_more_posts(update: Update, context: Context) -> None:
    """The "More posts" button: the thread's next posts."""
    if (fields := await _pressed(update, Button.THREAD_MORE)) is not None:
        await show_thread(update, context, int(fields[0]), int(fields[1]))


def buttons() -> list[CallbackQueryHandler[Any, None]]:
    """One handler per reading button."""
    return [
        CallbackQueryHandler(on_board, pattern=pattern(Button.BOARD)),
        CallbackQueryHandler(on_board_page, pattern=pattern(Button.BOARD_PAGE)),
        CallbackQueryHandler(on_thread, pattern=pattern(Button.THREAD)),
        CallbackQueryHandler(on_more_posts, pattern=pattern(Button.THREAD_MORE)),
    ]
