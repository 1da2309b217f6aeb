"""Reasoning tools compute the right thing: risk, feasibility, geofences, routes, energy, placement, UAV plans."""

from __future__ import annotations

import itertools

import pytest
from toynet import call, refused, started

from sixg.domain import SLASpec
from sixg.tools.analysis import sla_from_text, targets_from_text

SQUARE = [{"x": -200, "y": -200}, {"x": 300, "y": -200}, {"x": 300, "y": 300}, {"x": -200, "y": 300}]


def _telemetry(env, **state_changes):
    tel = call(env, "read_telemetry")
    return tel.model_copy(update={"state": tel.state.model_copy(update=state_changes)}).model_dump(mode="json")


def test_risk_grows_as_latency_nears_its_bound():
    """The risk score rises with latency toward the SLA bound, and names latency as the factor."""
    env, world = started()
    bound = world.scenario.sla.max_latency_ms
    scores = [
        call(env, "risk_assessment", telemetry=_telemetry(env, latency_ms=bound * f)).score
        for f in (0.3, 0.8, 0.95, 1.2)
    ]
    assert scores == sorted(scores) and scores[0] < 0.25 and scores[-1] > 0.75
    high = call(env, "risk_assessment", telemetry=_telemetry(env, latency_ms=bound * 1.2))
    assert high.level.value == "critical"
    assert max(high.factors, key=lambda f: f.weight * f.contribution).name in ("latency", "latency_trend")


def test_intent_targets_are_read_from_text():
    """Latency, jitter, loss (percent) and throughput targets are read from plain text."""
    text = "Keep latency below 40 ms and jitter under 5 ms, loss under 1 %, throughput at least 2 Mbit/s"
    assert targets_from_text(text) == {"latency": 40.0, "jitter": 5.0, "loss": 0.01, "throughput": 2.0}
    default = SLASpec(max_latency_ms=100, max_jitter_ms=10, max_loss_rate=0.05, min_throughput_mbps=1)
    assert sla_from_text("latency below 60 ms", default) == default.model_copy(update={"max_latency_ms": 60.0})


def test_intent_feasibility():
    """A met target scores high, a tight one lower, a physically impossible one is infeasible."""
    env, world = started()
    state = world.state.model_dump(mode="json")

    def score(text):
        return call(
            env,
            "evaluate_intent_feasibility",
            intent={"text": text, "slice": None, "sla": None, "priority": "normal"},
            state=state,
        )

    met = score(f"keep latency below {world.state.latency_ms * 2:.0f} ms")
    tight = score(f"keep latency below {world.state.latency_ms * 0.6:.0f} ms")
    impossible = score("keep latency below 1 ms")
    assert met.feasible and tight.feasible and not impossible.feasible
    assert met.score > tight.score > impossible.score == 0.0
    assert "no measurable target" in refused(
        env,
        "evaluate_intent_feasibility",
        intent={"text": "make it better", "slice": None, "sla": None, "priority": "low"},
        state=state,
    )


@pytest.mark.parametrize(
    "kind, point, allowed",
    [
        ("keep_in", {"x": 0, "y": 0, "z": 50}, True),
        ("keep_in", {"x": 400, "y": 0, "z": 50}, False),
        ("keep_in", {"x": 0, "y": 0, "z": 200}, False),
        ("keep_out", {"x": 0, "y": 0, "z": 50}, False),
        ("keep_out", {"x": 400, "y": 0, "z": 50}, True),
        ("keep_out", {"x": 0, "y": 0, "z": 200}, True),
    ],
)
def test_geofence(kind, point, allowed):
    """Inside/outside the polygon and inside/outside the height band decide, per fence kind."""
    env, _ = started()
    r = call(
        env,
        "check_geofence",
        position=point,
        fence={"kind": kind, "vertices": SQUARE, "min_altitude_m": 20, "max_altitude_m": 120},
    )
    assert r.allowed is allowed
    assert r.distance_to_boundary_m == pytest.approx(
        min(abs(point["x"] - 300), abs(point["x"] + 200), 200) if r.inside else 100.0
    )


def test_degenerate_geofence_is_refused():
    """Three points on a line enclose nothing; the call is refused with a hint."""
    env, _ = started()
    line = [{"x": 0, "y": 0}, {"x": 1, "y": 1}, {"x": 2, "y": 2}]
    assert "enclose no area" in refused(
        env,
        "check_geofence",
        position={"x": 0, "y": 0, "z": 50},
        fence={"kind": "keep_in", "vertices": line, "min_altitude_m": None, "max_altitude_m": None},
    )


def _coverage_deficit(scenario, points, need_db: float) -> float:
    """Integral of how far the loaded SINR falls short of ``need_db`` along a polyline (dB x m)."""
    from sixg import radio

    total = 0.0
    for a, b in itertools.pairwise(points):
        n = max(1, int(a.distance_to(b) / 10))
        for i in range(n):
            f = (i + 0.5) / n
            p = a.model_copy(
                update={"x": a.x + (b.x - a.x) * f, "y": a.y + (b.y - a.y) * f, "z": a.z + (b.z - a.z) * f}
            )
            total += max(0.0, need_db - radio.best_cell(scenario, p).loaded_sinr_db) * a.distance_to(b) / n
    return total


def test_path_planning_keeps_coverage():
    """Between two points at a cell edge the planner detours toward coverage: a longer route with a
    smaller coverage deficit than the straight line, from the start to the goal."""
    from sixg.domain import Position, SliceType

    env, world = started()
    g0, g1 = (g.position for g in world.scenario.gnbs)
    mid = (g0.x + g1.x) / 2
    start, goal = {"x": mid, "y": 300.0, "z": 60.0}, {"x": mid, "y": -300.0, "z": 60.0}
    state = call(env, "check_network_state").model_copy(update={"slice": SliceType.URLLC}).model_dump(mode="json")
    route = call(env, "path_planning", start=start, goal=goal, state=state)
    assert route.points[0].model_dump() == start and route.points[-1].model_dump() == goal
    assert route.distance_m > 600.0
    need = 6.0  # URLLC
    straight = [Position(**start), Position(**goal)]
    assert _coverage_deficit(world.scenario, route.points, need) < _coverage_deficit(world.scenario, straight, need)
    clear = call(
        env,
        "path_planning",
        start={"x": g0.x + 20, "y": 0.0, "z": 60.0},
        goal={"x": g0.x - 20, "y": 40.0, "z": 60.0},
        state=world.state.model_dump(mode="json"),
    )
    assert len(clear.points) == 2  # nothing to avoid: the straight line


def test_energy_budget_scales_with_distance_and_battery():
    """Longer routes cost more; a nearly empty battery makes the same route infeasible."""
    env, _world = started()
    battery = call(env, "get_battery_level", uav="uav-0").model_dump(mode="json")

    def plan(x, b=battery):
        return call(
            env,
            "compute_energy_budget",
            route={
                "points": [{"x": 0, "y": 0, "z": 60}, {"x": x, "y": 0, "z": 60}],
                "speed_mps": 10.0,
                "distance_m": None,
                "min_sinr_db": None,
            },
            battery=b,
        )

    short, long = plan(100.0), plan(800.0)
    assert short.distance_m == pytest.approx(100.0) and long.energy_wh == pytest.approx(8 * short.energy_wh)
    assert short.feasible
    empty = dict(battery, energy_wh=battery["capacity_wh"] * 0.21, fraction=0.21)
    assert not plan(800.0, empty).feasible and plan(800.0, empty).remaining_fraction < 0.2


def test_offload_target_follows_edge_load():
    """An idle edge wins on latency; a saturated edge sends the work to the cloud."""
    env, world = started()
    edge = call(env, "get_edge_load").model_dump(mode="json")
    task = {
        "name": "service",
        "kind": "compute",
        "target": None,
        "compute_jobs_s": 50.0,
        "max_latency_ms": None,
        "priority": "high",
    }
    idle = call(env, "select_offload_target", edge=dict(edge, utilisation=0.1), task=task)
    busy = call(env, "select_offload_target", edge=dict(edge, utilisation=0.97), task=task)
    assert idle.host == "edge" and busy.host == "cloud"
    assert idle.expected_latency_ms < 2 * world.scenario.cloud.link_delay_ms


def test_collision_avoidance_detects_a_head_on_conflict():
    """A UAV parked on the flight line is a conflict; the maneuver clears it by the separation."""
    env, world = started()
    here = world.uav_position("uav-0")
    dest = {"x": here.x + 200, "y": here.y, "z": here.z}
    blocker = {
        "uav": "uav-1",
        "position": {"x": here.x + 100, "y": here.y, "z": here.z},
        "heading_deg": None,
        "speed_mps": None,
    }
    cmd = call(
        env,
        "collision_avoidance",
        uav="uav-0",
        destination=dest,
        swarm={"members": [blocker], "min_separation_m": 30.0},
    )
    assert cmd.conflict and cmd.conflicts[0].uav == "uav-1" and cmd.conflicts[0].min_separation_m < 15.0
    assert cmd.maneuver in ("climb", "descend") and abs(cmd.waypoint.z - here.z) >= 30.0 - 1e-6
    clear = dict(blocker, position={"x": here.x - 500, "y": here.y + 300, "z": here.z})
    assert not call(
        env, "collision_avoidance", uav="uav-0", destination=dest, swarm={"members": [clear], "min_separation_m": 30.0}
    ).conflict


@pytest.mark.parametrize("formation", ["line", "column", "wedge", "circle"])
def test_formation_keeps_spacing(formation):
    """Every slot is at least the spacing (to rounding) from every other; the leader flies the route."""
    env, _world = started(scenario_seed=7)  # three UAVs
    route = {
        "points": [{"x": 0, "y": 0, "z": 60}, {"x": 200, "y": 100, "z": 60}],
        "speed_mps": None,
        "distance_m": None,
        "min_sinr_db": None,
    }
    cmd = call(
        env,
        "swarm_formation",
        spec={"uavs": ["uav-0", "uav-1", "uav-2"], "formation": formation, "spacing_m": 40.0},
        route=route,
    )
    assert cmd.leader == "uav-0" and [p.model_dump() for p in cmd.assignments[0].waypoints] == route["points"]
    assert cmd.min_separation_m >= 40.0 - 1e-6


def test_uav_commands_move_the_uav():
    """set_waypoint sends the UAV there; adjust_altitude changes its height; adjust_speed its pace."""
    env, world = started()
    goal = {"x": 100.0, "y": 100.0, "z": 80.0}
    ack = call(env, "set_waypoint", uav="uav-1", position=goal)
    assert ack.accepted and ack.eta_s == pytest.approx(ack.distance_m / world.scenario.uav("uav-1").speed_mps)
    env.sim.wait(ack.eta_s + 2.0)
    assert world.uav_position("uav-1").distance_to(world.uav_position("uav-1").model_copy(update=goal)) < 1.0
    call(env, "adjust_altitude", uav="uav-0", altitude=150.0)
    env.sim.wait(20.0)
    assert world.uav_position("uav-0").z > 140.0
    before = world.uav("uav-0").distance_flown_m
    env.sim.wait(2.0)
    slow = world.uav("uav-0").distance_flown_m - before
    call(env, "adjust_speed", uav="uav-0", speed=30.0)
    env.sim.wait(1.0)
    before = world.uav("uav-0").distance_flown_m
    env.sim.wait(2.0)
    assert world.uav("uav-0").distance_flown_m - before > 1.5 * slow


def test_adjust_speed_needs_a_plan():
    """A UAV holding at its last waypoint has nothing to speed up; the call says what to do instead."""
    env, world = started()
    call(
        env,
        "set_waypoint",
        uav="uav-1",
        position={
            "x": world.uav_position("uav-1").x,
            "y": world.uav_position("uav-1").y,
            "z": world.uav_position("uav-1").z,
        },
    )
    env.sim.wait(1.0)
    assert "set_waypoint" in refused(env, "adjust_speed", uav="uav-1", speed=10.0)


def test_handover_refusals():
    """A handover to the serving cell, or in a single-cell scenario, is refused before it reaches the network."""
    env, world = started()
    serving = world.ue("uav-0").gnb
    assert "already served" in refused(env, "request_handover", ue="uav-0", gnb=serving)
    single, _ = started(scenario_seed=3)
    assert "single base station" in refused(single, "request_handover", ue="uav-0", gnb="gnb-0")
    assert env.sim.backend.applied == []


def test_task_assignment_checks_energy():
    """A nearby task is accepted; one that would empty the battery is declined, and both are logged."""
    env, world = started()
    near = call(
        env,
        "assign_task",
        uav="uav-0",
        task={
            "name": "near",
            "kind": "survey",
            "target": {"x": 0, "y": 0, "z": 60},
            "compute_jobs_s": 0,
            "max_latency_ms": None,
            "priority": "normal",
        },
    )
    assert near.accepted and near.battery_after_fraction > 0.2
    env.sim.backend.uavs["uav-0"].battery_wh = (
        0.05 * world.scenario.uav("uav-0").battery_capacity_wh
    )  # the toy network's battery
    env.sim.wait(0.5)
    far = call(
        env,
        "assign_task",
        uav="uav-0",
        task={
            "name": "far",
            "kind": "survey",
            "target": {"x": 800, "y": 400, "z": 60},
            "compute_jobs_s": 0,
            "max_latency_ms": None,
            "priority": "normal",
        },
    )
    assert not far.accepted and "reserve" in far.reason
    assert [(e.data["task"], e.data["accepted"]) for e in world.entries("task")] == [("near", True), ("far", False)]


def test_alerts_are_checked_against_telemetry():
    """A battery alert on a full battery is not confirmed; an SLA alert during a violation is."""
    env, world = started(
        schedule={
            "events": [
                {
                    "t": 0.5,
                    "action": {
                        "kind": "onset",
                        "degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0},
                    },
                }
            ]
        }
    )
    low = call(env, "send_alert", uav="uav-0", alert="battery_low")
    assert not low.confirmed and low.severity.value == "low"
    env.sim.wait(1.0)
    sla = call(env, "send_alert", uav="uav-0", alert="sla_violation")
    assert sla.confirmed and "loss" in sla.evidence
    assert [e.data["confirmed"] for e in world.entries("alert")] == [False, True]


def test_priority_goes_to_the_uav_the_intent_names():
    """Between two UAVs, the one a high-priority intent names wins."""
    env, _ = started()
    r = call(
        env,
        "negotiate_priority",
        first="uav-0",
        second="uav-1",
        intent={"text": "uav-1 must reach the incident first", "slice": None, "sla": None, "priority": "critical"},
    )
    assert r.winner == "uav-1" and r.margin > 0
    assert "name two different UAVs" in refused(
        env,
        "negotiate_priority",
        first="uav-0",
        second="uav-0",
        intent={"text": "x", "slice": None, "sla": None, "priority": "low"},
    )


def _mission(**changes):
    base = {
        "mission_id": "m1",
        "uavs": ["uav-1"],
        "targets": [{"x": 100.0, "y": 100.0, "z": 80.0}],
        "tolerance_m": 20.0,
        "min_battery_fraction": 0.1,
        "deadline_s": None,
        "required_tasks": [],
    }
    return base | changes


def test_mission_plan_and_completion():
    """The plan assigns reachable targets; the mission completes only once a UAV has flown over them."""
    env, world = started()
    state = world.state.model_dump(mode="json")
    plan = call(env, "update_mission_plan", mission=_mission(), state=state)
    assert plan.feasible and plan.legs[0].targets == (0,)
    assert call(env, "update_mission_plan", mission=_mission(min_battery_fraction=0.99), state=state).unassigned == (0,)
    log = {"mission_id": "m1", "since_s": 0.0}
    assert not call(env, "validate_mission_completion", mission=_mission(), log=log).complete
    ack = call(env, "set_waypoint", uav="uav-1", position=plan.legs[0].waypoints[0].model_dump())
    env.sim.wait(ack.eta_s + 1.0)
    result = call(env, "validate_mission_completion", mission=_mission(), log=log)
    assert result.complete and result.visited == (0,)
    assert not call(env, "validate_mission_completion", mission=_mission(required_tasks=["photo"]), log=log).complete
    assert "is for mission" in refused(
        env, "validate_mission_completion", mission=_mission(), log={"mission_id": "other", "since_s": 0.0}
    )


def test_sla_compliance_margins():
    """verify_sla_compliance lists the violated dimensions and the signed margins."""
    env, _world = started()
    sla = {"max_latency_ms": 50.0, "max_jitter_ms": 10.0, "max_loss_rate": 0.01, "min_throughput_mbps": 1.0}
    state = {
        "slice": "eMBB",
        "latency_ms": 60.0,
        "jitter_ms": 2.0,
        "loss_rate": 0.0,
        "throughput_mbps": 0.5,
        "edge_load": 0.3,
    }
    r = call(env, "verify_sla_compliance", state=state, sla=sla)
    assert not r.compliant and r.violations == ("latency", "throughput")
    margins = {c.dimension: c.margin for c in r.checks}
    assert margins == pytest.approx({"latency": -10.0, "jitter": 8.0, "loss": 0.01, "throughput": -0.5})


def test_sensor_activation_gives_a_handle():
    """Each activation gets its own handle and the sensor's data rate."""
    env, _ = started()
    a = call(env, "activate_sensor", sensor="camera")
    b = call(env, "activate_sensor", sensor="camera")
    assert a.handle != b.handle and a.data_rate_mbps > call(env, "activate_sensor", sensor="gas").data_rate_mbps
