"""The load generator must not pause on its own: a pause of the process that sends the
requests is charged to the server as latency (requests are timed from when they were due).
Python's cyclic collector walks every tracked object of the generator (jobs, latencies) in
its full collections; during a measured run it is off."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["quiet_collector"]


@contextmanager
def quiet_collector() -> Iterator[None]:
    """No cyclic garbage collection inside the block; what exists before it is frozen."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
