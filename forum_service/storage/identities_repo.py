"""Repository of identities: the pseudonymous accounts behind identity keys.

A row holds the role, the suspension flag, ``lookup`` (``Vault.identity_lookup`` of the key) and
the sealed :class:`PersonState` with the key itself. No other table refers to a row, so a copy
of the database cannot say which posts, reports or RSVPs are one person's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from forum_service.domain import Identity, PersonState, Role, StaffMember, SuspensionState
from forum_service.storage.batched_reads import batched_reads
from forum_service.storage.database import Database
from forum_service.storage.sessions import insert_or_ignore
from forum_service.storage.tables import IdentityRow
from forum_service.vault import Vault, epoch_seconds, from_epoch


def state_context(lookup: str) -> str:
    """What an identity's sealed state is bound to."""
    return f"identities.state|{lookup}"


def _sealed_state(vault: Vault, key: str, lookup: str, state: PersonState) -> bytes:
    document: dict[str, Any] = {
        "k": key,
        "c": state.created_at,
        "p": list(state.posts),
        "tp": list(state.post_times),
        "tr": list(state.report_times),
        "f": list(state.follows),
    }
    if state.suspension is not None:
        document["s"] = {"a": state.suspension.audit_id, "u": state.suspension.until}
    return vault.seal_json(document, state_context(lookup))


def _opened(vault: Vault, row: IdentityRow | Row[*tuple[Any, ...]]) -> tuple[str, PersonState]:
    document = vault.open_json(row.state, state_context(row.lookup))
    held = document.get("s")  # states sealed before suspensions had an end have none
    state = PersonState(
        created_at=int(document["c"]),
        posts=tuple(document["p"]),
        post_times=tuple(document["tp"]),
        report_times=tuple(document["tr"]),
        follows=tuple(document.get("f", ())),
        suspension=None
        if held is None
        else SuspensionState(audit_id=int(held["a"]), until=held["u"]),
    )
    return str(document["k"]), state


def _identity(vault: Vault, row: IdentityRow | Row[*tuple[Any, ...]]) -> Identity:
    _, state = _opened(vault, row)
    return Identity(
        id=row.id,
        role=Role(row.role),
        suspended=row.suspended,
        created_at=from_epoch(state.created_at),
        state=state,
        member=row.member,
        membership_requested=row.membership_requested,
    )


async def ensure_identity(
    session: AsyncSession, vault: Vault, key: str, now: datetime, *, lock: bool = False
) -> Identity:
    """Return the identity with ``key``, creating a practitioner on first sight.

    The row is read first (one statement for everyone the service has seen, the hot case);
    only when it is missing does ``INSERT ... ON CONFLICT DO NOTHING`` create it, so two first
    requests at once cannot collide, and it is read again. With ``lock`` the row is locked
    (PostgreSQL ``FOR UPDATE``) until the transaction ends, for callers that rewrite its
    state; SQLite write transactions are serial already.
    """
    lookup = vault.identity_lookup(key)
    query = _IDENTITY_LOCKED if lock else _IDENTITY
    connection = await session.connection()
    row = (await connection.execute(query, {"lookup": lookup})).one_or_none()
    if row is not None:
        return _identity(vault, row)
    fresh = PersonState(created_at=epoch_seconds(now))
    stmt = insert_or_ignore(session, IdentityRow, ["lookup"]).values(
        lookup=lookup,
        role=Role.PRACTITIONER.value,
        suspended=False,
        member=False,
        membership_requested=False,
        state=_sealed_state(vault, key, lookup, fresh),
    )
    await connection.execute(stmt)
    return _identity(vault, (await connection.execute(query, {"lookup": lookup})).one())


# Built once (Core, columns only): building the expression per call and the ORM's entity
# loading were a share of every write's time.
_IDENTITY = select(
    IdentityRow.id,
    IdentityRow.lookup,
    IdentityRow.role,
    IdentityRow.suspended,
    IdentityRow.member,
    IdentityRow.membership_requested,
    IdentityRow.state,
).where(IdentityRow.lookup == bindparam("lookup"))
_IDENTITY_LOCKED = _IDENTITY.with_for_update()


async def find_identity(session: AsyncSession, vault: Vault, key: str) -> Identity | None:
    """Return the identity with ``key`` if the service has seen it."""
    row = (
        await session.execute(
            select(IdentityRow).where(IdentityRow.lookup == vault.identity_lookup(key))
        )
    ).scalar_one_or_none()
    return None if row is None else _identity(vault, row)


async def standing(session: AsyncSession, vault: Vault, key: str) -> tuple[bool, Role] | None:
    """Return ``(member, role)`` of the identity with ``key``, or None if never seen.

    The membership gate's question on every request: two columns, no sealed state opened.
    """
    row = (
        await session.execute(
            select(IdentityRow.member, IdentityRow.role).where(
                IdentityRow.lookup == vault.identity_lookup(key)
            )
        )
    ).one_or_none()
    return None if row is None else (bool(row[0]), Role(row[1]))


async def standing_now(db: Database, key: str) -> tuple[bool, Role] | None:
    """``standing`` as one statement on the driver, outside any unit of work (the gate's read).

    It reads the row itself on every call, so a removal or demotion committed by any process
    is seen by the next request: nothing is cached. Concurrent requests' reads share one
    statement (``storage.batched_reads``), each started after its request asked.
    """
    found = await batched_reads(db).standing.get(db.vault.identity_lookup(key))
    return None if found is None else (found[0], Role(found[1]))


async def save_state(
    session: AsyncSession, vault: Vault, identity: Identity, key: str, state: PersonState
) -> None:
    """Re-seal an identity's state (in the caller's transaction, after a locked read)."""
    lookup = vault.identity_lookup(key)
    connection = await session.connection()
    await connection.execute(
        _SAVE_STATE,
        {"identity_id": identity.id, "state": _sealed_state(vault, key, lookup, state)},
    )


_SAVE_STATE = (
    update(IdentityRow)
    .where(IdentityRow.id == bindparam("identity_id"))
    .values(state=bindparam("state", type_=IdentityRow.state.type))
)


async def set_suspended(session: AsyncSession, identity_id: int, suspended: bool) -> None:
    """Suspend an identity, or lift its suspension."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(suspended=suspended)
    )


async def suspended_identities(session: AsyncSession, vault: Vault) -> list[tuple[str, Identity]]:
    """Every suspended identity with its key (to end suspensions that have run out)."""
    rows = await session.execute(select(IdentityRow).where(IdentityRow.suspended.is_(True)))
    return [(_opened(vault, row)[0], _identity(vault, row)) for row in rows.scalars()]


async def set_member(session: AsyncSession, identity_id: int, member: bool) -> None:
    """Make an identity a member, or end its membership."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(member=member)
    )


async def set_membership_requested(session: AsyncSession, identity_id: int) -> None:
    """Record that an identity has sent its one membership request."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(membership_requested=True)
    )


async def set_role(session: AsyncSession, identity_id: int, role: Role) -> None:
    """Give an identity a role."""
    await session.execute(
        update(IdentityRow).where(IdentityRow.id == identity_id).values(role=role.value)
    )


async def staff(session: AsyncSession, vault: Vault, roles: list[Role]) -> list[StaffMember]:
    """Every identity holding one of ``roles`` (their keys opened, to derive handles)."""
    rows = await session.execute(
        select(IdentityRow).where(IdentityRow.role.in_([role.value for role in roles]))
    )
    return [
        StaffMember(
            id=row.id,
            key=_opened(vault, row)[0],
            role=Role(row.role),
            suspended=row.suspended,
            on_duty=row.on_duty,
            alert_last_at=row.alert_last_at,
            alert_pending=row.alert_pending,
        )
        for row in rows.scalars()
    ]
