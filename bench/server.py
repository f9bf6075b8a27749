"""Serving the real forum API and the bare baseline side by side, on one shared ``Database``.

By default both run in a child process, so the load generator in the benchmark's process does
not take CPU time from the server it measures (with 2 cores, one each). ``inline`` serves them
from the caller's event loop instead (fast to start; used by the smoke test).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from aiohttp import web

from bench.baseline import count_statements, create_baseline_app
from bench.common import service_settings
from forum_service.app import create_app
from forum_service.storage.database import Database

#: Seconds a child process may take to start serving.
START_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the two applications listen, and the process serving them."""

    service: str
    baseline: str
    pid: int


@contextlib.asynccontextmanager
async def _serving(database_url: str, rerank: bool = False) -> AsyncIterator[Endpoints]:
    db = Database(database_url, vault=service_settings(database_url).vault())
    counter = count_statements(db)
    service = create_app(service_settings(database_url), database=db)
    runners = [
        web.AppRunner(service, access_log=None),
        web.AppRunner(create_baseline_app(db, counter), access_log=None),
    ]
    try:
        ports = []
        for runner in runners:
            await runner.setup()
            if rerank and runner.app is service:  # search re-ranked by meaning (issue 17)
                from forum_service.api.keys import SEARCH
                from forum_service.scorers import shared_sentence_encoder

                service[SEARCH].use_encoder(shared_sentence_encoder(None))
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            ports.append(runner.addresses[0][1])
        yield Endpoints(f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", os.getpid())
    finally:
        for runner in runners:
            await runner.cleanup()
        await db.dispose()


def _child(database_url: str, conn: Connection, rerank: bool = False) -> None:
    async def main() -> None:
        async with _serving(database_url, rerank) as endpoints:
            conn.send(endpoints)
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(main())
    conn.close()


@contextlib.asynccontextmanager
async def serve(
    database_url: str, mode: str = "process", *, rerank: bool = False
) -> AsyncIterator[Endpoints]:
    """Serve the forum API and the baseline on ``database_url`` until the block ends.

    Args:
        database_url: a migrated database.
        mode: ``process`` (a child process) or ``inline`` (this event loop).
        rerank: re-rank search by meaning with the sentence model (it must be installed).

    Yields:
        The two base URLs.
    """
    if mode == "inline":
        async with _serving(database_url, rerank) as served:
            yield served
        return
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_child, args=(database_url, theirs, rerank), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    try:
        ready = await loop.run_in_executor(None, ours.poll, START_TIMEOUT)
        if not ready:
            raise RuntimeError("the benchmark server did not start in time")
        endpoints: Any = ours.recv()
        yield endpoints
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        await loop.run_in_executor(None, process.join, 30)
        if process.is_alive():
            process.terminate()
            await loop.run_in_executor(None, process.join, 10)
        ours.close()
        theirs.close()
