"""Worker threads that a Ctrl-C stops cleanly, shared by the resumable runners (traces, benchmark)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_workers(target: Callable[[], None], count: int, stop: threading.Event, *, name: str = "worker") -> None:
    """Run ``target`` in ``count`` threads (at least one) until all return.

    The main thread waits in short joins so that Ctrl-C reaches it; on Ctrl-C it sets
    ``stop`` (each worker checks it between jobs and finishes the job in hand, so nothing
    half-written is left), waits for the workers, and re-raises ``KeyboardInterrupt``.
    """
    threads = [threading.Thread(target=target, name=f"{name}-{i}", daemon=True) for i in range(max(1, count))]
    for th in threads:
        th.start()
    try:
        for th in threads:
            while th.is_alive():
                th.join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()
        for th in threads:
            th.join()
        raise
