"""The database's record of which secrets wrote it, checked before anything reads or writes."""

from __future__ import annotations

from sqlalchemy import inspect

from forum_service.settings import ConfigError
from forum_service.storage.database import ConstraintViolation, Database
from forum_service.storage.sessions import Session
from forum_service.storage.tables import VaultCheckRow
from forum_service.vault import KeyCheck


class KeyMismatch(ConfigError):
    """The configured secrets are not the ones this database was written with."""


async def stored_check(session: Session) -> KeyCheck | None:
    """The database's key check, or None before anything was written."""
    row = await session.get(VaultCheckRow, 1)
    return None if row is None else KeyCheck(row.sealed_canary, row.tag_canary)


async def replace_check(session: Session, check: KeyCheck) -> None:
    """Store ``check`` as the database's key check (first start, key rotation)."""
    row = await session.get(VaultCheckRow, 1)
    if row is None:
        session.add(
            VaultCheckRow(id=1, sealed_canary=check.sealed_canary, tag_canary=check.tag_canary)
        )
    else:
        row.sealed_canary, row.tag_canary = check.sealed_canary, check.tag_canary
    await session.flush()


async def verify_keys(db: Database) -> None:
    """Refuse to run on a database written with other secrets; claim a new one for ours.

    Raises:
        KeyMismatch: with what to set, never the secrets themselves.
    """
    try:
        async with db.write("verify_keys") as session:
            connection = await session.connection()
            if not await connection.run_sync(lambda c: inspect(c).has_table("vault_check")):
                return  # schema older than 0006: /readyz says migrations are behind
            stored = await stored_check(session)
            if stored is None:
                await replace_check(session, db.vault.key_check())
                return
    except ConstraintViolation:
        # Another process (``api --workers N``) claimed the new database at the same moment:
        # check our secrets against what it stored, as for any database already claimed.
        async with db.read("verify_keys") as session:
            stored = await stored_check(session)
        if stored is None:
            raise
    problem = db.vault.check(stored)
    if problem is not None:
        raise KeyMismatch(f"cannot open the database: {problem}")
