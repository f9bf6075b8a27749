"""How the notifications of newsletters and feedback read, and their buttons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Button, build
from bot.formatting import escape

KINDS = frozenset({"newsletter", "feedback", "feedback_reply"})


def notification(kind: str, payload: Mapping[str, Any]) -> str:
    """The HTML message of a newsletter, a feedback (to admins) or the admins' reply."""
    text = escape(str(payload.get("text") or ""))
    if kind == "newsletter":
        head = f"📰 <b>{escape(str(payload.get('title', '')))}</b>"
        return (
            f"{head}\n{text}\n\nPast issues: /updates" if text else f"{head}\nPast issues: /updates"
        )
    if kind == "feedback":
        feedback_id = int(payload.get("feedback_id", 0))
        return (
            f"💬 <b>Feedback {feedback_id}</b> (anonymous)\n“{text}”\n\n"
            f"You may answer once: Reply, or /replyfeedback {feedback_id} &lt;text&gt;. "
            "Nobody, you included, can see who wrote it."
        )
    original = escape(str(payload.get("feedback") or ""))
    return f"💬 <b>The admins answered your feedback</b>\nYou wrote: “{original}”\n\n{text}"


def markup(kind: str, payload: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """Reply under a feedback; nothing under the others."""
    if kind != "feedback":
        return None
    data = build(Button.FEEDBACK_REPLY, int(payload.get("feedback_id", 0)))
    return InlineKeyboardMarkup([[InlineKeyboardButton("Reply", callback_data=data)]])
