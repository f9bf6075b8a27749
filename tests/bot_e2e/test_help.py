"""/help lists every command a person may use, by role, and stays in sync with the handlers."""

from __future__ import annotations

import re
from typing import Any

from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.commands import COMMANDS, available, help_messages
from bot.forum_models import Role
from fake_telegram import FakeTelegram
from tests.support.bot_harness import App, BotRun, Person

#: A command as /help shows it: a slash not inside a word, a path ("<Area/City>") or a tag.
COMMAND = re.compile(r"(?<![\w/<])/([a-z0-9_]+)")


def registered_commands(application: App) -> set[str]:
    """Every command a CommandHandler of the application answers, conversations included."""
    found: set[str] = set()

    def visit(handler: BaseHandler[Any, Any, Any]) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            states = [h for handlers in handler.states.values() for h in handlers]
            for inner in [*handler.entry_points, *states, *handler.fallbacks]:
                visit(inner)

    for handlers in application.handlers.values():
        for handler in handlers:
            visit(handler)
    return found


async def shown_help(person: Person, role: Role) -> set[str]:
    """The commands /help shows ``person`` (all its messages, up to its last section)."""
    last_section = available(role)[-1].section
    answer = await person.send("/help", until=last_section)
    return set(COMMAND.findall(answer.text))


def of(audience: str) -> set[str]:
    return {command.name for command in COMMANDS if command.audience == audience}


async def test_help_shows_each_role_exactly_the_registered_commands_it_may_use(
    bot: BotRun, author: Person, moderator: Person, admin: Person
) -> None:
    assert bot.application is not None
    registered = registered_commands(bot.application)

    # Every handler has a help line and every help line a handler: the admin sees them all.
    assert await shown_help(admin, "admin") == registered
    assert await shown_help(moderator, "moderator") == registered - of("admin")
    practitioner = await shown_help(author, "practitioner")
    assert practitioner == registered - of("admin") - of("moderator")
    assert {"exit", "help", "new", "read", "forgetme"} <= practitioner


async def test_a_practitioners_help_is_sectioned_and_shows_the_forms(author: Person) -> None:
    shown = (await author.send("/help", until="Reading")).text

    assert (
        "/new — start a thread, step by step; or in one line: /new <outcome> <title> | <text>"
        in shown
    )
    assert "/reply <thread id> [text] — reply to a thread" in shown
    assert "/exit — quick exit" in shown
    for heading in ("Reading", "Posting", "Expert forums and announcements", "You and this chat"):
        assert heading in shown
    assert "Moderators" not in shown and "Admins" not in shown


async def test_the_command_menu_comes_from_the_same_table(
    bot: BotRun, telegram: FakeTelegram, author: Person
) -> None:
    await author.send("/start", until="Welcome")  # the menu is set before the bot listens
    assert bot.application is not None
    menu = {c["command"] for c in telegram.account.commands["all_private_chats:"]}

    assert menu == {c.name for c in COMMANDS if c.menu is not None}
    assert menu <= registered_commands(bot.application)
    assert {"start", "help", "new", "read", "myposts", "exit", "forgetme", "cancel"} <= menu
    assert menu.isdisjoint(of("moderator") | of("admin"))


def test_someone_who_is_not_a_member_is_shown_only_what_anyone_may_use() -> None:
    shown = set(COMMAND.findall("\n".join(help_messages(None))))

    assert shown == of("anyone")
    assert "join" in shown and "exit" in shown and "read" not in shown
