"""Per-thread pseudonyms: stable inside a thread, unlinkable across threads.

``HMAC-SHA256(secret, identity_key || scope)`` turned into a short readable handle. Without the
service secret nobody can link two handles to one person, nor a handle back to an identity key.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonymizer:
    """Derives readable handles from identity keys with the service's pseudonym secret.

    Args:
        secret: ``FORUM_PSEUDONYM_SECRET`` as bytes.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("pseudonym secret must be at least 16 bytes")
        self._secret = secret

    def _digest(self, identity_key: str, scope: str) -> str:
        message = f"{identity_key}|{scope}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest().upper()

    def for_thread(self, identity_key: str, thread_id: int) -> str:
        """Return the handle of ``identity_key`` in thread ``thread_id``, e.g. "Practitioner 4F2A9".

        Twenty bits keep collisions inside one thread unlikely (about 1 in 5,000 for 20 people).
        """
        return f"Practitioner {self._digest(identity_key, f'thread:{thread_id}')[:5]}"

    def for_moderation(self, identity_key: str) -> str:
        """Return the stable handle a moderator or admin acts under in the audit log."""
        return f"Moderator {self._digest(identity_key, 'moderation')[:5]}"
