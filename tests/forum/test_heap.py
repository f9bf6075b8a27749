"""A serving process freezes its heap once started, and again when its sentence model loads.

The freeze keeps full collections from walking the libraries and caches the process holds
for good (``forum_service.heap``). The apps of other tests are built without it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forum_service.api.keys import SEARCH
from forum_service.app import create_app
from forum_service.heap import freeze_heap
from forum_service.runner import SEARCH_MODEL_TASK, freeze_heap_once_started
from forum_service.settings import ServiceSettings
from mscos_forum.serving import api_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Start unfrozen and unfreeze afterwards, so the test process's heap stays collectable."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_moves_what_is_alive_out_of_the_collectors_walks(unfrozen: None) -> None:
    kept = [[n] for n in range(1000)]

    frozen = freeze_heap("a test")

    walked = {id(item) for item in gc.get_objects()}  # what a full collection would walk
    assert frozen == gc.get_freeze_count() and frozen >= len(kept)
    assert all(gc.is_tracked(item) and id(item) not in walked for item in kept)


async def test_a_served_app_is_frozen_once_started(
    unfrozen: None, aiohttp_client: Any, settings: ServiceSettings
) -> None:
    app = create_app(settings)
    freeze_heap_once_started(app)
    assert gc.get_freeze_count() == 0

    client = await aiohttp_client(app)

    assert gc.get_freeze_count() > 0
    assert (await client.get("/healthz")).status == 200


async def test_the_api_command_freezes_again_when_its_sentence_model_has_loaded(
    unfrozen: None, aiohttp_client: Any, settings: ServiceSettings, tmp_path: Path
) -> None:
    # No model here (an empty model directory): the load ends at once, and the freeze follows.
    app = api_app(settings.model_copy(update={"sentence_model_dir": tmp_path}))

    client = await aiohttp_client(app)
    at_startup = gc.get_freeze_count()
    gc.unfreeze()
    await asyncio.wait_for(app[SEARCH_MODEL_TASK], timeout=10)
    await asyncio.sleep(0)  # the task's done callbacks run on the next loop iteration

    assert at_startup > 0 and gc.get_freeze_count() > 0
    assert app[SEARCH].state[0] == "full_text_only"
    assert (await client.get("/healthz")).status == 200
