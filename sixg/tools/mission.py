"""Reasoning tools for the mission: sensors, tasks, alerts, decisions, plans, status, and the
check that a mission is complete.

These keep the mission log (:attr:`sixg.world.World.log`): what was assigned, alerted,
broadcast and decided, and when. The log is not network state; recording in it is the only
change they make. Whatever they refuse, they refuse before recording anything.
"""

from __future__ import annotations

import itertools
import math
import re

from sixg import radio
from sixg.domain import NetworkState, Position
from sixg.errors import ToolRefusedError
from sixg.kinematics import energy_for_route
from sixg.tools.flight import RESERVE_FRACTION
from sixg.tools.measures import required_sinr_db, sla_checks
from sixg.tools.registry import Effect, ToolContext, tool
from sixg.tools.types import (
    MIN_ALTITUDE_M,
    AlertAck,
    AlertType,
    BroadcastAck,
    CheckOutcome,
    DecisionRecord,
    HeartbeatAck,
    Intent,
    Level,
    LogAck,
    MissionLeg,
    MissionLog,
    MissionPlan,
    MissionSpec,
    Priority,
    PriorityResult,
    PriorityScore,
    SensorHandle,
    SensorType,
    StatusMsg,
    TaskAck,
    TaskSpec,
    UavRef,
    ValidationResult,
)
from sixg.world import World

#: Data rate (Mbit/s), power draw (W) and sample rate (Hz) of each payload sensor.
SENSORS: dict[SensorType, tuple[float, float, float]] = {
    SensorType.CAMERA: (8.0, 5.0, 30.0),
    SensorType.THERMAL: (2.0, 3.0, 9.0),
    SensorType.LIDAR: (20.0, 12.0, 10.0),
    SensorType.GAS: (0.01, 0.5, 1.0),
    SensorType.RADIO_SCANNER: (0.5, 2.0, 5.0),
}
#: Two UAVs closer than this are a collision risk, m.
COLLISION_RADIUS_M = 50.0


def _link_ok(world: World, ue: str) -> bool:
    r = world.ue(ue)
    return r.gnb is not None and r.sinr_db >= radio.LINK_SINR_FLOOR_DB


@tool(Effect.REASONING, latency_s=0.05)
def activate_sensor(ctx: ToolContext, sensor: SensorType) -> SensorHandle:
    """Switch on a payload sensor and get its handle, with the data rate it will produce, the power
    it draws and its sample rate (plan uplink capacity and battery with them). Recorded in the
    mission log.

    Args:
        sensor: camera, thermal, lidar, gas or radio_scanner.
    """
    rate, power, hz = SENSORS[sensor]
    handle = f"{sensor.value}-{len(ctx.world.entries('sensor'))}"
    ctx.world.record(
        ctx.now, "sensor", f"{sensor.value} on as {handle}", data={"handle": handle, "sensor": sensor.value}
    )
    return SensorHandle(
        handle=handle,
        sensor=sensor,
        data_rate_mbps=rate,
        power_w=power,
        sample_rate_hz=hz,
        activated_at_s=round(ctx.now, 9),
    )


@tool(Effect.REASONING, latency_s=0.05)
def negotiate_priority(ctx: ToolContext, first: UavRef, second: UavRef, intent: Intent) -> PriorityResult:
    """Decide which of two UAVs gets priority (for airspace, radio resources or the next slot)
    under an intent: the UAV the intent names, weighted by the intent's priority; the one carrying
    the managed service; the more important tasks it has accepted; a low battery; a weak link.

    Args:
        first: One UAV, e.g. "uav-0".
        second: The other UAV, e.g. "uav-1".
        intent: The intent the decision serves.
    """
    if first == second:
        raise ToolRefusedError("name two different UAVs")
    world = ctx.world
    scores = []
    for uav in (first, second):
        reasons: list[str] = []
        score = 0.0
        if re.search(rf"\b{re.escape(uav)}\b", intent.text):
            score += 2.0 * intent.priority.weight
            reasons.append(f"named by a {intent.priority.value}-priority intent")
        if uav == world.scenario.service.ue:
            score += 1.0
            reasons.append("carries the managed service")
        tasks = [e for e in world.entries("task", uav=uav) if e.data.get("accepted")]
        if tasks:
            best = max(Priority(e.data["priority"]).weight for e in tasks)
            score += best
            reasons.append(f"has accepted tasks (top priority weight {best})")
        fraction = world.uav(uav).battery_fraction
        if fraction < 0.3:
            score += (0.3 - fraction) / 0.3
            reasons.append(f"battery at {fraction:.0%}")
        if world.ue(uav).sinr_db < 3.0:
            score += 0.5
            reasons.append(f"weak link ({world.ue(uav).sinr_db:.1f} dB)")
        scores.append(PriorityScore(uav=uav, score=score, reasons=tuple(reasons) or ("no claim",)))
    a, b = scores
    winner, other = (a, b) if a.score >= b.score else (b, a)
    return PriorityResult(winner=winner.uav, other=other.uav, margin=winner.score - other.score, scores=(a, b))


@tool(Effect.REASONING, latency_s=0.05)
def assign_task(ctx: ToolContext, uav: UavRef, task: TaskSpec) -> TaskAck:
    """Assign a task to a UAV. A task at a place is accepted only if the UAV can fly there from
    where it is and keep a 20 % battery reserve; the answer gives the energy and ETA. The
    assignment (accepted or not) is recorded in the mission log; it does not move the UAV.

    Args:
        uav: The UAV, e.g. "uav-0".
        task: The task.
    """
    world = ctx.world
    status = world.uav(uav)
    if status.battery_wh <= 0.0:
        raise ToolRefusedError(f"{uav}'s battery is empty; it can take no task")
    energy = eta = after = None
    accepted, reason = True, None
    if task.target is not None:
        spec = world.uav_spec(uav)
        here = world.uav_position(uav)
        goal = (task.target.x, task.target.y, task.target.z if task.target.z >= MIN_ALTITUDE_M else here.z)
        speed = world.plans[uav].speed_mps
        _, eta, energy = energy_for_route(
            (here.x, here.y, here.z), [goal], speed, spec.hover_power_w, spec.move_power_w_per_mps
        )
        after = (status.battery_wh - energy) / spec.battery_capacity_wh
        if after < RESERVE_FRACTION:
            accepted, reason = (
                False,
                f"the flight would leave {after:.0%} battery, under the {RESERVE_FRACTION:.0%} reserve",
            )
    entry = world.record(
        ctx.now,
        "task",
        f"{task.name} ({task.kind.value}) to {uav}: " + ("accepted" if accepted else f"declined, {reason}"),
        uav=uav,
        data={"task": task.name, "kind": task.kind.value, "priority": task.priority.value, "accepted": accepted},
    )
    return TaskAck(
        uav=uav,
        task=task.name,
        accepted=accepted,
        reason=reason,
        energy_wh=energy,
        eta_s=eta,
        battery_after_fraction=after,
        entry=entry.index,
    )


@tool(Effect.REASONING, latency_s=0.05)
def send_alert(ctx: ToolContext, uav: UavRef, alert: AlertType) -> AlertAck:
    """Raise an alert about a UAV. The alert is checked against the UAV's telemetry (battery, link,
    operating area, other UAVs nearby, course, the service's SLA) and comes back confirmed or not,
    with a severity and the evidence. Recorded in the mission log.

    Args:
        uav: The UAV, e.g. "uav-0".
        alert: battery_low, link_degraded, geofence_breach, collision_risk, off_course, sla_violation or mission_update.
    """
    world = ctx.world
    status = world.uav(uav)
    r = world.ue(uav)
    here = r.position
    if alert is AlertType.BATTERY_LOW:
        confirmed = status.battery_fraction < 0.25
        severity = Level.CRITICAL if status.battery_fraction < 0.1 else Level.HIGH
        evidence = f"battery at {status.battery_fraction:.0%}"
    elif alert is AlertType.LINK_DEGRADED:
        confirmed = r.gnb is None or r.sinr_db < 3.0
        severity = Level.CRITICAL if r.gnb is None else Level.HIGH
        evidence = "detached" if r.gnb is None else f"SINR {r.sinr_db:.1f} dB on {r.gnb}"
    elif alert is AlertType.GEOFENCE_BREACH:
        xmin, ymin, xmax, ymax = world.scenario.area
        confirmed = not (xmin <= here.x <= xmax and ymin <= here.y <= ymax)
        severity = Level.HIGH
        evidence = f"at ({here.x:.0f}, {here.y:.0f}), operating area x {xmin:.0f}..{xmax:.0f}, y {ymin:.0f}..{ymax:.0f}"
    elif alert is AlertType.COLLISION_RISK:
        others = [(o, here.distance_to(world.uav_position(o))) for o in world.scenario.uav_ids if o != uav]
        near = min(others, key=lambda o: o[1], default=None)
        confirmed = near is not None and near[1] < COLLISION_RADIUS_M
        severity = Level.CRITICAL
        evidence = f"nearest UAV {near[0]} at {near[1]:.0f} m" if near else "no other UAV"
    elif alert is AlertType.OFF_COURSE:
        confirmed = status.drifting
        severity = Level.HIGH
        evidence = "not following its plan" if confirmed else "on its plan"
    elif alert is AlertType.SLA_VIOLATION:
        missed = [c.dimension for c in sla_checks(world.state, world.scenario.sla) if not c.ok]
        confirmed = bool(missed)
        severity = Level.HIGH if len(missed) > 1 else Level.MEDIUM
        evidence = f"missing {', '.join(missed)}" if missed else "every SLA dimension is met"
    else:
        confirmed, severity, evidence = True, Level.LOW, "mission update"
    if not confirmed:
        severity = Level.LOW
    alert_id = len(world.entries("alert"))
    world.record(
        ctx.now,
        "alert",
        f"{alert.value} on {uav}: {evidence}",
        uav=uav,
        data={"alert": alert.value, "confirmed": confirmed},
    )
    return AlertAck(
        alert_id=alert_id,
        uav=uav,
        alert=alert,
        severity=severity,
        confirmed=confirmed,
        evidence=evidence,
        t=round(ctx.now, 9),
    )


@tool(Effect.REASONING, latency_s=0.02)
def log_decision(ctx: ToolContext, record: DecisionRecord) -> LogAck:
    """Put a decision on the mission log, with its rationale, the tools that informed it and a
    confidence. The log is what validate_mission_completion and post-hoc review read.

    Args:
        record: The decision.
    """
    entry = ctx.world.record(ctx.now, "decision", record.decision, data=record.model_dump(mode="json"))
    return LogAck(entry=entry.index, t=entry.t, entries=len(ctx.world.log))


@tool(Effect.REASONING, latency_s=0.2)
def update_mission_plan(ctx: ToolContext, mission: MissionSpec, state: NetworkState) -> MissionPlan:
    """Plan a mission: assign its targets to its UAVs (cheapest next hop first, from where each UAV
    is), order each UAV's targets, and check each leg's energy against the mission's battery floor.
    Targets where the link would be too weak for the active slice with busy neighbour cells (given
    the state's slice and loss) are flagged. The plan is recorded in the mission log; fly it with
    set_waypoint.

    Args:
        mission: The mission.
        state: The current network state; its slice and loss set the link quality targets need.
    """
    world = ctx.world
    if len(set(mission.uavs)) != len(mission.uavs):
        raise ToolRefusedError("list each mission UAV once")
    need = required_sinr_db(state)
    legs: dict[str, dict] = {}
    for uav in mission.uavs:
        here = world.uav_position(uav)
        status = world.uav(uav)
        spec = world.uav_spec(uav)
        legs[uav] = {
            "end": (here.x, here.y, here.z),
            "order": [],
            "points": [],
            "energy": 0.0,
            "distance": 0.0,
            "wh": status.battery_wh,
            "spec": spec,
            "speed": world.plans[uav].speed_mps,
        }
    open_targets = set(range(len(mission.targets)))
    while open_targets:
        best = None
        for uav, leg in legs.items():
            spec = leg["spec"]
            for i in open_targets:
                t = mission.targets[i]
                point = (t.x, t.y, t.z if t.z >= MIN_ALTITUDE_M else leg["end"][2])
                dist, _, energy = energy_for_route(
                    leg["end"], [point], leg["speed"], spec.hover_power_w, spec.move_power_w_per_mps
                )
                after = (leg["wh"] - leg["energy"] - energy) / spec.battery_capacity_wh
                if after >= mission.min_battery_fraction and (best is None or energy < best[0]):
                    best = (energy, uav, i, point, dist)
        if best is None:
            break
        energy, uav, i, point, dist = best
        leg = legs[uav]
        leg["order"].append(i)
        leg["points"].append(point)
        leg["energy"] += energy
        leg["distance"] += dist
        leg["end"] = point
        open_targets.discard(i)
    notes = []
    out = []
    for uav, leg in legs.items():
        weak = tuple(
            i
            for i, p in zip(leg["order"], leg["points"])
            if radio.best_cell(world.scenario, Position(x=p[0], y=p[1], z=p[2])).loaded_sinr_db < need
        )
        after = (leg["wh"] - leg["energy"]) / leg["spec"].battery_capacity_wh
        out.append(
            MissionLeg(
                uav=uav,
                waypoints=tuple(Position(x=x, y=y, z=z) for x, y, z in leg["points"]),
                targets=tuple(leg["order"]),
                distance_m=leg["distance"],
                energy_wh=leg["energy"],
                battery_after_fraction=after,
                feasible=after >= mission.min_battery_fraction,
                weak_coverage=weak,
            )
        )
        if weak:
            notes.append(f"{uav}: weak coverage for {state.slice.value} at target(s) {list(weak)}")
    unassigned = tuple(sorted(open_targets))
    if unassigned:
        notes.append(
            f"target(s) {list(unassigned)} are out of reach with the battery floor {mission.min_battery_fraction:.0%}"
        )
    entry = world.record(
        ctx.now,
        "plan",
        f"mission {mission.mission_id}: {len(mission.targets) - len(unassigned)} of {len(mission.targets)} target(s) assigned",
        data={"mission_id": mission.mission_id, "legs": {leg.uav: list(leg.targets) for leg in out}},
    )
    return MissionPlan(
        mission_id=mission.mission_id,
        feasible=not unassigned,
        legs=tuple(out),
        unassigned=unassigned,
        notes=tuple(notes),
        entry=entry.index,
    )


@tool(Effect.REASONING, latency_s=0.05)
def broadcast_status(ctx: ToolContext, uav: UavRef, message: StatusMsg) -> BroadcastAck:
    """Broadcast a UAV's status to ground control and the other UAVs over the network. It reaches
    those whose links are up, and nobody if the sender's own link is down. Recorded in the mission
    log.

    Args:
        uav: The sending UAV, e.g. "uav-0".
        message: The status and a short text.
    """
    world = ctx.world
    peers = ["ground-control"] + [u for u in world.scenario.uav_ids if u != uav]
    if not _link_ok(world, uav):
        delivered, undelivered = (), tuple(peers)
    else:
        delivered = tuple(p for p in peers if p == "ground-control" or _link_ok(world, p))
        undelivered = tuple(p for p in peers if p not in delivered)
    entry = world.record(
        ctx.now,
        "broadcast",
        f"{uav} {message.status}: {message.text}",
        uav=uav,
        data={"status": message.status, "delivered_to": list(delivered)},
    )
    return BroadcastAck(
        uav=uav, delivered_to=delivered, undelivered=undelivered, t=round(ctx.now, 9), entry=entry.index
    )


@tool(Effect.REASONING, latency_s=0.02)
def heartbeat(ctx: ToolContext, uav: UavRef) -> HeartbeatAck:
    """Exchange a heartbeat with a UAV: whether it is alive (battery left) and reachable (link up),
    its serving cell, SINR, battery and position. Recorded in the mission log.

    Args:
        uav: The UAV, e.g. "uav-0".
    """
    world = ctx.world
    r = world.ue(uav)
    status = world.uav(uav)
    seq = len(world.entries("heartbeat", uav=uav)) + 1
    link = _link_ok(world, uav)
    alive = status.battery_wh > 0.0
    world.record(
        ctx.now,
        "heartbeat",
        f"{uav} #{seq}: " + ("ok" if alive and link else "no answer"),
        uav=uav,
        data={"seq": seq, "alive": alive, "link_ok": link},
    )
    return HeartbeatAck(
        uav=uav,
        seq=seq,
        alive=alive,
        link_ok=link,
        serving_gnb=r.gnb,
        sinr_db=r.sinr_db,
        battery_fraction=status.battery_fraction,
        position=r.position,
        t=round(ctx.now, 9),
    )


def mission_outcome(world: World, mission: MissionSpec, *, since: float = 0.0) -> ValidationResult:
    """Judge ``mission`` on what the world recorded from ``since`` on (the mission's ground truth)."""
    deadline = mission.deadline_s if mission.deadline_s is not None else math.inf
    visited = []
    for i, target in enumerate(mission.targets):
        hit = False
        for uav in mission.uavs:
            track = [p for p in world.tracks.get(uav, []) if since <= p.t <= deadline]
            points = [(p.position.x, p.position.y) for p in track]
            if len(points) == 1:
                points = points * 2
            for a, b in itertools.pairwise(points):
                ax, ay = a
                dx, dy = b[0] - ax, b[1] - ay
                length2 = dx * dx + dy * dy
                f = 0.0 if length2 == 0 else max(0.0, min(1.0, ((target.x - ax) * dx + (target.y - ay) * dy) / length2))
                if math.hypot(target.x - (ax + f * dx), target.y - (ay + f * dy)) <= mission.tolerance_m:
                    hit = True
                    break
            if hit:
                break
        if hit:
            visited.append(i)
    missing = tuple(i for i in range(len(mission.targets)) if i not in visited)
    low = [
        (u, world.uav(u).battery_fraction)
        for u in mission.uavs
        if world.uav(u).battery_fraction < mission.min_battery_fraction
    ]
    done_tasks = {
        e.data.get("task")
        for e in world.entries("task", since=since)
        if e.data.get("accepted") and e.uav in mission.uavs
    }
    open_tasks = [t for t in mission.required_tasks if t not in done_tasks]
    when = f" by t={mission.deadline_s:.0f} s" if mission.deadline_s is not None else ""
    checks = (
        CheckOutcome(
            name="targets",
            passed=not missing,
            detail=f"{len(visited)} of {len(mission.targets)} target(s) passed{when}"
            + (f"; missing {list(missing)}" if missing else ""),
        ),
        CheckOutcome(
            name="battery",
            passed=not low,
            detail="every mission UAV is above the floor"
            if not low
            else "; ".join(f"{u} at {f:.0%}" for u, f in low) + f" (floor {mission.min_battery_fraction:.0%})",
        ),
        CheckOutcome(
            name="tasks",
            passed=not open_tasks,
            detail="every required task was accepted" if not open_tasks else f"not assigned and accepted: {open_tasks}",
        ),
    )
    return ValidationResult(
        mission_id=mission.mission_id,
        complete=all(c.passed for c in checks),
        checks=checks,
        visited=tuple(visited),
        missing=missing,
    )


@tool(Effect.REASONING, latency_s=0.1)
def validate_mission_completion(ctx: ToolContext, mission: MissionSpec, log: MissionLog) -> ValidationResult:
    """Check whether a mission is complete from the recorded mission log: every target passed by
    a mission UAV (within the tolerance, before the deadline), every mission UAV above the battery
    floor, and every required task assigned and accepted. Confirming completion ends a mission
    episode.

    Args:
        mission: The mission to judge.
        log: Which recorded log to judge it on (the mission id and the start of the span).
    """
    if log.mission_id != mission.mission_id:
        raise ToolRefusedError(f"the log is for mission {log.mission_id!r} but the mission is {mission.mission_id!r}")
    return mission_outcome(ctx.world, mission, since=log.since_s)
