"""A closed-loop HTTP load generator: N virtual clients, each sending its next request as soon
as the previous one is answered, over one aiohttp client session with keep-alive.

Given the server's CPU clock, it also measures the server's CPU time per request over the
measured window: on a small machine shared with other work, wall-clock throughput moves with
whatever else runs, CPU time per request far less."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import latency_summary

#: ``request(session, client_index) -> HTTP status``.
Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]
#: CPU seconds a process has used so far (user + system, all its threads).
CpuClock = Callable[[], float]


def process_cpu_clock(pid: int) -> CpuClock | None:
    """The CPU clock of process ``pid`` (``/proc``, so Linux only), or None where unreadable."""
    stat = f"/proc/{pid}/stat"
    ticks = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        with open(stat, encoding="ascii") as handle:
            # Fields after the parenthesised command name; utime and stime are the 14th/15th.
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    try:
        seconds()
    except (OSError, IndexError, ValueError):
        return None
    return seconds


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
    #: The server's CPU seconds inside the measured window, when its clock was given.
    server_cpu: float | None = None

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
            "server_cpu_ms_per_request": (
                round(self.server_cpu / self.completed_in_window * 1000, 3)
                if self.server_cpu is not None and self.completed_in_window
                else None
            ),
        }


async def run_load(
    request: Request,
    *,
    clients: int,
    seconds: float,
    warmup: float,
    ok: frozenset[int] = frozenset({200, 201}),
    server_cpu: CpuClock | None = None,
) -> LoadResult:
    """Run ``clients`` virtual clients for ``warmup + seconds``; measure the last ``seconds``.

    Args:
        request: sends one request for a client and returns the status.
        clients: concurrent virtual clients.
        seconds: length of the measured window.
        warmup: unmeasured run-in (connections opened, caches and pools warm).
        ok: statuses that count as success; others count as errors.
        server_cpu: the server's CPU clock, read at the window's start and end.
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

    async def cpu_in_window(clock: CpuClock) -> None:
        await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
        started = clock()
        await asyncio.sleep(max(0.0, window_end - time.perf_counter()))
        result.server_cpu = clock() - started

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        sampler = [] if server_cpu is None else [cpu_in_window(server_cpu)]
        await asyncio.gather(*(client(i, session) for i in range(clients)), *sampler)
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
