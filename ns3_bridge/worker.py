"""Parent-side handles on ns-3 worker processes (the process itself runs
:mod:`ns3_bridge.worker_process`).

A worker is a separate process ("spawn" start method, one ns-3 instance each) so
that ns-3's fatal errors, which abort the process, cannot take the caller down, and
so several scenarios can run in parallel. The client keeps the lock-step contract:
``reset`` builds a scenario, each ``advance`` applies actions and runs one window.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from collections.abc import Sequence

from ns3_bridge.build import ensure_built
from sixg.actions import ACTION_ADAPTER, Action, describe
from sixg.errors import (
    InvalidActionError,
    ResetNeeded,
    SimulationError,
    SixgError,
    UserError,
    WorkerCrashed,
)
from sixg import errors as _errors
from sixg.scenario import Scenario
from sixg.snapshot import WARMUP_S, WINDOW_S, ActionResult, Snapshot



class Ns3Worker:
    """One long-lived ns-3 worker process, driven in lock-step.

    The constructor is cheap; the process starts on :meth:`start` (or the first
    :meth:`reset`). Use it as a context manager to be sure it is closed::

        with Ns3Worker() as w:
            first = w.reset(scenario, run=1)
            snap, results = w.advance(0.5, [SwitchSlice(slice="URLLC")])
    """

    def __init__(self, *, window_s: float = WINDOW_S, warmup_s: float = WARMUP_S, timeout_s: float = 600.0):
        if window_s <= 0:
            raise UserError(f"window_s must be positive, got {window_s}")
        self.window_s = window_s
        self.warmup_s = warmup_s
        self.timeout_s = timeout_s
        self._proc = None
        self._conn = None
        self._scenario: Scenario | None = None
        self._now: float | None = None
        self.restarts = 0
        self.startup_seconds: float | None = None

    # --- process lifecycle ------------------------------------------------------
    def start(self) -> Ns3Worker:
        if self.alive:
            return self
        # Build the C++ module here, not in the child, so a first build is reported where
        # logging is set up (the child then finds it in the cache).
        ensure_built()
        # A fresh interpreter (like multiprocessing's "spawn"), started with -m so the
        # caller's __main__ is never re-imported: scripts need no __main__ guard.
        parent_sock, child_sock = socket.socketpair()
        t0 = time.perf_counter()
        env = dict(os.environ, OMP_NUM_THREADS="1")
        proc = subprocess.Popen(
            [sys.executable, "-m", "ns3_bridge.worker_process", str(child_sock.fileno())],
            pass_fds=(child_sock.fileno(),),
            env=env,
            stdin=subprocess.DEVNULL,
        )
        child_sock.close()
        self._proc, self._conn = proc, Connection(parent_sock.detach())
        self._request(("ping",), action=None)
        self.startup_seconds = time.perf_counter() - t0
        return self

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            if self.alive:
                self._conn.send(("close",))
                if self._conn.poll(10):
                    self._conn.recv()
        except (OSError, EOFError, BrokenPipeError):
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._conn.close()
        self._proc = self._conn = None
        self._scenario = None
        self._now = None

    def kill(self) -> None:
        """Kill the process abruptly (tests use this to stand in for an ns-3 abort)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> Ns3Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the lock-step contract -------------------------------------------------------
    @property
    def scenario(self) -> Scenario | None:
        return self._scenario

    @property
    def now(self) -> float | None:
        """Episode time (s) the simulation has reached, or None before reset."""
        return self._now

    def reset(self, scenario: Scenario, *, run: int = 1) -> Snapshot:
        """Build ``scenario`` (replacing any previous one); return the warm-up window.

        ``run`` selects ns-3's random stream: the same scenario and run always give
        the same trace, in a fresh worker or a reused one.
        """
        if run < 1:
            raise UserError(f"run must be >= 1 (it selects ns-3's random stream), got {run}")
        if not self.alive:
            if self._proc is not None:
                self._discard()
            if self.startup_seconds is not None:
                self.restarts += 1  # it ran before: this is a restart after a crash
            self.start()
        payload = self._request(("reset", scenario.model_dump_json(), run, self.window_s, self.warmup_s), action="reset")
        self._scenario = scenario
        self._now = 0.0
        return Snapshot.model_validate(payload)

    def advance(self, until_s: float, actions: Sequence[Action] = ()) -> tuple[Snapshot, list[ActionResult]]:
        """Apply ``actions`` at the current time, then run to episode time ``until_s``.

        Raises:
            InvalidActionError: an action does not fit the scenario, or time would go
                backwards. Nothing was applied; the worker is unharmed.
            WorkerCrashed: ns-3 aborted; the message names the action being applied.
                The next :meth:`reset` starts a fresh worker.
        """
        if self._scenario is None or self._now is None:
            raise ResetNeeded("call reset(scenario) before advance()")
        if until_s <= self._now + 1e-9:
            raise InvalidActionError(f"time must move forward: asked to advance to t={until_s:.3f}s but the episode is at t={self._now:.3f}s")
        parsed = [self._parse(a) for a in actions]
        label = ", ".join(describe(a) for a in parsed) or f"advance to t={until_s:.3f}s"
        payload = self._request(("advance", float(until_s), [a.model_dump(mode="json") for a in parsed]), action=label)
        self._now = float(until_s)
        results = [ActionResult.model_validate(r) for r in payload["results"]]
        return Snapshot.model_validate(payload["snapshot"]), results

    def step(self, actions: Sequence[Action] = ()) -> tuple[Snapshot, list[ActionResult]]:
        """Advance exactly one window."""
        if self._now is None:
            raise ResetNeeded("call reset(scenario) before step()")
        return self.advance(round(self._now + self.window_s, 9), actions)

    # --- internals ------------------------------------------------------------------------
    @staticmethod
    def _parse(action: Action | dict) -> Action:
        """Turn an action given as plain data into a typed one (the worker checks it against the scenario)."""
        if not isinstance(action, dict):
            return action
        try:
            return ACTION_ADAPTER.validate_python(action)
        except Exception as exc:
            raise InvalidActionError(f"malformed action {action!r}: {exc}") from None

    def _discard(self) -> None:
        try:
            self._conn.close()
        except Exception:
            pass
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        if self._proc is not None:
            self._proc.wait()
        self._proc = self._conn = None
        self._scenario = None
        self._now = None

    def _request(self, msg: tuple, *, action: str | None):
        if self._proc is None:
            raise ResetNeeded("the worker is not started; call reset(scenario) first")
        try:
            self._conn.send(msg)
            if not self._conn.poll(self.timeout_s):
                self._proc.kill()
                raise EOFError("timeout")
            reply = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            try:
                code = self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                code = self._proc.wait()
            what = f" while applying {action}" if action else " while starting"
            self._discard()
            if str(exc) == "timeout":
                raise WorkerCrashed(f"the ns-3 worker stopped answering{what} (no reply in {self.timeout_s:.0f} s) and was killed", action=action, exitcode=code) from None
            raise WorkerCrashed(
                f"the ns-3 worker died{what} (exit code {code}); ns-3 aborts the process on fatal errors. "
                "The next reset() starts a fresh worker; windows already returned are unaffected.",
                action=action,
                exitcode=code,
            ) from None
        status, *rest = reply
        if status == "ok":
            return rest[0]
        name, message = rest
        cls = getattr(_errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, SixgError)):
            cls = SimulationError
        raise cls(message)


class WorkerPool:
    """A fixed set of workers lent out to threads (the ns-3 work runs in the workers,
    so the parent's threads only wait on pipes)."""

    def __init__(self, size: int, **worker_kwargs):
        if size < 1:
            raise UserError(f"a worker pool needs at least one worker, got {size}")
        self._free = [Ns3Worker(**worker_kwargs) for _ in range(size)]
        self._all = list(self._free)
        self._cv = threading.Condition()

    def acquire(self) -> Ns3Worker:
        with self._cv:
            while not self._free:
                self._cv.wait()
            return self._free.pop()

    def release(self, worker: Ns3Worker) -> None:
        with self._cv:
            self._free.append(worker)
            self._cv.notify()

    def close(self) -> None:
        for w in self._all:
            w.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
