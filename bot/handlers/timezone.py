"""/timezone: the zone in which a person types and reads expert-forum times (kept in the bot's
delivery store, never sent to the service)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import Context, identity, reply, services
from bot.formatting import escape
from bot.timefmt import TimeInputError, zone


async def timezone(update: Update, context: Context) -> None:
    """/timezone <Area/City> (default Europe/London)."""
    args = context.args or []
    key = await identity(update, context)
    store = services(context).store
    if len(args) != 1:
        await reply(
            update,
            f"Your timezone is {escape(await store.timezone_for(key))}. "
            "Change it with /timezone &lt;Area/City&gt;, e.g. /timezone Europe/Paris.",
        )
        return
    try:
        zone(args[0])
    except TimeInputError as error:
        await reply(update, escape(str(error)))
        return
    await store.set_timezone(key, args[0])
    await reply(update, f"Times are now shown in {escape(args[0])}.")


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/timezone."""
    return [CommandHandler("timezone", timezone)]
