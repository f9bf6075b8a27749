"""A closed-loop HTTP load generator: N virtual clients, each sending its next request as soon
as the previous one is answered, over one aiohttp client session with keep-alive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import latency_summary

#: ``request(session, client_index) -> HTTP status``.
Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


@dataclass(slots=True)
class LoadResult:
    """What one run measured.

    Throughput counts the successful requests that completed inside the measured window,
    divided by its length; latencies are those of the requests started inside it (the ones
    still in flight at its end are awaited, so slow requests are not dropped from the tail).
    """

    clients: int
    seconds: float = 0.0
    completed_in_window: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return self.completed_in_window / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        """Throughput, latency percentiles and errors, JSON-ready."""
        return {
            "clients": self.clients,
            "requests": len(self.latencies),
            "errors": self.errors,
            "error_statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(self.throughput, 1),
            **latency_summary(self.latencies),
        }


async def run_load(
    request: Request,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    ok: frozenset[int] = frozenset({200, 201}),
) -> LoadResult:
    """Run ``clients`` virtual clients for ``warmup + seconds``; measure the last ``seconds``.

    Args:
        request: sends one request for a client and returns the status.
        clients: concurrent virtual clients.
        seconds: length of the measured window.
        warmup: unmeasured run-in (connections opened, caches and pools warm).
        ok: statuses that count as success; others count as errors.
    """
    result = LoadResult(clients=clients, seconds=seconds)
    connector = aiohttp.TCPConnector(limit=clients, limit_per_host=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    window_start = time.perf_counter() + warmup
    window_end = window_start + seconds

    async def client(index: int, session: aiohttp.ClientSession) -> None:
        while True:
            begun = time.perf_counter()
            if begun >= window_end:
                return
            status = await request(session, index)
            done = time.perf_counter()
            if status not in ok:
                if begun >= window_start:
                    result.errors += 1
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                continue
            if window_start <= done < window_end:
                result.completed_in_window += 1
            if begun >= window_start:
                result.latencies.append(done - begun)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(i, session) for i in range(clients)))
    return result


async def fetch_status(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    json: Any = None,
) -> int:
    """Send one request, read the whole body, return the status."""
    async with session.request(method, url, headers=headers, json=json) as response:
        await response.read()
        return response.status
