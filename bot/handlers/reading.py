"""/outcomes and /read: browse boards, page through threads, open a thread."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import render
from bot.context import Context, draft, identity, reply, reply_many, services
from bot.formatting import escape
from bot.forum_models import Board

PAGE = 5


def board_keyboard(boards: Sequence[Board], prefix: str) -> InlineKeyboardMarkup:
    """One button per board; callback data ``<prefix>:<slug>``."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=f"{prefix}:{b.slug}")] for b in boards]
    )


async def ask_outcome(update: Update, context: Context, prompt: str, prefix: str) -> None:
    """Ask which outcome a flow is about, with one button per board (``<prefix>:<slug>``)."""
    boards = await services(context).forum.boards()
    await reply(update, prompt, reply_markup=board_keyboard(boards, prefix))


async def take_outcome(update: Update, context: Context) -> None:
    """Store the outcome button a flow's person pressed in the flow's draft."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    draft(context)["board"] = query.data.partition(":")[2]


async def outcomes(update: Update, context: Context) -> None:
    """List the eight boards with their thread counts."""
    boards = await services(context).forum.boards()
    await reply(update, render.boards(boards), reply_markup=board_keyboard(boards, "rb"))


async def read(update: Update, context: Context) -> None:
    """/read (pick a board), /read <outcome> (its threads) or /read <thread id> (open it)."""
    args = context.args or []
    if not args:
        boards = await services(context).forum.boards()
        await reply(update, "Which outcome?", reply_markup=board_keyboard(boards, "rb"))
    elif args[0].isdigit():
        await show_thread(update, context, int(args[0]))
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
    boards = {b.slug: b for b in await forum.boards()}
    board = boards.get(slug)
    if board is None:
        await reply(update, f"There is no outcome called “{escape(slug[:40])}”. Try /outcomes.")
        return
    page = await forum.threads(slug, cursor, limit=PAGE)
    rows = [
        [InlineKeyboardButton(f"Open #{t.id}: {t.title[:40]}", callback_data=f"rt:{t.id}")]
        for t in page.threads
    ]
    if page.next_cursor:
        token = _remember_cursor(context, page.next_cursor)
        rows.append([InlineKeyboardButton("More threads ›", callback_data=f"rp:{slug}:{token}")])
    await reply(
        update,
        render.thread_list(board, page.threads),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


async def show_thread(update: Update, context: Context, thread_id: int, after: int = 0) -> None:
    """Send a thread (split over several messages when long) with Reply / More buttons."""
    key = await identity(update, context)
    detail = await services(context).forum.thread(key, thread_id, after)
    rows = [[InlineKeyboardButton("Reply", callback_data=f"rr:{thread_id}")]]
    if detail.next_after:
        rows.insert(
            0,
            [
                InlineKeyboardButton(
                    "More posts ›", callback_data=f"rm:{thread_id}:{detail.next_after}"
                )
            ],
        )
    await reply_many(
        update, render.thread_messages(detail), reply_markup=InlineKeyboardMarkup(rows)
    )


async def on_button(update: Update, context: Context) -> None:
    """Route reading buttons: rb:<slug>, rp:<slug>:<token>, rt:<thread>, rm:<thread>:<after>."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    kind, _, rest = query.data.partition(":")
    if kind == "rb":
        await show_board(update, context, rest, None)
    elif kind == "rp":
        slug, _, token = rest.partition(":")
        cursor = (context.chat_data or {}).get("cursors", {}).get(token)
        if cursor is None:
            await reply(update, "That list is out of date; here is the newest page.")
        await show_board(update, context, slug, cursor)
    elif kind == "rt" and rest.isdigit():
        await show_thread(update, context, int(rest))
    elif kind == "rm":
        thread_id, _, after = rest.partition(":")
        if thread_id.isdigit() and after.isdigit():
            await show_thread(update, context, int(thread_id), int(after))
