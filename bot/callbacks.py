"""Inline-button callback data, defined once: every prefix, its fields, how to build and read it.

Callback data is ``<prefix>:<field>:…`` and Telegram allows at most 64 bytes of it. A button
may be pressed long after it was sent, by an older version of the bot, or with data a client
made up, so handlers read it with :func:`parse`, which refuses anything not of the layout.
"""

from __future__ import annotations

import re
from enum import StrEnum

#: Telegram's limit on a button's callback data, in bytes.
CALLBACK_DATA_LIMIT = 64


class Button(StrEnum):
    """The prefix of each kind of button."""

    # The moderation queue: the item id and the version the moderator saw.
    APPROVE = "qa"
    EDIT = "qe"
    REJECT = "qr"
    SKIP = "qs"
    REJECT_BECAUSE = "qc"  # a canned reason
    REJECT_OTHER = "qo"  # a reason the moderator types
    REDACT = "qx"  # and the finding's position
    UNDO = "qu"  # the item's version after the decision
    # Posting.
    NEW_THREAD_BOARD = "nb"
    NEW_THREAD_CONFIRM = "nc"
    REPLY = "rr"
    REVISE = "rv"
    REPORT_CATEGORY = "rc"  # the post id and why it is reported
    DRAFT_CHECK = "dk"  # Remove and send / Edit / Send anyway, after the check before sending
    CONTENT_NOTE = "cn"
    # Reading boards.
    BOARD = "rb"
    BOARD_PAGE = "rp"
    THREAD = "rt"
    THREAD_MORE = "rm"
    # Following, search, withdrawing (issue 17).
    FOLLOW = "fo"
    UNFOLLOW = "uf"
    SEARCH_PAGE = "sp"  # a token for the query kept per chat, and the page
    WITHDRAW = "wd"
    # Expert forums and subscriptions.
    SCHEDULE_BOARD = "sb"
    RSVP = "fr"
    QUESTION_DECISION = "fq"  # a question in advance: its id and approve / reject
    SUBSCRIBE = "su"
    UNSUBSCRIBE = "un"
    # Membership requests: the request id and the admin's answer.
    MEMBERSHIP_DECISION = "md"
    # Resources, newsletters, feedback: the id (and a newsletter page's cursor).
    RESOURCE_DOCUMENT = "rd"
    NEWSLETTER = "nl"
    NEWSLETTER_PAGE = "np"
    FEEDBACK_REPLY = "fb"
    # Quick exit (no fields).
    EXIT = "ex"
    # Appeals: the appeal id and the admin's answer.
    APPEAL = "ap"


# What one field may hold.
_ID = "[0-9]+"
_NAME = "[^:]+"  # a board slug, a topic, a cursor token
_CODE = "[a-z_]+"
_REASON = "[a-z0-9_]+"  # a reject reason's code (admins' own are ``reason_<id>``)

#: The fields after each prefix.
LAYOUTS: dict[Button, tuple[str, ...]] = {
    Button.APPROVE: (_ID, _ID),
    Button.EDIT: (_ID, _ID),
    Button.REJECT: (_ID, _ID),
    Button.SKIP: (_ID, _ID),
    Button.REJECT_BECAUSE: (_ID, _ID, _REASON),
    Button.REJECT_OTHER: (_ID, _ID),
    Button.REDACT: (_ID, _ID, _ID),
    Button.UNDO: (_ID, _ID),
    Button.NEW_THREAD_BOARD: (_NAME,),
    Button.NEW_THREAD_CONFIRM: ("send|cancel",),
    Button.REPLY: (_ID,),
    Button.REVISE: (_ID,),
    Button.REPORT_CATEGORY: (_ID, "identifies_someone|safety_risk|other"),
    Button.DRAFT_CHECK: ("redact|edit|send",),
    # "ask": the optional "Add a content note" of a guided reply.
    Button.CONTENT_NOTE: ("sexual_violence|self_harm|child_abuse|other|none|ask",),
    Button.BOARD: (_NAME,),
    Button.BOARD_PAGE: (_NAME, _NAME),
    Button.THREAD: (_ID,),
    Button.THREAD_MORE: (_ID, _ID),
    Button.FOLLOW: (_ID,),
    Button.UNFOLLOW: (_ID,),
    Button.SEARCH_PAGE: (_NAME, _ID),
    Button.WITHDRAW: (_ID,),
    Button.SCHEDULE_BOARD: (_NAME,),
    Button.RSVP: (_ID, "going|interested|not_going"),
    Button.QUESTION_DECISION: (_ID, "approve|reject"),
    Button.SUBSCRIBE: (_NAME,),
    Button.UNSUBSCRIBE: (_NAME,),
    Button.MEMBERSHIP_DECISION: (_ID, "approve|decline"),
    Button.RESOURCE_DOCUMENT: (_ID,),
    Button.NEWSLETTER: (_ID,),
    Button.NEWSLETTER_PAGE: (_ID,),
    Button.FEEDBACK_REPLY: (_ID,),
    Button.EXIT: (),
    Button.APPEAL: (_ID, "lift|uphold"),
}


def _layout(button: Button) -> str:
    fields = "".join(f":({field})" for field in LAYOUTS[button])
    return f"^{button.value}{fields}$"


def build(button: Button, *fields: str | int) -> str:
    """Return the callback data of a ``button`` carrying ``fields``.

    Raises:
        ValueError: the fields do not fit the button's layout or Telegram's 64 bytes (a bug).
    """
    data = ":".join((button.value, *(str(field) for field in fields)))
    if parse(button, data) is None or len(data.encode()) > CALLBACK_DATA_LIMIT:
        raise ValueError(f"{button.name} button data does not fit its layout")
    return data


def parse(button: Button, data: str | None) -> tuple[str, ...] | None:
    """Return the fields of ``button`` data, or None when ``data`` is not of its layout."""
    match = re.fullmatch(_layout(button), data or "")
    return match.groups() if match else None


def pattern(button: Button, *, whole: bool = False) -> str:
    """The handler pattern of ``button``: its prefix (the handler then parses and refuses
    malformed data), or with ``whole`` its entire layout (malformed data is not handled).
    A button without fields has only its whole layout."""
    return _layout(button) if whole or not LAYOUTS[button] else f"^{button.value}:"
