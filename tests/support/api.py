"""Calling the real forum service as the bot does, and the credentials it is built with."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp.test_utils import TestClient

SERVICE_TOKEN = "test-service-token-0123456789"
PSEUDONYM_SECRET = "test-pseudonym-secret-0123456789"
AT_REST_KEY = "test-at-rest-key-0123456789abcdefghijklmnop"


class Api:
    """Calls the API as the bot does: service token plus the acting identity key."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    @staticmethod
    def new_identity() -> str:
        """Return a fresh identity key (what the bot's argon2id derivation produces)."""
        return secrets.token_hex(32)

    def headers(self, identity: str | None, **extra: str) -> dict[str, str]:
        """Headers of an authenticated call."""
        headers = {"Authorization": f"Bearer {SERVICE_TOKEN}", **extra}
        if identity is not None:
            headers["X-Forum-Identity"] = identity
        return headers

    async def call(
        self,
        method: str,
        path: str,
        identity: str | None = None,
        json: Any = None,
        expect: int | None = None,
        **headers: str,
    ) -> Any:
        """Make a call, assert the status when ``expect`` is given, and return the JSON body."""
        response = await self.client.request(
            method, path, json=json, headers=self.headers(identity, **headers)
        )
        body = await response.json()
        if expect is not None:
            assert response.status == expect, (response.status, body)
        return body

    async def new_thread(
        self, identity: str, board: str = "safety", title: str = "A question", body: str = "Text"
    ) -> dict[str, Any]:
        """Create a thread and return the response body."""
        result: dict[str, Any] = await self.call(
            "POST",
            "/api/v1/threads",
            identity,
            json={"board": board, "title": title, "body": body},
            expect=201,
        )
        return result


async def make_admin(api: Api, identity: str) -> None:
    """Make ``identity`` an admin the way the bot bootstraps its configured admins."""
    await api.call(
        "POST",
        "/api/v1/system/bootstrap-admins",
        None,
        json={"identity_keys": [identity]},
        expect=200,
    )


async def new_admin(api: Api) -> str:
    """Return the identity key of a new admin."""
    admin = api.new_identity()
    await make_admin(api, admin)
    return admin


async def make_moderator(api: Api, identity: str, admin: str | None = None) -> None:
    """Make ``identity`` a moderator through an admin's one-time invite."""
    admin = admin or api.new_identity()
    await make_admin(api, admin)
    invite = await api.call(
        "POST", "/api/v1/admin/invites", admin, json={"role": "moderator"}, expect=201
    )
    await api.call(
        "POST", "/api/v1/invites/redeem", identity, json={"code": invite["code"]}, expect=200
    )


async def moderation_queue(api: Api, moderator: str) -> list[dict[str, Any]]:
    """The moderation queue's items as ``moderator`` sees them, highest risk first."""
    body = await api.call("GET", "/api/v1/moderation/queue", moderator, expect=200)
    return list(body["items"])


async def approve_post(api: Api, moderator: str, post_id: int) -> None:
    """``moderator`` approves the queue item of ``post_id`` (it must be in their queue)."""
    (item,) = [i for i in await moderation_queue(api, moderator) if i["post"]["id"] == post_id]
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        moderator,
        json={"version": item["version"], "action": "approve"},
        expect=200,
    )
