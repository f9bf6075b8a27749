"""The notifications of staff operations: suspensions, their end, appeals and their answers.

Payloads are free-form per kind, so these read them defensively; every value is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Button, build
from bot.formatting import escape
from bot.timefmt import parse_moment, zone

KINDS = frozenset({"suspension", "suspension_lifted", "appeal", "appeal_outcome"})

APPEAL_HOW = (
    "To appeal, send <code>/appeal</code> followed by why, in one message (once per "
    "suspension); an admin answers and you are told."
)


def post_appeal_hint(post_id: object) -> str:
    """The line under a hidden post's notice: how its author appeals."""
    return (
        f"To appeal, send <code>/appeal {escape(str(post_id))} why it should be shown</code> "
        "(once per post); an admin answers and you are told."
    )


def _until(payload: Mapping[str, Any], tz: str) -> str:
    moment = parse_moment(payload.get("until") if isinstance(payload.get("until"), str) else None)
    if moment is None:
        return "until a moderator lifts it"
    return "until " + moment.astimezone(zone(tz)).strftime("%d %b %Y %H:%M %Z")


def render(kind: str, payload: Mapping[str, Any], tz: str) -> str:
    """The HTML message of one of :data:`KINDS` (times in ``tz``)."""
    if kind == "suspension":
        return (
            f"⛔ <b>You are suspended</b> {escape(_until(payload, tz))}.\n"
            f"Reason: {escape(str(payload.get('reason') or ''))}\n"
            "You can still read; posting, replying and reporting wait until it ends.\n" + APPEAL_HOW
        )
    if kind == "suspension_lifted":
        if payload.get("why") == "ended":
            return "✅ Your suspension has ended: you can post again."
        return "✅ Your suspension was lifted by a moderator: you can post again."
    if kind == "appeal":
        return _appeal(payload, tz)
    lifted = bool(payload.get("lifted"))
    about = (
        f"the hiding of your post {escape(str(payload.get('post_id')))}"
        if payload.get("subject") == "post"
        else "your suspension"
    )
    if lifted:
        done = "it is visible again" if payload.get("subject") == "post" else "you can post again"
        text = f"✅ Your appeal against {about} was accepted: {done}."
    else:
        text = f"⚖️ Your appeal against {about} was considered and the decision stands."
    if payload.get("message"):
        text += f"\nThe admin's answer: {escape(str(payload['message']))}"
    return text


def _appeal(payload: Mapping[str, Any], tz: str) -> str:
    appeal_id = int(payload.get("appeal_id", 0))
    if payload.get("subject") == "post":
        head = (
            f"⚖️ <b>Appeal {appeal_id}</b> against hiding post "
            f"{escape(str(payload.get('post_id')))} in "
            f"<b>{escape(str(payload.get('thread_title') or ''))}</b>\n"
            f"Hidden because: {escape(str(payload.get('reason') or '—'))}\n"
            f"The post began: “{escape(str(payload.get('excerpt') or ''))}”"
        )
    else:
        head = (
            f"⚖️ <b>Appeal {appeal_id}</b> against a suspension ({escape(_until(payload, tz))})\n"
            f"Suspended because: {escape(str(payload.get('reason') or '—'))}"
        )
    return (
        f"{head}\nThe appeal: “{escape(str(payload.get('text') or ''))}”\n"
        f"<b>Lift</b> undoes it, <b>Uphold</b> keeps it; to add a message, "
        f"<code>/answerappeal {appeal_id} lift|uphold your message</code>. The person stays "
        "anonymous to you and is told the answer."
    )


def markup(kind: str, payload: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """Lift / Uphold under an appeal; nothing under the others."""
    if kind != "appeal":
        return None
    appeal_id = int(payload.get("appeal_id", 0))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, callback_data=build(Button.APPEAL, appeal_id, answer))
                for label, answer in (("Lift", "lift"), ("Uphold", "uphold"))
            ]
        ]
    )
