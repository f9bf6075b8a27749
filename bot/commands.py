# ruff: noqa: E501 - the table keeps one command per line, so that adding one is adding a line
"""Every command, who may use it and what /help and Telegram's menu say about it: one table.

Adding a command is one line in :data:`COMMANDS` (plus its handler in ``bot.app``). A test
compares this table with the command handlers the real application registers and with what
/help shows each role, so a handler without a line, or a line without a handler, fails it.

Roles only decide what /help lists; the service checks every call, whatever the bot shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from telegram import BotCommand

from bot.formatting import escape, paginate_blocks
from bot.forum_models import Role

#: Who may use a command: anyone (members or not), or a role and everyone above it.
Audience = Literal["anyone", "practitioner", "moderator", "admin"]
_RANK: Final[dict[Audience, int]] = {"anyone": 0, "practitioner": 1, "moderator": 2, "admin": 3}


@dataclass(frozen=True, slots=True)
class Command:
    """One command as /help shows it.

    Attributes:
        name: the command without its slash.
        audience: who may use it.
        section: the /help heading it appears under (sections keep the table's order).
        usage: its arguments as typed, e.g. ``<thread id> [text]`` (plain text).
        what: what it does (plain text; /help escapes both).
        menu: its line in Telegram's command menu, or None to leave it out of the menu.
    """

    name: str
    audience: Audience
    section: str
    usage: str
    what: str
    menu: str | None = None


READING = "Reading"
POSTING = "Posting (always anonymous, always moderated)"
FORUMS = "Expert forums and announcements"
CHAT = "You and this chat"
MODERATORS = "Moderators"
ADMINS = "Admins"

# fmt: off
COMMANDS: Final[tuple[Command, ...]] = (
    Command("outcomes", "practitioner", READING, "", "the eight outcome boards", "The eight outcome boards"),
    Command("read", "practitioner", READING, "[outcome | thread id]", "browse a board's threads, or open a thread", "Browse threads"),
    Command("search", "practitioner", READING, "[outcome:] <words>", "search approved threads and posts, best match first (e.g. /search housing: tenancy)", "Search threads and posts"),
    Command("following", "practitioner", READING, "", "the threads you follow (yours are followed for you; Follow / Unfollow under a thread)", "Threads I follow"),
    Command("new", "practitioner", POSTING, "", "start a thread, step by step; or in one line: /new <outcome> <title> | <text>", "Start a thread"),
    Command("reply", "practitioner", POSTING, "<thread id> [text]", "reply to a thread", "Reply to a thread"),
    Command("myposts", "practitioner", POSTING, "", "the status of your posts, reasons, resubmit; withdraw one a moderator has not decided yet", "Status of my posts"),
    Command("report", "practitioner", POSTING, "<post id> [reason]", "report a post to the moderators (one that identifies someone or is a safety risk is hidden at once)", "Report a post"),
    Command("forums", "practitioner", FORUMS, "[past | forum id]", "upcoming expert forums (going, interested, not going; each with a calendar file), past ones, or one forum with its follow-up", "Upcoming expert forums"),
    Command("ask", "practitioner", FORUMS, "<forum> <question>", "send a question in advance, anonymously (going or interested; a moderator reviews it)"),
    Command("appeal", "practitioner", POSTING, "[post id] <why>", "appeal once against your suspension, or against hiding your post (an admin answers; you stay anonymous)"),
    Command("forums", "practitioner", FORUMS, "", "upcoming expert forums: going, interested, not going", "Upcoming expert forums"),
    Command("subscribe", "practitioner", FORUMS, "[all | digest | outcome]", "follow announcements, the weekly digest or an outcome", "Follow announcements, outcomes or the digest"),
    Command("unsubscribe", "practitioner", FORUMS, "[all | digest | outcome]", "stop following", "Stop following"),
    Command("resources", "practitioner", READING, "[outcome]", "frameworks, handbooks and guidance pinned to each board", "Resources per outcome"),
    Command("updates", "practitioner", FORUMS, "", "past weekly updates, newest first", "Past weekly updates"),
    Command("feedback", "practitioner", POSTING, "<text>", "tell the admins what you think, anonymously; they may answer once", "Feedback to the admins"),
    Command("timezone", "practitioner", FORUMS, "<Area/City>", "show forum times in your timezone", "Show times in my timezone"),
    Command("start", "anyone", CHAT, "", "what this is, the rules, your anonymity", "What this is, the rules, your anonymity"),
    Command("help", "anyone", CHAT, "", "the commands you may use", "All commands"),
    Command("join", "anyone", CHAT, "<code>", "join with a code an admin gave you"),
    Command("request", "anyone", CHAT, "<one short line>", "ask the admins to let you join (when the forum takes requests)"),
    Command("helplines", "anyone", CHAT, "", "helplines and services, if you or someone else needs help now", "Helplines, if you or someone else needs help now"),
    Command("cancel", "anyone", CHAT, "", "leave whatever you are doing", "Leave the current step"),
    Command("exit", "anyone", CHAT, "", "quick exit: delete this chat's messages of the last 48 hours and forget where you were", "Quick exit: delete this chat's recent messages"),
    Command("forgetme", "anyone", CHAT, "", "delete the delivery data this bot keeps about you", "Delete my delivery data"),
    Command("queue", "moderator", MODERATORS, "", "the highest-risk item: approve, edit, reject, skip"),
    Command("approve", "moderator", MODERATORS, "<item> [content note]", "approve a queue item (optionally with a content note)"),
    Command("reject", "moderator", MODERATORS, "<item> <reason>", "reject it; the author gets the reason"),
    Command("reports", "moderator", MODERATORS, "", "open reports"),
    Command("questions", "moderator", MODERATORS, "<forum>", "a forum's questions in advance: approve or reject, and the list for the lead"),
    Command("duty", "moderator", MODERATORS, "[on | off]", "whether you are told when items enter the queue (on for a new moderator)"),
    Command("modstats", "admin", ADMINS, "[days]", "moderators' workload: decided per day, median and p90 time to decision, oldest waiting, per lane"),
    Command("note", "moderator", MODERATORS, "<item> <text>", "a note on a queue item, for moderators and admins only"),
    Command("authornote", "moderator", MODERATORS, "<item> <text>", "a note on the author of that item's post (never who they are), shown with their posts"),
    Command("notes", "moderator", MODERATORS, "<item>", "the notes on an item and its author, and the author's history"),
    Command("hide", "moderator", MODERATORS, "<post id> <reason>", "hide an approved post; its author is told why and how to appeal"),
    Command("suspend", "moderator", MODERATORS, "<post id or handle> <reason> [days]", "suspend a post's author (admins: a moderator by handle), for days or until /unsuspend; they are told why, until when and how to appeal"),
    Command("unsuspend", "moderator", MODERATORS, "<post id or handle>", "lift a suspension; they are told"),
    Command("invite", "admin", ADMINS, "[uses] [days] [label]", "a membership code and link for a partner organisation"),
    Command("invites", "admin", ADMINS, "", "membership codes with their links, uses left and labels"),
    Command("revokeinvite", "admin", ADMINS, "<code>", "withdraw a membership code"),
    Command("removemember", "admin", ADMINS, "<post id>", "end the membership of that post's author (they stay anonymous)"),
    Command("addmoderator", "admin", ADMINS, "", "a one-time code that makes someone a moderator"),
    Command("removemoderator", "admin", ADMINS, "[handle]", "remove a moderator (without a handle: the team)"),
    Command("reasons", "admin", ADMINS, "[add <label> | <text> | remove <n> | move <n> <position>]", "the reject reasons of the queue's reject buttons: list, add, remove, reorder"),
    Command("audit", "admin", ADMINS, "[n]", "the last n actions (default 10, at most 50), by moderator handle"),
    Command("autoapprove", "admin", ADMINS, "<board> on|off", "publish a board's low-risk posts without waiting (no personal data, under every threshold)"),
    Command("answerappeal", "admin", ADMINS, "<appeal id> lift|uphold [message]", "answer an appeal (or press Lift / Uphold under it); the person is told"),
    Command("watchword", "admin", ADMINS, "list | add <block|flag|require_review> <word> | remove <id>", "watched words"),
    Command("schedule", "admin", ADMINS, "", "schedule an expert forum, step by step"),
    Command("reschedule", "admin", ADMINS, "<forum> <YYYY-MM-DD HH:MM>", "move a forum; everyone concerned is told"),
    Command("cancelforum", "admin", ADMINS, "<forum> [reason]", "cancel a forum; everyone concerned is told"),
    Command("forumheld", "admin", ADMINS, "<forum> [https recording link] [summary]", "mark a forum held; the follow-up (a PDF with this caption: the slides) reaches everyone who answered"),
    Command("announce", "admin", ADMINS, "<text>", "announce to all subscribers (or send a PDF with that caption)"),
    Command("newsletter", "admin", ADMINS, "<title> [| text]", "publish the weekly update to the archive and all subscribers (a PDF with that caption, or a text)"),
    Command("pin", "admin", ADMINS, "<outcome> <title> | <description> | <https link>", "pin a resource to a board (or send a PDF with the caption /pin <outcome> <title> | <description>)"),
    Command("unpin", "admin", ADMINS, "<resource id>", "unpin a resource"),
    Command("replyfeedback", "admin", ADMINS, "<feedback id> <text>", "answer a feedback once (the author stays anonymous)"),
    Command("addboard", "admin", ADMINS, "<short-name> <title>", "add a board, e.g. children-young-people Children and young people"),
    Command("renameboard", "admin", ADMINS, "<short-name> <title>", "give a board a new title (core outcomes too)"),
    Command("archiveboard", "admin", ADMINS, "<short-name>", "archive a board (not a core outcome): no new threads, its threads stay readable"),
)
# fmt: on


def audience_of(role: Role | None) -> Audience:
    """The widest audience ``role`` belongs to; None (not a member) is "anyone" only."""
    return "anyone" if role is None else role


def available(role: Role | None) -> list[Command]:
    """The commands someone of ``role`` may use, in the table's order."""
    rank = _RANK[audience_of(role)]
    return [command for command in COMMANDS if _RANK[command.audience] <= rank]


def help_messages(role: Role | None) -> list[str]:
    """/help for ``role``: every command it may use, by section, as Telegram HTML messages."""
    sections: dict[str, list[str]] = {}
    for command in available(role):
        usage = f" {command.usage}" if command.usage else ""
        line = f"/{command.name}{escape(usage)} — {escape(command.what)}"
        sections.setdefault(command.section, []).append(line)
    blocks = [f"<b>{escape(title)}</b>\n" + "\n".join(lines) for title, lines in sections.items()]
    if role is None:
        blocks.append(
            "The boards are for members. To join, send /join with the code your organisation "
            "gave you, or open its invite link."
        )
    return paginate_blocks(blocks)


def menu() -> list[BotCommand]:
    """Telegram's command menu in private chats: the commands marked for it."""
    return [BotCommand(c.name, c.menu) for c in COMMANDS if c.menu is not None]
