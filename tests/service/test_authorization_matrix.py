"""Every route × every kind of caller, generated from the route table (issue 13).

A new route joins the matrix by existing: its audience comes from its path, and a route that
takes a request body must have a valid sample below (a test fails otherwise), so that a role
check can never hide behind a validation error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from forum_service.api.openapi import doc_of
from forum_service.app import create_app
from forum_service.settings import ServiceSettings
from tests.support.api import (
    AT_REST_KEY,
    PSEUDONYM_SECRET,
    SERVICE_TOKEN,
    Api,
    make_admin,
    make_moderator,
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    public: bool
    takes_body: bool

    @property
    def audience(self) -> str:
        """Who may call it: public, bot (service token alone), admin, moderator or member."""
        if self.public:
            return "public"
        if self.path.startswith(("/api/v1/system/", "/api/v1/outbox/")):
            return "bot"
        if self.path.startswith("/api/v1/admin/"):
            return "admin"
        if self.path.startswith("/api/v1/moderation/"):
            return "moderator"
        return "member"

    def url(self) -> str:
        filled = {"slug": "safety", "topic": "all"}
        return re.sub(r"{(\w+)}", lambda m: filled.get(m.group(1), "999999"), self.path)


def _routes() -> list[Route]:
    settings = ServiceSettings(
        service_token=SERVICE_TOKEN, pseudonym_secret=PSEUDONYM_SECRET, at_rest_key=AT_REST_KEY
    )
    app = create_app(settings)
    found = []
    for route in app.router.routes():
        doc = doc_of(route.handler)
        if route.method == "HEAD" or doc is None:
            continue
        path = str(route.resource.canonical if route.resource else "")
        found.append(Route(route.method, path, doc.public, doc.request is not None))
    return found


ROUTES = _routes()

#: A valid body for every route that takes one: the role check, not validation, must answer.
SAMPLE_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/threads"): {"board": "safety", "title": "A title", "body": "A body"},
    ("POST", "/api/v1/threads/{thread_id}/posts"): {"body": "A reply"},
    ("POST", "/api/v1/drafts/check"): {"body": "A draft"},
    ("POST", "/api/v1/posts/{post_id}/revise"): {"body": "Revised"},
    ("POST", "/api/v1/posts/{post_id}/reports"): {"reason": "Spam"},
    ("POST", "/api/v1/moderation/items/{item_id}/claim"): {"version": 1},
    ("PUT", "/api/v1/moderation/duty"): {"on_duty": False},
    ("POST", "/api/v1/moderation/items/{item_id}/decision"): {"version": 1, "action": "approve"},
    ("POST", "/api/v1/moderation/items/{item_id}/redactions"): {"version": 1, "finding": 0},
    ("POST", "/api/v1/moderation/items/{item_id}/undo"): {"version": 1},
    ("POST", "/api/v1/moderation/items/{item_id}/notes"): {"text": "A note"},
    ("POST", "/api/v1/moderation/posts/{post_id}/hide"): {"reason": "Unsafe"},
    ("POST", "/api/v1/moderation/posts/{post_id}/author-suspension"): {
        "suspended": True,
        "reason": "Abuse",
    },
    ("POST", "/api/v1/admin/watched-words"): {"word": "example", "action": "flag"},
    ("POST", "/api/v1/admin/invites"): {"role": "moderator"},
    ("POST", "/api/v1/admin/moderators/remove"): {"handle": "Moderator 00000"},
    ("PUT", "/api/v1/admin/boards/{slug}/auto-approve"): {"enabled": False},
    ("POST", "/api/v1/invites/redeem"): {"code": "no-such-code"},
    ("POST", "/api/v1/system/bootstrap-admins"): {"identity_keys": []},
    ("POST", "/api/v1/outbox/claim"): {"limit": 1, "lease_seconds": 5},
    ("POST", "/api/v1/outbox/ack"): {"acks": []},
    ("POST", "/api/v1/admin/forums"): {"board": "safety", "title": "Forum", "lead": "Lead"},
    ("POST", "/api/v1/admin/forums/{forum_id}/reschedule"): {
        "starts_at": "2030-01-01T10:00:00+00:00"
    },
    ("POST", "/api/v1/admin/forums/{forum_id}/cancel"): {"reason": "Ill"},
    ("POST", "/api/v1/admin/announcements"): {"text": "Hello"},
    ("PUT", "/api/v1/forums/{forum_id}/rsvp"): {"status": "going"},
    ("POST", "/api/v1/admin/forums/{forum_id}/held"): {"summary": "What we covered"},
    ("POST", "/api/v1/forums/{forum_id}/questions"): {"text": "How do referrals work?"},
    ("POST", "/api/v1/moderation/forum-questions/{question_id}/decision"): {"approve": True},
    ("POST", "/api/v1/me/subscriptions"): {"topic": "all"},
    ("POST", "/api/v1/admin/member-invites"): {"uses": 5, "days": 10, "label": "Partner"},
    ("POST", "/api/v1/admin/invites/revoke"): {"code": "no-such-code"},
    ("POST", "/api/v1/admin/membership-requests/{request_id}/decision"): {"approve": True},
    ("POST", "/api/v1/membership-requests"): {"text": "A caseworker at a partner charity"},
    ("POST", "/api/v1/admin/helplines"): {"name": "Helpline", "contact": "0800 000 000"},
    ("POST", "/api/v1/admin/resources"): {
        "board": "safety",
        "title": "A handbook",
        "url": "https://example.org/handbook.pdf",
    },
    ("POST", "/api/v1/admin/newsletters"): {"title": "Weekly update", "text": "News"},
    ("POST", "/api/v1/feedback"): {"text": "The digest could come on Fridays"},
    ("POST", "/api/v1/admin/feedback/{feedback_id}/reply"): {"text": "Thank you"},
    ("POST", "/api/v1/admin/boards"): {"slug": "children", "title": "Children and young people"},
    ("PATCH", "/api/v1/admin/boards/{slug}"): {"title": "Safety from any abuser"},
    ("POST", "/api/v1/admin/reject-reasons"): {"label": "Spam"},
    ("POST", "/api/v1/admin/reject-reasons/{reason_id}/move"): {"position": 1},
    ("POST", "/api/v1/admin/staff-suspension"): {
        "handle": "Moderator 00000",
        "suspended": True,
        "reason": "Abuse",
    },
    ("POST", "/api/v1/appeals"): {"text": "Please reconsider"},
    ("POST", "/api/v1/admin/appeals/{appeal_id}/decision"): {"lift": False},
}

#: Who each kind of caller may reach; everyone else gets 401 (no or wrong token) or 403.
ALLOWED = {
    "public": {"no token", "wrong token", "practitioner", "moderator", "admin", "suspended"},
    "bot": {"practitioner", "moderator", "admin", "suspended"},
    "member": {"practitioner", "moderator", "admin", "suspended"},
    "moderator": {"moderator", "admin"},
    "admin": {"admin"},
}
CALLERS = ("no token", "wrong token", "practitioner", "moderator", "admin", "suspended")


def test_every_route_that_takes_a_body_has_a_valid_sample() -> None:
    needing = {(r.method, r.path) for r in ROUTES if r.takes_body}
    assert needing - SAMPLE_BODIES.keys() == set()
    assert SAMPLE_BODIES.keys() - needing == set()


def test_the_matrix_covers_every_audience() -> None:
    assert {r.audience for r in ROUTES} == set(ALLOWED)


async def _callers(api: Api) -> dict[str, dict[str, str]]:
    """Headers for each kind of caller. "suspended" is an admin another admin suspended."""
    practitioner, moderator, admin, suspended = (api.new_identity() for _ in range(4))
    await make_admin(api, admin)
    await make_moderator(api, moderator, admin)
    await make_admin(api, suspended)
    post = await api.new_thread(suspended, title="Mine", body="Mine")
    await api.call(
        "POST",
        f"/api/v1/moderation/posts/{post['post']['id']}/author-suspension",
        admin,
        json={"suspended": True, "reason": "testing"},
        expect=200,
    )
    wrong = {**api.headers(practitioner), "Authorization": "Bearer not-the-service-token"}
    return {
        "no token": {"X-Forum-Identity": practitioner},
        "wrong token": wrong,
        "practitioner": api.headers(practitioner),
        "moderator": api.headers(moderator),
        "admin": api.headers(admin),
        "suspended": api.headers(suspended),
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_each_caller_reaches_a_route_only_with_the_role_it_needs(
    api: Api, app: web.Application, route: Route
) -> None:
    callers = await _callers(api)
    body = SAMPLE_BODIES.get((route.method, route.path))
    seen = {}
    for name in CALLERS:
        response = await api.client.request(
            route.method, route.url(), json=body, headers=callers[name]
        )
        seen[name] = response.status
    for name, status in seen.items():
        if name in ALLOWED[route.audience]:
            # The route may still refuse the request (404, 409, 422 ...), but not the caller;
            # a suspended admin keeps reading and is refused only what staff do.
            assert status not in (401, 403) or (name == "suspended" and status == 403), (
                name,
                seen,
            )
        elif name in ("no token", "wrong token"):
            assert status == 401, (name, seen)
        else:
            assert status == 403, (name, seen)
        assert status < 500, (name, seen)
