"""Request and response bodies of the JSON API (pydantic); also the source of the OpenAPI doc."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from forum_service.domain import (
    BODY_MAX,
    CONTENT_NOTE_MAX,
    TITLE_MAX,
    Board,
    DomainError,
    Post,
    ThreadSummary,
)
from forum_service.validation import clean_body, clean_content_note, clean_title


def custom_rule(check: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap a domain check so pydantic reports its error code and message."""

    def run(value: str) -> str:
        try:
            return check(value)
        except DomainError as error:
            raise PydanticCustomError(error.code, error.message, {"custom": True}) from None

    return run


#: No control or direction character anywhere, and something that is not a space.
TEXT_PATTERN = (
    "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*"
    "[^\\s\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff]"
    "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$"
)

#: The same on one line.
TITLE_PATTERN = TEXT_PATTERN.replace("\\x0b\\x0c", "\\x0a-\\x0d\\u2028\\u2029")


def text_schema(max_length: int) -> dict[str, Any]:
    """What the OpenAPI document says of a text field that `validation.clean_text` checks.

    Documented, not enforced by pydantic: the project's own rule answers with its own codes
    (``title_empty``, ``text_control_characters`` ...), and some of it (nothing but invisible
    characters, say) cannot be written in JSON Schema.
    """
    return {"minLength": 1, "maxLength": max_length, "pattern": TEXT_PATTERN}


Title = Annotated[
    StrictStr,
    AfterValidator(custom_rule(clean_title)),
    Field(json_schema_extra={**text_schema(TITLE_MAX), "pattern": TITLE_PATTERN}),
]
Body = Annotated[
    StrictStr,
    AfterValidator(custom_rule(clean_body)),
    Field(json_schema_extra=text_schema(BODY_MAX)),
]
ContentNote = Annotated[
    StrictStr,
    AfterValidator(custom_rule(clean_content_note)),
    Field(
        description='shown before the text, which readers open with a tap: "sexual violence", '
        '"self-harm", "child abuse" or a short free text',
        json_schema_extra={**text_schema(CONTENT_NOTE_MAX), "pattern": TITLE_PATTERN},
    ),
]


class Request(BaseModel):
    """Base of request bodies: strict types, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CreateThreadRequest(Request):
    """Start a thread on a board; stored as pending."""

    board: Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["safety"])]
    title: Title
    body: Body
    content_note: ContentNote | None = None


class CreateReplyRequest(Request):
    """Reply to an approved thread; stored as pending."""

    body: Body
    content_note: ContentNote | None = None


class BoardOut(BaseModel):
    """A board as clients see it."""

    slug: str
    title: str
    description: str
    approved_thread_count: int

    @classmethod
    def of(cls, board: Board) -> BoardOut:
        """Convert a domain board."""
        return cls(
            slug=board.slug,
            title=board.title,
            description=board.description,
            approved_thread_count=board.approved_thread_count,
        )


class BoardList(BaseModel):
    """Every board."""

    boards: list[BoardOut]


class ThreadOut(BaseModel):
    """A thread summary."""

    id: int
    board: str
    title: str
    status: str
    author: str = Field(description="the opening post's per-thread pseudonym")
    created_at: datetime
    last_activity_at: datetime
    reply_count: int = Field(description="approved replies")

    @classmethod
    def of(cls, thread: ThreadSummary) -> ThreadOut:
        """Convert a domain thread summary."""
        return cls(
            id=thread.id,
            board=thread.board_slug,
            title=thread.title,
            status=thread.status.value,
            author=thread.author_pseudonym,
            created_at=thread.created_at,
            last_activity_at=thread.last_activity_at,
            reply_count=thread.approved_reply_count,
        )


class ThreadList(BaseModel):
    """One page of a board's approved threads."""

    threads: list[ThreadOut]
    next_cursor: str | None


class PostOut(BaseModel):
    """A post. ``rejection_reason`` and ``mine`` are only meaningful to the author."""

    id: int
    thread_id: int
    board: str
    thread_title: str
    is_opening: bool
    author: str = Field(description="per-thread pseudonym")
    body: str = Field(description="empty for a held post that is not the caller's")
    status: str
    revision: int
    rejection_reason: str | None
    mine: bool
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    content_note: str | None = Field(
        default=None, description="show before the text, and the text only on request"
    )

    @classmethod
    def of(cls, post: Post, *, mine: bool) -> PostOut:
        """Convert a domain post; a rejection reason is shown to its author only."""
        return cls(
            id=post.id,
            thread_id=post.thread_id,
            board=post.board_slug,
            thread_title=post.thread_title,
            is_opening=post.is_opening,
            author=post.author_pseudonym,
            body=post.body,
            status=post.status.value,
            revision=post.revision,
            rejection_reason=post.rejection_reason if mine else None,
            mine=mine,
            created_at=post.created_at,
            updated_at=post.updated_at,
            approved_at=post.approved_at,
            content_note=post.content_note,
        )


class PostEnvelope(BaseModel):
    """One post."""

    post: PostOut


SIGNPOSTING = Field(
    default=False,
    description="the text discloses its author's own crisis: show them the helplines now",
)


class CreatedThread(BaseModel):
    """A created (or replayed) thread with its opening post."""

    thread_id: int
    post: PostOut
    signposting: bool = SIGNPOSTING


class CreatedReply(BaseModel):
    """A created (or replayed) reply."""

    post: PostOut
    signposting: bool = SIGNPOSTING


class PostList(BaseModel):
    """A page of posts."""

    posts: list[PostOut]
    next_cursor: str | None


class ThreadDetail(BaseModel):
    """A thread with the posts the caller may see (approved ones, plus the caller's own)."""

    thread: ThreadOut
    posts: list[PostOut]
    next_after: int | None = Field(description="pass as ?after= to read further posts")


class Me(BaseModel):
    """The caller's standing."""

    role: str
    suspended: bool
    member: bool = Field(description="may read and post (FORUM_MEMBERSHIP)")
    membership: Literal["open", "invite", "approval"] = Field(
        description="how people join: everybody is a member, by invite code, or also by request"
    )


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The one error shape."""

    error: ErrorDetail


class Health(BaseModel):
    """Liveness and dependencies."""

    status: str
    database: str
    details: dict[str, Any] = {}
