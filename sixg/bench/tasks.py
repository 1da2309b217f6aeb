"""Benchmark tasks: an intent, a situation, a goal judged on the final state, and a reference solution.

A task is data. Its **goal** is a list of checks evaluated on the world at the end of
the episode (the way tau-bench compares end states: never by matching the agent's
text). Its **reference solution** is a short program of tool calls whose arguments may
refer to what earlier calls returned (``{"$": "out", "tool": "read_telemetry"}``), so
that it can be replayed through the same tool interface an agent uses; its length sets
the task's tier and SPL.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter

from sixg.actions import Action
from sixg.domain import Frozen, Position, SLASpec, SliceType
from sixg.schedule import Schedule
from sixg.tools.types import MissionSpec
from sixg.world import World

BENCHMARK_VERSION = "1.0"


# --- checks on the final state -------------------------------------------------------------


class SlaMet(Frozen):
    """The managed service meets the SLA over the last second (two windows)."""

    check: Literal["sla_met"] = "sla_met"
    sla: SLASpec

    def evaluate(self, world: World) -> tuple[bool, str]:
        bad = self.sla.violations(world.sustained_state())
        return (not bad, "SLA met" if not bad else f"SLA missed on {', '.join(bad)}")


class SliceIs(Frozen):
    check: Literal["slice_is"] = "slice_is"
    slice: SliceType

    def evaluate(self, world: World) -> tuple[bool, str]:
        s = world.state.slice
        return (s is self.slice, f"service on {s.value} (wanted {self.slice.value})")


class HostIs(Frozen):
    check: Literal["host_is"] = "host_is"
    host: Literal["edge", "cloud"]

    def evaluate(self, world: World) -> tuple[bool, str]:
        h = world.snapshot.service.host
        return (h == self.host, f"service jobs on the {h} (wanted the {self.host})")


class ShareAtLeast(Frozen):
    check: Literal["share_at_least"] = "share_at_least"
    slice: SliceType
    share: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        v = world.snapshot.slices[self.slice].share
        return (v >= self.share - 1e-6, f"{self.slice.value} share {v:.2f} (wanted >= {self.share:.2f})")


class ShapedAtLeast(Frozen):
    """The slice's background load was last degraded by at least ``fraction``."""

    check: Literal["shaped_at_least"] = "shaped_at_least"
    slice: SliceType
    fraction: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        from sixg.actions import GracefulDegradation

        last = None
        for applied in world.applied:
            if isinstance(applied.action, GracefulDegradation) and applied.action.slice is self.slice and applied.result.ok:
                last = applied.action.fraction
        got = 0.0 if last is None else last
        return (got >= self.fraction - 1e-9, f"{self.slice.value} degraded by {got:.0%} (wanted at least {self.fraction:.0%})")


class EdgeLoadAtMost(Frozen):
    check: Literal["edge_load_at_most"] = "edge_load_at_most"
    bound: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        v = world.state.edge_load
        return (v <= self.bound, f"edge load {v:.2f} (wanted <= {self.bound:.2f})")


class NotServedBy(Frozen):
    """The UE has left a cell (e.g. one whose backhaul is degraded)."""

    check: Literal["not_served_by"] = "not_served_by"
    ue: str
    gnb: str

    def evaluate(self, world: World) -> tuple[bool, str]:
        g = world.ue(self.ue).gnb
        return (g is not None and g != self.gnb, f"{self.ue} served by {g} (must not be {self.gnb})")


class UavHeadingTo(Frozen):
    """The UAV's plan ends within ``tolerance_m`` of a position (or it is already there)."""

    check: Literal["uav_heading_to"] = "uav_heading_to"
    uav: str
    position: Position
    tolerance_m: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        here = world.uav_position(self.uav)
        plan = world.plans.get(self.uav)
        remaining = plan.remaining() if plan is not None else ()
        end = remaining[-1] if remaining and not (plan.loop if plan else False) else here
        d = min(end.distance_to(self.position), here.distance_to(self.position))
        return (d <= self.tolerance_m, f"{self.uav} ends {d:.0f} m from the target (tolerance {self.tolerance_m:.0f} m)")


class UavAltitude(Frozen):
    """The UAV flies (or is flying toward) the given height."""

    check: Literal["uav_altitude"] = "uav_altitude"
    uav: str
    altitude_m: float
    tolerance_m: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        plan = world.plans.get(self.uav)
        remaining = plan.remaining() if plan is not None else ()
        heights = [p.z for p in remaining] or [world.uav_position(self.uav).z]
        worst = max(abs(h - self.altitude_m) for h in heights)
        return (worst <= self.tolerance_m, f"{self.uav} planned heights off by up to {worst:.1f} m")


class UavSpeed(Frozen):
    check: Literal["uav_speed"] = "uav_speed"
    uav: str
    speed_mps: float
    tolerance_mps: float

    def evaluate(self, world: World) -> tuple[bool, str]:
        plan = world.plans.get(self.uav)
        v = plan.speed_mps if plan is not None else world.uav_spec(self.uav).speed_mps
        return (abs(v - self.speed_mps) <= self.tolerance_mps, f"{self.uav} cruise speed {v:.1f} m/s (wanted {self.speed_mps:.1f})")


class LogHas(Frozen):
    """The mission log holds at least ``count`` entries of a kind (optionally for a UAV, with data)."""

    check: Literal["log_has"] = "log_has"
    kind: Literal["decision", "task", "alert", "broadcast", "heartbeat", "plan", "sensor"]
    uav: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    count: int = 1

    def evaluate(self, world: World) -> tuple[bool, str]:
        entries = [e for e in world.entries(self.kind, uav=self.uav) if all(e.data.get(k) == v for k, v in self.data.items())]
        what = f"{self.kind} entries" + (f" for {self.uav}" if self.uav else "") + (f" with {self.data}" if self.data else "")
        return (len(entries) >= self.count, f"{len(entries)} {what} (wanted {self.count})")


class MissionComplete(Frozen):
    check: Literal["mission_complete"] = "mission_complete"
    mission: MissionSpec

    def evaluate(self, world: World) -> tuple[bool, str]:
        from sixg.tools.mission import mission_outcome

        out = mission_outcome(world, self.mission)
        return (out.complete, "; ".join(c.detail for c in out.checks))


Check = Annotated[
    Union[SlaMet, SliceIs, HostIs, ShareAtLeast, ShapedAtLeast, EdgeLoadAtMost, NotServedBy, UavHeadingTo, UavAltitude, UavSpeed, LogHas, MissionComplete],
    Field(discriminator="check"),
]


# --- the reference solution ------------------------------------------------------------------


class RefStep(Frozen):
    """One call of a reference solution. Argument values may be references:

    * ``{"$": "state"}`` -- the network state the agent last observed;
    * ``{"$": "slice"}`` -- the service's current slice name;
    * ``{"$": "out", "tool": NAME, "field": PATH}`` -- what the last call of NAME
      returned (or one field of it, dotted path).
    """

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class EnvGoal(Frozen):
    """What the episode's verification tools must confirm (see :class:`sixg.sim.Goal`)."""

    sla: SLASpec | None = None
    mission: MissionSpec | None = None


class Task(Frozen):
    """One benchmark (or training) task."""

    id: str
    version: str = BENCHMARK_VERSION
    domain: Literal["network_slicing", "edge_offloading", "uav_control", "degradation_recovery", "multi_agent_coordination"]
    family: str
    tier: Literal["L1", "L2", "L3"]
    seed: int = Field(ge=1, le=80, description="Topology seed")
    split: Literal["train", "benchmark"]
    intent: str
    setup: tuple[Action, ...] = ()
    schedule: Schedule = Schedule()
    goal: tuple[Check, ...] = Field(min_length=1)
    env_goal: EnvGoal = EnvGoal()
    requires_verification: bool
    #: The situation must break the goal's SLA before the agent acts (a task whose
    #: degradation does not actually hurt the service would test nothing).
    requires_violation: bool = False
    reference: tuple[RefStep, ...] = Field(min_length=1)
    max_steps: int = Field(ge=1)
    think_time_s: float = 0.5

    @property
    def reference_length(self) -> int:
        return len(self.reference)

    def env_options(self, backend: str | None = None) -> dict[str, Any]:
        """The ``reset(options=...)`` of :class:`sixg.sim.NetOpsEnv` that sets this task up."""
        opts: dict[str, Any] = {
            "scenario_seed": self.seed,
            "split": self.split,
            "schedule": self.schedule.model_dump(mode="json"),
            "setup": [a.model_dump(mode="json") for a in self.setup],
            "intent": self.intent,
            "max_steps": self.max_steps,
            "think_time_s": self.think_time_s,
        }
        goal = {k: v for k, v in self.env_goal.model_dump(mode="json").items() if v is not None}
        if goal:
            opts["goal"] = goal
        else:
            # No SLA or mission to confirm: the default (the intent's SLA) would be wrong.
            opts["goal"] = {}
        if backend is not None:
            opts["backend"] = backend
        return opts


TASK_ADAPTER: TypeAdapter[Task] = TypeAdapter(Task)


class Verdict(Frozen):
    """The judgement of one episode."""

    success: bool
    goal_met: bool
    verified: bool
    checks: tuple[tuple[str, bool, str], ...]


def judge(task: Task, world: World, *, verified: bool) -> Verdict:
    """Success = every goal check holds on the final state, and the verification the task
    requires was confirmed (the episode terminated on it)."""
    results = []
    for c in task.goal:
        ok, detail = c.evaluate(world)
        results.append((c.check, bool(ok), detail))
    goal_met = all(ok for _, ok, _ in results)
    success = goal_met and (verified or not task.requires_verification)
    return Verdict(success=success, goal_met=goal_met, verified=verified, checks=tuple(results))


def resolve(value: Any, memory: dict[str, Any], state: dict[str, Any] | None) -> Any:
    """Fill a reference step's argument references from what earlier calls returned."""
    if isinstance(value, dict):
        if value.get("$") == "state":
            return state
        if value.get("$") == "slice":
            return (state or {}).get("slice")
        if value.get("$") == "out":
            out = memory.get(value["tool"])
            for part in (value.get("field") or "").split("."):
                if part and out is not None:
                    out = out[int(part)] if isinstance(out, list) else out.get(part)
            return out
        return {k: resolve(v, memory, state) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, memory, state) for v in value]
    return value


def dumps_task(task: Task) -> str:
    return json.dumps(task.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
