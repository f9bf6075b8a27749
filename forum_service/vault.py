"""Authorship at rest: per-scope tags and sealed references, so a copy of the database links
nothing to anybody.

Two secrets, both from the settings (``mscos-forum init`` writes them):

* the pseudonym secret keys **tags**: ``HMAC-SHA256(tag key, identity key | scope)``. A tag is
  equal for one person inside one scope (a thread, a forum, a topic, a post reported) and
  unrelated across scopes, exactly like the per-thread pseudonym readers already see;
* the at-rest key seals **references**: AES-256-GCM of the identity key with a random nonce per
  row, and the table, column and the row's tag as associated data, so a sealed value cannot be
  moved to another row unnoticed. Equal plaintexts never give equal ciphertexts.

Only the running service, holding both secrets, can go from a row back to a person (to tell an
author about a decision, suspend them, remind them of a forum). A sealed value starts with the
id of the key that sealed it, so a database part-way through ``mscos-forum rotate-keys`` still
opens with the previous key configured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_SECRET_CHARS: Final = 16
MIN_AT_REST_KEY_CHARS: Final = 32

_VERSION: Final = 1
_HEADER: Final = struct.Struct(">B4s")  # format version, key id
_NONCE_BYTES: Final = 12
#: Sealed plaintexts are padded to a multiple of this, so a sealed list's length says little.
PAD_BLOCK: Final = 256
_CANARY: Final = b"mscos-forum at-rest canary v1"


class VaultError(Exception):
    """A sealed value does not open: another key sealed it, or it was tampered with."""


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


def key_id(at_rest_key: str) -> bytes:
    """The 4-byte id a sealed value carries of the key that sealed it (not secret)."""
    return hmac.new(_derive(at_rest_key, b"mscos-forum key id v1"), b"id", hashlib.sha256).digest()[
        :4
    ]


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What the database keeps to recognise the keys it was written with (see :meth:`check`)."""

    sealed_canary: bytes
    tag_canary: str


class Vault:
    """Derives tags and seals references with the service's two secrets.

    Args:
        pseudonym_secret: ``FORUM_PSEUDONYM_SECRET``.
        at_rest_key: ``FORUM_AT_REST_KEY``: seals everything written from now on.
        previous_keys: at-rest keys that may still have sealed some rows (a rotation in
            progress); they open, never seal.
    """

    def __init__(
        self, pseudonym_secret: str, at_rest_key: str, previous_keys: Iterable[str] = ()
    ) -> None:
        if len(pseudonym_secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the pseudonym secret needs at least {MIN_SECRET_CHARS} characters")
        keys = [at_rest_key, *previous_keys]
        if any(len(key) < MIN_AT_REST_KEY_CHARS for key in keys):
            raise ValueError(f"an at-rest key needs at least {MIN_AT_REST_KEY_CHARS} characters")
        self._tag_key = _derive(pseudonym_secret, b"mscos-forum tags v1")
        self._key_id = key_id(at_rest_key)
        self._ciphers = {
            key_id(key): AESGCM(_derive(key, b"mscos-forum at-rest aes-256-gcm v1")) for key in keys
        }

    def __repr__(self) -> str:
        return "Vault(<secrets redacted>)"

    # --- tags -------------------------------------------------------------------------------

    def tag(self, identity_key: str, scope: str) -> str:
        """The person's tag in ``scope`` (e.g. ``thread:12``): 32 hex characters (128 bits)."""
        message = f"{identity_key}|{scope}".encode()
        return hmac.new(self._tag_key, message, hashlib.sha256).hexdigest()[:32]

    def identity_lookup(self, identity_key: str) -> str:
        """The identities row's lookup value: the key itself is never stored."""
        return hmac.new(
            self._tag_key, f"identity|{identity_key}".encode(), hashlib.sha256
        ).hexdigest()

    # --- sealing ----------------------------------------------------------------------------

    def seal(self, plaintext: bytes, context: str, *, block: int = 16) -> bytes:
        """Encrypt ``plaintext`` bound to ``context`` (table, column and row tag).

        The plaintext is padded to a multiple of ``block`` bytes first.
        """
        padded = _pad(plaintext, block)
        nonce = os.urandom(_NONCE_BYTES)
        header = _HEADER.pack(_VERSION, self._key_id)
        cipher = self._ciphers[self._key_id]
        return header + nonce + cipher.encrypt(nonce, padded, header + context.encode())

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a value made by :meth:`seal` with the same ``context``.

        Raises:
            VaultError: if no configured key sealed it, or it was changed or moved.
        """
        if len(sealed) < _HEADER.size + _NONCE_BYTES + 16:
            raise VaultError("sealed value too short")
        version, kid = _HEADER.unpack_from(sealed)
        cipher = self._ciphers.get(kid)
        if version != _VERSION or cipher is None:
            raise VaultError("sealed with an at-rest key this service does not hold")
        header = sealed[: _HEADER.size]
        nonce = sealed[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        try:
            padded = cipher.decrypt(
                nonce, sealed[_HEADER.size + _NONCE_BYTES :], header + context.encode()
            )
        except InvalidTag:
            raise VaultError("sealed value does not open: changed, moved or wrong key") from None
        return _unpad(padded)

    def sealed_by_current(self, sealed: bytes) -> bool:
        """Whether the current key (not a previous one) sealed this value."""
        return sealed[1 : _HEADER.size] == self._key_id

    def seal_key(self, identity_key: str, context: str) -> bytes:
        """Seal an identity key (a reference to its person)."""
        return self.seal(identity_key.encode(), context)

    def open_key(self, sealed: bytes, context: str) -> str:
        """Open a sealed identity key."""
        return self.open(sealed, context).decode()

    def seal_json(self, value: Any, context: str) -> bytes:
        """Seal a JSON-serialisable value, padded to :data:`PAD_BLOCK` bytes."""
        return self.seal(
            json.dumps(value, separators=(",", ":")).encode(), context, block=PAD_BLOCK
        )

    def open_json(self, sealed: bytes, context: str) -> Any:
        """Open a value sealed by :meth:`seal_json`."""
        return json.loads(self.open(sealed, context))

    # --- recognising the database's keys ----------------------------------------------------

    def key_check(self) -> KeyCheck:
        """Fresh check values for a database this vault starts to write."""
        return KeyCheck(
            sealed_canary=self.seal(_CANARY, "vault.canary"),
            tag_canary=self.tag("canary", "vault"),
        )

    def check(self, stored: KeyCheck) -> str | None:
        """Explain why this vault cannot work on a database that stored ``stored``, or None.

        A wrong pseudonym secret would silently make everybody a stranger to their own posts
        (tags differ); a wrong at-rest key would fail on the first sealed row. Both are refused
        at start-up instead.
        """
        if not hmac.compare_digest(stored.tag_canary, self.tag("canary", "vault")):
            return (
                "FORUM_PSEUDONYM_SECRET is not the secret this database was written with; "
                "set it back (its authorship tags are derived from it)"
            )
        try:
            if self.open(stored.sealed_canary, "vault.canary") != _CANARY:
                raise VaultError("canary changed")
        except VaultError:
            return (
                "the database was sealed with another FORUM_AT_REST_KEY; set the key it was "
                "sealed with (and FORUM_AT_REST_KEY_PREVIOUS if a rotation was interrupted)"
            )
        return None


def _pad(plaintext: bytes, block: int) -> bytes:
    # 4-byte length, the plaintext, zeros up to the next block.
    framed = struct.pack(">I", len(plaintext)) + plaintext
    return framed + b"\0" * (-len(framed) % block)


def _unpad(padded: bytes) -> bytes:
    (length,) = struct.unpack_from(">I", padded)
    if length > len(padded) - 4:
        raise VaultError("sealed value is malformed")
    return padded[4 : 4 + length]


def epoch_seconds(at: datetime) -> int:
    """Whole seconds since the epoch (sealed per-person state keeps times as these)."""
    return int(at.astimezone(UTC).timestamp())


def from_epoch(seconds: int) -> datetime:
    """The aware UTC datetime of :func:`epoch_seconds`."""
    return datetime.fromtimestamp(seconds, UTC)
