"""The fake Telegram Bot API server on 127.0.0.1, for tests and the offline demo.

It speaks enough of the Bot API for a real python-telegram-bot ``Application`` to long-poll
it: ``POST /bot<token>/<method>`` with form, multipart or JSON bodies, answered with
``{"ok": true, "result": ...}`` or Telegram's error bodies and statuses. Updates are injected
with :meth:`FakeTelegram.send_text` and friends; every call the bot makes is recorded in
:attr:`FakeTelegram.sent` and can be awaited with :meth:`FakeTelegram.wait_for`.

Like Telegram it parses ``parse_mode=HTML`` (rejecting unsupported or unbalanced tags with
400 "can't parse entities") and rejects empty or over-long texts, so escaping and splitting
bugs fail in tests instead of in production. MarkdownV2 is passed through unparsed.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Self

from aiohttp import web

from fake_telegram.objects import (
    ApiError,
    BotAccount,
    ChatMessages,
    FakeUser,
    JSONDict,
    RateStats,
    SentMessage,
    command_entities,
    decode_params,
    fault,
    require_chat,
    unique_file_id,
)

__all__ = ["DEFAULT_TOKEN", "FakeTelegram"]

DEFAULT_TOKEN: Final = "123456789:TEST-token-for-the-fake-bot-api"  # noqa: S105 - a fake's token
_NEW_MESSAGE_METHODS: Final = frozenset({"sendmessage", "senddocument"})


class _Queued:
    __slots__ = ("delivered", "update")

    def __init__(self, update: JSONDict) -> None:
        self.update = update
        self.delivered = False


class FakeTelegram:
    """An in-process fake of the Telegram Bot API for one bot."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int = 123456789,
        bot_username: str = "mscos_forum_test_bot",
        bot_first_name: str = "MSCOS Forum",
    ) -> None:
        """Creates the fake; nothing listens until :meth:`start`.

        Args:
            token: The only bot token accepted (others get 401).
            bot_id: The bot's user id returned by ``getMe``.
            bot_username: The bot's username (PTB requires one).
            bot_first_name: The bot's display name.
        """
        self.token = token
        self.account = BotAccount(bot_id, bot_username, bot_first_name)
        self.sent: list[SentMessage] = []
        self.updates: list[JSONDict] = []  # every update queued, for replays and assertions
        self.callback_answers = self.account.callback_answers
        self._chats = ChatMessages(self.account.user)
        self._queue: list[_Queued] = []
        self._next_update_id = 1
        self._faults: dict[int, deque[ApiError]] = {}
        self._blocked: set[int] = set()
        self._queue_changed = asyncio.Event()
        self._poll_started = asyncio.Event()
        self._sent_changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._waiting_polls = 0
        self._root = ""
        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": lambda _: self.account.user | {"can_join_groups": False},
            "deletewebhook": self._delete_webhook,
            "setwebhook": self.account.set_webhook,
            "getwebhookinfo": self._webhook_info,
            "sendmessage": self._chats.send_message,
            "editmessagetext": self._chats.edit_text,
            "editmessagereplymarkup": self._chats.edit_reply_markup,
            "deletemessage": self._chats.delete,
            "deletemessages": self._chats.delete_many,
            "senddocument": self._chats.send_document,
            "answercallbackquery": self.account.answer_callback_query,
            "setmycommands": self.account.set_my_commands,
            "deletemycommands": self.account.delete_my_commands,
            "getmycommands": self.account.get_my_commands,
            "sendchataction": _chat_action,
            "close": lambda _: True,
            "logout": lambda _: True,
        }

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self, port: int = 0) -> str:
        """Starts listening on 127.0.0.1.

        Args:
            port: The port; 0 picks a free one.

        Returns:
            The root URL, e.g. ``http://127.0.0.1:40123``. Build the bot with
            ``base_url=f"{root}/bot"`` and ``base_file_url=f"{root}/file/bot"``.
        """
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # No access log: request paths contain the bot token.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runner, self._closing = runner, False
        self._root = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return self._root

    async def stop(self) -> None:
        """Ends pending long polls and stops the server. Stopping twice does nothing."""
        self._closing = True
        self._queue_changed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give ``ApplicationBuilder``."""
        return f"{self._root}/bot"

    @property
    def base_file_url(self) -> str:
        """The ``base_file_url`` to give ``ApplicationBuilder``."""
        return f"{self._root}/file/bot"

    # -- what the bot did ---------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors asyncio.wait_for for test readability
        *,
        since: int = 0,
        include_failed: bool = False,
    ) -> SentMessage:
        """Waits until a recorded call matches ``predicate`` and returns the first such call.

        Args:
            predicate: Test applied to each recorded call.
            timeout: Seconds to wait.
            since: Only consider ``sent[since:]`` (pass ``len(fake.sent)`` taken earlier).
            include_failed: Also consider calls the fake answered with an error.

        Raises:
            TimeoutError: If no call matched in time; lists the last calls seen.
        """
        checked = since
        try:
            async with asyncio.timeout(timeout), self._sent_changed:
                while True:
                    for record in self.sent[checked:]:
                        if (record.ok or include_failed) and predicate(record):
                            return record
                    checked = len(self.sent)
                    await self._sent_changed.wait()
        except TimeoutError:
            seen = [(r.method, r.chat_id, r.error_code) for r in self.sent[since:]][-10:]
            raise TimeoutError(f"no matching Bot API call within {timeout}s; saw {seen}") from None

    def uploads_to(self, chat_id: int) -> list[tuple[str, bytes]]:
        """Returns (file name, bytes) of every document the bot uploaded to a chat, in order."""
        found = []
        for message in self.messages_to(chat_id):
            document = message.params.get("document")
            if message.method == "sendDocument" and isinstance(document, dict):
                found.append((str(document.get("filename")), bytes(document.get("content", b""))))
        return found

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Returns the new messages (``sendMessage``, ``sendDocument``) delivered to a chat."""
        return [m for m in self._new_messages() if m.chat_id == chat_id]

    @property
    def deleted(self) -> list[tuple[int, int]]:
        """Every message deleted (``deleteMessage``, ``deleteMessages``) as (chat id, message
        id), in order; ids the fake skipped (unknown, too old) are not in it."""
        return list(self._chats.deleted)

    def advance_clock(self, seconds: float) -> None:
        """Lets time pass on Telegram's side: later messages are dated ``seconds`` later, and
        earlier ones are that much older (e.g. past the 48 hours within which a bot may
        delete a message)."""
        self._chats.clock_offset += seconds

    def current_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Returns a message as it is now (after edits), or ``None`` if deleted or unknown."""
        return copy.deepcopy(self._chats.get(chat_id, message_id))

    @property
    def pending_updates(self) -> int:
        """How many updates are queued and not yet acknowledged by the bot."""
        return len(self._queue)

    @property
    def polls_waiting(self) -> int:
        """How many ``getUpdates`` long polls are waiting for an update right now."""
        return self._waiting_polls

    async def wait_polling(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until the bot has a ``getUpdates`` long poll open, i.e. it is listening.

        Raises:
            TimeoutError: If no long poll is open within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while self._waiting_polls == 0:
                self._poll_started.clear()
                await self._poll_started.wait()

    def rate_stats(self) -> RateStats:
        """Returns the sending rates observed over successfully delivered new messages."""
        return RateStats.of(self._new_messages())

    def _new_messages(self) -> list[SentMessage]:
        return [m for m in self.sent if m.ok and m.method.lower() in _NEW_MESSAGE_METHODS]

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self, chat_id: int, status: int = 429, retry_after: int = 1, description: str | None = None
    ) -> None:
        """Makes the next call addressed to ``chat_id`` fail; several calls queue up in order.

        Args:
            chat_id: The chat whose next call fails.
            status: 429 (with ``retry_after``), 403 (blocked by the user), 400, or other.
            retry_after: Seconds in the 429's ``parameters.retry_after``.
            description: Overrides Telegram's description.
        """
        self._faults.setdefault(chat_id, deque()).append(fault(status, retry_after, description))

    def block_chat(self, chat_id: int) -> None:
        """Makes every call to the chat fail with 403 "bot was blocked by the user"."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undoes :meth:`block_chat`."""
        self._blocked.discard(chat_id)

    # -- what the users do --------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Test", username: str | None = None) -> FakeUser:
        """Returns a user, remembered so that its private chat carries its name like Telegram's."""
        fake_user = FakeUser(user_id, first_name, username)
        self._chats.users[user_id] = fake_user
        return fake_user

    async def send_text(self, user: FakeUser, text: str, chat_id: int | None = None) -> int:
        """Queues a text message from ``user``; a leading ``/command`` gets its entity.

        Returns:
            The update id.
        """
        message = self._chats.from_user(user, chat_id, text=text)
        if entities := command_entities(text):
            message["entities"] = entities
        return self._enqueue({"message": message})

    async def send_document(
        self, user: FakeUser, file_id: str, caption: str | None = None, chat_id: int | None = None
    ) -> int:
        """Queues a document message from ``user``.

        Returns:
            The update id.
        """
        document = {"file_id": file_id, "file_unique_id": unique_file_id(file_id)}
        message = self._chats.from_user(user, chat_id, document=document)
        if caption is not None:
            message["caption"] = caption
        return self._enqueue({"message": message})

    async def press_button(self, user: FakeUser, message: SentMessage, data: str) -> int:
        """Queues the callback query of pressing an inline button on a bot message.

        The message is sent as it is now (after edits), as Telegram does.

        Raises:
            ValueError: If the message is gone or has no button with this callback data.

        Returns:
            The update id.
        """
        current = self._chats.get(message.chat_id, message.message_id)
        if current is None:
            raise ValueError("the message no longer exists")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard", [])
        if data not in {button.get("callback_data") for row in rows for button in row}:
            raise ValueError("the message has no button with this callback data")
        query = {
            "id": self.account.open_callback_query(),
            "from": user.to_dict(),
            "chat_instance": hashlib.sha256(str(message.chat_id).encode()).hexdigest()[:16],
            "data": data,
            "message": copy.deepcopy(current),
        }
        return self._enqueue({"callback_query": query})

    async def inject_raw(self, update: JSONDict) -> int:
        """Queues an update exactly as given, for replay tests.

        It is delivered even if an update with its id was already acknowledged; ids generated
        later stay above it.

        Returns:
            The update's id.
        """
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._queue.append(_Queued(copy.deepcopy(update)))
        self.updates.append(copy.deepcopy(update))
        self._queue_changed.set()
        return update_id

    def _enqueue(self, body: JSONDict) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **body}
        self._queue.append(_Queued(update))
        self.updates.append(copy.deepcopy(update))
        self._queue_changed.set()
        return update_id

    # -- HTTP ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        handler = self._methods.get(name.lower())
        if handler is None and name.lower() != "getupdates":
            return _error_response(ApiError(404, "Not Found: method not found"))
        try:
            params = await _read_params(request)
            if handler is None:
                return web.json_response({"ok": True, "result": await self._get_updates(params)})
            self._check_faults(params)
            result = handler(params)
        except (TypeError, ValueError) as error:  # malformed parameters: a 400, not a 500
            return _error_response(ApiError(400, f"Bad Request: {error}"))
        except ApiError as error:
            if handler is not None:  # getUpdates is polling noise, never recorded
                await self._record(name, params, None, error.status)
            return _error_response(error)
        await self._record(name, params, result, None)
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.account.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            # Acknowledge: drop what was delivered before with a lower id. Replays that were
            # never delivered stay, so inject_raw can re-send an old update id.
            self._queue = [
                q for q in self._queue if not q.delivered or q.update["update_id"] >= offset
            ]
        timeout = float(params.get("timeout") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        if timeout > 0:
            self._waiting_polls += 1
            self._poll_started.set()
            try:
                async with asyncio.timeout(timeout):
                    while not self._queue and not self._closing:
                        self._queue_changed.clear()
                        await self._queue_changed.wait()
            except TimeoutError:
                pass
            finally:
                self._waiting_polls -= 1
        batch = self._queue[:limit]
        for queued in batch:
            queued.delivered = True
        return [copy.deepcopy(q.update) for q in batch]

    def _check_faults(self, params: JSONDict) -> None:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return
        if chat_id in self._blocked:
            raise fault(403)
        if faults := self._faults.get(chat_id):
            raise faults.popleft()

    async def _record(
        self, method: str, params: JSONDict, result: Any, error_code: int | None
    ) -> None:
        chat_id = params.get("chat_id")
        text = params.get("text", params.get("caption"))
        message_id = result.get("message_id") if isinstance(result, dict) else None
        markup = params.get("reply_markup")
        record = SentMessage(
            method=method,
            chat_id=chat_id if isinstance(chat_id, int) else None,
            text=text if isinstance(text, str) else None,
            reply_markup=markup if isinstance(markup, dict) else None,
            params=params,
            timestamp=time.monotonic(),
            message_id=message_id if message_id is not None else params.get("message_id"),
            error_code=error_code,
        )
        async with self._sent_changed:
            self.sent.append(record)
            self._sent_changed.notify_all()

    def _delete_webhook(self, params: JSONDict) -> bool:
        self.account.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _webhook_info(self, _: JSONDict) -> JSONDict:
        return {
            "url": self.account.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }


async def _read_params(request: web.Request) -> JSONDict:
    params: JSONDict = decode_params(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        return params | (body if isinstance(body, dict) else {})
    raw: dict[str, Any] = {}
    for key, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            # Read and close now: an unclosed temporary file warns (an error under -W error).
            with value.file as upload:
                content = upload.read()
            # The bytes are kept (in what tests observe, never in the answer) so a test can
            # read a file the bot made, e.g. a calendar file.
            raw[key] = {
                "filename": value.filename,
                "size": len(content),
                "content": content,
                "content_type": value.content_type,
            }
        else:
            raw[key] = value
    return params | decode_params(raw)


def _chat_action(params: JSONDict) -> bool:
    require_chat(params)
    return True


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status)
