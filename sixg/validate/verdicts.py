"""Each backend judges the episode on its own measurements.

An episode of the validation runs once, on the dual backend: the agent's calls are
answered by the surrogate and applied at the same simulated times to live ns-3. It is
then judged twice, each time entirely on one backend's side:

* the goal checks on that backend's world (the surrogate's: what the agent saw; ns-3's:
  the shadow world its windows built), and
* the verification: the agent confirmed the goal (the episode terminated on its
  verification call), and the network as *that* backend measured it met the goal at that
  moment. A confirmation the surrogate accepted is not taken as one on ns-3.

The agent's calls themselves follow the surrogate (it is the one answering), so a verdict
on ns-3 says what ns-3 made of the same actions, not what the agent would have done had
it seen ns-3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sixg.backends.gap import WindowGap, state_gap
from sixg.bench.tasks import Task, Verdict, judge
from sixg.domain import SLA_DIMENSION, NetworkState, SLASpec
from sixg.sim.goal import goal_holds
from sixg.world import World


def judge_on(task: Task, world: World, *, confirmed: bool) -> Verdict:
    """The verdict of one backend: goal checks on its world, verification only if the goal held there too.

    Args:
        task: The task.
        world: One backend's world at the end of the episode.
        confirmed: The agent's verification ended the episode.
    """
    return judge(task, world, verified=confirmed and goal_holds(task.env_goal, world))


@dataclass(frozen=True)
class DualVerdict:
    """An episode judged on the surrogate and on ns-3, with why they differ when they do."""

    surrogate: Verdict
    ns3: Verdict
    #: State of the managed service each side reached (mean over the judged windows: the settling time, or the last second).
    surrogate_state: NetworkState
    ns3_state: NetworkState
    #: Per-window mean |surrogate - ns-3| of each dimension over the episode.
    mean_abs_gap: dict[str, float]
    #: Each window: time, the surrogate's and ns-3's state, their gap.
    windows: tuple[WindowGap, ...] = ()

    @property
    def agree(self) -> bool:
        return self.surrogate.success == self.ns3.success

    def kpi_gap(self) -> dict[str, float]:
        """Final sustained state, surrogate minus ns-3, per numeric dimension."""
        gap = state_gap(self.surrogate_state, self.ns3_state)
        return {k: gap[k] for k in NetworkState.NUMERIC}

    def cause(self, task: Task) -> str | None:
        """Why the two verdicts differ, in words (None when they agree): the checks that came out
        differently, and the SLA targets met on one side only with both sides' values."""
        if self.agree:
            return None
        parts = []
        for (name, ok_s, detail_s), (_, ok_n, detail_n) in zip(self.surrogate.checks, self.ns3.checks):
            if ok_s != ok_n:
                parts.append(f"{name}: {detail_s} on the surrogate, {detail_n} on ns-3")
        if self.surrogate.verified != self.ns3.verified and task.requires_verification:
            held, missed = ("the surrogate", "ns-3") if self.surrogate.verified else ("ns-3", "the surrogate")
            confirmed = self.surrogate.verified or self.ns3.verified
            parts.append(
                f"verification: the goal held on {held} when the agent confirmed it, not on {missed}"
                if confirmed
                else "verification: not confirmed"
            )
        for sla in _slas(task):
            on_s, on_n = set(sla.violations(self.surrogate_state)), set(sla.violations(self.ns3_state))
            for target in sorted(on_s ^ on_n):
                d = SLA_DIMENSION[target]
                parts.append(
                    f"{d.field} {d.value(self.surrogate_state):.4g} on the surrogate vs {d.value(self.ns3_state):.4g} on ns-3 "
                    f"(bound {d.limit(sla):.4g})"
                )
        return "; ".join(dict.fromkeys(parts)) or "the verdicts differ on no single check"

    def record(self, task: Task) -> dict[str, Any]:
        """What the validation stores with the episode (``Episode.extra``)."""
        return {
            "ns3_success": self.ns3.success,
            "ns3_goal_met": self.ns3.goal_met,
            "ns3_verified": self.ns3.verified,
            "ns3_checks": [list(c) for c in self.ns3.checks],
            "surrogate_verified": self.surrogate.verified,
            "sustained": {"surrogate": _numeric(self.surrogate_state), "ns3": _numeric(self.ns3_state)},
            "kpi_gap": self.kpi_gap(),
            "mean_abs_gap": self.mean_abs_gap,
            "disagreement": self.cause(task),
            # To 5 significant digits: one record per window stays small in results.jsonl.
            "windows": [w.rounded() for w in self.windows],
        }


def judge_both(task: Task, env, *, confirmed: bool) -> DualVerdict:
    """Judge a finished episode of ``env`` (run on :class:`~sixg.validate.shadow.ShadowedDual`) on each backend.

    The mission log (the agent's own decisions, alerts and broadcasts) is the same on both
    sides: it records what the agent did, not what the network measured.
    """
    world: World = env.sim.world
    backend = env.sim.backend
    shadow: World = backend.shadow
    shadow.log = world.log
    windows = tuple(env.sim.dual_windows)
    # The state each side reached: over the seconds the network ran on after the episode (v2), else the last second.
    judged = max(2, round(task.settle_s / env.sim.window_s))
    gaps = [w.gap for w in windows]
    mean_gap = {k: sum(abs(g[k]) for g in gaps) / len(gaps) for k in gaps[0]} if gaps else {}
    return DualVerdict(
        surrogate=judge_on(task, world, confirmed=confirmed),
        ns3=judge_on(task, shadow, confirmed=confirmed),
        surrogate_state=world.sustained_state(judged),
        ns3_state=shadow.sustained_state(judged),
        mean_abs_gap=mean_gap,
        windows=windows,
    )


def _slas(task: Task) -> list[SLASpec]:
    slas = [c.sla for c in task.goal if isinstance(getattr(c, "sla", None), SLASpec)]
    if task.env_goal.sla is not None:
        slas.append(task.env_goal.sla)
    return list({s.model_dump_json(): s for s in slas}.values())


def _numeric(state: NetworkState) -> dict[str, float]:
    return dict(zip(NetworkState.NUMERIC, state.numeric()))
