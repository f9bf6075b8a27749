"""Responses rendered once per answer object, for reads whose service hands out cached answers.

The boards list, a board's page and a thread's public view come out of the services' caches
as the same immutable object for as long as the data under them is unchanged (versions bumped
by the database, see ``services.read_cache``). Their JSON is then the same bytes too: this
keeps those bytes next to the object they were made from and reuses them only while the
service answers with that very object (``is``), so a changed answer is always rendered anew.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from aiohttp import web
from pydantic import BaseModel

#: Renderings kept (least recently used go first).
KEPT = 512


class Renderings:
    """JSON bodies kept per route key with the answer object each was rendered from."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._entries: OrderedDict[Hashable, tuple[object, bytes]] = OrderedDict()

    def response(
        self, key: Hashable, answer: object, render: Callable[[], BaseModel]
    ) -> web.Response:
        """The JSON response of ``render()``, made once while ``answer`` is the same object.

        Args:
            key: what the route was asked (e.g. the thread, position and page size).
            answer: the service's answer the model is made from; must not be mutated.
            render: builds the response model from ``answer``.
        """
        found = self._entries.get(key)
        if found is not None and found[0] is answer:
            self._entries.move_to_end(key)
            body = found[1]
        else:
            body = render().model_dump_json().encode()
            self._entries[key] = (answer, body)
            self._entries.move_to_end(key)
            if len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return web.Response(body=body, content_type="application/json", charset="utf-8")
