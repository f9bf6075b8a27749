"""What the bot says, in one place."""

START = (
    "<b>Welcome to the MSCOS Community Forum.</b>\n\n"
    "A moderated space for practitioners who support survivors of modern slavery, organised "
    "around the eight outcomes of the Modern Slavery Core Outcome Set.\n\n"
    "<b>Your anonymity</b>: the forum never receives your Telegram name, username or id. You "
    'appear as a different pseudonym in every thread (e.g. "Practitioner 4F2A9"). Other '
    "members cannot link your posts in different threads to each other or to you, and nor "
    "can anyone holding a copy of the forum's database without its keys: your posts, "
    "reports, forum sign-ups and subscriptions are stored so that none of them shares "
    "anything with another that ties both to one person. The running forum can link them, "
    "because moderation needs it: to tell you a moderator's decision, to suspend an account, "
    "to limit how often one person posts, to remind you of a forum. Moderators see only the "
    "pseudonym. To send you decisions and announcements, this bot keeps only your chat id, "
    "encrypted; /forgetme deletes it.\n\n"
    "<b>The rules</b>: every post is read by a moderator before anyone else sees it. Never "
    "share names, phone numbers, addresses or anything that could identify a survivor, a "
    "witness or a colleague. Be respectful; disagreement is welcome, abuse is not.\n\n"
    "Start with /outcomes, or /help for every command."
)

# /help is built from the command table in bot/commands.py.

PRIVATE_ONLY = "For your anonymity, please use me in a private chat."
#: The only thing the bot ever says in a group: nothing of a board, the queue or reports.
GROUP_POINTER = (
    "For your anonymity and that of the people you support, I only work in a private chat: "
    "open https://t.me/{username} and press Start."
)
CANCELLED = "Cancelled. Nothing was sent."
NOTHING_TO_CANCEL = "There is nothing to cancel."
SOMETHING_WRONG = "Sorry, something went wrong on our side. Please try again in a moment."
TOO_FAST = (
    "You are sending messages faster than I can take them, so I am ignoring some. "
    "Please wait a minute and try again."
)

# --- membership (FORUM_MEMBERSHIP) ---------------------------------------------------------

NOT_A_MEMBER_WELCOME = (
    "<b>Welcome to the MSCOS Community Forum.</b>\n\n"
    "A moderated, anonymous space for practitioners who support survivors of modern slavery. "
    "It is for members only, so that the people survivors are protected from cannot read it."
)
_JOIN_BY_CODE = (
    "<b>How to join</b>: ask your organisation (a partner of the forum) or a forum admin for "
    "an invite code, then send <code>/join CODE</code>, or simply open the invite link you "
    "were given. Nobody, not even the admins, learns who used which code."
)
_JOIN_BY_REQUEST = (
    "No code? Send one short request for an admin to approve, saying who you are in general "
    "terms, with no names, phone numbers or e-mail addresses:\n"
    "<code>/request caseworker at a UK anti-trafficking charity</code>\n"
    "I will tell you the answer."
)
REQUEST_USAGE = (
    "Use /request followed by one short line saying who you are in general terms, e.g. "
    "<code>/request caseworker at a UK anti-trafficking charity</code>. No names, phone "
    "numbers or e-mail addresses."
)
REQUEST_SENT = (
    "Thank you — your request is with the admins. I will tell you when one of them has decided."
)
JOINED_AS_MEMBER = (
    "Welcome — you are now a member. Start with /outcomes to read the boards, or /help for "
    "every command."
)
MEMBERSHIP_APPROVED = (
    "✅ An admin approved your membership request: you are a member now. Start with "
    "/outcomes, or /help for every command."
)
MEMBERSHIP_DECLINED = (
    "Your membership request was declined. If you work with a partner organisation, ask "
    "them for an invite code and send <code>/join CODE</code>."
)
INVITE_USAGE = (
    "Use /invite [uses] [days] [label], e.g. "
    "<code>/invite 25 30 Helen Bamber Foundation caseworkers</code> "
    "(defaults: 25 uses, 30 days; the label is seen by admins only)."
)


def how_to_join(membership: str) -> str:
    """What a non-member is told instead of a board, a thread or a forum."""
    if membership == "approval":
        return f"{_JOIN_BY_CODE}\n\n{_JOIN_BY_REQUEST}"
    return _JOIN_BY_CODE


def joined(role: str) -> str:
    """The answer to a redeemed code."""
    if role == "practitioner":
        return JOINED_AS_MEMBER
    return f"Welcome — you are now a {role}. Try /queue."


#: Heads the card shown at once to the author of a post that discloses their own crisis.
SIGNPOSTING = (
    "<b>Thank you for telling us.</b> What you wrote sounds really hard, and you do not have "
    "to face it alone. A moderator will read your post soon. If you are thinking about "
    "ending your life or hurting yourself, please talk to someone now; these services are "
    "free and confidential. If you are in immediate danger, call 999."
)
#: Heads /helplines.
HELPLINES = "<b>Helplines and services</b> (UK). If someone is in immediate danger, call 999."


def exit_notice(deleted: int, failed: int, seconds: int) -> str:
    """/exit's answer: what it deleted, what it could not, and that it deletes itself."""
    plural = "" if deleted == 1 else "s"
    text = (
        f"<b>Cleared.</b> I deleted {deleted} message{plural} of the last 48 hours in this chat "
        "(yours and mine) and forgot anything you had started."
    )
    if failed:
        text += f" {failed} could not be deleted just now: send /exit again."
    return text + (
        "\n\nI cannot delete messages older than 48 hours, messages from before I last "
        "restarted, or notifications your phone already showed. The chat itself stays in your "
        "chat list: to remove it, delete the chat in Telegram. Your forum posts stay on the "
        "forum under their pseudonyms."
        f"\n\nThis message deletes itself in {seconds} seconds."
    )
