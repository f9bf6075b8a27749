"""The bot's own small store: where to deliver notifications for an identity.

To send someone the decision on their post or an expert-forum reminder the bot must map an
identity key back to a Telegram chat id. That mapping is the one piece of de-anonymising data
in the system, so it lives only in the bot, in a SQLite file where

* rows are keyed by ``HMAC-SHA256(row_key_secret, identity_key)`` — the file does not even hold
  identity keys, so it cannot be joined with the forum database without the bot's secret;
* the chat id and preferences are AES-256-GCM encrypted, with the row key and column name as
  associated data so ciphertexts cannot be swapped between rows or columns unnoticed;
* both keys are derived with HKDF-SHA256 from one secret given to the constructor.

``/forgetme`` deletes the row; ``secure_delete`` makes SQLite overwrite the freed bytes.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import sqlite3
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Final, Self, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.identity import IDENTITY_KEY_PATTERN

DEFAULT_TIMEZONE: Final = "Europe/London"
MIN_SECRET_BYTES: Final = 16

#: Identities whose current chat this process wrote, kept so an unchanged one is not rewritten.
REMEMBERED_CACHE_SIZE: Final = 50_000

_NONCE_BYTES: Final = 12
_MAX_TIMEZONE_CHARS: Final = 64
_HKDF_INFO_CIPHER: Final = b"mscos-bot delivery-store v1 aes-256-gcm"
_HKDF_INFO_ROW_KEY: Final = b"mscos-bot delivery-store v1 row-key hmac"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS delivery (
    row_key  TEXT PRIMARY KEY,
    chat_id  BLOB,
    timezone BLOB
) WITHOUT ROWID
"""

_T = TypeVar("_T")


class DeliveryStoreError(RuntimeError):
    """The store is not open, or a stored value cannot be decrypted (wrong secret, tampering)."""


class DeliveryStore:
    """Encrypted SQLite mapping of identity key → chat id and delivery preferences.

    All SQLite work runs on one dedicated thread, so calls never block the event loop and
    the connection is never shared between threads. Use as ``async with DeliveryStore(...)``
    or call :meth:`open` and :meth:`close`.
    """

    def __init__(self, path: str | os.PathLike[str], secret: bytes) -> None:
        """Creates a store; nothing is opened until :meth:`open`.

        Args:
            path: The SQLite file. Its parent directory is created on open.
            secret: The bot's store secret (at least 16 bytes); both the encryption key and
                the row-key HMAC key are derived from it.

        Raises:
            ValueError: If the secret is shorter than 16 bytes.
        """
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes")
        self._path = Path(path)
        self._aead = AESGCM(_hkdf(secret, _HKDF_INFO_CIPHER))
        self._row_key_secret = _hkdf(secret, _HKDF_INFO_ROW_KEY)
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        # row key → the chat id this store wrote for it (memory only, bounded, least recently
        # seen forgotten first). The bot remembers the chat on every update; rewriting an
        # unchanged row cost an encryption and an fsync'd SQLite commit on the store's one
        # thread per update. Only this store writes its file (one bot process), and
        # ``forget`` drops the entry, so the next update after /forgetme writes again.
        self._remembered: OrderedDict[str, int] = OrderedDict()
        # Bumped by every forget: a remember whose write raced with one is not memoised.
        self._forgets = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={str(self._path)!r})"

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Opens (creating if needed) the SQLite file in WAL mode.

        The file is restricted to the owner (mode 0600) and its directory created with 0700.
        Opening an open store does nothing.
        """
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="delivery-store")
        try:
            await self._run(self._open_sync)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def close(self) -> None:
        """Closes the database and its worker thread. Closing a closed store does nothing."""
        executor = self._executor
        if executor is None:
            return
        self._remembered.clear()
        try:
            await self._run(self._close_sync)
        finally:
            self._executor = None
            executor.shutdown(wait=False)

    async def remember(self, identity_key: str, chat_id: int) -> None:
        """Records (or replaces) the chat to deliver to for an identity.

        Args:
            identity_key: The identity's key (64 lowercase hex characters).
            chat_id: The Telegram chat id to deliver to.

        Raises:
            ValueError: If the identity key is malformed (the key is not echoed).
        """
        row_key = self._row_key(identity_key)
        chat_id = int(chat_id)
        if self._executor is not None and self._remembered.get(row_key) == chat_id:
            self._remembered.move_to_end(row_key)
            return
        blob = self._seal(row_key, "chat_id", str(chat_id))
        forgets = self._forgets
        await self._run(
            self._execute,
            "INSERT INTO delivery (row_key, chat_id) VALUES (?, ?) "
            "ON CONFLICT(row_key) DO UPDATE SET chat_id = excluded.chat_id",
            (row_key, blob),
        )
        if forgets != self._forgets:
            return
        self._remembered[row_key] = chat_id
        self._remembered.move_to_end(row_key)
        while len(self._remembered) > REMEMBERED_CACHE_SIZE:
            self._remembered.popitem(last=False)

    async def chat_id_for(self, identity_key: str) -> int | None:
        """Returns the chat id to deliver to, or ``None`` if unknown or forgotten.

        Args:
            identity_key: The identity's key.

        Raises:
            ValueError: If the identity key is malformed.
            DeliveryStoreError: If the stored value does not decrypt (wrong secret, tampering).
        """
        row_key = self._row_key(identity_key)
        blob = await self._run(self._fetch_column, "chat_id", row_key)
        if blob is None:
            return None
        return int(self._open_sealed(row_key, "chat_id", blob))

    async def forget(self, identity_key: str) -> bool:
        """Deletes everything stored for an identity (``/forgetme``, unsubscribe-all).

        Args:
            identity_key: The identity's key.

        Returns:
            Whether anything was stored.

        Raises:
            ValueError: If the identity key is malformed.
        """
        row_key = self._row_key(identity_key)
        self._forgets += 1
        self._remembered.pop(row_key, None)
        deleted = await self._run(
            self._execute, "DELETE FROM delivery WHERE row_key = ?", (row_key,)
        )
        return deleted > 0

    async def set_timezone(self, identity_key: str, tz: str) -> None:
        """Stores the identity's time zone (used to show expert-forum times).

        Args:
            identity_key: The identity's key.
            tz: An IANA time zone name such as ``"Europe/London"``.

        Raises:
            ValueError: If the identity key is malformed or the time zone unknown.
        """
        row_key = self._row_key(identity_key)
        _check_timezone(tz)
        blob = self._seal(row_key, "timezone", tz)
        await self._run(
            self._execute,
            "INSERT INTO delivery (row_key, timezone) VALUES (?, ?) "
            "ON CONFLICT(row_key) DO UPDATE SET timezone = excluded.timezone",
            (row_key, blob),
        )

    async def timezone_for(self, identity_key: str) -> str:
        """Returns the identity's time zone name, ``"Europe/London"`` if none was set.

        Args:
            identity_key: The identity's key.

        Raises:
            ValueError: If the identity key is malformed.
            DeliveryStoreError: If the stored value does not decrypt.
        """
        row_key = self._row_key(identity_key)
        blob = await self._run(self._fetch_column, "timezone", row_key)
        if blob is None:
            return DEFAULT_TIMEZONE
        return self._open_sealed(row_key, "timezone", blob)

    # -- crypto -------------------------------------------------------------------------------

    def _row_key(self, identity_key: str) -> str:
        if not isinstance(identity_key, str) or not IDENTITY_KEY_PATTERN.fullmatch(identity_key):
            raise ValueError("malformed identity key")
        return hmac.new(self._row_key_secret, identity_key.encode("ascii"), "sha256").hexdigest()

    def _seal(self, row_key: str, column: str, value: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        aad = f"{column}:{row_key}".encode("ascii")
        return nonce + self._aead.encrypt(nonce, value.encode("utf-8"), aad)

    def _open_sealed(self, row_key: str, column: str, blob: bytes) -> str:
        aad = f"{column}:{row_key}".encode("ascii")
        try:
            plain = self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], aad)
        except InvalidTag:
            raise DeliveryStoreError(f"cannot decrypt stored {column}") from None
        return plain.decode("utf-8")

    # -- SQLite, always on the store's own thread ---------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: object) -> _T:
        if self._executor is None:
            raise DeliveryStoreError("delivery store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _open_sync(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file ourselves so it is never world-readable, not even for a moment.
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        conn = sqlite3.connect(self._path, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            # A chat id must not survive /forgetme in free pages; the ciphertext is small.
            conn.execute("PRAGMA secure_delete = ON")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(_SCHEMA)
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise DeliveryStoreError("delivery store is not open")
        return self._conn

    def _execute(self, sql: str, params: tuple[object, ...]) -> int:
        # Autocommit mode: each statement is its own transaction, which is all we need.
        return self._connection().execute(sql, params).rowcount

    def _fetch_column(self, column: str, row_key: str) -> bytes | None:
        # `column` is one of our own literals, never user input.
        sql = f"SELECT {column} FROM delivery WHERE row_key = ?"  # noqa: S608
        row = self._connection().execute(sql, (row_key,)).fetchone()
        if row is None or row[0] is None:
            return None
        value: bytes = row[0]
        return value


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _check_timezone(tz: str) -> None:
    if not isinstance(tz, str) or not 0 < len(tz) <= _MAX_TIMEZONE_CHARS:
        raise ValueError("unknown time zone")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("unknown time zone") from None
