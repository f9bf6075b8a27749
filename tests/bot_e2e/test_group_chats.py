"""Group chats get nothing but a pointer to the private chat (issue 13, item 8).

Reproduced first: /read, /outcomes, /queue and /reports answered in groups, and a moderator's
/queue sent in a group posted a pending post, phone number included, into the group.
"""

from __future__ import annotations

import pytest

from fake_telegram import FakeTelegram, SentMessage
from tests.support.bot_harness import BotRun, Person, has_buttons

GROUP = -100_200_300
PHONE = "07700 900123"


def _to_group(telegram: FakeTelegram, since: int) -> list[SentMessage]:
    return [m for m in telegram.sent[since:] if m.chat_id == GROUP and m.method != "getUpdates"]


async def _answers_in_group(telegram: FakeTelegram, person: Person, text: str) -> list[str]:
    """What the bot sent to the group in answer to ``text``.

    A second message to the same group is the fence: the bot handles one chat's updates in
    order, so once the fence is answered, every answer to ``text`` has been sent.
    """
    since = len(telegram.sent)
    await telegram.send_text(person.user, text, chat_id=GROUP)
    await telegram.send_text(person.user, "/help", chat_id=GROUP)
    await telegram.wait_for(
        lambda m: len(_to_group(telegram, since)) >= 2 and m.chat_id == GROUP, 10, since=since
    )
    return [m.text or "" for m in _to_group(telegram, since)][:-1]


@pytest.mark.parametrize("command", ["/outcomes", "/read safety", "/start", "/myposts", "/new"])
async def test_a_command_in_a_group_gets_only_a_pointer_to_the_private_chat(
    bot: BotRun, telegram: FakeTelegram, reader: Person, command: str
) -> None:
    answers = await _answers_in_group(telegram, reader, command)

    assert len(answers) == 1
    assert "private chat" in answers[0]
    assert f"t.me/{telegram.account.user['username']}" in answers[0]


async def test_a_moderator_in_a_group_never_brings_the_queue_or_reports_there(
    bot: BotRun, telegram: FakeTelegram, author: Person, moderator: Person
) -> None:
    caught = await author.send(
        f"/new safety Contact | Call her on {PHONE}", until=has_buttons("Send anyway")
    )
    await author.press(caught, "Send anyway", until="Received")
    await bot.screen()
    await moderator.send("/queue", until=has_buttons("Approve"))  # it is waiting, privately

    for command in ("/queue", "/reports", "/approve 1"):
        answers = await _answers_in_group(telegram, moderator, command)
        assert len(answers) == 1 and "private chat" in answers[0]
    sent_to_group = "".join(m.text or "" for m in _to_group(telegram, 0))
    assert PHONE not in sent_to_group and "Contact" not in sent_to_group
