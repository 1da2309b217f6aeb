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

from sixg.actions import BackhaulDegradation, CongestionSurge, DegradationOnset, DegradationRecovery, EdgeOffload, EdgeOverload, InterferenceSurge, UavDrift
from sixg.bench.tasks import (
    EnvGoal,
    HostIs,
    LogHas,
    MissionComplete,
    NotServedBy,
    RefStep,
    ShareAtLeast,
    SlaMet,
    SliceIs,
    Task,
    UavAltitude,
    UavHeadingTo,
    UavSpeed,
)
from sixg.bench.scoring import tier_of
from sixg.domain import Position, SLASpec, SliceType
from sixg.radio import cell_signals
from sixg.scenario import Scenario
from sixg.schedule import Schedule, ScheduledEvent
from sixg.tools.types import MissionSpec

STATE = {"$": "state"}
SLICE = {"$": "slice"}


def out(tool: str, field: str | None = None) -> dict:
    return {"$": "out", "tool": tool, **({"field": field} if field else {})}


def _pos(p: Position) -> dict:
    return {"x": round(p.x, 1), "y": round(p.y, 1), "z": round(p.z, 1)}


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


def _decorate(text: str, rng: random.Random) -> str:
    """Vary the surroundings of an intent the way operators' tickets vary."""
    prefix = rng.choice(["", "", "", "Ops request: ", "Urgent: ", "Ticket: ", "Note from the NOC: ", "Shift handover: "])
    suffix = rng.choice(["", "", "", " Confirm when done.", " Please handle it now.", " Keep changes minimal.", " Report back once it holds."])
    return (prefix + text + suffix).strip()


def _sla(sc: Scenario, **override) -> SLASpec:
    return sc.sla.model_copy(update=override)


def _verify(sla: SLASpec) -> RefStep:
    return RefStep(tool="verify_sla_compliance", args={"state": STATE, "sla": sla.model_dump(mode="json")})


def _onset(t: float, degradation) -> ScheduledEvent:
    return ScheduledEvent(t=t, action=DegradationOnset(degradation=degradation))


def _task(sc: Scenario, family: str, domain: str, rng: random.Random, *, intent: str, reference: list[RefStep], goal, env_goal: EnvGoal = EnvGoal(), setup=(), schedule: Schedule = Schedule(), requires_verification: bool) -> Task:
    n = len(reference)
    return Task(
        id=f"{sc.split.value[:5]}-{sc.seed:03d}-{family}",
        domain=domain,
        family=family,
        tier=tier_of(n),
        seed=sc.seed,
        split=sc.split.value,
        intent=_decorate(intent, rng),
        setup=tuple(setup),
        schedule=schedule,
        goal=tuple(goal),
        env_goal=env_goal,
        requires_verification=requires_verification,
        reference=tuple(reference),
        max_steps=max(8, 2 * n + 4),
    )


# --- network slicing ------------------------------------------------------------------------


def ns_urllc_congestion(sc: Scenario, rng: random.Random) -> Task:
    cell = _service_cell(sc)
    rate = round(rng.uniform(18.0, 25.0), 1)
    sla = _sla(sc)
    intent = rng.choice(
        [
            f"Background traffic is flooding {cell}; keep the managed service at {_fmt_sla(sla, rng, only=('latency', 'loss'))} by moving it to the low-latency slice.",
            f"The service's cell {cell} is congested. Put the service on URLLC so it keeps {_fmt_sla(sla, rng, only=('latency', 'loss'))}.",
            f"Congestion in {cell} is hurting our compute service. Protect it with the ultra-reliable slice and hold {_fmt_sla(sla, rng, only=('latency',))}.",
            f"Move the managed service onto the URLLC slice: {cell} is overloaded and we need {_fmt_sla(sla, rng)}.",
            f"Users near {cell} report lag. Give the service guaranteed low latency (URLLC) and keep {_fmt_sla(sla, rng, only=('latency', 'throughput'))}.",
        ]
    )
    return _task(
        sc, "ns_urllc_congestion", "network_slicing", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=rate)),)),
        reference=[RefStep(tool="check_network_state"), RefStep(tool="switch_network_slice", args={"from_slice": SLICE, "to_slice": "URLLC"}), _verify(sla)],
        goal=[SliceIs(slice=SliceType.URLLC), SlaMet(sla=sla)],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


def ns_iot_move(sc: Scenario, rng: random.Random) -> Task:
    intent = rng.choice(
        [
            "The managed service now only sends low-rate telemetry; move it to the massive IoT slice.",
            "Our service has become a sensor feed with tiny bandwidth needs. Put it on mMTC to free broadband capacity.",
            "Reclassify the managed service as machine-type traffic and switch it to the mMTC slice.",
            "Downgrade the compute service to the IoT slice: it only reports meter readings from now on.",
            "Free up eMBB resources: the managed service belongs on the massive machine-type slice now.",
        ]
    )
    return _task(
        sc, "ns_iot_move", "network_slicing", rng,
        intent=intent,
        reference=[RefStep(tool="check_network_state"), RefStep(tool="switch_network_slice", args={"from_slice": SLICE, "to_slice": "mMTC"})],
        goal=[SliceIs(slice=SliceType.MMTC)],
        requires_verification=False,
    )


def ns_reallocate(sc: Scenario, rng: random.Random) -> Task:
    cell = _service_cell(sc)
    share = rng.choice([0.5, 0.6, 0.7])
    sla = _sla(sc)
    pct = int(share * 100)
    intent = rng.choice(
        [
            f"eMBB background load in {cell} is starving everything else. Reserve at least {pct} % of cell capacity for URLLC, run the service there, and keep {_fmt_sla(sla, rng, only=('latency', 'loss'))}.",
            f"Rebalance the slices: URLLC should get {pct} % or more of each cell, the managed service should ride on it, and it must hold {_fmt_sla(sla, rng, only=('latency',))}.",
            f"A traffic surge hit {cell}. Shift capacity to the URLLC slice (no less than {pct} %) and move the service onto it; target {_fmt_sla(sla, rng)}.",
            f"Give the low-latency slice a {pct} % share, put the compute service on it, and make sure it meets {_fmt_sla(sla, rng, only=('latency', 'throughput'))} despite the congestion in {cell}.",
        ]
    )
    return _task(
        sc, "ns_reallocate", "network_slicing", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=round(rng.uniform(18.0, 25.0), 1))),)),
        reference=[
            RefStep(tool="get_slice_status", args={"slice": "eMBB"}),
            RefStep(tool="get_slice_status", args={"slice": "URLLC"}),
            RefStep(tool="trigger_slice_reallocation", args={"slice": "URLLC", "resources": {"share": share}}),
            RefStep(tool="switch_network_slice", args={"from_slice": SLICE, "to_slice": "URLLC"}),
            RefStep(tool="check_network_state"),
            _verify(sla),
        ],
        goal=[ShareAtLeast(slice=SliceType.URLLC, share=share), SliceIs(slice=SliceType.URLLC), SlaMet(sla=sla)],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


# --- edge offloading ----------------------------------------------------------------------------


def _task_spec(sc: Scenario, name: str, *, max_latency: float | None) -> dict:
    return {
        "name": name,
        "kind": "compute",
        "target": None,
        "compute_jobs_s": sc.service.request_rate_hz,
        "max_latency_ms": max_latency,
        "priority": "high",
    }


def eo_edge_latency(sc: Scenario, rng: random.Random) -> Task:
    bound = round(2 * sc.cloud.link_delay_ms + rng.uniform(6.0, 12.0), 1)
    sla = _sla(sc, max_latency_ms=bound)
    intent = rng.choice(
        [
            f"The service's jobs must be answered in under {bound:g} ms; the cloud round trip is too long, so run them at the edge.",
            f"Cut the response time to below {bound:g} ms by offloading the service's compute to the edge server.",
            f"Latency budget is now {bound:g} ms. Move the compute work next to the gateway and confirm the SLA.",
            f"Bring the service's processing to the edge host so responses arrive within {bound:g} ms.",
            f"Operators want sub-{bound:g} ms responses from the managed service. Offload its jobs from the cloud to the edge.",
        ]
    )
    return _task(
        sc, "eo_edge_latency", "edge_offloading", rng,
        intent=intent,
        reference=[
            RefStep(tool="get_edge_load"),
            RefStep(tool="edge_offload", args={"task": _task_spec(sc, "svc-jobs", max_latency=bound), "target": {"host": "edge", "expected_latency_ms": None, "expected_utilisation": None, "reason": None}}),
            _verify(sla),
        ],
        goal=[HostIs(host="edge"), SlaMet(sla=sla)],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


def eo_overload_cloud(sc: Scenario, rng: random.Random) -> Task:
    extra = round(rng.uniform(0.8, 1.3), 2)
    sla = _sla(sc)
    task = _task_spec(sc, "svc-jobs", max_latency=sla.max_latency_ms)
    intent = rng.choice(
        [
            f"The edge server hosting our service is swamped by other tenants. Put the service where it meets {_fmt_sla(sla, rng, only=('latency', 'loss'))}.",
            f"Edge overload: the managed service's response times are exploding. Find a better host and restore {_fmt_sla(sla, rng, only=('latency',))}.",
            f"Other tenants saturated the edge compute. Move the service's jobs so it keeps {_fmt_sla(sla, rng)}.",
            f"The edge is overloaded and our jobs queue there. Relocate the compute and confirm {_fmt_sla(sla, rng, only=('latency', 'throughput'))}.",
        ]
    )
    return _task(
        sc, "eo_overload_cloud", "edge_offloading", rng,
        intent=intent,
        setup=[EdgeOffload(host="edge")],
        schedule=Schedule(events=(_onset(0.0, EdgeOverload(extra_load=extra)),)),
        reference=[
            RefStep(tool="get_edge_load"),
            RefStep(tool="select_offload_target", args={"edge": out("get_edge_load"), "task": task}),
            RefStep(tool="edge_offload", args={"task": task, "target": {"host": "cloud", "expected_latency_ms": None, "expected_utilisation": None, "reason": "the edge is overloaded"}}),
            RefStep(tool="check_network_state"),
            _verify(sla),
        ],
        goal=[HostIs(host="cloud"), SlaMet(sla=sla)],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


# --- UAV control --------------------------------------------------------------------------------


def _pick_uav(sc: Scenario, rng: random.Random) -> str:
    return rng.choice(sc.uav_ids)


def uav_altitude(sc: Scenario, rng: random.Random) -> Task:
    uav = _pick_uav(sc, rng)
    current = sc.uav(uav).waypoints[0].z
    h = float(rng.choice([h for h in range(40, 141, 10) if abs(h - current) >= 20]))
    intent = rng.choice(
        [
            f"Fly {uav} at {h:g} m from now on.",
            f"Change {uav}'s operating altitude to {h:g} m.",
            f"Airspace control asks that {uav} keep to {h:g} m above ground.",
            f"Set the height of {uav} to {h:g} metres for the rest of its route.",
            f"{uav} must move to the {h:g} m flight level.",
        ]
    )
    return _task(
        sc, "uav_altitude", "uav_control", rng,
        intent=intent,
        reference=[RefStep(tool="read_uav_position", args={"uav": uav}), RefStep(tool="adjust_altitude", args={"uav": uav, "altitude": h})],
        goal=[UavAltitude(uav=uav, altitude_m=h, tolerance_m=2.0)],
        requires_verification=False,
    )


def uav_slowdown_alert(sc: Scenario, rng: random.Random) -> Task:
    uav = _pick_uav(sc, rng)
    speed = float(rng.choice([3, 4, 5, 6]))
    intent = rng.choice(
        [
            f"{uav} is running low on energy: slow it to {speed:g} m/s and raise a low-battery alert.",
            f"Conserve {uav}'s battery by cutting its cruise speed to {speed:g} m/s, and alert ground control that its battery is low.",
            f"Battery warning on {uav}. Reduce its speed to {speed:g} m/s and issue a battery_low alert.",
            f"Have {uav} cruise at {speed:g} m/s to save power and flag its battery as low.",
        ]
    )
    return _task(
        sc, "uav_slowdown_alert", "uav_control", rng,
        intent=intent,
        reference=[
            RefStep(tool="get_battery_level", args={"uav": uav}),
            RefStep(tool="adjust_speed", args={"uav": uav, "speed": speed}),
            RefStep(tool="send_alert", args={"uav": uav, "alert": "battery_low"}),
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
    intent = rng.choice(
        [
            f"Send {uav} to inspect the mast at {where}, but only after checking it has the energy and coverage for the trip.",
            f"Plan a covered route for {uav} to {where}, check its battery budget, then dispatch it.",
            f"We need eyes on {where}. Route {uav} there with good radio coverage and make sure the battery allows it.",
            f"Dispatch {uav} to the inspection point {where} once you have confirmed the energy budget of a coverage-aware route.",
        ]
    )
    return _task(
        sc, "uav_inspect", "uav_control", rng,
        intent=intent,
        reference=[
            RefStep(tool="read_uav_position", args={"uav": uav}),
            RefStep(tool="get_battery_level", args={"uav": uav}),
            RefStep(tool="path_planning", args={"start": out("read_uav_position"), "goal": _pos(target), "state": STATE}),
            RefStep(tool="compute_energy_budget", args={"route": out("path_planning"), "battery": out("get_battery_level")}),
            RefStep(tool="set_waypoint", args={"uav": uav, "position": _pos(target)}),
        ],
        goal=[UavHeadingTo(uav=uav, position=target, tolerance_m=10.0)],
        requires_verification=False,
    )


# --- degradation recovery --------------------------------------------------------------------------


def _diagnose() -> list[RefStep]:
    return [
        RefStep(tool="read_telemetry"),
        RefStep(tool="risk_assessment", args={"telemetry": out("read_telemetry")}),
        RefStep(tool="select_recovery_strategy", args={"state": STATE, "risk": out("risk_assessment")}),
    ]


def _decision(text: str, tools: list[str]) -> RefStep:
    return RefStep(tool="log_decision", args={"record": {"decision": text, "rationale": "restore the service's SLA after the degradation", "tools_used": tools, "confidence": 0.8}})


def dr_interference(sc: Scenario, rng: random.Random) -> Task:
    cell = _service_cell(sc)
    power = round(rng.uniform(26.0, 32.0), 1)
    sla = _sla(sc, min_throughput_mbps=round(0.6 * sc.service.offered_mbps, 2))
    intent = rng.choice(
        [
            f"Something is jamming {cell} and the managed service suffers. Diagnose it and restore {_fmt_sla(sla, rng, only=('latency', 'throughput'))}.",
            f"Interference alarm in {cell}. Assess the risk, pick a recovery and get the service back to {_fmt_sla(sla, rng)}.",
            f"The service's radio link degraded suddenly near {cell}. Recover it to {_fmt_sla(sla, rng, only=('latency', 'loss'))} and verify.",
            f"Recover the managed service from the interference surge in {cell}; it must hold {_fmt_sla(sla, rng, only=('throughput', 'latency'))}.",
        ]
    )
    return _task(
        sc, "dr_interference", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, InterferenceSurge(gnb=cell, power_dbm=power)),)),
        reference=[*_diagnose(), RefStep(tool="switch_network_slice", args={"from_slice": SLICE, "to_slice": "URLLC"}), RefStep(tool="check_network_state"), _verify(sla)],
        goal=[SlaMet(sla=sla)],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
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
    intent = rng.choice(
        [
            f"The backhaul of {cell} is slow and dropping packets. Get the managed service off that cell and back to {_fmt_sla(sla, rng, only=('latency', 'loss'))}, and log what you did.",
            f"Transport fault on {cell}'s backhaul. Move the service UE to a healthy neighbour cell, record the decision, and confirm {_fmt_sla(sla, rng)}.",
            f"{cell}'s S1 link is degraded. Recover the service by changing its serving cell; it must meet {_fmt_sla(sla, rng, only=('latency',))}. Keep a decision log.",
            f"Latency and loss spiked because {cell}'s backhaul is failing. Hand the service over to a neighbour, document the decision, and verify {_fmt_sla(sla, rng, only=('loss', 'latency'))}.",
        ]
    )
    return _task(
        sc, "dr_backhaul_handover", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, BackhaulDegradation(gnb=cell, extra_delay_ms=delay, loss_rate=loss)),)),
        reference=[
            *_diagnose(),
            RefStep(tool="check_handover_status", args={"ue": svc}),
            RefStep(tool="check_link_quality", args={"ue": svc, "gnb": target.gnb}),
            RefStep(tool="request_handover", args={"ue": svc, "gnb": target.gnb}),
            RefStep(tool="check_network_state"),
            _decision(f"hand {svc} over from {cell} to {target.gnb}", ["read_telemetry", "risk_assessment", "select_recovery_strategy", "check_link_quality"]),
            _verify(sla),
        ],
        goal=[NotServedBy(ue=svc, gnb=cell), SlaMet(sla=sla), LogHas(kind="decision")],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


def dr_congestion_recovery(sc: Scenario, rng: random.Random) -> Task:
    cell = _service_cell(sc)
    fraction = rng.choice([0.6, 0.7, 0.8, 0.9])
    sla = _sla(sc)
    intent = rng.choice(
        [
            f"A congestion storm hit {cell}. Work out what is wrong, degrade the broadband background gracefully, protect the service on URLLC, log the decision and verify {_fmt_sla(sla, rng, only=('latency', 'loss'))}.",
            f"Recover the managed service from the surge in {cell}: shape the eMBB load, move the service to URLLC, keep a decision record and confirm {_fmt_sla(sla, rng)}.",
            f"{cell} is overloaded. Diagnose, relieve the eMBB slice by shaping it, give the service the low-latency slice, write the decision to the log, and check {_fmt_sla(sla, rng, only=('latency',))}.",
        ]
    )
    return _task(
        sc, "dr_congestion_recovery", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, CongestionSurge(gnb=cell, rate_mbps=round(rng.uniform(18.0, 25.0), 1))),)),
        reference=[
            *_diagnose(),
            RefStep(tool="get_traffic_pattern", args={"slice": "eMBB"}),
            RefStep(tool="graceful_degradation", args={"spec": {"slice": "eMBB", "fraction": fraction, "mode": "shape"}}),
            RefStep(tool="switch_network_slice", args={"from_slice": SLICE, "to_slice": "URLLC"}),
            RefStep(tool="check_network_state"),
            _decision(f"shape eMBB by {fraction:.0%} and move the service to URLLC", ["read_telemetry", "risk_assessment", "get_traffic_pattern"]),
            _verify(sla),
        ],
        goal=[SlaMet(sla=sla), SliceIs(slice=SliceType.URLLC), LogHas(kind="decision")],
        env_goal=EnvGoal(sla=sla),
        requires_verification=True,
    )


def dr_uav_drift(sc: Scenario, rng: random.Random) -> Task | None:
    svc = sc.service.ue
    if not svc.startswith("uav"):
        return None
    home = sc.uav(svc).waypoints[0]
    stop = round(rng.uniform(3.0, 5.0), 1)
    where = f"({home.x:g}, {home.y:g}, {home.z:g})"
    intent = rng.choice(
        [
            f"{svc}, which carries the managed service, is drifting off station. Check its link and position, bring it back to {where}, confirm it answers a heartbeat and log the recovery.",
            f"GPS trouble on {svc}: it has left its station at {where}. Assess its radio situation, return it there, verify it is alive and record the decision.",
            f"Recover {svc} after its drift: inspect its handover and signal state, send it back to {where}, heartbeat it, and note the action in the log.",
        ]
    )
    return _task(
        sc, "dr_uav_drift", "degradation_recovery", rng,
        intent=intent,
        schedule=Schedule(events=(_onset(0.0, UavDrift(uav=svc, speed_mps=round(rng.uniform(12.0, 20.0), 1))), ScheduledEvent(t=stop, action=DegradationRecovery(degradation_kind="uav_drift")))),
        reference=[
            RefStep(tool="read_telemetry"),
            RefStep(tool="read_uav_position", args={"uav": svc}),
            RefStep(tool="check_handover_status", args={"ue": svc}),
            RefStep(tool="get_signal_strength", args={"position": out("read_uav_position")}),
            RefStep(tool="scan_available_gnbs", args={"position": out("read_uav_position")}),
            RefStep(tool="set_waypoint", args={"uav": svc, "position": _pos(home)}),
            RefStep(tool="heartbeat", args={"uav": svc}),
            RefStep(tool="check_network_state"),
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
    hold = Position(x=round(spot.x + 80.0, 1), y=spot.y, z=spot.z)
    where = f"({spot.x:g}, {spot.y:g})"
    intent = rng.choice(
        [
            f"{a} and {b} both want the survey slot over {where}. {a} has priority: send it there, park {b} 80 m east of the spot at the same height, and tell {b} to hold.",
            f"Deconflict {a} and {b} at {where}: {a} goes first (high priority), {b} waits 80 m to the east and broadcasts that it is holding.",
            f"Two UAVs are converging on {where}. Negotiate, give {a} the spot, keep {b} 80 m east of it, and have {b} announce it is holding.",
        ]
    )
    return _task(
        sc, "ma_priority", "multi_agent_coordination", rng,
        intent=intent,
        reference=[
            RefStep(tool="negotiate_priority", args={"first": a, "second": b, "intent": {"text": f"{a} surveys {where} first", "slice": None, "sla": None, "priority": "high"}}),
            RefStep(tool="set_waypoint", args={"uav": a, "position": _pos(spot)}),
            RefStep(tool="set_waypoint", args={"uav": b, "position": _pos(hold)}),
            RefStep(tool="broadcast_status", args={"uav": b, "message": {"status": "holding", "text": f"holding east of {where} while {a} surveys"}}),
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
        here = sc.uav(u).waypoints[0]
        # Close to where each UAV starts, so the mission can finish within the episode.
        targets.append(_offset_point(sc, here, rng, 12.0, 20.0, here.z))
    mid = f"M-{sc.seed:02d}{rng.randrange(100):02d}"
    tasks = (f"survey-{a}", f"survey-{b}")
    mission = MissionSpec(mission_id=mid, uavs=(a, b), targets=tuple(targets), tolerance_m=10.0, min_battery_fraction=0.2, deadline_s=None, required_tasks=tasks)
    pts = " and ".join(f"({p.x:g}, {p.y:g})" for p in targets)
    intent = rng.choice(
        [
            f"Run survey mission {mid} with {a} and {b}: cover {pts}, each UAV with its own survey task, keep 20 % battery, keep everyone informed, and validate the mission at the end.",
            f"Mission {mid}: {a} and {b} must overfly {pts}. Plan it, assign and accept a survey task per UAV, dispatch them, broadcast status, check they are alive, then validate completion.",
            f"Coordinate {a} and {b} on mission {mid} over {pts}; tasks survey-{a} and survey-{b} must be assigned, batteries stay above 20 %, and the mission must validate.",
        ]
    )
    ref = [RefStep(tool="update_mission_plan", args={"mission": mission.model_dump(mode="json"), "state": STATE})]
    for u, tname, p in zip((a, b), tasks, targets):
        ref.append(RefStep(tool="assign_task", args={"uav": u, "task": {"name": tname, "kind": "survey", "target": _pos(p), "compute_jobs_s": 0.0, "max_latency_ms": None, "priority": "normal"}}))
    for u, p in zip((a, b), targets):
        ref.append(RefStep(tool="set_waypoint", args={"uav": u, "position": _pos(p)}))
    for u in (a, b):
        ref.append(RefStep(tool="broadcast_status", args={"uav": u, "message": {"status": "nominal", "text": f"on mission {mid}"}}))
    for u in (a, b):
        ref.append(RefStep(tool="heartbeat", args={"uav": u}))
    ref.append(RefStep(tool="validate_mission_completion", args={"mission": mission.model_dump(mode="json"), "log": {"mission_id": mid, "since_s": 0.0}}))
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
        eo_overload_cloud,
        uav_altitude,
        uav_slowdown_alert,
        uav_inspect,
        dr_interference,
        dr_backhaul_handover,
        dr_congestion_recovery,
        dr_uav_drift,
        ma_priority,
        ma_mission,
    )
}
