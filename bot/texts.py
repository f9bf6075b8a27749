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
