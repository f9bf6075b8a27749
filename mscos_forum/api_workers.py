"""``mscos-forum api --workers N``: N API processes sharing one port (``SO_REUSEPORT``).

Each worker is a whole aiohttp application with its own event loop, engine and pool; the
kernel spreads new connections over them, so one host uses all its cores. Nothing is shared
between workers but the database: the boards cache checks a version row the database bumps
(migration 0017) and the health answer is each worker's own, so any worker answers as any
other would. The parent only starts the workers, forwards SIGTERM/SIGINT to them, and exits
(non-zero) when one of them dies, so a supervisor restarts the whole set.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from types import FrameType

log = logging.getLogger("mscos_forum")


def _worker(host: str, port: int, log_level: str, log_format: str) -> None:
    """One worker process: the API application on the shared port."""
    from aiohttp import web

    from forum_service.observability import configure_logging
    from forum_service.settings import ServiceSettings
    from mscos_forum.serving import api_app

    configure_logging(log_level, log_format)
    web.run_app(
        api_app(ServiceSettings.from_env()),  # one encoder per worker process
        host=host,
        port=port,
        reuse_port=True,
        print=lambda message: log.info("%s", message),
    )


def serve(host: str, port: int, workers: int, log_level: str, log_format: str) -> int:
    """Run ``workers`` API processes on ``host:port`` until a signal or a worker's death.

    Returns:
        0 after a signal stopped them, 1 when a worker died on its own.
    """
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port, log_level, log_format), name=f"api-{n}")
        for n in range(workers)
    ]
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for process in processes:
            process.start()
        log.info("serving the API on %s:%s with %d worker processes", host, port, workers)
        while not stopping and all(process.is_alive() for process in processes):
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: aiohttp shuts the app down cleanly
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join()
    if stopping:
        return 0
    log.error("an API worker process exited; stopping the others")
    return 1
