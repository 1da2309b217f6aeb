"""Dual dispatch: the surrogate and live ns-3 side by side in one run.

Every action and degradation goes to both backends at the same simulated time; the
agent sees the primary's window; the secondary's window and the per-dimension gap
are recorded. Optionally, when the surrogate is the primary and it is unsure (its
out-of-distribution score exceeds ``fallback_ood``), the step is answered by ns-3
instead and the surrogate continues from ns-3's state.
"""

from __future__ import annotations

from collections.abc import Sequence

from sixg.actions import Action
from sixg.backends.base import Backend, StepOutput, make_backend
from sixg.domain import NetworkState
from sixg.errors import ResetNeeded, UserError
from sixg.scenario import Scenario
from sixg.snapshot import WINDOW_S, Snapshot


def state_gap(a: NetworkState, b: NetworkState) -> dict[str, float]:
    """Per-dimension difference a - b (slice: 0 if equal, 1 if not)."""
    gap = {name: float(getattr(a, name) - getattr(b, name)) for name in NetworkState.NUMERIC}
    gap["slice"] = 0.0 if a.slice == b.slice else 1.0
    return gap


class DualBackend(Backend):
    """Runs the surrogate and ns-3 in lock-step and answers with the primary.

    Args:
        primary: "surrogate" (default) or "ns3": whose window the agent sees.
        fallback_ood: If set, a surrogate step whose OOD score exceeds it is answered
            by ns-3 (a fallback the paper does not have).
        surrogate / ns3: Backends to use instead of constructing them by id.
    """

    id = "dual"

    def __init__(self, *, primary: str = "surrogate", fallback_ood: float | None = None, window_s: float = WINDOW_S, surrogate: Backend | None = None, ns3: Backend | None = None, surrogate_kwargs: dict | None = None, ns3_kwargs: dict | None = None):
        if primary not in ("surrogate", "ns3"):
            raise UserError(f"primary must be 'surrogate' or 'ns3', got {primary!r}")
        self.window_s = window_s
        self.primary = primary
        self.fallback_ood = fallback_ood
        self.surrogate = surrogate or make_backend("surrogate", window_s=window_s, **(surrogate_kwargs or {}))
        self.ns3 = ns3 or make_backend("ns3", window_s=window_s, **(ns3_kwargs or {}))
        self.last_pair: dict | None = None
        #: Both backends' outputs of the latest step: (surrogate, ns3).
        self.last_outputs: tuple[StepOutput, StepOutput] | None = None
        self._started = False

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        s = self.surrogate.reset(scenario, seed=seed)
        n = self.ns3.reset(scenario, seed=seed)
        self.first_snapshots = (s, n)
        self._started = True
        self.last_pair = self._pair(s, n, answered_by=self.primary)
        return s if self.primary == "surrogate" else n

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        if not self._started:
            raise ResetNeeded("call reset() before step()")
        s_out = self.surrogate.step(actions)
        n_out = self.ns3.step(actions)
        self.last_outputs = (s_out, n_out)
        answered = self.primary
        if self.primary == "surrogate" and self.fallback_ood is not None:
            pred = getattr(self.surrogate, "last_prediction", None)
            if pred is not None and float(pred.ood[0]) > self.fallback_ood:
                answered = "ns3"
                self.surrogate.resync(n_out.snapshot)
        self.last_pair = self._pair(s_out.snapshot, n_out.snapshot, answered_by=answered)
        return n_out if answered == "ns3" else s_out

    def _pair(self, s: Snapshot, n: Snapshot, *, answered_by: str) -> dict:
        pred = getattr(self.surrogate, "last_prediction", None)
        return {
            "t": n.t,
            "answered_by": answered_by,
            "surrogate": s.state.model_dump(mode="json"),
            "ns3": n.state.model_dump(mode="json"),
            "gap": state_gap(s.state, n.state),
            "surrogate_ood": float(pred.ood[0]) if pred is not None else None,
        }

    @property
    def now(self) -> float:
        return self.ns3.now

    def close(self) -> None:
        self.surrogate.close()
        self.ns3.close()
        self._started = False

    def describe(self) -> dict[str, object]:
        return {"backend": self.id, "primary": self.primary, "fallback_ood": self.fallback_ood, "surrogate": self.surrogate.describe(), "ns3": self.ns3.describe(), "window_s": self.window_s}
