"""``mscos-forum api --workers N``: N real processes serve one port, and stop together."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.support.api import AT_REST_KEY, PSEUDONYM_SECRET, SERVICE_TOKEN


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _workers(pid: int) -> set[int]:
    """The worker processes of ``pid`` (not multiprocessing's resource tracker)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"resource_tracker" not in cmdline:
                found.add(int(child))
    return found


async def test_two_workers_serve_one_port_and_stop_on_sigterm(database_url: str) -> None:
    port = _free_port()
    env = os.environ | {
        "FORUM_DATABASE_URL": database_url,
        "FORUM_SERVICE_TOKEN": SERVICE_TOKEN,
        "FORUM_PSEUDONYM_SECRET": PSEUDONYM_SECRET,
        "FORUM_AT_REST_KEY": AT_REST_KEY,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mscos_forum.cli",
        "api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        env=env,
    )
    try:
        answered = 0
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/api/v1/boards") as response:
                        answered += response.status == 401  # the real app: a token is needed
                        if answered >= 5:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        assert answered >= 5
        workers = _workers(process.pid)
        assert len(workers) == 2, workers
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
    assert code == 0
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]  # noqa: ASYNC240
