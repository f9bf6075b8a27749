"""Bot API objects and rules behind :mod:`fake_telegram.server`.

The server module handles HTTP, the update queue and what tests observe; this module holds
the value objects it records and the Bot API's rules for messages: parameter decoding, HTML
parse mode, length limits, and sending, editing and deleting messages in chats.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fake_telegram.html import HTMLEntityError, parse_html
from telegram_text import TELEGRAM_CAPTION_LIMIT, TELEGRAM_MESSAGE_LIMIT, telegram_length

JSONDict = dict[str, Any]


# Parameters Telegram takes as plain strings; PTB sends them unencoded, everything else
# JSON-encoded. Without this list a message whose text is "42" would arrive as an int.
# fmt: off
_STRING_PARAMS: Final = frozenset({
    "action", "business_connection_id", "callback_query_id", "caption", "description",
    "document", "inline_message_id", "ip_address", "language_code", "message_effect_id",
    "parse_mode", "secret_token", "short_description", "text", "title", "url",
})
# fmt: on
#: Telegram lets a bot delete a message only if it was sent less than 48 hours ago.
DELETABLE_FOR_SECONDS: Final = 48 * 3600
#: ``deleteMessages`` takes 1 to 100 message ids.
DELETE_BATCH_LIMIT: Final = 100
_NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram user who talks to the bot through the fake."""

    id: int
    first_name: str = "Test"
    username: str | None = None

    def to_dict(self) -> JSONDict:
        """Returns the Bot API ``User`` object."""
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username is not None:
            user["username"] = self.username
        return user

    def private_chat(self) -> JSONDict:
        """Returns the Bot API ``Chat`` object of the user's private chat with the bot."""
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.username is not None:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One Bot API call made by the bot (any method except ``getUpdates``).

    ``text`` is the text (or caption) exactly as the bot sent it, HTML tags included.
    ``error_code`` is set when the fake answered with an error (fault injection, bad HTML).
    """

    method: str
    chat_id: int | None
    text: str | None
    reply_markup: JSONDict | None
    params: JSONDict
    timestamp: float
    message_id: int | None = None
    error_code: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error_code is None


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """An ``answerCallbackQuery`` call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    timestamp: float


@dataclass(frozen=True, slots=True)
class RateStats:
    """Sending rates observed over successful new messages."""

    total: int
    max_per_second: int
    min_interval_per_chat: dict[int, float] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[SentMessage]) -> RateStats:
        """Computes the statistics of the given (successful) sends."""
        ordered = sorted(records, key=lambda record: record.timestamp)
        window_max, left = 0, 0
        for right, record in enumerate(ordered):
            while record.timestamp - ordered[left].timestamp >= 1.0:
                left += 1
            window_max = max(window_max, right - left + 1)
        per_chat: dict[int, float] = {}
        last: dict[int, float] = {}
        for record in ordered:
            if record.chat_id is None:
                continue
            if record.chat_id in last:
                gap = record.timestamp - last[record.chat_id]
                per_chat[record.chat_id] = min(per_chat.get(record.chat_id, gap), gap)
            last[record.chat_id] = record.timestamp
        return cls(len(ordered), window_max, per_chat)


class ApiError(Exception):
    """An error response of the Bot API."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None):
        """Creates the error.

        Args:
            status: HTTP status and ``error_code``.
            description: Telegram's ``description``.
            parameters: Optional ``ResponseParameters`` (e.g. ``retry_after``).
        """
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """Returns the JSON body Telegram sends for this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def fault(status: int, retry_after: int = 1, description: str | None = None) -> ApiError:
    """Builds the error Telegram sends for a status code, as used by fault injection.

    Args:
        status: 429, 403, 400 or any other HTTP status.
        retry_after: Seconds for a 429's ``retry_after``.
        description: Overrides the default description.

    Returns:
        The error to raise.
    """
    if status == 429:
        text = description or f"Too Many Requests: retry after {retry_after}"
        return ApiError(429, text, {"retry_after": retry_after})
    defaults = {403: "Forbidden: bot was blocked by the user", 400: "Bad Request: chat not found"}
    return ApiError(status, description or defaults.get(status, f"Error {status}"))


class BotAccount:
    """The bot's own account: its user, commands, webhook and pending callback queries."""

    def __init__(self, bot_id: int, username: str, first_name: str) -> None:
        """Creates the account.

        Args:
            bot_id: The bot's user id.
            username: The bot's username.
            first_name: The bot's display name.
        """
        self.user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.commands: dict[str, list[JSONDict]] = {}
        self.webhook_url = ""
        self.callback_answers: list[CallbackAnswer] = []
        self._query_ids = itertools.count(1)
        self._open_queries: set[str] = set()

    def open_callback_query(self) -> str:
        """Returns the id of a new callback query, to be answered once."""
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        return query_id

    def answer_callback_query(self, params: JSONDict) -> bool:
        """``answerCallbackQuery``: each query can be answered once."""
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_queries.discard(query_id)
        text = params.get("text")
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=text if isinstance(text, str) else None,
            show_alert=bool(params.get("show_alert")),
            timestamp=time.monotonic(),
        )
        self.callback_answers.append(answer)
        return True

    def set_my_commands(self, params: JSONDict) -> bool:
        """``setMyCommands`` for a scope and language."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse BotCommand array")
        self.commands[_scope_key(params)] = commands
        return True

    def get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        """``getMyCommands`` for a scope and language."""
        return self.commands.get(_scope_key(params), [])

    def delete_my_commands(self, params: JSONDict) -> bool:
        """``deleteMyCommands`` for a scope and language."""
        self.commands.pop(_scope_key(params), None)
        return True

    def set_webhook(self, params: JSONDict) -> bool:
        """``setWebhook``: only remembered (updates are not pushed); blocks ``getUpdates``."""
        self.webhook_url = str(params.get("url") or "")
        return True


class ChatMessages:
    """The messages in every chat, with the Bot API's rules for changing them."""

    def __init__(self, bot_user: JSONDict) -> None:
        """Creates an empty history.

        Args:
            bot_user: The bot's ``User`` object, the ``from`` of its messages.
        """
        self.bot_user = bot_user
        self.users: dict[int, FakeUser] = {}
        #: Seconds Telegram's clock is ahead of this machine's (time passing in tests).
        self.clock_offset = 0.0
        #: Every message the bot deleted, as (chat id, message id), in order.
        self.deleted: list[tuple[int, int]] = []
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._last_ids: dict[int, int] = {}

    def now(self) -> int:
        """Telegram's clock: the ``date`` of a message sent now."""
        return int(time.time() + self.clock_offset)

    def get(self, chat_id: int | None, message_id: int | None) -> JSONDict | None:
        """Returns the stored message (not a copy), or ``None`` if unknown or deleted."""
        if chat_id is None or message_id is None:
            return None
        return self._messages.get((chat_id, message_id))

    def from_user(self, user: FakeUser, chat_id: int | None, **content: Any) -> JSONDict:
        """Stores and returns (a copy of) a new message written by a user."""
        chat_id = user.id if chat_id is None else chat_id
        chat = user.private_chat() if chat_id == user.id else self._chat(chat_id)
        return self._store(self._new(chat, user.to_dict()) | content)

    def send_message(self, params: JSONDict) -> JSONDict:
        """``sendMessage``."""
        text, entities = _render(params.get("text"), params, "entities", TELEGRAM_MESSAGE_LIMIT)
        message = self._from_bot(params) | {"text": text}
        if entities:
            message["entities"] = entities
        return self._store(message)

    def send_document(self, params: JSONDict) -> JSONDict:
        """``sendDocument`` with a file id or an upload (recorded as its name and size)."""
        document = params.get("document")
        if isinstance(document, dict):
            name, size = document.get("filename"), document.get("size")
            document = {"file_id": f"upload-{name}", "file_name": name, "file_size": size}
        elif isinstance(document, str) and document:
            document = {"file_id": document}
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        document["file_unique_id"] = unique_file_id(document["file_id"])
        message = self._from_bot(params) | {"document": document}
        if params.get("caption"):
            caption, entities = _render(
                params["caption"], params, "caption_entities", TELEGRAM_CAPTION_LIMIT
            )
            message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
        return self._store(message)

    def edit_text(self, params: JSONDict) -> JSONDict | bool:
        """``editMessageText``; like Telegram, omitting ``reply_markup`` removes the keyboard."""
        if params.get("inline_message_id"):
            return True
        message = self._existing(params, "Bad Request: message to edit not found")
        text, entities = _render(params.get("text"), params, "entities", TELEGRAM_MESSAGE_LIMIT)
        markup = _inline_markup(params)
        before = (message.get("text"), message.get("entities", []), message.get("reply_markup"))
        if (text, entities, markup) == before:
            raise ApiError(400, _NOT_MODIFIED)
        message.pop("entities", None)
        message.update({"text": text, "edit_date": self.now()})
        if entities:
            message["entities"] = entities
        _set_markup(message, markup)
        return copy.deepcopy(message)

    def edit_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        """``editMessageReplyMarkup``."""
        if params.get("inline_message_id"):
            return True
        message = self._existing(params, "Bad Request: message to edit not found")
        markup = _inline_markup(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        _set_markup(message, markup)
        message["edit_date"] = self.now()
        return copy.deepcopy(message)

    def delete(self, params: JSONDict) -> bool:
        """``deleteMessage``: within 48 hours of sending; in a group only the bot's own."""
        message = self._existing(params, "Bad Request: message to delete not found")
        if not self._deletable(message):
            raise ApiError(400, "Bad Request: message can't be deleted")
        self._remove(message)
        return True

    def delete_many(self, params: JSONDict) -> bool:
        """``deleteMessages``: 1 to 100 ids of one chat; like Telegram, the ones that cannot be
        found or deleted (older than 48 hours, someone else's in a group) are skipped."""
        chat_id = require_chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        if len(ids) > DELETE_BATCH_LIMIT:
            raise ApiError(400, "Bad Request: too many message identifiers specified")
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ApiError(400, "Bad Request: message identifiers are invalid")
        for message_id in ids:
            message = self.get(chat_id, message_id)
            if message is not None and self._deletable(message):
                self._remove(message)
        return True

    def _deletable(self, message: JSONDict) -> bool:
        # Bots delete their own messages anywhere and incoming ones in private chats only
        # (the fake's bot is never a group administrator), sent less than 48 hours ago.
        own = message["from"].get("id") == self.bot_user["id"]
        if not own and message["chat"]["type"] != "private":
            return False
        return self.now() - int(message["date"]) < DELETABLE_FOR_SECONDS

    def _remove(self, message: JSONDict) -> None:
        key = (message["chat"]["id"], message["message_id"])
        del self._messages[key]
        self.deleted.append(key)

    def _from_bot(self, params: JSONDict) -> JSONDict:
        message = self._new(self._chat(require_chat(params)), dict(self.bot_user))
        _set_markup(message, _inline_markup(params))
        return message

    def _new(self, chat: JSONDict, sender: JSONDict) -> JSONDict:
        chat_id = chat["id"]
        self._last_ids[chat_id] = self._last_ids.get(chat_id, 0) + 1
        return {
            "message_id": self._last_ids[chat_id],
            "date": self.now(),
            "chat": chat,
            "from": sender,
        }

    def _chat(self, chat_id: int) -> JSONDict:
        if (user := self.users.get(chat_id)) is not None:
            return user.private_chat()
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        return {"id": chat_id, "type": "group", "title": "Test group"}

    def _store(self, message: JSONDict) -> JSONDict:
        self._messages[(message["chat"]["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    def _existing(self, params: JSONDict, not_found: str) -> JSONDict:
        message_id = params.get("message_id")
        message = self.get(
            require_chat(params), message_id if isinstance(message_id, int) else None
        )
        if message is None:
            raise ApiError(400, not_found)
        return message


def require_chat(params: JSONDict) -> int:
    """Returns the integer ``chat_id`` parameter, or raises 400 "chat not found"."""
    chat_id = params.get("chat_id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise ApiError(400, "Bad Request: chat not found")
    return chat_id


def unique_file_id(file_id: str) -> str:
    """Returns a stable ``file_unique_id`` for a file id."""
    return hashlib.sha256(file_id.encode()).hexdigest()[:16]


def decode_params(raw: Mapping[str, Any]) -> JSONDict:
    """Decodes form parameters the way the Bot API does.

    Args:
        raw: Form fields; non-string values (uploads) are passed through.

    Returns:
        Parameters with JSON-encoded values decoded, except known string parameters.
    """
    params: JSONDict = {}
    for key, value in raw.items():
        if not isinstance(value, str) or key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def command_entities(text: str) -> list[JSONDict]:
    """Returns the ``bot_command`` entity Telegram adds to a text starting with ``/``."""
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": telegram_length(command)}]


def _scope_key(params: JSONDict) -> str:
    scope = params.get("scope")
    scope_type = scope.get("type") if isinstance(scope, dict) else "default"
    return f"{scope_type}:{params.get('language_code') or ''}"


def _render(text: Any, params: JSONDict, entities_key: str, limit: int) -> tuple[str, list[Any]]:
    if not isinstance(text, str):
        raise ApiError(400, "Bad Request: message text is empty")
    if str(params.get("parse_mode") or "").lower() == "html":
        try:
            shown, entities = parse_html(text)
        except HTMLEntityError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    else:
        shown, entities = text, list(params.get(entities_key) or [])
    if not shown.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if telegram_length(shown) > limit:
        raise ApiError(400, "Bad Request: message is too long")
    return shown, entities


def _inline_markup(params: JSONDict) -> JSONDict | None:
    # Telegram echoes only inline keyboards in the returned Message.
    markup = params.get("reply_markup")
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _set_markup(message: JSONDict, markup: JSONDict | None) -> None:
    if markup is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = copy.deepcopy(markup)
