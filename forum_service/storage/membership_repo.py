"""Repository of pending membership requests (approval mode).

A row is one person's one request: ``requester_tag`` (their tag for requests only, so a
second request is refused), the identity key sealed (to make them a member and tell them the
outcome) and their short text sealed. The row is deleted once an admin decides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import MembershipRequest, Sealed
from forum_service.storage.tables import MembershipRequestRow
from forum_service.vault import PAD_BLOCK, Vault

SCOPE = "membership-request"


def requester_tag(vault: Vault, key: str) -> str:
    """A person's tag among membership requests."""
    return vault.tag(key, SCOPE)


def requester_context(tag: str) -> str:
    """What a request's sealed requester is bound to."""
    return f"membership_requests.requester|{tag}"


def message_context(tag: str) -> str:
    """What a request's sealed text is bound to."""
    return f"membership_requests.message|{tag}"


async def add_request(
    session: AsyncSession, vault: Vault, key: str, message: str, now: datetime
) -> int:
    """Store a request and return its id (the caller checked there is none of this person)."""
    tag = requester_tag(vault, key)
    row = MembershipRequestRow(
        requester_tag=tag,
        requester_seal=vault.seal_key(key, requester_context(tag)),
        # Padded: the length of a sealed text says little about what was written.
        message_seal=vault.seal(message.encode(), message_context(tag), block=PAD_BLOCK),
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id


async def has_request(session: AsyncSession, vault: Vault, key: str) -> bool:
    """Whether this person has a pending request."""
    tag = requester_tag(vault, key)
    found = await session.scalar(
        select(MembershipRequestRow.id).where(MembershipRequestRow.requester_tag == tag)
    )
    return found is not None


async def request(session: AsyncSession, vault: Vault, request_id: int) -> MembershipRequest | None:
    """Return a pending request with its text opened, or None."""
    row = await session.get(MembershipRequestRow, request_id)
    if row is None:
        return None
    return MembershipRequest(
        id=row.id,
        message=vault.open(row.message_seal, message_context(row.requester_tag)).decode(),
        created_at=row.created_at,
        requester=Sealed(row.requester_seal, requester_context(row.requester_tag)),
    )


async def delete_request(session: AsyncSession, request_id: int) -> bool:
    """Delete a decided request; False if another admin decided it meanwhile."""
    result = await session.execute(
        delete(MembershipRequestRow).where(MembershipRequestRow.id == request_id)
    )
    return (result.rowcount or 0) == 1  # type: ignore[attr-defined]
