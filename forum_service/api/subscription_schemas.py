"""Request and response bodies of subscriptions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictStr

from forum_service.api.board_schemas import Request


class SubscribeRequest(Request):
    """Follow a topic: ``all``, ``digest`` or ``outcome:<slug>``."""

    topic: Annotated[StrictStr, Field(min_length=1, max_length=60)]


class SubscriptionList(BaseModel):
    """My topics."""

    topics: list[str]
