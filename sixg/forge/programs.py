"""Forge's own programs: a situation on a training topology, an intent in words, a typed tool-call
program that later steps may feed with earlier outputs, and the outcome the network must reach.

A program is written as a :class:`~sixg.bench.tasks.Task` on the training split (the same
container, goal checks and reference-step form the benchmark uses, so that verification and
judging are one code path), but it is drawn by Forge's own generator from a
:class:`Blueprint`: a situation ("scene") and the knobs the offline teacher mutates -- which
entities and figures, how much looking around, an inserted diagnosis, the order of independent
reads, an extra degradation with its recovery, a wrong argument to recover from. Rendering a
blueprint is deterministic, so a blueprint names its program.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any, Literal

from pydantic import Field, JsonValue

from sixg.actions import BackhaulDegradation, CongestionSurge, DegradationOnset, EdgeOffload, EdgeOverload, InterferenceSurge
from sixg.bench.scoring import Domain, tier_of
from sixg.bench.tasks import (
    SLICE,
    SETTLE_S,
    STATE,
    EdgeLoadAtMost,
    EnvGoal,
    HostIs,
    LogHas,
    MissionComplete,
    NotServedBy,
    RefStep,
    ShapedAtLeast,
    ShareAtLeast,
    SlaMet,
    SliceIs,
    Task,
    UavAltitude,
    UavHeadingTo,
    UavSpeed,
    output_of,
)
from sixg.domain import Frozen, Position, SLASpec, SliceType
from sixg.errors import SeedSplitError
from sixg.forge import phrasing
from sixg.kinematics import UavMotion
from sixg.radio import cell_signals
from sixg.scenario import SPLIT_SEEDS, Scenario, Split, generate
from sixg.schedule import Schedule, ScheduledEvent
from sixg.snapshot import WARMUP_S
from sixg.tools.types import (
    DecisionRecord,
    DegradationSpec,
    Intent,
    MissionLog,
    MissionSpec,
    OffloadTarget,
    Priority,
    ResourceSpec,
    StatusMsg,
    TaskKind,
    TaskSpec,
)

Scene = Literal[
    "slice_rescue", "share_grant", "compute_relocation", "uav_reposition", "coverage_route", "cell_escape", "jam_recovery", "crew_coordination", "fleet_tasking"
]
SCENES: tuple[Scene, ...] = (
    "slice_rescue", "share_grant", "compute_relocation", "uav_reposition", "coverage_route", "cell_escape", "jam_recovery", "crew_coordination", "fleet_tasking"
)
DOMAIN_OF: dict[str, Domain] = {
    "slice_rescue": "network_slicing",
    "share_grant": "network_slicing",
    "compute_relocation": "edge_offloading",
    "uav_reposition": "uav_control",
    "coverage_route": "uav_control",
    "cell_escape": "degradation_recovery",
    "jam_recovery": "degradation_recovery",
    "crew_coordination": "multi_agent_coordination",
    "fleet_tasking": "multi_agent_coordination",
}
#: Scenes whose plainest program is (for some variants) an L1 one: three calls or fewer.
SHORT_SCENES: tuple[Scene, ...] = ("slice_rescue", "share_grant", "compute_relocation", "uav_reposition", "crew_coordination", "fleet_tasking")
#: Reads with no argument that depends on another call: any of them may be added, and their order changed.
PROBES = ("read_telemetry", "check_network_state", "get_edge_load", "slice_embb", "traffic_embb", "forecast")
#: The loosest loss bound an SLA goal uses: a healthy network's one-second averages still lose a few percent.
MIN_LOSS = 0.08


def check_train_seed(seed: int) -> int:
    """``seed`` if it is a training topology seed; :class:`SeedSplitError` otherwise (Forge never sees benchmark seeds)."""
    if seed not in SPLIT_SEEDS[Split.TRAIN]:
        raise SeedSplitError(
            f"topology seed {seed} is not a training seed: Forge writes training data from seeds 1-50 only "
            "(51-80 are 6GAgentBench's holdout)"
        )
    return seed


class Fault(Frozen):
    """A wrong argument planted in one step: the call the teacher got wrong, to recover from."""

    step: int = Field(ge=0)
    argument: str
    value: JsonValue


class Blueprint(Frozen):
    """What the offline teacher varies; :func:`render` turns it into a program."""

    scene: Scene
    seed: int = Field(ge=1, le=50, description="Training topology seed")
    variant: int = Field(ge=0, description="Draws entities, figures and wording")
    detail: int = Field(default=1, ge=0, le=3, description="How much the program looks around (0: only what it needs)")
    diagnose: bool = False
    probes: tuple[str, ...] = ()
    order: int = Field(default=0, ge=0, description="Permutation of the independent leading reads")
    degrade: bool = False
    fault: Fault | None = None
    onset: dict[str, Any] | None = Field(default=None, description="A degradation seen in a trace: replaces the scene's own of that kind at t=0 (or joins it)")
    focus: str | None = Field(default=None, description="The UAV a decision point is about")


class Program(Frozen):
    """A rendered blueprint: the task (situation, intent, goal, steps) and a thought per step."""

    blueprint: Blueprint
    task: Task
    thoughts: tuple[str, ...]

    @property
    def steps(self) -> tuple[RefStep, ...]:
        return self.task.reference


class Unfit(Exception):
    """The blueprint does not fit its topology (e.g. no UAV to coordinate); the teacher draws another."""


def _step(tool: str, /, **args) -> RefStep:
    return RefStep(tool=tool, args=args)


def _probe(name: str) -> RefStep:
    return {
        "slice_embb": lambda: _step("get_slice_status", slice=SliceType.EMBB),
        "traffic_embb": lambda: _step("get_traffic_pattern", slice=SliceType.EMBB),
        "forecast": lambda: _step("predict_sla_violation", state=STATE),
    }.get(name, lambda: _step(name))()


def _p(p: Position) -> Position:
    return Position(x=round(p.x, 1), y=round(p.y, 1), z=round(p.z, 1))


def _serving(sc: Scenario) -> list:
    return cell_signals(sc, sc.ue(sc.service.ue).position)


def _sla(sc: Scenario, rng: random.Random, *, latency_floor: float | None = None) -> SLASpec:
    base = sc.sla
    lat = base.max_latency_ms if latency_floor is None else max(base.max_latency_ms, latency_floor)
    return SLASpec(
        max_latency_ms=round(lat * rng.uniform(1.0, 1.15), 1),
        max_jitter_ms=round(base.max_jitter_ms * rng.uniform(1.0, 1.2), 1),
        max_loss_rate=round(max(base.max_loss_rate, MIN_LOSS) + rng.choice([0.0, 0.01, 0.02]), 3),
        min_throughput_mbps=round(base.min_throughput_mbps * rng.uniform(0.8, 1.0), 2),
    )


def _onset(t: float, degradation) -> ScheduledEvent:
    return ScheduledEvent(t=t, action=DegradationOnset(degradation=degradation))


class _Draft:
    """A program under construction: steps with thoughts, looks that ``detail`` may drop, and the goal."""

    def __init__(self) -> None:
        self.steps: list[tuple[RefStep, str, int]] = []  # (step, thought, lowest detail that keeps it)
        self.goal: list = []
        self.sla: SLASpec | None = None
        self.setup: list = []
        self.events: list[ScheduledEvent] = []
        self.verify = False
        self.mission: MissionSpec | None = None
        self.think_time_s = 0.5
        self.focus: str | None = None

    def add(self, step: RefStep, rng: random.Random, *, look: int = 0) -> None:
        self.steps.append((step, phrasing.thought(step, rng), look))


def _slice_rescue(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    cell = _serving(sc)[0].gnb
    rate = round(rng.uniform(18.0, 25.0), 1)
    d.events.append(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=rate)))
    d.sla = _sla(sc, rng, latency_floor=2 * sc.cloud.link_delay_ms + rng.uniform(30.0, 45.0))
    d.add(_step("check_network_state"), rng, look=1)
    d.add(_step("get_slice_status", slice=SLICE), rng, look=2)
    d.add(_step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), rng)
    d.add(_step("check_network_state"), rng, look=1)
    d.verify = True
    d.goal += [SliceIs(slice=SliceType.URLLC), SlaMet(sla=d.sla, over_s=SETTLE_S)]
    return {"cell": cell, "rate": rate}


def _compute_relocation(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    extra = round(rng.uniform(0.7, 1.3), 2)
    d.setup.append(EdgeOffload(host="edge"))
    d.events.append(_onset(0.0, EdgeOverload(extra_load=extra)))
    # The cloud is a backbone round trip away: the latency the service can get there sets the bound.
    sla = _sla(sc, rng, latency_floor=2 * sc.cloud.link_delay_ms + rng.uniform(140.0, 170.0))
    # Most requests ask for the SLA to be confirmed after the move; the rest only for the move.
    confirm = rng.random() < 0.6
    job = TaskSpec(
        name=rng.choice(["svc-jobs", "svc-compute", "inference", "svc-batch"]),
        kind="compute",
        target=None,
        compute_jobs_s=sc.service.request_rate_hz,
        max_latency_ms=sla.max_latency_ms if confirm else None,
        priority=rng.choice(["normal", "high"]),
    )
    d.add(_step("get_edge_load"), rng)
    d.add(_step("select_offload_target", edge=output_of("get_edge_load"), task=job), rng, look=1)
    d.add(_step("edge_offload", task=job, target=OffloadTarget(host="cloud", expected_latency_ms=None, expected_utilisation=None, reason=rng.choice(["edge overloaded", "the edge queue is full", None]))), rng)
    d.goal.append(HostIs(host="cloud"))
    if not confirm:
        return {"extra": extra}
    d.sla = sla
    d.think_time_s = 1.5
    # Jobs already queued at the edge still come back late: watch them drain before confirming.
    for _ in range(rng.randint(6, 9)):
        d.add(_step(rng.choice(["get_edge_load", "check_network_state", "read_telemetry"])), rng)
    d.verify = True
    d.goal.append(SlaMet(sla=d.sla, over_s=SETTLE_S))
    if rng.random() < 0.5:
        d.goal.append(EdgeLoadAtMost(bound=2.5))
    return {"extra": extra}


def _uav_reposition(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    if not sc.uav_ids:
        raise Unfit("no UAV in this topology")
    uav = d.focus if d.focus in sc.uav_ids else rng.choice(sc.uav_ids)
    d.add(_step("read_uav_position", uav=uav), rng, look=1)
    d.add(_step("get_battery_level", uav=uav), rng, look=2)
    how = rng.choice(["waypoint", "altitude", "speed"])
    slots: dict = {"uav": uav, "how": how}
    if how == "waypoint":
        xmin, ymin, xmax, ymax = sc.area
        target = _p(Position(x=rng.uniform(0.6 * xmin, 0.6 * xmax), y=rng.uniform(0.6 * ymin, 0.6 * ymax), z=float(rng.choice(range(40, 121, 10)))))
        d.add(_step("set_waypoint", uav=uav, position=target), rng)
        d.goal.append(UavHeadingTo(uav=uav, position=target, tolerance_m=30.0))
        slots["target"] = target
    elif how == "altitude":
        h = float(rng.choice(range(40, 151, 10)))
        d.add(_step("adjust_altitude", uav=uav, altitude=h), rng)
        d.goal.append(UavAltitude(uav=uav, altitude_m=h, tolerance_m=3.0))
        slots["altitude"] = h
    else:
        v = float(rng.choice(range(6, 19, 2)))
        d.add(_step("adjust_speed", uav=uav, speed=v), rng)
        d.goal.append(UavSpeed(uav=uav, speed_mps=v, tolerance_mps=0.5))
        slots["speed"] = v
    d.add(_step("read_uav_position", uav=uav), rng, look=1)
    return slots


def _cell_escape(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    if len(sc.gnbs) < 2:
        raise Unfit("one base station: nowhere to hand over to")
    ue = sc.service.ue
    cells = _serving(sc)
    cell, target = cells[0].gnb, max(cells[1:], key=lambda c: c.sinr_db).gnb
    d.events.append(_onset(0.0, BackhaulDegradation(gnb=cell, extra_delay_ms=round(rng.uniform(50.0, 90.0), 1), loss_rate=round(rng.uniform(0.03, 0.06), 3))))
    d.add(_step("check_handover_status", ue=ue), rng, look=1)
    d.add(_step("scan_available_gnbs", position=_p(sc.ue(ue).position)), rng, look=2)
    d.add(_step("check_link_quality", ue=ue, gnb=target), rng)
    d.add(_step("request_handover", ue=ue, gnb=target), rng)
    # The UE reattaches and the service's queues drain over a few windows before the SLA can hold.
    for _ in range(rng.randint(3, 5)):
        d.add(_step("check_handover_status", ue=ue) if rng.random() < 0.3 else _step(rng.choice(["check_network_state", "read_telemetry"])), rng)
    tools = ["check_link_quality", "check_network_state"]
    d.add(_step("log_decision", record=DecisionRecord(decision=f"{ue} moved from {cell} to {target}", rationale=rng.choice(["backhaul of the serving cell degraded", "the serving cell's transport is slow and lossy", "leave the impaired cell"]), tools_used=tools, confidence=round(rng.uniform(0.6, 0.95), 2))), rng)
    # On the surrogate a handover interrupts the service for longer than an episode lasts, so the
    # outcome judged is the one the intent asks for: off the impaired cell, with the decision logged.
    d.goal += [NotServedBy(ue=ue, gnb=cell), LogHas(kind="decision")]
    return {"cell": cell, "target": target}


def _crew_coordination(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    if not sc.uav_ids:
        raise Unfit("no UAV in this topology")
    uav = d.focus if d.focus in sc.uav_ids else rng.choice(sc.uav_ids)
    alert = rng.choice(["battery_low", "link_degraded", "off_course", "mission_update", "collision_risk"])
    status = rng.choice(["nominal", "degraded", "holding", "returning"])
    d.add(_step("heartbeat", uav=uav), rng, look=1)
    d.add(_step("get_battery_level", uav=uav), rng, look=2)
    d.add(_step("send_alert", uav=uav, alert=alert), rng)
    d.add(_step("broadcast_status", uav=uav, message=StatusMsg(status=status, text=phrasing.status_text(uav, status, rng))), rng)
    d.goal += [LogHas(kind="alert", uav=uav, data={"alert": alert}), LogHas(kind="broadcast", uav=uav, data={"status": status})]
    if rng.random() < 0.5:
        d.goal.append(LogHas(kind="heartbeat", uav=uav))
        d.steps = [(s, t, 0 if s.tool == "heartbeat" else look) for s, t, look in d.steps]
    return {"uav": uav, "alert": alert, "status": status}


def _jam_recovery(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    cell = _serving(sc)[0].gnb
    power = round(rng.uniform(28.0, 32.0), 1)
    d.events.append(_onset(round(rng.choice([0.0, 0.5, 1.0]), 1), InterferenceSurge(gnb=cell, power_dbm=power)))
    d.sla = _sla(sc, rng, latency_floor=2 * sc.cloud.link_delay_ms + rng.uniform(30.0, 45.0))
    d.sla = d.sla.model_copy(update={"min_throughput_mbps": round(sc.service.offered_mbps * rng.uniform(0.5, 0.6), 2)})
    d.add(_step("monitor_interference", position=_p(sc.ue(sc.service.ue).position)), rng, look=1)
    d.add(_step("read_telemetry"), rng)
    d.add(_step("risk_assessment", telemetry=output_of("read_telemetry")), rng)
    d.add(_step("select_recovery_strategy", state=STATE, risk=output_of("risk_assessment")), rng, look=2)
    d.add(_step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), rng)
    d.add(_step("check_network_state"), rng, look=1)
    d.verify = True
    d.goal += [SlaMet(sla=d.sla, over_s=SETTLE_S)]
    return {"cell": cell, "power": power}


def _share_grant(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    """A slice is given a larger share of every cell; now and then the service is then moved onto it."""
    protect = rng.random() < 0.4
    sl = SliceType.URLLC if protect else rng.choice([SliceType.URLLC, SliceType.MMTC, SliceType.EMBB])
    low = {SliceType.URLLC: 0.3, SliceType.MMTC: 0.2, SliceType.EMBB: 0.65}[sl]
    share = round(rng.uniform(low, low + 0.25), 2)
    d.add(_step("get_slice_status", slice=sl), rng, look=1)
    d.add(_step("trigger_slice_reallocation", slice=sl, resources=ResourceSpec(share=share)), rng)
    d.goal.append(ShareAtLeast(slice=sl, share=share))
    slots: dict = {"slice": sl.value, "share": share, "protect": protect}
    if not protect:
        d.add(_step("get_slice_status", slice=sl), rng, look=2)
        d.add(_step("check_network_state"), rng, look=1)
        return slots
    cell = _serving(sc)[0].gnb
    rate = round(rng.uniform(15.0, 22.0), 1)
    d.events.append(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=rate)))
    d.sla = _sla(sc, rng, latency_floor=2 * sc.cloud.link_delay_ms + rng.uniform(30.0, 45.0))
    d.add(_step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), rng)
    d.add(_step("check_network_state"), rng, look=1)
    d.verify = True
    d.goal += [SliceIs(slice=SliceType.URLLC), SlaMet(sla=d.sla, over_s=SETTLE_S)]
    return slots | {"cell": cell, "rate": rate}


def _coverage_route(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    """A UAV is sent to a point along a route planned for radio coverage, once its battery is known to cover it."""
    if not sc.uav_ids:
        raise Unfit("no UAV in this topology")
    uav = d.focus if d.focus in sc.uav_ids else rng.choice(sc.uav_ids)
    xmin, ymin, xmax, ymax = sc.area
    target = _p(Position(x=rng.uniform(0.7 * xmin, 0.7 * xmax), y=rng.uniform(0.7 * ymin, 0.7 * ymax), z=float(rng.choice(range(40, 121, 10)))))
    d.add(_step("read_uav_position", uav=uav), rng)
    d.add(_step("get_battery_level", uav=uav), rng)
    d.add(_step("get_signal_strength", position=target), rng, look=1)
    d.add(_step("path_planning", start=output_of("read_uav_position"), goal=target, state=STATE), rng)
    d.add(_step("compute_energy_budget", route=output_of("path_planning"), battery=output_of("get_battery_level")), rng)
    d.add(_step("set_waypoint", uav=uav, position=target), rng)
    d.add(_step("heartbeat", uav=uav), rng, look=2)
    d.goal.append(UavHeadingTo(uav=uav, position=target, tolerance_m=30.0))
    return {"uav": uav, "target": target}


def _dispatch_point(sc: Scenario, uav: str, rng: random.Random, after_s: float, near: tuple[float, float]) -> Position:
    """A point ``near[0]``-``near[1]`` metres from where ``uav`` is ``after_s`` into the episode, at its height
    (kept 10 m inside the area)."""
    motion = UavMotion.from_spec(sc.uav(uav))
    motion.advance(WARMUP_S + after_s)
    here = motion.as_position()
    angle, dist = rng.uniform(0.0, 2 * math.pi), rng.uniform(*near)
    xmin, ymin, xmax, ymax = sc.area
    x = min(max(here.x + dist * math.cos(angle), xmin + 10.0), xmax - 10.0)
    y = min(max(here.y + dist * math.sin(angle), ymin + 10.0), ymax - 10.0)
    return _p(Position(x=x, y=y, z=here.z))


_TASK_KINDS = (TaskKind.SURVEY, TaskKind.RELAY, TaskKind.INSPECTION, TaskKind.DELIVERY)


def _fleet_tasking(sc: Scenario, rng: random.Random, d: _Draft) -> dict:
    """Work handed to the fleet: one task to one UAV, a contested slot settled by priority, or a small mission planned, flown and validated."""
    if not sc.uav_ids:
        raise Unfit("no UAV in this topology")
    how = rng.choice(["assign", "assign", "contest", "mission"])
    if how != "assign" and len(sc.uav_ids) < 2:
        how = "assign"
    if how == "assign":
        uav = d.focus if d.focus in sc.uav_ids else rng.choice(sc.uav_ids)
        kind = rng.choice(_TASK_KINDS)
        target = _dispatch_point(sc, uav, rng, 2.0, (40.0, 90.0))
        name = f"{kind.value}-{rng.randrange(10, 100)}"
        d.add(_step("get_battery_level", uav=uav), rng, look=1)
        d.add(_step("assign_task", uav=uav, task=TaskSpec(name=name, kind=kind, target=target, compute_jobs_s=0.0, max_latency_ms=None, priority=rng.choice(list(Priority)))), rng)
        d.add(_step("set_waypoint", uav=uav, position=target), rng)
        d.add(_step("read_uav_position", uav=uav), rng, look=2)
        d.goal += [LogHas(kind="task", uav=uav, data={"accepted": True, "task": name}), UavHeadingTo(uav=uav, position=target, tolerance_m=30.0)]
        return {"how": how, "uav": uav, "kind": kind.value, "task": name, "target": target}
    a, b = rng.sample(list(sc.uav_ids), 2)
    if how == "contest":
        spot = _dispatch_point(sc, a, rng, 2.0, (40.0, 90.0))
        name = f"relay-{rng.randrange(10, 100)}"
        where = f"({spot.x:g}, {spot.y:g})"
        d.add(_step("negotiate_priority", first=a, second=b, intent=Intent(text=f"{a} takes the relay slot at {where}", slice=None, sla=None, priority=Priority.HIGH)), rng)
        d.add(_step("assign_task", uav=a, task=TaskSpec(name=name, kind=TaskKind.RELAY, target=spot, compute_jobs_s=0.0, max_latency_ms=None, priority=Priority.HIGH)), rng)
        d.add(_step("set_waypoint", uav=a, position=spot), rng, look=1)
        d.add(_step("send_alert", uav=b, alert="mission_update"), rng)
        d.add(_step("broadcast_status", uav=b, message=StatusMsg(status="holding", text=phrasing.status_text(b, "holding", rng))), rng)
        d.goal += [LogHas(kind="task", uav=a, data={"accepted": True, "task": name}), LogHas(kind="alert", uav=b, data={"alert": "mission_update"}), LogHas(kind="broadcast", uav=b, data={"status": "holding"})]
        return {"how": how, "a": a, "b": b, "task": name, "spot": spot}
    # A small mission: each UAV overflies one point close to where it will be when dispatched.
    uavs = (a, b) if rng.random() < 0.5 else (a,)
    mid = f"MSN-{rng.randrange(100, 1000)}"
    targets = tuple(_dispatch_point(sc, u, rng, 2.5, (18.0, 30.0)) for u in uavs)
    tasks = tuple(f"{rng.choice(['survey', 'inspect', 'scan'])}-{u}" for u in uavs)
    mission = MissionSpec(mission_id=mid, uavs=uavs, targets=targets, tolerance_m=10.0, min_battery_fraction=0.2, deadline_s=None, required_tasks=tasks)
    d.add(_step("update_mission_plan", mission=mission, state=STATE), rng)
    for u, t, name in zip(uavs, targets, tasks):
        d.add(_step("assign_task", uav=u, task=TaskSpec(name=name, kind=TaskKind.SURVEY, target=t, compute_jobs_s=0.0, max_latency_ms=None, priority=Priority.NORMAL)), rng)
    for u, t in zip(uavs, targets):
        d.add(_step("set_waypoint", uav=u, position=t), rng)
    # The UAVs need a few seconds to get there: watch them before asking for the verdict.
    d.think_time_s = 1.0
    for _ in range(rng.randint(3, 4)):
        u = rng.choice(uavs)
        d.add(_step(rng.choice(["read_uav_position", "heartbeat"]), uav=u), rng)
    d.add(_step("validate_mission_completion", mission=mission, log=MissionLog(mission_id=mid, since_s=0.0)), rng)
    d.mission = mission
    d.goal.append(MissionComplete(mission=mission))
    return {"how": how, "uavs": uavs, "mission": mid, "targets": targets, "tasks": tasks}


_SCENES = {
    "slice_rescue": _slice_rescue,
    "compute_relocation": _compute_relocation,
    "uav_reposition": _uav_reposition,
    "cell_escape": _cell_escape,
    "crew_coordination": _crew_coordination,
    "jam_recovery": _jam_recovery,
    "share_grant": _share_grant,
    "coverage_route": _coverage_route,
    "fleet_tasking": _fleet_tasking,
}


def _recovery(sc: Scenario, rng: random.Random, d: _Draft, *, moving: bool) -> dict:
    """An extra degradation and the sub-sequence that recovers from it (``moving``: the program
    already moves the service to URLLC)."""
    cell = _serving(sc)[0].gnb
    if moving:  # already moving to URLLC: relieve the cell instead
        frac = round(rng.uniform(0.4, 0.7), 2)
        d.add(_step("get_traffic_pattern", slice=SliceType.EMBB), rng)
        d.add(_step("graceful_degradation", spec=DegradationSpec(slice=SliceType.EMBB, fraction=frac, mode=rng.choice(["shed", "shape"]))), rng)
        d.goal.append(ShapedAtLeast(slice=SliceType.EMBB, fraction=frac))
        return {"shed": frac}
    d.events.append(_onset(round(rng.uniform(0.0, 1.0), 1), CongestionSurge(gnb=cell, rate_mbps=round(rng.uniform(18.0, 25.0), 1))))
    d.add(_step("read_telemetry"), rng)
    d.add(_step("risk_assessment", telemetry=output_of("read_telemetry")), rng)
    d.add(_step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), rng)
    d.goal.append(SliceIs(slice=SliceType.URLLC))
    return {"surge": cell}


def _order(steps: list, seed: int) -> list:
    """The leading run of independent reads, permuted by ``seed`` (0 keeps the order)."""
    if seed == 0:
        return steps
    n = 0
    while n < len(steps) and steps[n][0].tool in _INDEPENDENT and not steps[n][0].args:
        n += 1
    head = steps[:n]
    random.Random(seed).shuffle(head)
    return head + steps[n:]


_INDEPENDENT = {"read_telemetry", "check_network_state", "get_edge_load", "get_slice_status", "get_traffic_pattern"}


def length(bp: Blueprint) -> int:
    """How many calls the program of ``bp`` makes (:class:`Unfit` as :func:`render`), without
    wording its intent or building its task: cheap enough to try many blueprints for a tier."""
    return len(_draft(bp)[3])


def _draft(bp: Blueprint) -> tuple[Scenario, _Draft, dict[str, Any], list]:
    """The topology, draft, intent slots and (step, thought, detail) list of ``bp``'s program."""
    check_train_seed(bp.seed)
    sc = generate(bp.seed, split=Split.TRAIN)
    rng = random.Random(f"sixg-forge:{bp.scene}:{bp.seed}:{bp.variant}")
    d = _Draft()
    d.focus = bp.focus
    slots = _SCENES[bp.scene](sc, rng, d)
    if bp.onset is not None:
        seen = DegradationOnset(degradation=bp.onset)
        same = [k for k, e in enumerate(d.events) if e.action.degradation.kind == seen.degradation.kind]
        if same:
            d.events[same[0]] = ScheduledEvent(t=0.0, action=seen)
        else:
            d.events.insert(0, ScheduledEvent(t=0.0, action=seen))
        g = seen.degradation
        # The intent speaks of the degradation the episode really has.
        for field, slot in (("gnb", "cell"), ("rate_mbps", "rate"), ("power_dbm", "power"), ("extra_load", "extra")):
            if hasattr(g, field) and slot in slots:
                slots[slot] = getattr(g, field)
    steps = [(s, t, look) for s, t, look in d.steps if look <= bp.detail]
    if bp.degrade:
        more = _Draft()
        more.goal = d.goal
        slots |= _recovery(sc, rng, more, moving=any(s.tool == "switch_network_slice" for s, _, _ in d.steps))
        d.events += more.events
        steps += [(s, t, 0) for s, t, _ in more.steps]
    lead: list = []
    if bp.diagnose:
        lead += [(s, phrasing.thought(s, rng), 0) for s in (_step("read_telemetry"), _step("risk_assessment", telemetry=output_of("read_telemetry")), _step("select_recovery_strategy", state=STATE, risk=output_of("risk_assessment")))]
    lead = [(p := _probe(name), phrasing.thought(p, rng), 0) for name in bp.probes] + lead
    steps = _order(lead + steps, bp.order)
    if d.verify:
        v = _step("verify_sla_compliance", state=STATE, sla=d.sla)
        steps.append((v, phrasing.thought(v, rng), 0))
    if bp.fault is not None:
        if bp.fault.step >= len(steps) or bp.fault.argument not in steps[bp.fault.step][0].args:
            raise Unfit(f"no argument {bp.fault.argument!r} at step {bp.fault.step}")
        s, t, look = steps[bp.fault.step]
        steps[bp.fault.step] = (RefStep(tool=s.tool, args={**s.args, bp.fault.argument: bp.fault.value}), t, look)
    return sc, d, slots, steps


def render(bp: Blueprint) -> Program:
    """The program a blueprint names (:class:`Unfit` when its topology cannot host the scene)."""
    sc, d, slots, steps = _draft(bp)
    wording = random.Random(f"sixg-forge-words:{bp.model_dump_json()}")
    intent = phrasing.intent(bp.scene, sc, d.sla, slots, wording, degrade=bp.degrade, diagnose=bp.diagnose)
    n = len(steps)
    key = hashlib.sha256(bp.model_dump_json().encode()).hexdigest()[:12]
    task = Task(
        id=f"forge-{bp.seed:03d}-{bp.scene}-{key}",
        domain=DOMAIN_OF[bp.scene],
        family=f"forge/{bp.scene}",
        tier=tier_of(n),
        seed=bp.seed,
        split="train",
        intent=intent,
        setup=tuple(d.setup),
        schedule=Schedule(events=tuple(d.events)),
        goal=tuple(d.goal),
        env_goal=EnvGoal(sla=d.sla, mission=d.mission) if d.verify or d.mission else EnvGoal(),
        requires_verification=d.verify or d.mission is not None,
        # Judged as the benchmark judges: on the SLA the network sustains after the program stops.
        settle_s=SETTLE_S,
        reference=tuple(s for s, _, _ in steps),
        # Room for corrections: a failed call and its repair, a re-check and a second verification.
        max_steps=2 * n + 6,
        think_time_s=d.think_time_s,
    )
    return Program(blueprint=bp, task=task, thoughts=tuple(t for _, t, _ in steps))
