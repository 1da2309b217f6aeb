"""Dual dispatch: the surrogate and live ns-3 side by side in one run.

Every action and degradation goes to both backends at the same simulated time; the
agent sees the primary's window; both windows and the per-dimension gap come back in
the step output as a :class:`~sixg.backends.gap.WindowGap` (``StepOutput.dual``).
Optionally, when the surrogate is the primary and it is unsure (its out-of-distribution
score exceeds ``fallback_ood``), the step is answered by ns-3 instead, the surrogate
continues from ns-3's state, and the window records that the fallback fired.
"""

from __future__ import annotations

from collections.abc import Sequence

from sixg.actions import Action
from sixg.backends.base import Backend, StepOutput, make_backend
from sixg.backends.gap import WindowGap, state_gap
from sixg.errors import ResetNeeded, UserError
from sixg.scenario import Scenario
from sixg.snapshot import WINDOW_S, Snapshot


__all__ = ["DualBackend"]


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
        #: The latest window's measurements and gap (at reset: episode time 0).
        self.last_gap: WindowGap | None = None
        #: Both backends' outputs of the latest step: (surrogate, ns3).
        self.last_outputs: tuple[StepOutput, StepOutput] | None = None
        self._started = False

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        s = self.surrogate.reset(scenario, seed=seed)
        n = self.ns3.reset(scenario, seed=seed)
        self.first_snapshots = (s, n)
        self._started = True
        self.last_gap = self._gap(s, n, answered_by=self.primary)
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
        gap = self._gap(s_out.snapshot, n_out.snapshot, answered_by=answered)
        self.last_gap = gap
        return (n_out if answered == "ns3" else s_out).model_copy(update={"dual": gap})

    def _gap(self, s: Snapshot, n: Snapshot, *, answered_by: str) -> WindowGap:
        pred = getattr(self.surrogate, "last_prediction", None)
        return WindowGap.measure(
            t=n.t,
            surrogate=s.state,
            ns3=n.state,
            answered_by=answered_by,
            fallback=answered_by != self.primary,
            surrogate_ood=float(pred.ood[0]) if pred is not None else None,
        )

    @property
    def now(self) -> float:
        return self.ns3.now

    def close(self) -> None:
        self.surrogate.close()
        self.ns3.close()
        self._started = False

    def describe(self) -> dict[str, object]:
        return {"backend": self.id, "primary": self.primary, "fallback_ood": self.fallback_ood, "surrogate": self.surrogate.describe(), "ns3": self.ns3.describe(), "window_s": self.window_s}
