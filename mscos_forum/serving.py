"""The API application as the serving commands build it (``mscos-forum api``, its workers).

Benchmarks serve the same, so they measure what is deployed.
"""

from __future__ import annotations

from aiohttp import web

from forum_service.app import create_app
from forum_service.runner import attach_search_model, freeze_heap_once_started
from forum_service.settings import ServiceSettings


def api_app(settings: ServiceSettings) -> web.Application:
    """:func:`~forum_service.app.create_app`, search re-ranked by meaning once the sentence
    model loads, and the heap frozen once started and again after that load."""
    app = create_app(settings)
    attach_search_model(app, settings)
    freeze_heap_once_started(app)
    return app
