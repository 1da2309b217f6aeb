"""Running :func:`sixg.parallel.run_jobs` on a Ray cluster (imported only when one is asked for).

Stateful workers (an ns-3 process each) are Ray actors that make their state on their
first job and keep it, exactly like a local worker thread; stateless work runs as Ray
tasks, and each Ray worker process keeps the state it made for the run. At most one
job per CPU of the cluster is in flight, so results stream back one by one and the
caller writes each as it arrives. A job whose worker process (or node) dies is run
again on a fresh worker, and the caller is told; the job's result depends only on the
job, never on where or how often it was tried.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import ray
from ray.exceptions import NodeDiedError, ObjectLostError, OwnerDiedError, RayActorError, RayTaskError, WorkerCrashedError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from sixg.errors import ClusterUnreachable, WorkerLost
from sixg.parallel import Cluster, RunStats

ATTEMPTS = 3  # tries of one job before its repeated worker deaths end the run
_LOST = (RayActorError, WorkerCrashedError, NodeDiedError, ObjectLostError, OwnerDiedError)
_connect_lock = threading.Lock()


def connect(cluster: Cluster) -> str:
    """Join ``cluster`` (or start a local runtime); return the address, reusing a connection already made."""
    with _connect_lock:
        if not ray.is_initialized():
            address = cluster.resolved_address()
            if address is not None:
                _check_reachable(address)
            try:
                if address is None:
                    ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
                else:
                    ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            except ConnectionError as exc:
                raise ClusterUnreachable(
                    f"no Ray cluster answers at {address!r} ({exc}); start one with `ray start --head` on the head node "
                    "and pass its address (HOST:6379) to --ray, or set RAY_ADDRESS"
                ) from None
        return ray.get_runtime_context().gcs_address


def _check_reachable(address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself would wait for it without end)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # a form Ray resolves itself (e.g. "auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        raise ClusterUnreachable(
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); start one with `ray start --head` on the head node "
            "and pass its address (HOST:6379) to --ray, or set RAY_ADDRESS"
        ) from None


def node_name() -> str:
    """The node this process runs on, as the cluster knows it (its IP address)."""
    return ray.util.get_node_ip_address()


@ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)
class SixgWorker:
    """One stateful worker: its state (e.g. an ns-3 process) is made on the first job and reused."""

    def __init__(self, setup: Callable[[], Any], work: Callable[[Any, Any], Any], teardown: Callable[[Any], None] | None):
        self._setup, self._work, self._teardown = setup, work, teardown
        self._state: Any = None
        self._ready = False

    def run(self, job: Any) -> tuple[str, Any]:
        if not self._ready:
            self._state = self._setup()
            self._ready = True
        return node_name(), self._work(self._state, job)

    def close(self) -> None:
        if self._ready and self._teardown is not None:
            self._teardown(self._state)
        self._ready = False


_TASK_STATE: dict[str, tuple[Any, Callable[[Any], None] | None]] = {}  # per Ray worker process: this run's state and its teardown


@ray.remote(num_cpus=1, max_retries=0)
def _run_task(key: str, setup: Callable[[], Any], teardown: Callable[[Any], None] | None, work: Callable[[Any, Any], Any], job: Any) -> tuple[str, Any]:
    if key not in _TASK_STATE:
        for old, old_teardown in _TASK_STATE.values():  # a worker process reused by a later run drops the earlier run's state
            if old_teardown is not None:
                old_teardown(old)
        _TASK_STATE.clear()
        _TASK_STATE[key] = (setup(), teardown)
    return node_name(), work(_TASK_STATE[key][0], job)


@ray.remote(num_cpus=0, max_retries=0)
def _on_node(fn: Callable[[], None]) -> str:
    fn()
    return node_name()


def prepare_nodes(node_setup: Callable[[], None]) -> list[str]:
    """Run ``node_setup`` once on every live node (pinned to it, all nodes at once); return the nodes."""
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    refs = [_on_node.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(node_setup) for n in nodes]
    try:
        return ray.get(refs)
    except RayTaskError as exc:
        raise exc.cause from None


def run_on_ray(
    jobs: list[Any],
    *,
    setup: Callable[[], Any],
    work: Callable[[Any, Any], Any],
    on_result: Callable[[Any, Any, str], None],
    stop: threading.Event,
    teardown: Callable[[Any], None] | None,
    cluster: Cluster,
    stateful: bool,
    node_setup: Callable[[], None] | None,
    on_retry: Callable[[str], None] | None,
    label: Callable[[Any], str],
) -> RunStats:
    stats = RunStats(cluster=connect(cluster))
    if not jobs:
        return stats
    if node_setup is not None:
        prepare_nodes(node_setup)
    slots = max(1, min(len(jobs), int(ray.cluster_resources().get("CPU", 1))))
    setup_ref, work_ref, teardown_ref = ray.put(setup), ray.put(work), ray.put(teardown)
    key = uuid.uuid4().hex  # names this run's state in reused task processes; never reaches a result
    pending: deque[int] = deque(range(len(jobs)))
    tries = [0] * len(jobs)
    idle: list = []
    actors: list = []
    inflight: dict = {}  # object ref -> (job index, actor or None)
    interrupted = False

    def new_actor():
        actor = SixgWorker.remote(setup_ref, work_ref, teardown_ref)
        actors.append(actor)
        return actor

    def submit() -> None:
        while pending and len(inflight) < slots and not stop.is_set():
            i = pending.popleft()
            tries[i] += 1
            if stateful:
                actor = idle.pop() if idle else new_actor()
                inflight[actor.run.remote(jobs[i])] = (i, actor)
            else:
                inflight[_run_task.remote(key, setup_ref, teardown_ref, work_ref, jobs[i])] = (i, None)

    try:
        while True:
            try:
                submit()
                if not inflight:
                    break
                done, _ = ray.wait(list(inflight), num_returns=1, timeout=0.5)
            except KeyboardInterrupt:
                # Let what runs finish and be written (as a local run does), then stop; a second Ctrl-C abandons it.
                if interrupted:
                    raise
                stop.set()
                interrupted = True
                continue
            for ref in done:
                i, actor = inflight.pop(ref)
                try:
                    node, result = ray.get(ref)
                except RayTaskError as exc:
                    stop.set()
                    raise exc.cause from None
                except _LOST as exc:
                    if actor is not None:
                        actors.remove(actor)
                    why = type(exc).__name__
                    if tries[i] >= ATTEMPTS:
                        stop.set()
                        raise WorkerLost(
                            f"{label(jobs[i])}: its worker died {tries[i]} times ({why}); what finished is kept, "
                            "rerun the same command to continue (check the nodes' memory and the Ray logs in /tmp/ray)"
                        ) from None
                    pending.appendleft(i)
                    stats.retried.append(label(jobs[i]))
                    if on_retry is not None:
                        on_retry(f"{label(jobs[i])}: its worker died ({why}); running it again on another worker")
                    continue
                if actor is not None:
                    idle.append(actor)
                stats.hand_over(on_result, jobs[i], result, node)
    finally:
        if not stateful:  # an error ended the run: tasks still running are abandoned, not written
            for ref in inflight:
                ray.cancel(ref, force=True)
        _close(actors)
    if interrupted:
        raise KeyboardInterrupt
    return stats


def _close(actors: list) -> None:
    """Let each actor release its state (an ns-3 process ends cleanly), then end it."""
    closing = [a.close.remote() for a in actors]
    try:
        ray.wait(closing, num_returns=len(closing), timeout=30)
    finally:
        for a in actors:
            ray.kill(a)
