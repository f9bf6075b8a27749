"""Membership: /invite, /invites, /revokeinvite, /removemember (admins), /request (non-members),
the Approve / Decline buttons of a request, and /start with an invite code (a deep link).

The service decides who is a member; the bot only turns its ``membership_required`` refusal
into a friendly "how to join" (``common.on_error``). No code, label or request is ever linked
to a person: the bot keeps none of them.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.callbacks import Button, parse, pattern
from bot.context import Context, identity, parse_id, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.forum_client import ForumError
from bot.forum_models import MemberInvite

DEFAULT_USES = 25
DEFAULT_DAYS = 30


def deep_link(bot_username: str | None, code: str) -> str:
    """The link that opens the bot with the code (``/start CODE``), e.g. for a newsletter."""
    return f"https://t.me/{bot_username or 'your_bot'}?start={code}"


def _describe(invite: MemberInvite, bot_username: str | None) -> str:
    label = f" — {escape(invite.label)}" if invite.label else ""
    until = f", until {invite.expires_at:%Y-%m-%d}" if invite.expires_at else ""
    status = "" if invite.status == "active" else f" — <b>{invite.status.replace('_', ' ')}</b>"
    head = f"#{invite.id}{label}: {invite.uses_left} uses left{until}{status}"
    if invite.code is None:
        return f"{head}\n(made before codes were kept; not shown again)"
    return (
        f"{head}\n<code>{escape(invite.code)}</code>\n"
        f"{escape(deep_link(bot_username, invite.code))}"
    )


async def join_with(update: Update, context: Context, code: str) -> None:
    """Redeem a code (``/join CODE`` or a deep link's ``/start CODE``)."""
    key = await identity(update, context)
    role = await services(context).forum.redeem_invite(key, code)
    await reply(update, texts.joined(role))


def _invite_args(args: list[str]) -> tuple[int, int, str] | None:
    """``[uses] [days] [label]``; None when a number is not a plain positive number."""
    numbers: list[int] = []
    rest = list(args)
    while rest and len(numbers) < 2 and rest[0].isascii() and rest[0].isdigit():
        numbers.append(int(rest.pop(0)))
    if any(n <= 0 for n in numbers):
        return None
    uses = numbers[0] if numbers else DEFAULT_USES
    days = numbers[1] if len(numbers) > 1 else DEFAULT_DAYS
    return uses, days, " ".join(rest).strip()


async def invite(update: Update, context: Context) -> None:
    """/invite [uses] [days] [label]: a membership code and its deep link (admins)."""
    parsed = _invite_args(context.args or [])
    if parsed is None:
        await reply(update, texts.INVITE_USAGE)
        return
    uses, days, label = parsed
    key = await identity(update, context)
    created = await services(context).forum.create_member_invite(key, uses, days, label or None)
    assert created.code is not None
    await reply(
        update,
        f"Invite code{' for ' + escape(created.label) if created.label else ''}:\n"
        f"<code>{escape(created.code)}</code>\n"
        f"Link: {escape(deep_link(context.bot.username, created.code))}\n"
        f"{created.uses_left} uses, valid until {created.expires_at:%Y-%m-%d}. "
        "Share the link or the code with the organisation; people join with "
        "<code>/join CODE</code> or by opening the link. The label is seen by admins only, "
        "and nobody learns who used the code. /invites lists codes, /revokeinvite withdraws one.",
    )


async def invites(update: Update, context: Context) -> None:
    """/invites: membership codes with uses left, expiry, label and deep link (admins)."""
    key = await identity(update, context)
    found = await services(context).forum.member_invites(key)
    if not found:
        await reply(update, "No invite codes yet. " + texts.INVITE_USAGE)
        return
    blocks = [_describe(i, context.bot.username) for i in found]
    await reply_many(update, paginate_blocks(["<b>Invite codes</b>, newest first", *blocks]))


async def revoke_invite(update: Update, context: Context) -> None:
    """/revokeinvite <code> (admins)."""
    args = context.args or []
    if len(args) != 1:
        await reply(update, "Use /revokeinvite &lt;code&gt; (see /invites).")
        return
    key = await identity(update, context)
    revoked = await services(context).forum.revoke_invite(key, args[0])
    label = f" ({escape(revoked.label)})" if revoked.label else ""
    await reply(update, f"Revoked{label}: nobody else can join with this code.")


async def request_membership(update: Update, context: Context) -> None:
    """/request <one short line>: a non-member's one membership request (approval mode)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text.partition(" ")[2].strip()
    if not text:
        await reply(update, texts.REQUEST_USAGE)
        return
    key = await identity(update, context)
    await services(context).forum.request_membership(key, text)
    await reply(update, texts.REQUEST_SENT)


async def on_decision(update: Update, context: Context) -> None:
    """An admin pressed Approve or Decline under a membership request."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.MEMBERSHIP_DECISION, query.data)
    if fields is None:
        return
    request_id, answer = int(fields[0]), fields[1]
    key = await identity(update, context)
    try:
        await services(context).forum.decide_membership_request(
            key, request_id, approve=answer == "approve"
        )
    except ForumError as error:
        if error.status == 404:  # another admin decided it: these buttons are stale
            await query.edit_message_reply_markup(None)
        raise
    await query.edit_message_reply_markup(None)
    await reply(
        update,
        f"Request {request_id} approved: they are a member now and have been told."
        if answer == "approve"
        else f"Request {request_id} declined: they have been told.",
    )


async def remove_member(update: Update, context: Context) -> None:
    """/removemember <post id>: end the membership of that post's author (admins)."""
    args = context.args or []
    post_id = parse_id(args[0]) if len(args) == 1 else None
    if post_id is None:
        await reply(update, "Use /removemember &lt;post id&gt; (any post of the member).")
        return
    key = await identity(update, context)
    await services(context).forum.remove_member(key, post_id)
    await reply(
        update,
        f"The author of post {post_id} is no longer a member: they can no longer read or post, "
        "and their subscriptions are gone.",
    )


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Membership commands and buttons (/join is in ``admin``; /start in ``common``)."""
    return [
        CommandHandler("invite", invite),
        CommandHandler("invites", invites),
        CommandHandler("revokeinvite", revoke_invite),
        CommandHandler("request", request_membership),
        CommandHandler("removemember", remove_member),
        CallbackQueryHandler(on_decision, pattern=pattern(Button.MEMBERSHIP_DECISION)),
    ]
