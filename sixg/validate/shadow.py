"""The dual backend with a second world: the one ns-3's own measurements build (the shadow)."""

from __future__ import annotations

from collections.abc import Sequence

from sixg.backends.base import StepOutput
from sixg.backends.dual import DualBackend
from sixg.scenario import Scenario
from sixg.snapshot import Snapshot
from sixg.world import World


class ShadowedDual(DualBackend):
    """A :class:`~sixg.backends.dual.DualBackend` that also keeps the world ns-3's windows build.

    The episode's own world (what the agent reads) follows the primary, the surrogate; the
    shadow takes in every ns-3 window with the actions as ns-3 applied them, so an episode
    can be judged on what ns-3 measured. ``gaps`` holds the per-window state gap
    (surrogate - ns-3, per dimension); ``windows`` each window's time, both states and
    their gap, to 5 significant digits (what the dashboard plots side by side).
    """

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        first = super().reset(scenario, seed=seed)
        self.shadow = World.start(scenario, self.first_snapshots[1])
        self.gaps: list[dict[str, float]] = []
        self.windows: list[dict] = []
        return first

    def step(self, actions: Sequence = ()) -> StepOutput:
        out = super().step(actions)
        n_out = self.last_outputs[1]
        self.shadow.update(n_out.snapshot, list(zip(actions, n_out.results)))
        self.gaps.append(self.last_pair["gap"])
        self.windows.append(_rounded({k: self.last_pair[k] for k in ("t", "surrogate", "ns3", "gap")}))
        return out


def _rounded(value):
    """Floats to 5 significant digits, so per-window records stay small in results.jsonl."""
    if isinstance(value, float):
        return float(f"{value:.5g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
