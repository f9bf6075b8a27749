"""One person flooding the bot is slowed down and told once; others are unaffected."""

from __future__ import annotations

import pytest

from bot.settings import BotSettings
from bot.texts import TOO_FAST
from fake_telegram import FakeTelegram
from tests.support.bot_harness import BotRun, Person

BURST = 3


@pytest.fixture
def bot_settings(bot_settings: BotSettings) -> BotSettings:
    """A tight gate: three updates, then one a minute."""
    return bot_settings.model_copy(update={"bot_user_burst": BURST, "bot_user_per_minute": 1.0})


async def test_a_flood_is_answered_up_to_the_burst_then_warned_about_once(
    bot: BotRun, telegram: FakeTelegram, reader: Person, author: Person
) -> None:
    since = reader.mark()
    for _ in range(BURST + 4):
        await telegram.send_text(reader.user, "/help")
    await reader.wait_for(TOO_FAST, since=since)
    # Someone else is answered at once, whatever the flood.
    await author.send("/help", until="Reading")

    got = [m.text or "" for m in telegram.sent[since:] if m.chat_id == reader.chat_id]
    assert sum("Reading" in text for text in got) == BURST
    assert sum(text == TOO_FAST for text in got) == 1
