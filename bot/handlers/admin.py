"""/addmoderator, /join, /removemoderator, /watchword (roles are checked by the service)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import Context, identity, parse_id, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.handlers.membership import join_with


async def add_moderator(update: Update, context: Context) -> None:
    """/addmoderator: a one-time invite code the new moderator sends with /join."""
    key = await identity(update, context)
    invite = await services(context).forum.create_invite(key, "moderator")
    await reply(
        update,
        f"Invite code (one use, {invite.expires_in_days} days):\n"
        f"<code>{escape(invite.code)}</code>\n"
        "Send it privately to the new moderator; they send <code>/join CODE</code> to me.",
    )


async def join(update: Update, context: Context) -> None:
    """/join <code>: any invite code (membership, moderator, admin)."""
    args = context.args or []
    if len(args) != 1:
        await reply(update, "Use /join &lt;code&gt; with the code an admin gave you.")
        return
    await join_with(update, context, args[0])


async def remove_moderator(update: Update, context: Context) -> None:
    """/removemoderator <handle> (e.g. "Moderator 4F2A9"); without a handle, list them."""
    key = await identity(update, context)
    forum = services(context).forum
    handle = " ".join(context.args or []).strip()
    if not handle:
        team = await forum.moderators(key)
        lines = [f"• {escape(m.handle)} ({escape(m.role)})" for m in team]
        header = "Use /removemoderator &lt;handle&gt;. Current team:"
        await reply_many(update, paginate_blocks([header, *lines], separator="\n"))
        return
    await forum.remove_moderator(key, handle)
    await reply(update, f"{escape(handle)} is no longer a moderator.")


async def watchword(update: Update, context: Context) -> None:
    """/watchword list | add <block|flag|require_review> <word> | remove <id>."""
    key = await identity(update, context)
    forum = services(context).forum
    args = context.args or []
    usage = (
        "Use /watchword list, /watchword add &lt;block|flag|require_review&gt; &lt;word or "
        "phrase&gt;, or /watchword remove &lt;id&gt;."
    )
    if not args or args[0] == "list":
        words = await forum.watched_words(key)
        lines = [f"{w.id}: {escape(w.word)} → {w.action}" for w in words]
        if lines:
            await reply_many(update, paginate_blocks(lines, separator="\n"))
        else:
            await reply(update, "No watched words yet. " + usage)
    elif args[0] == "add" and len(args) >= 3:
        added = await forum.add_watched_word(key, " ".join(args[2:]), args[1])
        await reply(update, f"Watching “{escape(added.word)}” ({added.action}).")
    elif args[0] == "remove" and len(args) == 2 and (word_id := parse_id(args[1])) is not None:
        await forum.remove_watched_word(key, word_id)
        await reply(update, "Removed.")
    else:
        await reply(update, usage)


def commands() -> list[CommandHandler[Any, Any]]:
    """Admin commands."""
    return [
        CommandHandler("addmoderator", add_moderator),
        CommandHandler("join", join),
        CommandHandler("removemoderator", remove_moderator),
        CommandHandler("watchword", watchword),
    ]
