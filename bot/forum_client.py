"""HTTP client of the forum service: the bot's only way to the forum (never its storage)."""

from __future__ import annotations

from typing import Any

import aiohttp

#: Every call gives up after this long so a slow service cannot stall the bot's update loop.
TIMEOUT = aiohttp.ClientTimeout(total=15)


class ForumError(Exception):
    """The service refused a call; ``message`` is a plain sentence fit to show the user."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message


class ForumUnavailable(ForumError):
    """The service could not be reached."""


class ForumClient:
    """Calls the forum API with the service token, acting for an identity key.

    Args:
        base_url: the service root, e.g. ``http://127.0.0.1:8080``.
        token: ``FORUM_SERVICE_TOKEN``.
    """

    def __init__(self, base_url: str, token: str) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the HTTP session (from the bot's ``post_init``)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)

    async def close(self) -> None:
        """Close the HTTP session (from ``post_shutdown``)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self,
        method: str,
        path: str,
        identity: str | None = None,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Make one API call and return its JSON body.

        Raises:
            ForumError: the service answered with an error (its code and message).
            ForumUnavailable: the service did not answer.
        """
        if self._session is None:
            raise ForumUnavailable(0, "not_open", "The forum is starting; please try again.")
        headers = {"Authorization": f"Bearer {self._token}"}
        if identity is not None:
            headers["X-Forum-Identity"] = identity
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            async with self._session.request(
                method, f"{self._base}{path}", json=json, params=params, headers=headers
            ) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
                    raise ForumError(
                        response.status,
                        str(error.get("code", "error")),
                        str(error.get("message", "The forum could not do that.")),
                    )
                return body
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise ForumUnavailable(
                0, "unavailable", "The forum is not reachable right now; please try again soon."
            ) from error

    # Thin, named wrappers keep handlers readable.

    async def boards(self) -> list[dict[str, Any]]:
        """List boards."""
        return list((await self.call("GET", "/api/v1/boards"))["boards"])

    async def threads(
        self, board: str, cursor: str | None = None, limit: int = 5
    ) -> dict[str, Any]:
        """One page of a board's threads."""
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        result: dict[str, Any] = await self.call(
            "GET", f"/api/v1/boards/{board}/threads", params=params
        )
        return result

    async def thread(self, identity: str, thread_id: int, after: int = 0) -> dict[str, Any]:
        """A thread with its visible posts."""
        result: dict[str, Any] = await self.call(
            "GET",
            f"/api/v1/threads/{thread_id}",
            identity,
            params={"after": str(after), "limit": "50"},
        )
        return result

    async def me(self, identity: str) -> dict[str, Any]:
        """The caller's role."""
        result: dict[str, Any] = await self.call("GET", "/api/v1/me", identity)
        return result
