"""Request and response bodies of resources, newsletters, feedback and board management.

Text fields are documented here and checked by the service (`validation.clean_text`), which
answers with the project's own codes (``title_too_long``, ``url_invalid`` ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictStr

from forum_service.api.board_schemas import TITLE_PATTERN, BoardOut, Request, text_schema
from forum_service.domain import Board, Feedback, Newsletter, Resource
from forum_service.services import board_admin, feedback, newsletters, resources

_LINE = {"pattern": TITLE_PATTERN}
FileId = Annotated[
    StrictStr,
    Field(description="a Telegram file id (a PDF)", min_length=1, max_length=resources.FILE_ID_MAX),
]


class PinResourceRequest(Request):
    """Pin a resource to a board: exactly one of ``url`` (https) and ``document_file_id``."""

    board: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    title: Annotated[
        StrictStr, Field(json_schema_extra={**text_schema(resources.TITLE_MAX), **_LINE})
    ]
    description: Annotated[
        StrictStr, Field(json_schema_extra={"maxLength": resources.DESCRIPTION_MAX, **_LINE})
    ] = ""
    url: (
        Annotated[
            StrictStr,
            Field(description="https:// only", json_schema_extra={"maxLength": resources.URL_MAX}),
        ]
        | None
    ) = None
    document_file_id: FileId | None = None


class ResourceOut(BaseModel):
    """A pinned resource."""

    id: int
    board: str
    title: str
    description: str
    url: str | None
    document_file_id: str | None

    @classmethod
    def of(cls, resource: Resource) -> ResourceOut:
        """Convert a domain resource."""
        return cls(
            id=resource.id,
            board=resource.board_slug,
            title=resource.title,
            description=resource.description,
            url=resource.url,
            document_file_id=resource.document_file_id,
        )


class ResourceList(BaseModel):
    """Resources in board and pin order."""

    resources: list[ResourceOut]


class PublishNewsletterRequest(Request):
    """A weekly update: a text, a PDF by Telegram file id, or both."""

    title: Annotated[
        StrictStr, Field(json_schema_extra={**text_schema(newsletters.TITLE_MAX), **_LINE})
    ]
    text: Annotated[StrictStr, Field(json_schema_extra={"maxLength": newsletters.BODY_MAX})] = ""
    document_file_id: FileId | None = None


class NewsletterOut(BaseModel):
    """A newsletter of the archive."""

    id: int
    title: str
    text: str
    document_file_id: str | None
    published_at: datetime

    @classmethod
    def of(cls, newsletter: Newsletter) -> NewsletterOut:
        """Convert a domain newsletter."""
        return cls(
            id=newsletter.id,
            title=newsletter.title,
            text=newsletter.body,
            document_file_id=newsletter.document_file_id,
            published_at=newsletter.published_at,
        )


class PublishedOut(BaseModel):
    """A newsletter just published and how many subscribers receive it."""

    newsletter: NewsletterOut
    count: int


class NewsletterPage(BaseModel):
    """Past newsletters, newest first."""

    newsletters: list[NewsletterOut]
    next_cursor: str | None


class FeedbackRequest(Request):
    """Feedback to the admins (anonymous)."""

    text: Annotated[StrictStr, Field(json_schema_extra=text_schema(feedback.FEEDBACK_MAX))]


class FeedbackSentOut(BaseModel):
    """The feedback's id; ``signposting``: show the author the helplines now."""

    id: int
    signposting: bool


class FeedbackOut(BaseModel):
    """A feedback as admins see it: never who wrote it."""

    id: int
    text: str
    created_at: datetime
    replied: bool

    @classmethod
    def of(cls, found: Feedback) -> FeedbackOut:
        """Convert a domain feedback."""
        return cls(
            id=found.id, text=found.message, created_at=found.created_at, replied=found.replied
        )


class FeedbackReplyRequest(Request):
    """The admins' one reply."""

    text: Annotated[StrictStr, Field(json_schema_extra=text_schema(feedback.REPLY_MAX))]


class AddBoardRequest(Request):
    """A new board."""

    slug: Annotated[
        StrictStr,
        Field(
            description="2-40 lowercase letters, digits and single hyphens, with a letter",
            json_schema_extra={"pattern": "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$"},
        ),
    ]
    title: Annotated[
        StrictStr, Field(json_schema_extra={**text_schema(board_admin.TITLE_MAX), **_LINE})
    ]


class RenameBoardRequest(Request):
    """A board's new title."""

    title: Annotated[
        StrictStr, Field(json_schema_extra={**text_schema(board_admin.TITLE_MAX), **_LINE})
    ]


class AdminBoardOut(BoardOut):
    """A board as admins see it: whether it is a core outcome, whether it is archived."""

    core: bool
    archived: bool

    @classmethod
    def of(cls, board: Board) -> AdminBoardOut:
        """Convert a domain board."""
        return cls(
            slug=board.slug,
            title=board.title,
            description=board.description,
            approved_thread_count=board.approved_thread_count,
            core=board.core,
            archived=board.archived,
        )


class AdminBoardList(BaseModel):
    """Every board, archived ones too."""

    boards: list[AdminBoardOut]
