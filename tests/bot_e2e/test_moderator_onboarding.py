"""Admins come from BOT_ADMIN_TELEGRAM_IDS; they invite moderators, who join with the code."""

from __future__ import annotations

from tests.support.bot_harness import BotRun, Person, invite_code


async def test_configured_admin_invites_a_moderator_who_joins_with_the_code(
    bot: BotRun, admin: Person, author: Person, reader: Person
) -> None:
    refused = await author.send("/queue", until="moderator")
    assert refused.last_text == "only moderators can do this"

    invite = await admin.send("/addmoderator", until="Invite code")
    assert "one use" in invite.last_text
    code = invite_code(invite)
    joined = await author.send(f"/join {code}", until="Welcome")
    assert joined.last_text == "Welcome — you are now a moderator. Try /queue."
    queue = await author.send("/queue", until="queue is empty")
    assert queue.last_text == "The queue is empty. Thank you!"

    reused = await reader.send(f"/join {code}", until="invite code")
    assert reused.last_text == (
        "this invite code has been used up; ask whoever gave it to you for a new one"
    )
    usage = await reader.send("/join", until="Use /join")
    assert usage.last_text == "Use /join <code> with the code an admin gave you."
    assert await bot.errors.wait_refusals(2) == ["moderator_only", "invite_used_up"]


async def test_only_admins_can_invite_moderators(bot: BotRun, moderator: Person) -> None:
    refused = await moderator.send("/addmoderator", until="admins")

    assert refused.last_text == "only admins can do this"
    assert await bot.errors.wait_refusals(1) == ["admin_only"]
