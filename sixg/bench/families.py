"""Task families: how each kind of benchmark task is drawn from a scenario.

Each family builds, from a scenario and a seeded generator, the situation (setup actions
and degradation schedule), an intent worded one of several ways, the goal checks, and a
reference solution that an operator with full knowledge of the situation would run.
Whether that reference really succeeds is established later by running it on both
backends (:mod:`sixg.bench.build`); a family only proposes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from sixg.actions import BackhaulDegradation, CongestionSurge, DegradationOnset, DegradationRecovery, EdgeOffload, EdgeOverload, InterferenceSurge, ReallocateSlices, UavDrift
from sixg.bench.tasks import (
    SETTLE_S,
    SLICE,
    STATE,
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
from sixg.bench.scoring import tier_of
from sixg.kinematics import UavMotion
from sixg.bench.wording import compose
from sixg.domain import Position, SLASpec, SliceType
from sixg.radio import cell_signals
from sixg.scenario import Scenario
from sixg.schedule import Schedule, ScheduledEvent
from sixg.snapshot import WARMUP_S
from sixg.tools.types import DecisionRecord, DegradationSpec, Intent, MissionLog, MissionSpec, OffloadTarget, Priority, ResourceSpec, StatusMsg, TaskKind, TaskSpec

TARGETS = [
    "keep {sla}",
    "it has to hold {sla}",
    "the target is {sla}",
    "we need {sla}",
    "make sure it meets {sla}",
    "aim for {sla}, and verify it",
    "{sla} is the bar it must clear",
    "success means {sla}",
]

def step(tool: str, /, **args) -> RefStep:
    """One reference call: literal values typed as the tool declares them, or :class:`Earlier` outputs."""
    return RefStep(tool=tool, args=args)


def _pos(p: Position) -> Position:
    return Position(x=round(p.x, 1), y=round(p.y, 1), z=round(p.z, 1))


def _host(host: str, reason: str | None = None) -> OffloadTarget:
    return OffloadTarget(host=host, expected_latency_ms=None, expected_utilisation=None, reason=reason)


def _service_cell(sc: Scenario) -> str:
    """The cell the service UE camps on at the start (the strongest, as ns-3's cell selection picks)."""
    return cell_signals(sc, sc.ue(sc.service.ue).position)[0].gnb


def _fmt_sla(sla: SLASpec, rng: random.Random, *, only: tuple[str, ...] = ("latency", "jitter", "loss", "throughput")) -> str:
    parts = {
        "latency": rng.choice([f"latency under {sla.max_latency_ms:g} ms", f"response time below {sla.max_latency_ms:g} ms", f"at most {sla.max_latency_ms:g} ms of latency"]),
        "jitter": rng.choice([f"jitter below {sla.max_jitter_ms:g} ms", f"jitter under {sla.max_jitter_ms:g} ms"]),
        "loss": rng.choice([f"loss under {sla.max_loss_rate * 100:g} %", f"packet loss below {sla.max_loss_rate * 100:g} %"]),
        "throughput": rng.choice([f"throughput of at least {sla.min_throughput_mbps:g} Mbit/s", f"no less than {sla.min_throughput_mbps:g} Mbit/s of throughput"]),
    }
    chosen = [parts[k] for k in only]
    if len(chosen) == 1:
        return chosen[0]
    return ", ".join(chosen[:-1]) + " and " + chosen[-1]


#: Loss bound tasks use at least: a 1 s average of a healthy network still shows a few
#: percent of late or dropped responses now and then (on ns-3 and on the surrogate), so a
#: tighter bound would judge measurement noise rather than the agent.
MIN_TASK_LOSS = 0.08


def _sla(sc: Scenario, **override) -> SLASpec:
    base = sc.sla.model_copy(update={"max_loss_rate": max(sc.sla.max_loss_rate, MIN_TASK_LOSS)})
    return base.model_copy(update=override)


def _verify(sla: SLASpec) -> RefStep:
    return step("verify_sla_compliance", state=STATE, sla=sla)


def _onset(t: float, degradation) -> ScheduledEvent:
    return ScheduledEvent(t=t, action=DegradationOnset(degradation=degradation))


def _outcome(sla: SLASpec) -> SlaMet:
    """The SLA as an outcome: met on average over the seconds the network runs on after the episode."""
    return SlaMet(sla=sla, over_s=SETTLE_S)


def _task(sc: Scenario, family: str, domain: str, rng: random.Random, *, intent: str, reference: list[RefStep], goal, env_goal: EnvGoal = EnvGoal(), setup=(), schedule: Schedule = Schedule(), requires_verification: bool = False) -> Task:
    n = len(reference)
    return Task(
        id=f"{sc.split.value[:5]}-{sc.seed:03d}-{family}",
        domain=domain,
        family=family,
        tier=tier_of(n),
        seed=sc.seed,
        split=sc.split.value,
        intent=intent,
        setup=tuple(setup),
        schedule=schedule,
        goal=tuple(goal),
        env_goal=env_goal,
        requires_verification=requires_verification,
        settle_s=SETTLE_S,
        reference=tuple(reference),
        max_steps=max(8, 2 * n + 4),
    )


# --- network slicing ------------------------------------------------------------------------


def _congestion_situation(sc: Scenario, rng: random.Random):
    """eMBB over-provisioned to 90 % of every cell, then a surge in the service's cell, and
    a latency bound just above what the service needs when the cell is healthy.

    Surge load is eMBB load, policed to eMBB's share like the rest of it: at the default
    60 % share a surge leaves most cells room enough that it hurts nobody, so the
    situation first gives eMBB its largest share (an operator's over-provisioning). Whether
    the cell then saturates still depends on its radio conditions; the build keeps only
    situations in which doing nothing misses the bound on both backends."""
    cell = _service_cell(sc)
    setup: list = [ReallocateSlices(slice=SliceType.EMBB, share=0.9)]
    schedule = Schedule(events=(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=round(rng.uniform(30.0, 45.0), 1))),))
    sla = _sla(sc, max_latency_ms=round(2 * sc.cloud.link_delay_ms + rng.uniform(23.0, 27.0), 1))
    return cell, setup, schedule, sla


def ns_urllc_congestion(sc: Scenario, rng: random.Random) -> Task:
    cell, setup, schedule, sla = _congestion_situation(sc, rng)
    intent = compose(
        rng,
        context=[
            "background traffic is flooding {cell}",
            "{cell} is congested",
            "users near {cell} report lag",
            "a load surge hit {cell} a moment ago",
            "{cell} is saturated by broadband traffic",
        ],
        instruction=[
            "move {svc} to the low-latency slice",
            "put {svc} on URLLC",
            "protect {svc} with the ultra-reliable slice",
            "switch {svc} over to URLLC",
            "give {svc} guaranteed low latency by changing its slice",
            "{svc} belongs on the URLLC slice until this passes",
        ],
        target=TARGETS,
        slots={"cell": cell, "sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "loss"), ("latency",), ("latency", "throughput"), ("latency", "jitter", "loss", "throughput")]))},
    )
    return _task(
        sc, "ns_urllc_congestion", "network_slicing", rng,
        intent=intent,
        setup=setup,
        schedule=schedule,
        reference=[step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), step("check_network_state"), _verify(sla)],
        goal=[SliceIs(slice=SliceType.URLLC), _outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


def ns_iot_move(sc: Scenario, rng: random.Random) -> Task:
    intent = compose(
        rng,
        context=[
            "{svc} now only sends low-rate telemetry",
            "{svc} has become a sensor feed with tiny bandwidth needs",
            "the workload turned into periodic meter readings",
            "broadband capacity is needed elsewhere",
            "the application was reclassified as machine-type traffic",
        ],
        instruction=[
            "move {svc} to the massive IoT slice",
            "put {svc} on mMTC",
            "switch {svc} to the machine-type slice",
            "downgrade {svc} to the IoT slice",
            "{svc} should run on mMTC from now on",
        ],
    )
    return _task(
        sc, "ns_iot_move", "network_slicing", rng,
        intent=intent,
        reference=[step("check_network_state"), step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.MMTC)],
        goal=[SliceIs(slice=SliceType.MMTC)],
        requires_verification=False,
    )


def ns_reallocate(sc: Scenario, rng: random.Random) -> Task:
    cell, setup, schedule, sla = _congestion_situation(sc, rng)
    share = rng.choice([0.5, 0.6, 0.7])
    pct = int(share * 100)
    intent = compose(
        rng,
        context=[
            "eMBB background load in {cell} is starving everything else",
            "a traffic surge hit {cell}",
            "broadband users are crowding out the critical traffic in {cell}",
            "the slices are badly balanced for today's load",
        ],
        instruction=[
            "reserve at least {pct} % of cell capacity for URLLC and run {svc} on it",
            "rebalance the slices so URLLC gets {pct} % or more of each cell, then move {svc} there",
            "shift capacity to the URLLC slice (no less than {pct} %) and put {svc} on it",
            "give the low-latency slice a {pct} % share and carry {svc} on it",
            "raise URLLC's share to {pct} % and switch {svc} onto that slice",
        ],
        target=TARGETS,
        slots={"cell": cell, "pct": pct, "sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "loss"), ("latency",), ("latency", "throughput")]))},
    )
    return _task(
        sc, "ns_reallocate", "network_slicing", rng,
        intent=intent,
        setup=setup,
        schedule=schedule,
        reference=[
            step("get_slice_status", slice=SliceType.EMBB),
            step("get_slice_status", slice=SliceType.URLLC),
            step("trigger_slice_reallocation", slice=SliceType.URLLC, resources=ResourceSpec(share=share)),
            step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC),
            step("check_network_state"),
            _verify(sla),
        ],
        goal=[ShareAtLeast(slice=SliceType.URLLC, share=share), SliceIs(slice=SliceType.URLLC), _outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


# --- edge offloading ----------------------------------------------------------------------------


def _task_spec(sc: Scenario, name: str, *, max_latency: float | None) -> TaskSpec:
    return TaskSpec(
        name=name,
        kind=TaskKind.COMPUTE,
        target=None,
        compute_jobs_s=sc.service.request_rate_hz,
        max_latency_ms=max_latency,
        priority=Priority.HIGH,
    )


def eo_edge_latency(sc: Scenario, rng: random.Random) -> Task:
    bound = round(2 * sc.cloud.link_delay_ms + rng.uniform(6.0, 12.0), 1)
    sla = _sla(sc, max_latency_ms=bound)
    intent = compose(
        rng,
        context=[
            "the cloud round trip is too long for {svc}",
            "the latency budget of {svc} was cut to {bound} ms",
            "operators want sub-{bound} ms responses from {svc}",
            "the backbone to the cloud adds too much delay",
        ],
        instruction=[
            "run the jobs of {svc} on the edge server",
            "offload the compute of {svc} to the edge",
            "move the processing of {svc} next to the gateway",
            "bring {svc}'s jobs from the cloud to the edge host",
        ],
        target=[
            "responses must arrive in under {bound} ms",
            "keep the response time below {bound} ms and confirm it",
            "the latency must stay under {bound} ms",
            "target: under {bound} ms per response",
        ],
        slots={"bound": f"{bound:g}"},
    )
    return _task(
        sc, "eo_edge_latency", "edge_offloading", rng,
        intent=intent,
        reference=[
            step("get_edge_load"),
            step("edge_offload", task=_task_spec(sc, "svc-jobs", max_latency=bound), target=_host("edge")),
            _verify(sla),
        ],
        goal=[HostIs(host="edge"), _outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


def eo_edge_checked(sc: Scenario, rng: random.Random) -> Task:
    bound = round(2 * sc.cloud.link_delay_ms + rng.uniform(6.0, 12.0), 1)
    sla = _sla(sc, max_latency_ms=bound)
    task = _task_spec(sc, "svc-jobs", max_latency=bound)
    record = rng.random() < 0.5
    intent = compose(
        rng,
        context=[
            "the edge is shared with other tenants",
            "responses of {svc} take too long from the cloud",
            "we are not sure the edge has room for {svc}",
            "the latency budget of {svc} is now {bound} ms",
        ],
        instruction=[
            "check the edge's load and where {svc} would be served fastest, then move its jobs there",
            "work out the best host for {svc} from the edge's current utilisation and offload accordingly",
            "assess whether the edge can take the jobs of {svc}, and if so run them there",
            "compare edge and cloud for {svc} and put the compute where the response time is lowest",
        ],
        target=[
            "responses must arrive in under {bound} ms",
            "keep the response time below {bound} ms and confirm it",
            "the latency must stay under {bound} ms",
        ],
        slots={"bound": f"{bound:g}"},
    )
    if record:
        intent += " " + rng.choice(["Log the decision with its rationale.", "Record why you chose the host in the decision log.", "Keep a decision record of the move."])
    return _task(
        sc, "eo_edge_checked", "edge_offloading", rng,
        intent=intent,
        reference=[
            step("get_edge_load"),
            step("select_offload_target", edge=output_of("get_edge_load"), task=task),
            step("edge_offload", task=task, target=_host("edge")),
            step("check_network_state"),
            *([_decision("run the service's jobs at the edge", ["get_edge_load", "select_offload_target"])] if record else []),
            _verify(sla),
        ],
        goal=[_outcome(sla), *([LogHas(kind="decision")] if record else [])],
        env_goal=EnvGoal(sla=sla),
    )


def eo_overload_cloud(sc: Scenario, rng: random.Random) -> Task:
    extra = round(rng.uniform(0.8, 1.3), 2)
    sla = _sla(sc)
    task = _task_spec(sc, "svc-jobs", max_latency=sla.max_latency_ms)
    intent = compose(
        rng,
        context=[
            "the edge server hosting {svc} is swamped by other tenants",
            "edge overload: response times of {svc} are exploding",
            "other tenants saturated the edge compute",
            "jobs of {svc} are queueing at the edge",
        ],
        instruction=[
            "put {svc} where it can be served properly",
            "find a better host for {svc}",
            "relocate the compute of {svc}",
            "move the jobs of {svc} off the overloaded edge",
        ],
        target=TARGETS,
        slots={"sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "loss"), ("latency",), ("latency", "throughput")]))},
    )
    return _task(
        sc, "eo_overload_cloud", "edge_offloading", rng,
        intent=intent,
        setup=[EdgeOffload(host="edge")],
        schedule=Schedule(events=(_onset(0.0, EdgeOverload(extra_load=extra)),)),
        reference=[
            step("get_edge_load"),
            step("select_offload_target", edge=output_of("get_edge_load"), task=task),
            step("edge_offload", task=task, target=_host("cloud", "the edge is overloaded")),
            # Jobs already queued at the edge still come back late: watch until they have drained.
            step("get_edge_load"),
            step("read_telemetry"),
            step("check_network_state"),
            step("get_edge_load"),
            step("check_network_state"),
            step("get_traffic_pattern", slice=SliceType.EMBB),
            step("check_network_state"),
            _verify(sla),
        ],
        goal=[_outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


# --- UAV control --------------------------------------------------------------------------------


def _pick_uav(sc: Scenario, rng: random.Random) -> str:
    return rng.choice(sc.uav_ids)


def uav_altitude(sc: Scenario, rng: random.Random) -> Task:
    uav = _pick_uav(sc, rng)
    current = sc.uav(uav).waypoints[0].z
    h = float(rng.choice([h for h in range(40, 141, 10) if abs(h - current) >= 20]))
    intent = compose(
        rng,
        context=[
            "airspace control changed the corridor",
            "a new flight level was assigned",
            "the survey needs a different vantage point",
            "",
        ],
        instruction=[
            "fly {uav} at {h} m from now on",
            "change {uav}'s operating altitude to {h} m",
            "{uav} must keep to {h} m above ground",
            "set the height of {uav} to {h} metres for the rest of its route",
            "move {uav} to the {h} m flight level",
        ],
        slots={"uav": uav, "h": f"{h:g}"},
    )
    return _task(
        sc, "uav_altitude", "uav_control", rng,
        intent=intent,
        reference=[step("read_uav_position", uav=uav), step("adjust_altitude", uav=uav, altitude=h)],
        goal=[UavAltitude(uav=uav, altitude_m=h, tolerance_m=2.0)],
        requires_verification=False,
    )


def uav_slowdown_alert(sc: Scenario, rng: random.Random) -> Task:
    uav = _pick_uav(sc, rng)
    speed = float(rng.choice([3, 4, 5, 6]))
    intent = compose(
        rng,
        context=[
            "{uav} is running low on energy",
            "battery warning on {uav}",
            "{uav} may not make it back at its current pace",
            "telemetry shows {uav}'s pack draining fast",
        ],
        instruction=[
            "slow {uav} to {v} m/s and raise a low-battery alert",
            "cut {uav}'s cruise speed to {v} m/s and alert ground control that its battery is low",
            "have {uav} cruise at {v} m/s to save power, and flag its battery as low",
            "reduce the speed of {uav} to {v} m/s and issue a battery_low alert",
        ],
        slots={"uav": uav, "v": f"{speed:g}"},
    )
    return _task(
        sc, "uav_slowdown_alert", "uav_control", rng,
        intent=intent,
        reference=[
            step("get_battery_level", uav=uav),
            step("adjust_speed", uav=uav, speed=speed),
            step("send_alert", uav=uav, alert="battery_low"),
        ],
        goal=[UavSpeed(uav=uav, speed_mps=speed, tolerance_mps=0.3), LogHas(kind="alert", uav=uav, data={"alert": "battery_low"})],
        requires_verification=False,
    )


def _offset_point(sc: Scenario, base: Position, rng: random.Random, lo: float, hi: float, z: float) -> Position:
    xmin, ymin, xmax, ymax = sc.area
    for _ in range(50):
        a, r = rng.uniform(0, 2 * math.pi), rng.uniform(lo, hi)
        x, y = base.x + r * math.cos(a), base.y + r * math.sin(a)
        if xmin + 20 <= x <= xmax - 20 and ymin + 20 <= y <= ymax - 20:
            return Position(x=round(x, 1), y=round(y, 1), z=z)
    return Position(x=round(base.x, 1), y=round(base.y, 1), z=z)


def uav_inspect(sc: Scenario, rng: random.Random) -> Task:
    uav = _pick_uav(sc, rng)
    start = sc.uav(uav).waypoints[0]
    target = _offset_point(sc, start, rng, 80.0, 200.0, round(rng.uniform(40.0, 100.0), 0))
    where = f"({target.x:g}, {target.y:g}) at {target.z:g} m"
    intent = compose(
        rng,
        context=[
            "we need eyes on {where}",
            "a mast at {where} needs inspection",
            "a fault was reported near {where}",
            "the survey team asked for imagery of {where}",
        ],
        instruction=[
            "send {uav} to {where}, but only after checking it has the energy and coverage for the trip",
            "plan a covered route for {uav} to {where}, check its battery budget, then dispatch it",
            "route {uav} to {where} with good radio coverage and make sure the battery allows it",
            "dispatch {uav} to the inspection point {where} once the energy budget of a coverage-aware route is confirmed",
        ],
        slots={"uav": uav, "where": where},
    )
    return _task(
        sc, "uav_inspect", "uav_control", rng,
        intent=intent,
        reference=[
            step("read_uav_position", uav=uav),
            step("get_battery_level", uav=uav),
            step("path_planning", start=output_of("read_uav_position"), goal=_pos(target), state=STATE),
            step("compute_energy_budget", route=output_of("path_planning"), battery=output_of("get_battery_level")),
            step("set_waypoint", uav=uav, position=_pos(target)),
        ],
        goal=[UavHeadingTo(uav=uav, position=target, tolerance_m=10.0)],
        requires_verification=False,
    )


# --- degradation recovery --------------------------------------------------------------------------


def _diagnose() -> list[RefStep]:
    return [
        step("read_telemetry"),
        step("risk_assessment", telemetry=output_of("read_telemetry")),
        step("select_recovery_strategy", state=STATE, risk=output_of("risk_assessment")),
    ]


def _decision(text: str, tools: list[str]) -> RefStep:
    return step("log_decision", record=DecisionRecord(decision=text, rationale="restore the service's SLA after the degradation", tools_used=tools, confidence=0.8))


def dr_interference(sc: Scenario, rng: random.Random) -> Task:
    cell = _service_cell(sc)
    power = round(rng.uniform(34.0, 40.0), 1)
    sla = _sla(sc, min_throughput_mbps=round(0.6 * sc.service.offered_mbps, 2))
    intent = compose(
        rng,
        context=[
            "something is jamming {cell}",
            "interference alarm in {cell}",
            "the radio link of {svc} degraded suddenly near {cell}",
            "SINR collapsed in {cell}",
        ],
        instruction=[
            "diagnose the trouble and recover {svc}",
            "assess the risk, pick a recovery and apply it to {svc}",
            "recover {svc} from the interference",
            "find out what is wrong and get {svc} back on track",
        ],
        target=TARGETS,
        slots={"cell": cell, "sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "throughput"), ("latency", "loss"), ("throughput", "latency", "loss")]))},
    )
    return _task(
        sc, "dr_interference", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, InterferenceSurge(gnb=cell, power_dbm=power)),)),
        reference=[*_diagnose(), step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), step("check_network_state"), _verify(sla)],
        goal=[_outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


def dr_backhaul_handover(sc: Scenario, rng: random.Random) -> Task | None:
    if len(sc.gnbs) < 2:
        return None
    svc = sc.service.ue
    cells = cell_signals(sc, sc.ue(svc).position)
    cell = cells[0].gnb
    others = [c for c in cells if c.gnb != cell]
    target = max(others, key=lambda c: c.sinr_db)
    delay = round(rng.uniform(60.0, 90.0), 1)
    loss = round(rng.uniform(0.03, 0.06), 3)
    sla = _sla(sc)
    intent = compose(
        rng,
        context=[
            "the backhaul of {cell} is slow and dropping packets",
            "transport fault on {cell}'s backhaul",
            "{cell}'s S1 link is degraded",
            "latency and loss spiked because {cell}'s backhaul is failing",
        ],
        instruction=[
            "get {svc} off that cell, log what you did",
            "move the service UE to a healthy neighbour cell and record the decision",
            "recover {svc} by changing its serving cell and keep a decision log",
            "hand {svc} over to a neighbour and document the decision",
        ],
        target=TARGETS,
        slots={"cell": cell, "sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "loss"), ("latency",), ("loss", "latency", "throughput")]))},
    )
    return _task(
        sc, "dr_backhaul_handover", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, BackhaulDegradation(gnb=cell, extra_delay_ms=delay, loss_rate=loss)),)),
        reference=[
            *_diagnose(),
            step("check_handover_status", ue=svc),
            step("check_link_quality", ue=svc, gnb=target.gnb),
            step("request_handover", ue=svc, gnb=target.gnb),
            step("check_network_state"),
            _decision(f"hand {svc} over from {cell} to {target.gnb}", ["read_telemetry", "risk_assessment", "select_recovery_strategy", "check_link_quality"]),
            _verify(sla),
        ],
        goal=[NotServedBy(ue=svc, gnb=cell), _outcome(sla), LogHas(kind="decision")],
        env_goal=EnvGoal(sla=sla),
    )


def dr_congestion_recovery(sc: Scenario, rng: random.Random) -> Task:
    cell, setup, schedule, sla = _congestion_situation(sc, rng)
    fraction = rng.choice([0.6, 0.7, 0.8, 0.9])
    intent = compose(
        rng,
        context=[
            "a congestion storm hit {cell}",
            "{cell} is overloaded",
            "the surge in {cell} is still going on",
            "broadband traffic in {cell} went through the roof",
        ],
        instruction=[
            "work out what is wrong, shape the broadband background down by {pct} %, protect {svc} on URLLC and log the decision",
            "shape the eMBB load by at least {pct} %, move {svc} to URLLC and keep a decision record",
            "diagnose, relieve the eMBB slice by shaping it {pct} %, give {svc} the low-latency slice and write the decision to the log",
            "after a diagnosis, throttle eMBB by {pct} % or more, switch {svc} to URLLC and document what you did",
        ],
        target=TARGETS,
        slots={"cell": cell, "pct": int(round(fraction * 100)), "sla": _fmt_sla(sla, rng, only=rng.choice([("latency", "loss"), ("latency",), ("latency", "jitter", "loss", "throughput")]))},
    )
    return _task(
        sc, "dr_congestion_recovery", "degradation_recovery", rng,
        intent=intent,
        setup=setup,
        schedule=schedule,
        reference=[
            *_diagnose(),
            step("get_traffic_pattern", slice=SliceType.EMBB),
            step("graceful_degradation", spec=DegradationSpec(slice=SliceType.EMBB, fraction=fraction, mode="shape")),
            step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC),
            step("check_network_state"),
            _decision(f"shape eMBB by {fraction:.0%} and move the service to URLLC", ["read_telemetry", "risk_assessment", "get_traffic_pattern"]),
            _verify(sla),
        ],
        goal=[_outcome(sla), SliceIs(slice=SliceType.URLLC), ShapedAtLeast(slice=SliceType.EMBB, fraction=fraction), LogHas(kind="decision")],
        env_goal=EnvGoal(sla=sla),
    )


def dr_service_recovery(sc: Scenario, rng: random.Random) -> Task:
    """The service misses its SLA in a congested cell; the intent names the outcome, not the remedy.

    Any remedy passes if the SLA holds afterwards (a slice switch, a reallocation, shaping
    the eMBB load, ...); the reference is one of them."""
    cell, setup, schedule, sla = _congestion_situation(sc, rng)
    intent = compose(
        rng,
        context=[
            "{svc} has been missing its targets since load spiked in {cell}",
            "complaints about {svc}: responses crawl, and {cell} is busy",
            "monitoring flags {svc} as degraded; {cell} carries a lot of broadband traffic",
            "the service level of {svc} slipped after a traffic spike near {cell}",
        ],
        instruction=[
            "bring it back within its service level, whichever way you see fit",
            "restore {svc}; the remedy is your call",
            "fix it with whatever lever works",
            "get {svc} healthy again and keep it that way",
        ],
        target=TARGETS,
        slots={"cell": cell, "sla": _fmt_sla(sla, rng, only=rng.choice([("latency",), ("latency", "loss"), ("latency", "throughput")]))},
    )
    return _task(
        sc, "dr_service_recovery", "degradation_recovery", rng,
        intent=intent,
        setup=setup,
        schedule=schedule,
        reference=[*_diagnose(), step("switch_network_slice", from_slice=SLICE, to_slice=SliceType.URLLC), step("check_network_state"), _verify(sla)],
        goal=[_outcome(sla)],
        env_goal=EnvGoal(sla=sla),
    )


def dr_uav_drift(sc: Scenario, rng: random.Random) -> Task | None:
    svc = sc.service.ue
    if not svc.startswith("uav"):
        return None
    home = sc.uav(svc).waypoints[0]
    stop = round(rng.uniform(3.0, 5.0), 1)
    where = f"({home.x:g}, {home.y:g}, {home.z:g})"
    intent = compose(
        rng,
        context=[
            "{uav}, which carries {svc}, is drifting off station",
            "GPS trouble on {uav}: it has left its station",
            "{uav} was blown off course",
            "{uav} reports an unplanned drift",
        ],
        instruction=[
            "check its link and position, bring it back to {where}, confirm it answers a heartbeat and log the recovery",
            "assess its radio situation, return it to {where}, verify it is alive and record the decision",
            "inspect its handover and signal state, send it back to {where}, heartbeat it, and note the action in the log",
        ],
        slots={"uav": svc, "where": where},
    )
    return _task(
        sc, "dr_uav_drift", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, UavDrift(uav=svc, speed_mps=round(rng.uniform(12.0, 20.0), 1))), ScheduledEvent(t=stop, action=DegradationRecovery(degradation_kind="uav_drift")))),
        reference=[
            step("read_telemetry"),
            step("read_uav_position", uav=svc),
            step("check_handover_status", ue=svc),
            step("get_signal_strength", position=output_of("read_uav_position")),
            step("scan_available_gnbs", position=output_of("read_uav_position")),
            step("set_waypoint", uav=svc, position=_pos(home)),
            step("heartbeat", uav=svc),
            step("check_network_state"),
            _decision(f"return {svc} to its station", ["read_uav_position", "check_handover_status", "scan_available_gnbs"]),
        ],
        goal=[UavHeadingTo(uav=svc, position=home, tolerance_m=15.0), LogHas(kind="heartbeat", uav=svc), LogHas(kind="decision")],
        requires_verification=False,
    )


# --- multi-agent coordination --------------------------------------------------------------------------


def ma_priority(sc: Scenario, rng: random.Random) -> Task | None:
    if len(sc.uavs) < 2:
        return None
    a, b = rng.sample(list(sc.uav_ids), 2)
    pa = sc.uav(a).waypoints[0]
    spot = _offset_point(sc, pa, rng, 60.0, 150.0, round(rng.uniform(50.0, 90.0), 0))
    xmin, ymin, xmax, ymax = sc.area
    options = [("east", 80.0, 0.0), ("west", -80.0, 0.0), ("north", 0.0, 80.0), ("south", 0.0, -80.0)]
    inside = [(d, dx, dy) for d, dx, dy in options if xmin + 10 <= spot.x + dx <= xmax - 10 and ymin + 10 <= spot.y + dy <= ymax - 10]
    direction, dx, dy = rng.choice(inside or options[:1])
    hold = Position(x=round(spot.x + dx, 1), y=round(spot.y + dy, 1), z=spot.z)
    off = f"80 m {direction} of the spot"
    where = f"({spot.x:g}, {spot.y:g})"
    intent = compose(
        rng,
        context=[
            "{a} and {b} both want the survey slot over {where}",
            "two UAVs are converging on {where}",
            "{a} and {b} were tasked to the same spot, {where}",
        ],
        instruction=[
            "{a} has priority: send it there, park {b} {off} at the same height, and tell {b} to hold",
            "deconflict them: {a} goes first, {b} waits {off} and broadcasts that it is holding",
            "negotiate, give {a} the spot, keep {b} {off} of it, and have {b} announce it is holding",
        ],
        slots={"a": a, "b": b, "where": where, "off": off},
    )
    return _task(
        sc, "ma_priority", "multi_agent_coordination", rng,
        intent=intent,
        reference=[
            step("negotiate_priority", first=a, second=b, intent=Intent(text=f"{a} surveys {where} first", slice=None, sla=None, priority=Priority.HIGH)),
            step("set_waypoint", uav=a, position=_pos(spot)),
            step("set_waypoint", uav=b, position=_pos(hold)),
            step("broadcast_status", uav=b, message=StatusMsg(status="holding", text=f"holding {off} while {a} surveys")),
        ],
        goal=[UavHeadingTo(uav=a, position=spot, tolerance_m=10.0), UavHeadingTo(uav=b, position=hold, tolerance_m=15.0), LogHas(kind="broadcast", uav=b)],
        requires_verification=False,
    )


def ma_mission(sc: Scenario, rng: random.Random) -> Task | None:
    if len(sc.uavs) < 2:
        return None
    a, b = rng.sample(list(sc.uav_ids), 2)
    targets = []
    for u in (a, b):
        # Close to where each UAV will be when it is dispatched (a few seconds into the
        # episode, after the warm-up), so the mission can finish within the episode.
        motion = UavMotion.from_spec(sc.uav(u))
        motion.advance(WARMUP_S + 3.0)
        here = motion.as_position()
        targets.append(_offset_point(sc, here, rng, 8.0, 14.0, round(here.z, 1)))
    mid = f"M-{rng.randrange(1000, 10000)}"
    tasks = (f"survey-{a}", f"survey-{b}")
    mission = MissionSpec(mission_id=mid, uavs=(a, b), targets=tuple(targets), tolerance_m=10.0, min_battery_fraction=0.2, deadline_s=None, required_tasks=tasks)
    pts = " and ".join(f"({p.x:g}, {p.y:g})" for p in targets)
    intent = compose(
        rng,
        context=[
            "survey mission {mid} is ready for {a} and {b}",
            "operations scheduled mission {mid}",
            "{a} and {b} are assigned to mission {mid}",
        ],
        instruction=[
            "cover {pts}, each UAV with its own survey task (survey-{a}, survey-{b}), keep 20 % battery, keep everyone informed, and validate the mission at the end",
            "{a} and {b} must overfly {pts}: plan it, assign and accept a survey task per UAV, dispatch them, broadcast status, check they are alive, then validate completion",
            "coordinate {a} and {b} over {pts}; tasks survey-{a} and survey-{b} must be assigned, batteries stay above 20 %, and the mission must validate",
        ],
        slots={"a": a, "b": b, "mid": mid, "pts": pts},
    )
    ref = [step("update_mission_plan", mission=mission, state=STATE)]
    for u, tname, p in zip((a, b), tasks, targets):
        ref.append(step("assign_task", uav=u, task=TaskSpec(name=tname, kind=TaskKind.SURVEY, target=_pos(p), compute_jobs_s=0.0, max_latency_ms=None, priority=Priority.NORMAL)))
    for u, p in zip((a, b), targets):
        ref.append(step("set_waypoint", uav=u, position=_pos(p)))
    for u in (a, b):
        ref.append(step("broadcast_status", uav=u, message=StatusMsg(status="nominal", text=f"on mission {mid}")))
    for u in (a, b):
        ref.append(step("heartbeat", uav=u))
    ref.append(step("validate_mission_completion", mission=mission, log=MissionLog(mission_id=mid, since_s=0.0)))
    return _task(
        sc, "ma_mission", "multi_agent_coordination", rng,
        intent=intent,
        reference=ref,
        goal=[MissionComplete(mission=mission)],
        env_goal=EnvGoal(mission=mission),
        requires_verification=True,
    )


FAMILIES: dict[str, Callable[[Scenario, random.Random], Task | None]] = {
    f.__name__: f
    for f in (
        ns_urllc_congestion,
        ns_iot_move,
        ns_reallocate,
        eo_edge_latency,
        eo_edge_checked,
        eo_overload_cloud,
        uav_altitude,
        uav_slowdown_alert,
        uav_inspect,
        dr_interference,
        dr_backhaul_handover,
        dr_congestion_recovery,
        dr_service_recovery,
        dr_uav_drift,
        ma_priority,
        ma_mission,
    )
}
