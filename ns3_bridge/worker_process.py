"""The program an ns-3 worker process runs: one ns-3 instance, driven in lock-step over a pipe.

The parent's side is :class:`ns3_bridge.worker.Ns3Worker`.

Messages are plain tuples of JSON-able values so nothing but the process boundary
separates the worker from its client:

* ``("reset", scenario_json, run, window_s, warmup_s)`` -> ``("ok", snapshot)``
* ``("advance", until_s, [action_json, ...])``          -> ``("ok", {"results": [...], "snapshot": {...}})``
* ``("close",)``                                         -> the process exits

A request that fails without harming the simulation answers
``("error", error_class_name, message)`` and the worker carries on. ns-3's fatal
errors abort the whole process; the parent sees the pipe close and reports it.
"""

from __future__ import annotations

import os
import traceback


def main(conn) -> None:  # pragma: no cover - runs in a child process; exercised via Ns3Worker
    # ns-3 and cppyy are single-threaded here; keep BLAS/OpenMP from spawning threads.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from sixg.actions import ACTION_ADAPTER
    from sixg.errors import SixgError
    from sixg.scenario import Scenario

    network = None
    while True:
        try:
            msg = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        op = msg[0]
        try:
            if op == "close":
                if network is not None:
                    network.destroy()
                conn.send(("ok", None))
                return
            if op == "ping":
                conn.send(("ok", os.getpid()))
                continue
            if op == "reset":
                from ns3_bridge.network import Ns3Network

                _, scenario_json, run, window_s, warmup_s = msg
                if network is not None:
                    network.destroy()
                    network = None
                scenario = Scenario.model_validate_json(scenario_json)
                network = Ns3Network(scenario, run=run, window_s=window_s)
                network.build()
                conn.send(("ok", network.warm_up(warmup_s)))
                continue
            if op == "advance":
                if network is None:
                    conn.send(("error", "ResetNeeded", "the worker has no scenario yet; call reset() first"))
                    continue
                _, until_s, action_dicts = msg
                actions = [ACTION_ADAPTER.validate_python(a) for a in action_dicts]
                network.control.validate(*actions)  # all-or-nothing: every action fits before any applies
                results = [network.apply(a).model_dump(mode="json") for a in actions]
                snapshot = network.advance(until_s)
                conn.send(("ok", {"results": results, "snapshot": snapshot}))
                continue
            conn.send(("error", "UserError", f"unknown worker request {op!r}"))
        except SixgError as exc:
            conn.send(("error", type(exc).__name__, str(exc)))
        except Exception as exc:  # a bug, or ns-3 raising through cppyy: report it, keep serving
            conn.send(("error", "SimulationError", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))


if __name__ == "__main__":  # pragma: no cover
    import sys
    from multiprocessing.connection import Connection

    main(Connection(int(sys.argv[1])))
