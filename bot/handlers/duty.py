"""/duty (moderators: whether the queue alerts reach me) and /modstats (admins: workload).

Thin handlers: parse, one forum call, answer. The service checks the role of every call.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import render
from bot.context import Context, identity, reply, services

DUTY_USAGE = "Use /duty on or /duty off."
MODSTATS_USAGE = "Use /modstats, or /modstats &lt;days&gt; (1 to 90)."

ON_DUTY = (
    "You are on duty: you get a message when items enter the queue (at once when it was "
    "empty, otherwise at most one every few minutes; urgent posts and reports at once). "
    "/duty off to stop."
)
OFF_DUTY = "You are off duty: no queue alerts reach you. /duty on to start again."


async def duty(update: Update, context: Context) -> None:
    """/duty shows my duty; /duty on | off changes it."""
    args = [a.lower() for a in context.args or []]
    key = await identity(update, context)
    forum = services(context).forum
    if not args:
        on_duty = await forum.duty(key)
    elif args in (["on"], ["off"]):
        on_duty = await forum.set_duty(key, args[0] == "on")
    else:
        await reply(update, DUTY_USAGE)
        return
    await reply(update, ON_DUTY if on_duty else OFF_DUTY)


async def modstats(update: Update, context: Context) -> None:
    """/modstats [days]: items decided per day, time to decision, what waits, per lane."""
    args = context.args or []
    days = 7
    if args:
        if len(args) != 1 or not args[0].isascii() or not args[0].isdigit():
            await reply(update, MODSTATS_USAGE)
            return
        days = int(args[0])
        if not 1 <= days <= 90:
            await reply(update, MODSTATS_USAGE)
            return
    key = await identity(update, context)
    figures = await services(context).forum.modstats(key, days)
    await reply(update, render.modstats(figures))


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """/duty and /modstats."""
    return [CommandHandler("duty", duty), CommandHandler("modstats", modstats)]
