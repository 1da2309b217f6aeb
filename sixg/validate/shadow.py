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
    can be judged on what ns-3 measured. Each window's :class:`~sixg.backends.gap.WindowGap`
    comes back in the step output, which the co-simulation keeps (``CoSimulation.dual_windows``).
    """

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        first = super().reset(scenario, seed=seed)
        self.shadow = World.start(scenario, self.first_snapshots[1])
        return first

    def step(self, actions: Sequence = ()) -> StepOutput:
        out = super().step(actions)
        n_out = self.last_outputs[1]
        self.shadow.update(n_out.snapshot, list(zip(actions, n_out.results)))
        return out

