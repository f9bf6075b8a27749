"""The newsletter archive: admins publish (subscribers are told); members page through it."""

from __future__ import annotations

from aiohttp import web

from forum_service.api.auth import acting_identity
from forum_service.api.community_schemas import (
    NewsletterOut,
    NewsletterPage,
    PublishedOut,
    PublishNewsletterRequest,
)
from forum_service.api.keys import NEWSLETTERS
from forum_service.api.openapi import Doc, Param, documented
from forum_service.api.params import QueryInt, json_body, path_id, query_cursor
from forum_service.api.responses import json_response

routes = web.RouteTableDef()

PAGE = QueryInt("limit", 5, 1, 50, "newsletters per page")
CURSOR = Param("cursor", "query", "next_cursor of the previous page")


@routes.post("/api/v1/admin/newsletters")
@documented(
    Doc(
        "Publish a newsletter to the archive and every subscriber of all announcements (admins)",
        PublishedOut,
        status=201,
        request=PublishNewsletterRequest,
        errors=(400, 403, 422),
        tags=("admin",),
    )
)
async def publish(request: web.Request) -> web.Response:
    """Publish a newsletter."""
    key = acting_identity(request)
    body = PublishNewsletterRequest.model_validate(await json_body(request))
    published = await request.app[NEWSLETTERS].publish(
        key, title=body.title, body=body.text, document_file_id=body.document_file_id
    )
    return json_response(
        PublishedOut(newsletter=NewsletterOut.of(published.newsletter), count=published.recipients),
        status=201,
    )


@routes.get("/api/v1/newsletters")
@documented(
    Doc(
        "Past newsletters, newest first",
        NewsletterPage,
        params=(CURSOR, PAGE.param()),
        errors=(400,),
        tags=("forum",),
    )
)
async def archive(request: web.Request) -> web.Response:
    """One page of the archive."""
    limit = PAGE.read(request)
    found = await request.app[NEWSLETTERS].archive(query_cursor(request), limit + 1)
    more = len(found) > limit
    page = found[:limit]
    return json_response(
        NewsletterPage(
            newsletters=[NewsletterOut.of(n) for n in page],
            next_cursor=str(page[-1].id) if more else None,
        )
    )


@routes.get("/api/v1/newsletters/{newsletter_id}")
@documented(Doc("One newsletter", NewsletterOut, errors=(400, 404), tags=("forum",)))
async def one(request: web.Request) -> web.Response:
    """One newsletter (the bot sends its PDF by file id)."""
    found = await request.app[NEWSLETTERS].newsletter(path_id(request, "newsletter_id"))
    return json_response(NewsletterOut.of(found))
