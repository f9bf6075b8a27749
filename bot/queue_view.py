"""What a moderator sees of one queue item: the post (``render.queue_item``), who else is
looking, each PII finding with its Redact button, the notes and the author's history line.

Buttons carry ids only (item, version, the finding's position): never post text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.callbacks import Button, build
from bot.formatting import escape, paginate_blocks
from bot.forum_models import ItemNotes, ModerationNote, QueueItem

#: Redact buttons shown at most (a post with more findings is better edited by hand).
MAX_REDACT_BUTTONS = 8


def minutes(seconds: int) -> str:
    """ "8 more minutes", rounded up (the claim lasts at least that long)."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} more minute{'s' if count != 1 else ''}"


def claimed_line(item: QueueItem) -> str:
    """ "item 3: claimed by Moderator 4F2A9 for 8 more minutes"."""
    who = escape(item.claimed_by or "another moderator")
    return f"item {item.id}: claimed by {who} for {minutes(item.claim_seconds_left)}"


def others_block(others: Sequence[QueueItem]) -> str | None:
    """Who else is looking at which item, when anyone is."""
    if not others:
        return None
    return "👀 Other moderators are looking at " + "; ".join(claimed_line(i) for i in others)


def _redact_labels(item: QueueItem) -> list[str]:
    totals = Counter(f.label or f.kind for f in item.pii)
    seen: Counter[str] = Counter()
    labels = []
    for finding in item.pii:
        name = finding.label or finding.kind
        seen[name] += 1
        labels.append(f"Redact {name}" + (f" ({seen[name]})" if totals[name] > 1 else ""))
    return labels


def findings_block(item: QueueItem) -> str | None:
    """Each PII finding, numbered as its button, with the text it covers."""
    lines = []
    if item.redactions:
        lines.append(
            "Redacted so far: "
            + ", ".join(escape(kind.replace("_", " ")) for kind in dict.fromkeys(item.redactions))
            + " (the author is told with your decision)."
        )
    if item.pii:
        lines.append("<b>Personal details found</b> (tap a Redact button to replace one):")
        lines.extend(
            f"{n}. {escape(f.label or f.kind)}: «{escape(f.excerpt)}» → {escape(f.placeholder)}"
            for n, f in enumerate(item.pii, start=1)
        )
    return "\n".join(lines) or None


def _note_line(note: ModerationNote) -> str:
    about = "author" if note.about == "author" else "item"
    when = note.created_at.strftime("%d %b %H:%M UTC")
    return f"• [{about}] {escape(note.author_handle)}, {when}: {escape(note.text)}"


def notes_block(notes: ItemNotes) -> str:
    """The history line and the notes, oldest first."""
    lines = [f"<b>Moderators' notes</b> (item {notes.item_id})", f"📋 {escape(notes.history)}"]
    lines.extend(_note_line(n) for n in notes.notes)
    if not notes.notes:
        lines.append(f"No notes yet: /note {notes.item_id} &lt;text&gt; or /authornote.")
    return "\n".join(lines)


def view(item: QueueItem, notes: ItemNotes, others: Sequence[QueueItem] = ()) -> list[str]:
    """The whole view, split into messages that fit Telegram."""
    mine = (
        f"🔒 Claimed by you for {minutes(item.claim_seconds_left)}: others are shown other items."
        if item.claimed_by_me
        else None
    )
    extra = [b for b in (mine, others_block(others), findings_block(item)) if b]
    # As few messages as fit: a short item is one message, its buttons under the post.
    return paginate_blocks([*render.queue_item(item), *extra, notes_block(notes)])


def buttons(item: QueueItem) -> InlineKeyboardMarkup:
    """Redact (one per finding), then Approve / Edit / Reject / Skip."""
    ref = (item.id, item.version)
    rows = [
        [InlineKeyboardButton(label, callback_data=build(Button.REDACT, *ref, index))]
        for index, label in enumerate(_redact_labels(item)[:MAX_REDACT_BUTTONS])
    ]
    rows += [
        [
            InlineKeyboardButton("Approve", callback_data=build(Button.APPROVE, *ref)),
            InlineKeyboardButton("Edit", callback_data=build(Button.EDIT, *ref)),
        ],
        [
            InlineKeyboardButton("Reject", callback_data=build(Button.REJECT, *ref)),
            InlineKeyboardButton("Skip", callback_data=build(Button.SKIP, *ref)),
        ],
    ]
    return InlineKeyboardMarkup(rows)


def undo_button(item: QueueItem) -> InlineKeyboardMarkup:
    """The Undo button of a decision's confirmation."""
    data = build(Button.UNDO, item.id, item.version)
    return InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data=data)]])
