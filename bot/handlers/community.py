"""Following a thread (/following, Follow / Unfollow), /search with pages, Withdraw under a
pending post in /myposts, and the shared link of a thread (``/start t<id>``).

The service decides what may be followed, found or withdrawn; these handlers turn its answers
into messages and buttons.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import quote

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import render
from bot.callbacks import Button, build, parse, pattern
from bot.context import Context, identity, reply, services
from bot.formatting import escape
from bot.forum_client import ForumError

#: The payload of a thread's shared link, ``t.me/<bot>?start=t<id>``. Invite codes never
#: look like this (the service never issues one that does), so the two cannot collide.
SHARED_THREAD = re.compile(r"t([1-9][0-9]{0,18})")
#: A query and its outcome filter: ``housing: cuckooing`` searches the housing board.
_BOARD_PREFIX = re.compile(r"\s*([a-z0-9][a-z0-9-]{0,39})\s*:\s*(.*)", re.DOTALL | re.IGNORECASE)


def share_link(bot_username: str | None, thread_id: int) -> str:
    """The deep link that opens a thread in the bot (a non-member gets how to join)."""
    return f"https://t.me/{bot_username or 'your_bot'}?start=t{thread_id}"


def thread_buttons(bot_username: str | None, thread_id: int, following: bool) -> list[Any]:
    """The row under a thread: Follow or Unfollow, and Share (Telegram's share sheet)."""
    link = share_link(bot_username, thread_id)
    follow = (
        InlineKeyboardButton("Unfollow", callback_data=build(Button.UNFOLLOW, thread_id))
        if following
        else InlineKeyboardButton("Follow", callback_data=build(Button.FOLLOW, thread_id))
    )
    share = InlineKeyboardButton("Share", url=f"https://t.me/share/url?url={quote(link, safe='')}")
    return [follow, share]


def shared_thread_id(payload: str) -> int | None:
    """The thread a ``/start`` payload opens, or None when it is not a thread's link."""
    match = SHARED_THREAD.fullmatch(payload)
    return int(match.group(1)) if match else None


async def following(update: Update, context: Context) -> None:
    """/following: the threads I follow, each with /read and Unfollow."""
    threads = await services(context).forum.following(await identity(update, context))
    if not threads:
        await reply(
            update,
            "You follow no thread. Threads you start or reply to are followed for you; "
            "press Follow under any thread to follow it.",
        )
        return
    lines = ["<b>Threads you follow</b> (you are told of new replies)"]
    lines += [f"• <b>{escape(t.title)}</b> — /read {t.id}" for t in threads]
    rows = [
        [
            InlineKeyboardButton(
                f"Unfollow #{t.id}: {t.title[:30]}", callback_data=build(Button.UNFOLLOW, t.id)
            )
        ]
        for t in threads[:20]
    ]
    await reply(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def _set_following(update: Update, context: Context, button: Button) -> None:
    query = update.callback_query
    assert query is not None
    fields = parse(button, query.data)
    if fields is None:
        await query.answer()
        return
    thread_id = int(fields[0])
    now = await services(context).forum.set_following(
        await identity(update, context), thread_id, button is Button.FOLLOW
    )
    await query.answer(
        f"Following thread {thread_id}: you will hear of new replies."
        if now
        else f"You no longer follow thread {thread_id}."
    )
    await reply(
        update,
        f"✅ You follow thread {thread_id}; new replies come in one message per batch."
        if now
        else f"You no longer follow thread {thread_id}.",
    )


async def on_follow(update: Update, context: Context) -> None:
    """The Follow button."""
    await _set_following(update, context, Button.FOLLOW)


async def on_unfollow(update: Update, context: Context) -> None:
    """The Unfollow button."""
    await _set_following(update, context, Button.UNFOLLOW)


def split_query(text: str) -> tuple[str | None, str]:
    """``housing: cuckooing`` → ``("housing", "cuckooing")``; no prefix → ``(None, text)``."""
    match = _BOARD_PREFIX.fullmatch(text)
    if match is None:
        return None, text.strip()
    return match.group(1).lower(), match.group(2).strip()


def _remember_query(context: Context, board: str | None, query: str) -> str:
    """Queries are too long for callback data: keep them per chat (memory) behind a token."""
    assert context.chat_data is not None
    queries: dict[str, tuple[str | None, str]] = context.chat_data.setdefault("searches", {})
    if len(queries) > 20:
        queries.clear()
    token = secrets.token_hex(4)
    queries[token] = (board, query)
    return token


async def _show_results(
    update: Update, context: Context, board: str | None, query: str, page: int, token: str
) -> None:
    results = await services(context).forum.search(
        await identity(update, context), query, board, page
    )
    shown = f"{board}: {query}" if board else query
    rows = []
    nav = []
    if page > 1:
        nav.append(
            InlineKeyboardButton(
                "‹ Previous", callback_data=build(Button.SEARCH_PAGE, token, page - 1)
            )
        )
    if results.has_more:
        nav.append(
            InlineKeyboardButton(
                "More results ›", callback_data=build(Button.SEARCH_PAGE, token, page + 1)
            )
        )
    if nav:
        rows.append(nav)
    await reply(
        update,
        render.search_results(shown, results.results, page),
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )


async def search(update: Update, context: Context) -> None:
    """/search <words>, or /search <outcome>: <words>: approved threads and posts, best first."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    raw = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
    board, query = split_query(raw)
    if not query:
        await reply(
            update,
            "What should I look for? <code>/search cuckooing</code>, or within one outcome "
            "<code>/search housing: tenancy</code>.",
        )
        return
    try:
        await _show_results(
            update, context, board, query, 1, _remember_query(context, board, query)
        )
    except ForumError as error:
        if error.code == "board_not_found":
            await reply(
                update, f"There is no outcome called “{escape(board or '')}”. Try /outcomes."
            )
            return
        raise


async def on_search_page(update: Update, context: Context) -> None:
    """A search page button: that page of the same query."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.SEARCH_PAGE, query.data)
    if fields is None:
        return
    token, page = fields[0], int(fields[1])
    remembered = (context.chat_data or {}).get("searches", {}).get(token)
    if remembered is None or not 1 <= page <= 100:
        await reply(update, "That search is out of date; please send /search again.")
        return
    board, words = remembered
    await _show_results(update, context, board, words, page, token)


def withdraw_button(post_id: int) -> InlineKeyboardButton:
    """The Withdraw button under one of my pending posts in /myposts."""
    return InlineKeyboardButton("Withdraw", callback_data=build(Button.WITHDRAW, post_id))


async def on_withdraw(update: Update, context: Context) -> None:
    """The Withdraw button: take the post back before a moderator decides."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.WITHDRAW, query.data)
    if fields is None:
        return
    post_id = int(fields[0])
    try:
        await services(context).forum.withdraw(await identity(update, context), post_id)
    except ForumError as error:
        if error.code in ("already_decided", "already_withdrawn"):
            await reply(
                update,
                f"Post {post_id} can no longer be withdrawn: "
                + (
                    "you withdrew it already."
                    if error.code == "already_withdrawn"
                    else "a moderator has decided it. See /myposts."
                ),
            )
            return
        raise
    await reply(
        update,
        f"🗑 Post {post_id} is withdrawn: it left the moderators' queue and its text is deleted.",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/following, /search and the buttons of following, search pages and withdrawing."""
    return [
        CommandHandler("following", following),
        CommandHandler("search", search),
        CallbackQueryHandler(on_follow, pattern=pattern(Button.FOLLOW)),
        CallbackQueryHandler(on_unfollow, pattern=pattern(Button.UNFOLLOW)),
        CallbackQueryHandler(on_search_page, pattern=pattern(Button.SEARCH_PAGE)),
        CallbackQueryHandler(on_withdraw, pattern=pattern(Button.WITHDRAW)),
    ]
