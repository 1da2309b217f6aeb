"""The live ns-3 backend: an ns-3 LTE/EPC simulation in a worker process, in lock-step."""

from __future__ import annotations

from collections.abc import Sequence

from sixg.actions import Action
from sixg.backends.base import Backend, StepOutput
from sixg.errors import ResetNeeded
from sixg.scenario import Scenario
from sixg.snapshot import WARMUP_S, WINDOW_S, Snapshot


class Ns3Backend(Backend):
    """Runs each episode on live ns-3 (one worker process, reused across episodes).

    Args:
        window_s: Measurement window, simulated seconds.
        warmup_s: Simulated time run before episode time 0 (attach, queues settle).
        worker: An existing :class:`ns3_bridge.Ns3Worker` to drive (e.g. from a pool);
            by default the backend owns one.
    """

    id = "ns3"

    def __init__(self, *, window_s: float = WINDOW_S, warmup_s: float = WARMUP_S, worker=None):
        self.window_s = window_s
        self.warmup_s = warmup_s
        self._worker = worker
        self._owns_worker = worker is None

    @property
    def worker(self):
        if self._worker is None:
            from ns3_bridge import Ns3Worker

            self._worker = Ns3Worker(window_s=self.window_s, warmup_s=self.warmup_s)
        return self._worker

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        return self.worker.reset(scenario, run=seed)

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        if self._worker is None:
            raise ResetNeeded("call reset() before step()")
        snapshot, results = self._worker.step(actions)
        return StepOutput(snapshot=snapshot, results=tuple(results))

    @property
    def now(self) -> float:
        if self._worker is None or self._worker.now is None:
            raise ResetNeeded("call reset() first")
        return self._worker.now

    def close(self) -> None:
        if self._worker is not None and self._owns_worker:
            self._worker.close()
            self._worker = None

    def describe(self) -> dict[str, object]:
        from ns3_bridge.network import RAN_DESCRIPTION

        return {"backend": self.id, "window_s": self.window_s, "ran": RAN_DESCRIPTION, "simulator": "ns-3 3.44 (PyPI wheel)"}
