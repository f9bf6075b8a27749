"""Keep the cyclic garbage collector off what a long-running process holds for good.

A full collection walks every tracked object. In the API process that is the imported
libraries, the app and its caches (and, once loaded, the sentence model): a full collection
there took ~60 ms on this 2-core machine, eight times in a 9 s benchmark, and every
connection waited through each of them — the tail of the read latency. ``gc.freeze()``
moves everything alive now into a permanent generation the collector never walks again, so
later collections see only what requests allocate. Call it once the process has loaded what
it keeps (after startup, after a model loads); freezing again later adds what was loaded
since. What is frozen and later becomes cyclic garbage is never collected: freeze only after
loading, never per request.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_heap(after: str) -> int:
    """Collect once, then freeze every object alive now; returns how many are frozen in all."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("heap frozen after %s: %d objects kept out of the collector's walks", after, frozen)
    return frozen
