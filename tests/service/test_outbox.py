"""The notification outbox over the API: claim with a lease, acknowledge, re-claim after a crash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from forum_service.api.keys import OUTBOX
from forum_service.services.outbox import MAX_ATTEMPTS
from tests.support.api import Api, make_moderator


async def _decided_post(api: Api, author: str) -> None:
    mod = api.new_identity()
    await make_moderator(api, mod)
    await api.new_thread(author)
    (item,) = (await api.call("GET", "/api/v1/moderation/queue", mod, expect=200))["items"]
    await api.call(
        "POST",
        f"/api/v1/moderation/items/{item['id']}/decision",
        mod,
        json={"version": item["version"], "action": "approve"},
        expect=200,
    )


async def _claim(api: Api, **body: Any) -> list[dict[str, Any]]:
    claimed = await api.call("POST", "/api/v1/outbox/claim", None, json=body, expect=200)
    return list(claimed["notifications"])


async def test_claim_then_ack_delivers_once(api: Api) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    (note,) = await _claim(api, limit=10)
    assert note["recipient"] == author and note["kind"] == "post_decision"
    assert note["payload"]["outcome"] == "approved"
    assert await _claim(api, limit=10) == [], "a leased notification is not handed out twice"
    acked = await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": note["id"], "outcome": "sent"}]},
        expect=200,
    )
    assert acked["count"] == 1
    replay = await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": note["id"], "outcome": "sent"}]},
        expect=200,
    )
    assert replay["count"] == 0


async def test_unacknowledged_notifications_come_back_after_the_lease(api: Api) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    (first,) = await _claim(api, limit=10, lease_seconds=5)
    # The bot "crashes" between send and ack; after the lease the same notification returns.
    outbox = api.client.app[OUTBOX]
    later = outbox._clock() + timedelta(seconds=6)
    outbox._clock = lambda: later
    (again,) = await _claim(api, limit=10)
    assert again["id"] == first["id"] and again["attempts"] == 2


async def test_retry_after_delays_the_next_claim(api: Api) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    (note,) = await _claim(api, limit=10)
    await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": note["id"], "outcome": "retry", "retry_after": 30}]},
        expect=200,
    )
    assert await _claim(api, limit=10) == []


async def test_bad_claims_and_acks_are_refused(api: Api) -> None:
    error = await api.call("POST", "/api/v1/outbox/claim", None, json={"limit": 0}, expect=422)
    assert error["error"]["code"] == "invalid_request"
    error = await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [{"id": 1, "outcome": "maybe"}]},
        expect=422,
    )
    assert error["error"]["code"] == "invalid_request"
    response = await api.client.post("/api/v1/outbox/claim", json={})
    assert response.status == 401


async def test_a_second_ack_of_one_notification_in_the_same_batch_changes_nothing(
    api: Api,
) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    (note,) = await _claim(api, limit=10)
    acked = await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={
            "acks": [
                {"id": note["id"], "outcome": "retry", "retry_after": 5},
                {"id": note["id"], "outcome": "sent"},
            ]
        },
        expect=200,
    )
    assert acked["count"] == 1
    # The retry counted; the "sent" after it did not settle (delete) the notification.
    assert await api.client.app[OUTBOX].counts() == {"pending": 1}


async def test_retries_stop_after_the_last_attempt_and_failures_are_final(api: Api) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    outbox = api.client.app[OUTBOX]
    clock = {"now": outbox._clock()}
    outbox._clock = lambda: clock["now"]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (note,) = await _claim(api, limit=10)
        assert note["attempts"] == attempt
        await api.call(
            "POST",
            "/api/v1/outbox/ack",
            None,
            json={"acks": [{"id": note["id"], "outcome": "retry", "retry_after": 1}]},
            expect=200,
        )
        clock["now"] += timedelta(seconds=2)
    assert await outbox.counts() == {}, "the last retry gives up: the row is deleted"
    clock["now"] += timedelta(hours=1)
    assert await _claim(api, limit=10) == [], "a failed notification is never claimed again"


async def test_a_full_batch_of_a_thousand_acks_settles_the_known_ones(api: Api) -> None:
    author = api.new_identity()
    await _decided_post(api, author)
    (note,) = await _claim(api, limit=10)
    unknown = [{"id": note["id"] + n, "outcome": "sent"} for n in range(1, 1000)]
    acked = await api.call(
        "POST",
        "/api/v1/outbox/ack",
        None,
        json={"acks": [*unknown, {"id": note["id"], "outcome": "sent"}]},
        expect=200,
    )
    assert acked["count"] == 1
    assert await api.client.app[OUTBOX].counts() == {}, "settled, so deleted"
