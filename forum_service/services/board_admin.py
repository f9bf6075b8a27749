"""Boards admins add, rename and archive (e.g. "Children and young people").

The eight MSCOS core outcomes stay: they can be renamed (the title is display text; the slug,
which links, subscriptions and forums use, never changes) but not archived. An archived board
leaves /outcomes and takes no new threads or pins; its threads stay readable by their ids.
"""

from __future__ import annotations

import re

from forum_service.domain import Board, Conflict, DomainError, IdentityKey, NotFound
from forum_service.services.resources import clean_line
from forum_service.services.staff import StaffService
from forum_service.storage import boards_repo
from forum_service.storage.database import ConstraintViolation
from forum_service.storage.sessions import Session

TITLE_MAX = 200
#: Lowercase letters, digits and single hyphens, 2-40 characters, at least one letter (a slug
#: of digits only would read as a thread id in ``/read <thread>``).
NEW_SLUG = re.compile(r"(?=[0-9-]*[a-z])[a-z0-9](?:[a-z0-9]|-(?!-)){0,38}[a-z0-9]")
#: Words the bot reads as something else where a slug may stand (``/subscribe all|digest``).
RESERVED_SLUGS = frozenset({"all", "digest", "past"})


def check_new_slug(slug: str) -> str:
    """Refuse a slug that is not 2-40 lowercase letters, digits and single hyphens."""
    if NEW_SLUG.fullmatch(slug) is None or slug in RESERVED_SLUGS:
        raise DomainError(
            "slug_invalid",
            "a board's short name is 2-40 lowercase letters, digits and single hyphens, "
            "with at least one letter, e.g. children-young-people",
        )
    return slug


class BoardAdminService(StaffService):
    """Adding, renaming and archiving boards (admins, audited).

    Args:
        db: the database.
        pseudonyms: derives the handles admins are audited under.
        clock: time source.
    """

    async def boards(self, key: IdentityKey) -> list[Board]:
        """Every board, archived ones too (admins)."""
        async with self._db.write("admin_boards") as session:
            await self._staff(session, key, admin=True)
            return await boards_repo.list_boards(session, archived=True)

    async def add(self, key: IdentityKey, slug: str, title: str) -> Board:
        """Add a board after the others.

        Raises:
            DomainError: ``slug_invalid``, ``title_empty``, ``title_too_long`` ...
            Conflict: ``board_exists``.
        """
        slug = check_new_slug(slug)
        title = clean_line(title, "title", TITLE_MAX)
        now = self._clock()
        exists = Conflict("board_exists", f"there is a board called {slug!r} already")
        try:
            async with self._db.write("add_board") as session:
                await self._staff(session, key, admin=True)
                if await boards_repo.board_by_slug(session, slug) is not None:
                    raise exists
                board = await boards_repo.add_board(session, slug=slug, title=title, now=now)
                await self._audit(session, key, "board:add", "board", board.id)
                return board
        except ConstraintViolation:  # two admins adding the same slug at once
            raise exists from None

    async def rename(self, key: IdentityKey, slug: str, title: str) -> Board:
        """Give a board a new title (core boards too); its slug stays."""
        title = clean_line(title, "title", TITLE_MAX)
        async with self._db.write("rename_board") as session:
            await self._staff(session, key, admin=True)
            board = await _board(session, slug)
            await boards_repo.rename_board(session, board.id, title)
            await self._audit(
                session, key, "board:rename", "board", board.id, details={"title": title}
            )
            return await _board(session, slug)

    async def archive(self, key: IdentityKey, slug: str) -> Board:
        """Archive a board that is not a core outcome.

        Raises:
            Conflict: ``board_is_core``; ``board_archived`` (already).
        """
        async with self._db.write("archive_board") as session:
            await self._staff(session, key, admin=True)
            board = await _board(session, slug)
            if board.core:
                raise Conflict(
                    "board_is_core",
                    f"{board.title!r} is one of the eight core outcomes: it cannot be archived",
                )
            if not await boards_repo.archive_board(session, board.id, self._clock()):
                raise Conflict("board_archived", f"the board {slug!r} is archived already")
            await self._audit(session, key, "board:archive", "board", board.id)
            return await _board(session, slug)


async def _board(session: Session, slug: str) -> Board:
    found = await boards_repo.board_by_slug(session, slug)
    if found is None:
        raise NotFound("board_not_found", f"there is no board called {slug[:40]!r}")
    return found
