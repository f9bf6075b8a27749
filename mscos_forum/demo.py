"""``mscos-forum demo``: the whole product in one command, without a Telegram account.

Starts the service on a temporary SQLite database (API, moderation worker, scheduler), a
local fake Telegram Bot API and the real bot (membership by invite, the default), then plays a
scripted session and prints the conversation as each person would see it in Telegram. Exits 0
when every step happened; otherwise names the step that did not and exits 1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from forum_service.settings import ServiceSettings

STEP_TIMEOUT = 30.0

SAFETY_POST_TITLE = "Safety planning when a trafficker still contacts the client"
SAFETY_POST_BODY = (
    "Our client left a debt-bondage situation three months ago. The trafficker's associates "
    "keep messaging her family abroad. What has worked for others: changing routines, "
    "involving the police liaison, or a managed move? We follow the MSCOS safety outcome."
)
FORUM_TITLE = "Safety from any trafficker or other abuser — expert forum"
PARTNER_LABEL = "Helen Bamber Foundation caseworkers"
#: A draft the check before sending catches (a drama-reserved UK mobile number).
CAUGHT_DRAFT = "Her new mobile is 07700 900123 if anyone can help with a placement."


class DemoFailure(Exception):
    """A scripted step did not happen; the message says which, in plain words."""


@dataclass
class Persona:
    """A person in the demo: a Telegram user the fake Bot API knows."""

    label: str
    user: Any  # bot.fake_telegram_objects.FakeUser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Script:
    """Drives personas through the fake Bot API and prints what they see."""

    def __init__(self, telegram: Any, out: TextIO) -> None:
        self.telegram = telegram
        self.out = out

    def say(self, line: str) -> None:
        """Print one transcript line."""
        print(line, file=self.out, flush=True)

    def show(self, persona: Persona, message: Any) -> None:
        """Print a bot message as the persona sees it (HTML rendered to text, buttons listed)."""
        from bot.formatting import html_to_text

        text = html_to_text(message.text or "")
        self.say(f"  [bot → {persona.label}]")
        for line in text.splitlines() or [""]:
            self.say(f"    {line}")
        buttons = [
            button["text"]
            for row in (message.reply_markup or {}).get("inline_keyboard", [])
            for button in row
        ]
        if buttons:
            self.say("    " + " ".join(f"[{b}]" for b in buttons))

    async def send(
        self, persona: Persona, text: str, expect: Callable[[str], bool], step: str
    ) -> Any:
        """Send a message and wait for the bot's reply that satisfies ``expect``."""
        self.say(f"  [{persona.label}] {text}")
        since = len(self.telegram.sent)
        await self.telegram.send_text(persona.user, text)
        return await self.wait(persona, expect, step, since)

    async def press(
        self, persona: Persona, message: Any, label: str, expect: Callable[[str], bool], step: str
    ) -> Any:
        """Press the inline button whose label contains ``label``."""
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    self.say(f"  [{persona.label}] presses [{button['text']}]")
                    since = len(self.telegram.sent)
                    await self.telegram.press_button(persona.user, message, button["callback_data"])
                    return await self.wait(persona, expect, step, since)
        raise DemoFailure(f"{step}: the bot's message had no “{label}” button")

    async def wait(
        self, persona: Persona, expect: Callable[[str], bool], step: str, since: int
    ) -> Any:
        """Wait for a message to the persona matching ``expect``; print it."""
        try:
            message = await self.telegram.wait_for(
                lambda m: m.chat_id == persona.user.id and expect(m.text or ""),
                timeout=STEP_TIMEOUT,
                since=since,
            )
        except TimeoutError:
            raise DemoFailure(
                f"{step}: {persona.label} got no such message within {STEP_TIMEOUT:.0f}s"
            ) from None
        self.show(persona, message)
        return message


async def play(script: Script, people: dict[str, Persona], service_url: str, token: str) -> None:
    """The scripted session."""
    author, moderator, reader, admin = (
        people["author"],
        people["moderator"],
        people["reader"],
        people["admin"],
    )
    script.say("\n== 0. A newcomer is refused; the admin invites a partner organisation")
    await script.send(author, "/start", lambda t: "members only" in t, "non-member welcome")
    await script.send(author, "/read safety", lambda t: "How to join" in t, "non-member refused")
    invite = await script.send(
        admin,
        f"/invite 25 30 {PARTNER_LABEL}",
        lambda t: "?start=" in t,
        "member invite",
    )
    link = (invite.text or "").split("Link: ")[1].split("\n")[0]
    member_code = link.split("?start=")[1]
    await script.send(
        author, f"/start {member_code}", lambda t: "you are now a member" in t, "deep link"
    )
    await script.send(
        reader, f"/join {member_code}", lambda t: "you are now a member" in t, "join by code"
    )

    script.say("\n== 1. A practitioner posts on the Safety board")
    await script.send(author, "/start", lambda t: "anonymity" in t.lower(), "welcome")
    await script.send(
        author,
        f"/new safety {SAFETY_POST_TITLE} | {SAFETY_POST_BODY}",
        lambda t: "waiting for a moderator" in t,
        "posting",
    )

    script.say("\n== 1b. A draft caught before sending: the author edits, nothing is stored")
    caught = await script.send(
        author,
        f"/new safety Placement needed | {CAUGHT_DRAFT}",
        lambda t: "this looks like a phone number" in t,
        "check before sending",
    )
    await script.press(author, caught, "Edit", lambda t: "corrected text" in t, "edit the draft")
    await script.send(author, "/cancel", lambda t: "Cancelled" in t, "leave the draft")

    script.say("\n== 2. The moderation worker screens it")
    outcome = await _wait_screened(service_url, token)
    script.say(f"  (worker: {outcome})")

    script.say("\n== 3. The admin invites a moderator, who approves the post with /queue")
    invite = await script.send(admin, "/addmoderator", lambda t: "Invite code" in t, "invite")
    code = (invite.text or "").split("<code>")[1].split("</code>")[0]
    await script.send(moderator, f"/join {code}", lambda t: "you are now a moderator" in t, "join")
    item = await script.send(
        moderator, "/queue", lambda t: SAFETY_POST_TITLE[:30] in t, "moderation queue"
    )
    await script.press(moderator, item, "Approve", lambda t: "Done" in t, "approval")
    await script.wait(author, lambda t: "was approved" in t, "author notified", 0)

    script.say("\n== 4. A second practitioner reads it")
    boards = await script.send(reader, "/read safety", lambda t: "Safety" in t, "board listing")
    await script.press(reader, boards, "Open #", lambda t: "debt-bondage" in t, "reading")

    script.say("\n== 5. The admin schedules an expert forum; the subscriber is told")
    await script.send(reader, "/subscribe all", lambda t: "Subscribed" in t, "subscribe")
    await script.send(
        admin,
        f"/schedule safety | {FORUM_TITLE} | TBC November | Dr Amara Okafor",
        lambda t: "Scheduled" in t,
        "scheduling",
    )
    await script.wait(
        reader, lambda t: FORUM_TITLE in t and "November, date TBC" in t, "announcement", 0
    )


async def _wait_screened(service_url: str, token: str) -> str:
    """Wait until the worker has looked at the post; return what it concluded."""
    import aiohttp

    deadline = asyncio.get_running_loop().time() + STEP_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            async with session.get(f"{service_url}/metrics") as response:
                text = await response.text()
            unscreened = [
                line
                for line in text.splitlines()
                if line.startswith("forum_moderation_unscreened ")
            ]
            depth = [
                line
                for line in text.splitlines()
                if line.startswith("forum_moderation_queue_depth ")
            ]
            if (
                unscreened
                and float(unscreened[0].split()[1]) == 0
                and depth
                and float(depth[0].split()[1]) >= 1
            ):
                async with session.get(f"{service_url}/readyz") as response:
                    ready = await response.json()
                model = ready["details"].get("moderation_model", {})
                return f"screened; model {model.get('state', 'unknown')}: {model.get('detail', '')}"
            await asyncio.sleep(0.2)
    raise DemoFailure("screening: the moderation worker did not screen the post in time")


async def run_demo(out: TextIO = sys.stdout) -> int:
    """Run the demo; returns the exit code."""
    from bot.settings import BotSettings
    from fake_telegram import FakeTelegram
    from mscos_forum.run import serve_all

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    with tempfile.TemporaryDirectory(prefix="mscos-demo-") as tmp:
        workdir = Path(tmp)
        port = _free_port()
        token = secrets.token_urlsafe(24)
        settings = ServiceSettings(
            database_url=f"sqlite+aiosqlite:///{workdir / 'forum.db'}",
            service_token=token,
            pseudonym_secret=secrets.token_urlsafe(24),
            at_rest_key=secrets.token_urlsafe(32),
            port=port,
            moderation_poll_seconds=0.2,
            scheduler_poll_seconds=0.5,
            # The scripted author is told of the approval at once, not after the undo window.
            undo_seconds=0,
            _env_file=None,
        )
        service_url = f"http://127.0.0.1:{port}"
        stop = asyncio.Event()
        async with FakeTelegram() as telegram:
            people = {
                key: Persona(label, telegram.user(user_id, first_name=name))
                for key, label, user_id, name in (
                    ("author", "Practitioner A", 710001, "Asha"),
                    ("moderator", "Moderator", 710002, "Morgan"),
                    ("reader", "Practitioner B", 710003, "Bea"),
                    ("admin", "Admin", 710004, "Ade"),
                )
            }
            bot_settings = BotSettings.model_validate(
                {
                    "TELEGRAM_BOT_TOKEN": telegram.token,
                    "TELEGRAM_API_BASE_URL": telegram.base_url.removesuffix("/bot"),
                    "FORUM_API_URL": service_url,
                    "FORUM_SERVICE_TOKEN": token,
                    "IDENTITY_PEPPER": secrets.token_urlsafe(24),
                    "BOT_STORE_SECRET": secrets.token_urlsafe(24),
                    "BOT_STORE_PATH": workdir / "bot-delivery.db",
                    "BOT_ADMIN_TELEGRAM_IDS": (people["admin"].user.id,),
                    "BOT_OUTBOX_INTERVAL": 0.2,
                }
            )
            # Exactly what `mscos-forum run` does (API, worker, scheduler and bot in one
            # process), pointed at the fake Telegram.
            served = asyncio.create_task(serve_all(settings, stop, bot_settings=bot_settings))
            script = Script(telegram, out)
            script.say(
                "MSCOS Community Forum — demo (a local fake Telegram; nothing leaves this machine)"
            )
            try:
                await _wait_up(service_url, served)
                try:
                    await telegram.wait_polling(timeout=STEP_TIMEOUT)
                except TimeoutError:
                    raise DemoFailure("start-up: the bot did not start polling") from None
                await play(script, people, service_url, token)
            except DemoFailure as failure:
                script.say(f"\nDEMO FAILED at {failure}")
                return 1
            finally:
                stop.set()
                await served
        script.say(
            "\nDemo complete: refused → invited by link → posted → screened → approved via "
            "/queue → read → forum announced."
        )
        return 0


async def _wait_up(service_url: str, served: asyncio.Task[None]) -> None:
    import aiohttp

    deadline = asyncio.get_running_loop().time() + STEP_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            if served.done():
                served.result()  # raises what stopped the service
                raise DemoFailure("start-up: the service stopped")
            try:
                async with session.get(f"{service_url}/healthz") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise DemoFailure("start-up: the service did not answer")


def main() -> int:
    """Entry point of ``mscos-forum demo``."""
    # The transcript is the output; library chatter would bury it.
    for name in ("", "telegram", "forum_service", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return asyncio.run(run_demo())
