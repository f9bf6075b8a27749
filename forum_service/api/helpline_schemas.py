"""Request and response bodies of the signposting card's helplines."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictStr

from forum_service.api.board_schemas import TITLE_PATTERN, Request, text_schema
from forum_service.domain import Helpline
from forum_service.services.safeguarding import (
    HELPLINE_CONTACT_MAX,
    HELPLINE_DESCRIPTION_MAX,
    HELPLINE_NAME_MAX,
)

# Documented here, checked by the service (`validation.clean_text`), which answers with the
# project's own codes (``name_too_long``, ``contact_multiline`` ...).
_Line = {"pattern": TITLE_PATTERN}


class HelplineRequest(Request):
    """Add a helpline to the signposting card."""

    name: Annotated[
        StrictStr,
        Field(json_schema_extra={**text_schema(HELPLINE_NAME_MAX), **_Line}),
    ]
    contact: Annotated[
        StrictStr,
        Field(
            description="a phone number, a URL or how to reach it",
            json_schema_extra={**text_schema(HELPLINE_CONTACT_MAX), **_Line},
        ),
    ]
    description: Annotated[
        StrictStr,
        Field(json_schema_extra={"maxLength": HELPLINE_DESCRIPTION_MAX}),
    ] = ""


class HelplineOut(BaseModel):
    """A helpline as the card shows it."""

    id: int
    name: str
    contact: str
    description: str

    @classmethod
    def of(cls, helpline: Helpline) -> HelplineOut:
        """Convert a domain helpline."""
        return cls(
            id=helpline.id,
            name=helpline.name,
            contact=helpline.contact,
            description=helpline.description,
        )


class HelplineList(BaseModel):
    """The signposting card, in display order."""

    helplines: list[HelplineOut]
