"""Resources pinned to boards: frameworks, handbooks, guidance — a https link or a PDF by
Telegram file id. Members read them; admins pin and unpin (audited)."""

from __future__ import annotations

from urllib.parse import urlsplit

from forum_service.domain import Board, Conflict, DomainError, IdentityKey, NotFound, Resource
from forum_service.services.staff import StaffService
from forum_service.storage import boards_repo, resources_repo
from forum_service.storage.sessions import Session
from forum_service.validation import clean_text

TITLE_MAX = 120
DESCRIPTION_MAX = 200
URL_MAX = 500
FILE_ID_MAX = 200
#: A board's resources are shown above its threads: keep the list short.
MAX_PER_BOARD = 20


def clean_line(raw: str, field: str, max_length: int) -> str:
    """One line of text under the common text rule (``<field>_multiline`` otherwise)."""
    text = clean_text(raw, field=field, max_length=max_length)
    if "\n" in text:
        raise DomainError(f"{field}_multiline", f"the {field} must be a single line")
    return text


def clean_https_url(raw: str) -> str:
    """A link as people may open it: ``https://`` with a host, ASCII, no spaces or quotes.

    Raises:
        DomainError: ``url_invalid`` (or the text rule's codes, e.g. ``url_too_long``).
    """
    url = clean_text(raw, field="url", max_length=URL_MAX)
    refused = DomainError(
        "url_invalid",
        f"the link must be an https:// address in plain ASCII without spaces (≤ {URL_MAX} "
        "characters)",
    )
    if not url.isascii() or any(c.isspace() or c in "\"'<>\\`" for c in url):
        raise refused
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise refused from None
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or port == 0:
        raise refused
    return url


def clean_file_id(raw: str) -> str:
    """A Telegram file id: ASCII letters, digits, ``-`` and ``_`` only."""
    if not 1 <= len(raw) <= FILE_ID_MAX or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in raw
    ):
        raise DomainError("document_invalid", "that is not a Telegram file id")
    return raw


class ResourceService(StaffService):
    """Resources per board: members list them, admins pin and unpin.

    Args:
        db: the database.
        pseudonyms: derives the handles admins are audited under.
        clock: time source.
    """

    async def resources(self, board: str | None) -> list[Resource]:
        """The resources of one board (archived ones too: their threads stay readable), or of
        every board shown in /outcomes."""
        async with self._db.read("resources") as session:
            board_id = None if board is None else (await _board(session, board)).id
            return await resources_repo.resources(session, board_id)

    async def resource(self, resource_id: int) -> Resource:
        """One resource (to send its PDF)."""
        async with self._db.read("resource") as session:
            found = await resources_repo.resource(session, resource_id)
        if found is None:
            raise NotFound("resource_not_found", f"there is no resource {resource_id}")
        return found

    async def pin(
        self,
        key: IdentityKey,
        *,
        board: str,
        title: str,
        description: str,
        url: str | None,
        document_file_id: str | None,
    ) -> Resource:
        """Pin a resource to a board: exactly one of a https ``url`` and a ``document_file_id``.

        Raises:
            DomainError: ``resource_link_required`` (neither or both), ``url_invalid``,
                ``title_too_long``, ``description_multiline`` ..., ``resources_full``.
            NotFound: ``board_not_found``.
        """
        title = clean_line(title, "title", TITLE_MAX)
        description = (
            clean_line(description, "description", DESCRIPTION_MAX) if description.strip() else ""
        )
        if (url is None) == (document_file_id is None):
            raise DomainError(
                "resource_link_required",
                "a resource is either a https:// link or a PDF: give exactly one",
            )
        url = None if url is None else clean_https_url(url)
        document_file_id = None if document_file_id is None else clean_file_id(document_file_id)
        now = self._clock()
        async with self._db.write("pin_resource") as session:
            await self._staff(session, key, admin=True)
            found = await _board(session, board)
            if found.archived:
                raise Conflict("board_archived", f"the board {board!r} is archived")
            if await resources_repo.count(session, found.id) >= MAX_PER_BOARD:
                raise DomainError(
                    "resources_full",
                    f"a board holds at most {MAX_PER_BOARD} resources; unpin one first",
                )
            resource = await resources_repo.add(
                session,
                board_id=found.id,
                slug=found.slug,
                title=title,
                description=description,
                url=url,
                document_file_id=document_file_id,
                now=now,
            )
            await self._audit(session, key, "resource:pin", "resource", resource.id)
            return resource

    async def unpin(self, key: IdentityKey, resource_id: int) -> None:
        """Unpin a resource."""
        async with self._db.write("unpin_resource") as session:
            await self._staff(session, key, admin=True)
            if not await resources_repo.remove(session, resource_id):
                raise NotFound("resource_not_found", f"there is no resource {resource_id}")
            await self._audit(session, key, "resource:unpin", "resource", resource_id)


async def _board(session: Session, slug: str) -> Board:
    found = await boards_repo.board_by_slug(session, slug)
    if found is None:
        raise NotFound("board_not_found", f"there is no board called {slug[:40]!r}")
    return found
