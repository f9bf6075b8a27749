"""Staff operations in the bot: /reasons, /hide, /suspend, /unsuspend, /audit, /autoapprove,
and appeals (/appeal for the person, /answerappeal and the Lift / Uphold buttons for admins).

Handlers parse what was typed and refuse malformed input here, in words; roles and everything
else are checked by the service, whose refusals the error handler shows.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Button, parse, pattern
from bot.context import Context, identity, parse_id, reply, reply_many, services
from bot.formatting import escape, paginate_blocks
from bot.forum_client import ForumError
from bot.forum_models import RejectReason, Suspension

MAX_DAYS = 365
AUDIT_DEFAULT = 10
AUDIT_MAX = 50
#: A handle as the team sees it, e.g. "Moderator 4F2A9".
HANDLE = re.compile(r"(?i)^(moderator\s+[0-9a-f]{5})\b\s*(.*)$", re.DOTALL)
#: Something meant as a number of days (so "7.5", "-3" or "400" get a clear refusal).
NUMBERISH = re.compile(r"^[+-]?\d+([.,]\d+)?$")

REASONS_USAGE = (
    "Use /reasons to list the reject reasons; /reasons add &lt;button label&gt; | &lt;what the "
    "author receives&gt; (or just the label); /reasons remove &lt;n&gt;; /reasons move &lt;n&gt; "
    "&lt;position&gt; (n as /reasons numbers them)."
)
SUSPEND_USAGE = (
    "Use /suspend &lt;post id or handle&gt; &lt;reason&gt; [days], e.g. "
    "<code>/suspend 17 shared a survivor's address 7</code> or "
    "<code>/suspend Moderator 4F2A9 abusive replies</code>. Without days it lasts until "
    "/unsuspend."
)
APPEAL_USAGE = (
    "Use <code>/appeal &lt;why&gt;</code> against your suspension, or "
    "<code>/appeal &lt;post id&gt; &lt;why&gt;</code> against a hidden post of yours (up to "
    "1,000 characters, once each)."
)


def _rest(update: Update) -> str:
    """What was typed after the command, line breaks kept."""
    message = update.effective_message
    assert message is not None and message.text is not None
    return message.text.partition(" ")[2].strip()


def _reason_lines(reasons: tuple[RejectReason, ...]) -> list[str]:
    return [f"{n}. <b>{escape(r.label)}</b> — {escape(r.text)}" for n, r in enumerate(reasons, 1)]


async def _numbered(update: Update, context: Context, key: str, raw: str) -> RejectReason | None:
    """The reason ``/reasons`` shows as number ``raw``, or None (the person has been told)."""
    number = parse_id(raw)
    found = await services(context).forum.reject_reasons(key)
    if number is None or not 1 <= number <= len(found):
        await reply(
            update, f"There is no reason {escape(raw)}: /reasons numbers them 1 to {len(found)}."
        )
        return None
    return found[number - 1]


async def reasons(update: Update, context: Context) -> None:
    """/reasons [add <label> [| <text>] | remove <n> | move <n> <position>]."""
    key = await identity(update, context)
    forum = services(context).forum
    verb, _, rest = _rest(update).partition(" ")
    rest = rest.strip()
    if not verb:
        found = await forum.reject_reasons(key)
        blocks = [
            "<b>Reject reasons</b>, in the order of the reject buttons "
            "(“Other (type a reason)” always comes last):",
            *_reason_lines(found),
            REASONS_USAGE,
        ]
        await reply_many(update, paginate_blocks(blocks, separator="\n"))
    elif verb == "add" and rest:
        label, _, text = (part.strip() for part in rest.partition("|"))
        if not label:
            await reply(update, REASONS_USAGE)
            return
        added = await forum.add_reject_reason(key, label, text or None)
        await reply(
            update,
            f"Added “{escape(added.label)}” at the end. The author receives: {escape(added.text)}",
        )
    elif verb == "remove" and rest and " " not in rest:
        reason = await _numbered(update, context, key, rest)
        if reason is not None:
            await forum.remove_reject_reason(key, reason.id)
            await reply(update, f"Removed “{escape(reason.label)}”.")
    elif verb == "move" and len(words := rest.split()) == 2:
        position = parse_id(words[1])
        if position is None or position < 1:
            await reply(update, "The position is a whole number from 1 (first).")
            return
        reason = await _numbered(update, context, key, words[0])
        if reason is not None:
            order = await forum.move_reject_reason(key, reason.id, position)
            await reply_many(
                update, paginate_blocks(["New order:", *_reason_lines(order)], separator="\n")
            )
    else:
        await reply(update, REASONS_USAGE)


async def hide(update: Update, context: Context) -> None:
    """/hide <post> <reason>: hide an approved post; its author is told why and how to appeal."""
    first, _, reason = _rest(update).partition(" ")
    post_id = parse_id(first)
    if post_id is None or not reason.strip():
        await reply(update, "Use /hide &lt;post id&gt; &lt;reason the author will receive&gt;.")
        return
    key = await identity(update, context)
    await services(context).forum.hide_post(key, post_id, reason.strip())
    await reply(update, f"Post {post_id} is hidden; its author has been told why.")


def _target(text: str) -> tuple[int | None, str | None, str]:
    """(post id, handle, the rest) of "<post id or handle> rest"; both None if neither."""
    match = HANDLE.match(text)
    if match:
        return None, match.group(1), match.group(2).strip()
    first, _, rest = text.partition(" ")
    return parse_id(first), None, rest.strip()


def _handle(raw: str) -> str:
    """A handle as the service spells it: "Moderator " and five upper-case hex digits."""
    return "Moderator " + raw.split()[-1].upper()


async def suspend(update: Update, context: Context) -> None:
    """/suspend <post id or handle> <reason> [days]."""
    post_id, handle, rest = _target(_rest(update))
    if post_id is None and handle is None:
        await reply(update, SUSPEND_USAGE)
        return
    words = rest.split()
    days: int | None = None
    if words and NUMBERISH.match(words[-1]):
        number = parse_id(words[-1])
        if number is None or not 1 <= number <= MAX_DAYS:
            await reply(update, f"Days must be a whole number from 1 to {MAX_DAYS}.")
            return
        days = number
        rest = rest[: rest.rstrip().rfind(words[-1])].strip()
    if not rest:
        await reply(update, "Give a reason: the person receives it. " + SUSPEND_USAGE)
        return
    key = await identity(update, context)
    forum = services(context).forum
    done: Suspension
    if handle is not None:
        done = await forum.suspend_staff(key, _handle(handle), rest, days)
        who = escape(_handle(handle))
    else:
        assert post_id is not None
        done = await forum.suspend_author(key, post_id, rest, days)
        who = f"The author of post {post_id}"
    until = f"until {done.until:%d %b %Y %H:%M} UTC" if done.until else "until /unsuspend"
    await reply(
        update,
        f"{who} is suspended {until}. They have been told the reason, the end and how to appeal.",
    )


async def unsuspend(update: Update, context: Context) -> None:
    """/unsuspend <post id or handle>."""
    post_id, handle, rest = _target(_rest(update))
    if (post_id is None and handle is None) or rest:
        await reply(update, "Use /unsuspend &lt;post id or handle&gt;.")
        return
    key = await identity(update, context)
    forum = services(context).forum
    if handle is not None:
        await forum.unsuspend_staff(key, _handle(handle))
        who = escape(_handle(handle))
    else:
        assert post_id is not None
        await forum.unsuspend_author(key, post_id)
        who = f"The author of post {post_id}"
    await reply(update, f"{who} is no longer suspended and has been told.")


async def audit(update: Update, context: Context) -> None:
    """/audit [n]: the last n actions (default 10, at most 50), by moderator handle."""
    args = context.args or []
    count = parse_id(args[0]) if len(args) == 1 else (AUDIT_DEFAULT if not args else None)
    if count is None or not 1 <= count <= AUDIT_MAX:
        await reply(update, f"Use /audit [n], n from 1 to {AUDIT_MAX} (default {AUDIT_DEFAULT}).")
        return
    key = await identity(update, context)
    entries = await services(context).forum.audit_log(key, count)
    if not entries:
        await reply(update, "The audit log is empty.")
        return
    lines = []
    for entry in entries:
        target = entry.target_type.replace("_", " ")
        if entry.target_id is not None:
            target += f" {entry.target_id}"
        why = f" — {escape(entry.reason)}" if entry.reason else ""
        lines.append(
            f"{entry.created_at:%d %b %H:%M} · {escape(entry.actor)} · "
            f"{escape(entry.action)} {escape(target)}{why}"
        )
    header = f"<b>Last {len(entries)} actions</b>, newest first (times UTC):"
    await reply_many(update, paginate_blocks([header, *lines], separator="\n"))


async def autoapprove(update: Update, context: Context) -> None:
    """/autoapprove <board> on|off (admins)."""
    args = context.args or []
    if len(args) != 2 or args[1].lower() not in ("on", "off"):
        await reply(update, "Use /autoapprove &lt;board&gt; on|off, e.g. /autoapprove housing on.")
        return
    board, enabled = args[0].lower(), args[1].lower() == "on"
    key = await identity(update, context)
    await services(context).forum.set_auto_approve(key, board, enabled)
    await reply(
        update,
        f"Auto-approve on <b>{escape(board)}</b>: low-risk posts (no personal data, under every "
        "threshold) are published without waiting."
        if enabled
        else f"Auto-approve off on <b>{escape(board)}</b>: every post waits for a moderator.",
    )


async def appeal(update: Update, context: Context) -> None:
    """/appeal <why> (my suspension) or /appeal <post id> <why> (my hidden post)."""
    text = _rest(update)
    first, _, rest = text.partition(" ")
    post_id = parse_id(first)
    if post_id is not None:
        text = rest.strip()
    if not text:
        await reply(update, APPEAL_USAGE)
        return
    key = await identity(update, context)
    await services(context).forum.appeal(key, text, post_id)
    await reply(
        update,
        "Your appeal has been sent to the admins. They do not learn who you are; you will be "
        "told their answer here.",
    )


async def _answer(update: Update, context: Context, appeal_id: int, lift: bool, note: str) -> None:
    key = await identity(update, context)
    status = await services(context).forum.decide_appeal(
        key, appeal_id, lift=lift, message=note or None
    )
    await reply(
        update,
        f"Appeal {appeal_id}: {'lifted' if status == 'lifted' else 'upheld'}. The person has "
        "been told.",
    )


async def answer_appeal(update: Update, context: Context) -> None:
    """/answerappeal <appeal id> lift|uphold [message to the person] (admins)."""
    words = _rest(update).split(maxsplit=2)
    appeal_id = parse_id(words[0]) if words else None
    if appeal_id is None or len(words) < 2 or words[1].lower() not in ("lift", "uphold"):
        await reply(
            update,
            "Use /answerappeal &lt;appeal id&gt; lift|uphold [a message to the person].",
        )
        return
    await _answer(update, context, appeal_id, words[1].lower() == "lift", " ".join(words[2:]))


async def on_appeal_button(update: Update, context: Context) -> None:
    """An admin pressed Lift or Uphold under an appeal."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    fields = parse(Button.APPEAL, query.data)
    if fields is None:
        return
    try:
        await _answer(update, context, int(fields[0]), fields[1] == "lift", "")
    except ForumError as error:
        if error.status in (404, 409):  # answered by another admin: these buttons are stale
            await query.edit_message_reply_markup(None)
        raise
    await query.edit_message_reply_markup(None)


def handlers() -> list[BaseHandler[Update, Context, Any]]:
    """Staff commands, appeals and the appeal buttons."""
    return [
        CommandHandler("reasons", reasons),
        CommandHandler("hide", hide),
        CommandHandler("suspend", suspend),
        CommandHandler("unsuspend", unsuspend),
        CommandHandler("audit", audit),
        CommandHandler("autoapprove", autoapprove),
        CommandHandler("appeal", appeal),
        CommandHandler("answerappeal", answer_appeal),
        CallbackQueryHandler(on_appeal_button, pattern=pattern(Button.APPEAL)),
    ]
