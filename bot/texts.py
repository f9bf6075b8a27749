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

HELP = (
    "<b>Reading</b>\n"
    "/outcomes — the eight outcome boards\n"
    "/read — browse a board's threads (or /read &lt;outcome&gt;, /read &lt;thread id&gt;)\n\n"
    "<b>Posting</b> (always anonymous, always moderated)\n"
    "/new — start a thread, step by step; or in one line:\n"
    "   /new &lt;outcome&gt; &lt;title&gt; | &lt;text&gt;\n"
    "/reply &lt;thread id&gt; — reply; or /reply &lt;thread id&gt; &lt;text&gt;\n"
    "/myposts — the status of your posts, reasons, resubmit\n"
    "/report &lt;post id&gt; [reason] — report a post to the moderators\n"
    "Before anything is sent, I check your draft for phone numbers, addresses and the like, "
    "and you choose: remove them, edit, or send anyway.\n"
    "/forgetme — delete the delivery data this bot keeps about you\n"
    "/cancel — leave whatever you are doing\n\n"
    "<b>Moderators</b>: /queue, /approve &lt;item&gt; [content note], "
    "/reject &lt;item&gt; &lt;reason&gt;, /reports, "
    "/join &lt;code&gt;\n"
    "<b>Admins</b>: /addmoderator, /removemoderator &lt;handle&gt;, /watchword"
)

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
