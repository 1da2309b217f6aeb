"""NS-3 grounded validation (the paper's IV-E and Table III, on our system).

Every agent runs the validation subset of 6GAgentBench (40 tasks per tier) through the
dual backend: its calls are answered by the surrogate and applied at the same
simulated times to live ns-3. Each episode is judged twice, on the surrogate's world
(what the agent saw) and on a shadow world fed by ns-3's windows, so the success rate
under each, their gap (overall and per tier) and the correlation across agents come
from the same runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from sixg.backends.dual import DualBackend
from sixg.backends.base import StepOutput
from sixg.bench.tasks import Task, judge
from sixg.scenario import Scenario
from sixg.snapshot import Snapshot
from sixg.world import World


class ShadowedDual(DualBackend):
    """A dual backend that also keeps a world built from ns-3's windows (the shadow)."""

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        first = super().reset(scenario, seed=seed)
        self.shadow = World.start(scenario, self.first_snapshots[1])
        self.gaps: list[dict[str, float]] = []
        return first

    def step(self, actions: Sequence = ()) -> StepOutput:
        out = super().step(actions)
        n_out = self.last_outputs[1]
        self.shadow.update(n_out.snapshot, list(zip(actions, n_out.results)))
        self.gaps.append(self.last_pair["gap"])
        return out


def ns3_verdict(task: Task, env, *, verified: bool):
    """Judge the episode on ns-3's side: the shadow world, with the mission log the agent kept."""
    backend = env.sim.backend
    shadow: World = backend.shadow
    shadow.log = env.sim.world.log
    return judge(task, shadow, verified=verified)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    import math

    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)
