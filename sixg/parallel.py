"""Where the long commands' jobs run: worker threads on this machine, or a Ray cluster.

Trace generation, the benchmark and the validation all have the same shape: a list of
independent jobs (an episode each), a costly per-worker state reused from job to job
(an ns-3 process, an agent and its environment), and results that the caller writes to
its resumable output files the moment each one arrives. :func:`run_jobs` runs that
shape either in worker threads here or, given a :class:`Cluster`, on Ray: stateful
workers (those holding an ns-3 process) as actors, stateless ones as tasks. Results
always come back to the calling process, which alone writes files, so a cluster run
resumes exactly like a local one.

Jobs that compute in Python rather than wait (episodes of the surrogate backend under a
programmatic agent) hold the GIL, so threads do not spread them over cores; for those,
:class:`ProcessWorkers` keeps worker processes, each with its own state, across runs.

Ray is imported only when a :class:`Cluster` is given (:mod:`sixg.parallel_ray`).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sixg.errors import DependencyNotInstalled

LOCAL_NODE = "local"


@dataclass(frozen=True)
class Cluster:
    """A Ray cluster to run jobs on.

    Args:
        address: The address of a cluster's head (``HOST:PORT``). None joins the
            cluster named by ``RAY_ADDRESS`` or, without one, starts a local Ray runtime.
    """

    address: str | None = None

    def resolved_address(self) -> str | None:
        return self.address or os.environ.get("RAY_ADDRESS") or None


@dataclass
class RunStats:
    """What happened where: finished jobs per node, and jobs retried after their worker died."""

    per_node: Counter = field(default_factory=Counter)
    retried: list[str] = field(default_factory=list)
    cluster: str | None = None
    handling_seconds: float = 0.0  # spent in this process on results (writing files): the part no cluster spreads

    def add(self, other: RunStats) -> RunStats:
        """Count ``other``'s jobs in with these (several runs of one command)."""
        self.per_node.update(other.per_node)
        self.retried += other.retried
        self.cluster = self.cluster or other.cluster
        self.handling_seconds += other.handling_seconds
        return self

    def hand_over(self, on_result: Callable[[Any, Any, str], None], job: Any, result: Any, node: str) -> None:
        """``on_result(job, result, node)``, counted for ``node`` and timed as handling."""
        t0 = time.perf_counter()
        self.per_node[node] += 1
        on_result(job, result, node)
        self.handling_seconds += time.perf_counter() - t0

    def summary(self) -> str:
        """One line, e.g. ``on Ray at 10.0.0.5:6379, episodes per node: 10.0.0.5 12, 10.0.0.6 11; 1 run again after its worker died``."""
        nodes = ", ".join(f"{n} {c}" for n, c in sorted(self.per_node.items()))
        where = f"on Ray at {self.cluster}, " if self.cluster else ""
        line = f"{where}episodes per node: {nodes or 'none'}"
        if self.retried:
            line += f"; {len(self.retried)} run again after its worker died ({', '.join(self.retried)})"
        return line


def run_jobs(
    jobs: Sequence[Any],
    *,
    setup: Callable[[], Any],
    work: Callable[[Any, Any], Any],
    on_result: Callable[[Any, Any, str], None],
    workers: int,
    stop: threading.Event,
    teardown: Callable[[Any], None] | None = None,
    cluster: Cluster | None = None,
    stateful: bool = True,
    node_setup: Callable[[], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
    label: Callable[[Any], str] = str,
    name: str = "worker",
) -> RunStats:
    """Run ``work(state, job)`` for every job and hand each result to ``on_result(job, result, node)``.

    Each worker makes its state once with ``setup()``, reuses it for every job it takes and
    releases it with ``teardown(state)``. ``on_result`` is called one at a time (never
    concurrently), in this process, as results arrive. Setting ``stop`` (Ctrl-C does) lets
    the jobs in progress finish and be handed over, then ends the run; Ctrl-C is re-raised.
    An exception raised by ``setup`` or ``work`` stops the run and is re-raised here.

    Args:
        workers: Parallel workers here; on a cluster, the cluster's CPUs decide instead.
        cluster: Run on Ray instead of threads here (see :class:`Cluster`).
        stateful: The state holds a process of its own (ns-3): on Ray each worker is an
            actor; otherwise jobs are Ray tasks, whose worker processes keep the state.
        node_setup: On Ray, run once on every node before any job (e.g. building the
            ns-3 module, so no two workers race on it).
        on_retry: On Ray, told (in words) about each job run again because its worker died.
        label: Names a job in those words and in errors.
    """
    if cluster is not None:
        if cluster.resolved_address() is None and "ray" not in sys.modules:
            # A runtime started for this run serves this machine only: Ray on Linux binds the external
            # interface unless told it is a single-machine runtime (it reads this when imported).
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            from sixg.parallel_ray import run_on_ray
        except ModuleNotFoundError as exc:
            if exc.name != "ray":
                raise
            raise DependencyNotInstalled("running on a Ray cluster needs Ray: `pip install 'sixg[ray]'` (ray==2.60.0) on this machine and every node") from None

        return run_on_ray(
            list(jobs),
            setup=setup,
            work=work,
            on_result=on_result,
            stop=stop,
            teardown=teardown,
            cluster=cluster,
            stateful=stateful,
            node_setup=node_setup,
            on_retry=on_retry,
            label=label,
        )
    return _run_here(list(jobs), setup=setup, work=work, on_result=on_result, workers=workers, stop=stop, teardown=teardown, name=name)


def _run_here(jobs, *, setup, work, on_result, workers, stop, teardown, name) -> RunStats:
    stats = RunStats()
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def loop() -> None:
        try:
            state = setup()
        except BaseException as exc:
            failures.append(exc)
            stop.set()
            return
        try:
            while not stop.is_set():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                result = work(state, job)
                with lock:
                    stats.hand_over(on_result, job, result, LOCAL_NODE)
        except BaseException as exc:
            failures.append(exc)
            stop.set()
        finally:
            if teardown is not None:
                teardown(state)

    run_workers(loop, min(workers, len(jobs) or 1), stop, name=name)
    if failures:
        raise failures[0]
    return stats


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


# --- worker processes ---------------------------------------------------------------------------
# Threads suit jobs that wait (on an ns-3 process, a model server); jobs that compute in Python
# (the surrogate backend under a programmatic agent) hold the GIL, so two threads run them no
# faster than one. For those, worker processes, each holding the state ``setup`` made once.

_PROCESS_STATE: Any = None


def _exit_when_orphaned(parent: Any) -> None:
    parent.join()  # returns once the parent process has ended, however it ended
    os._exit(1)


def _process_init(setup: Callable[[], Any]) -> None:
    import multiprocessing
    import signal

    global _PROCESS_STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # A parent killed outright (SIGKILL, SIGTERM, an out-of-memory kill) never stops its pool;
    # its workers would wait for jobs forever, so each leaves as soon as its parent is gone.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), name="sixg-parent-watch", daemon=True).start()
    _PROCESS_STATE = setup()


def _process_call(work: Callable[[Any, Any], Any], job: Any) -> Any:
    return work(_PROCESS_STATE, job)


class ProcessWorkers:
    """``workers`` processes, each with a state made once by ``setup()`` and reused for every
    job it runs; kept across several :meth:`run` calls (a state can take seconds to make).

    ``setup``, ``work``, the jobs and their results cross process boundaries, so they must be
    picklable (module-level functions, :func:`functools.partial` of them, plain data). Worker
    processes are spawned (a fresh interpreter each), never forked from a process with threads.
    Use as a context manager; leaving it stops the workers.
    """

    def __init__(self, setup: Callable[[], Any], workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = max(1, workers)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_process_init, initargs=(setup,))

    def run(self, jobs: Sequence[Any], work: Callable[[Any, Any], Any], on_result: Callable[[Any, Any, str], None]) -> RunStats:
        """``work(state, job)`` for every job; ``on_result(job, result, node)`` here, one at a time, as
        results arrive. An exception raised by ``work`` is re-raised here after the pending jobs are
        cancelled; so is Ctrl-C (the jobs in progress are abandoned: nothing of theirs is handed over).

        Raises:
            WorkerProcessDied: A worker process died mid-job (what was handed over stays handed over).
        """
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from sixg.errors import WorkerProcessDied

        stats = RunStats()
        pending = {self._pool.submit(_process_call, work, job): job for job in jobs}
        try:
            while pending:
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    stats.hand_over(on_result, job, fut.result(), LOCAL_NODE)
        except BrokenProcessPool as exc:
            raise WorkerProcessDied(
                f"a worker process died before its job finished ({exc}); {stats.per_node[LOCAL_NODE]} result(s) were handed over "
                "before it (a killed process, memory running out, or a crash in native code); run the command again to go on"
            ) from exc
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
        return stats

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessWorkers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
