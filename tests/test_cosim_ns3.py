"""The tools and the loop on live ns-3: a configuration call changes what the next observation reads."""

from __future__ import annotations

import json

import pytest

from sixg.backends import make_backend
from sixg.sim import NetOpsEnv, replay

pytestmark = pytest.mark.ns3

SEED = 6  # two cells, two UAVs, the service on a ground UE


@pytest.fixture(scope="module")
def ns3():
    """One live ns-3 backend for the module (its worker starts once)."""
    with make_backend("ns3") as backend:
        yield backend


def _call(env, name, **arguments):
    out = env.step({"name": name, "arguments": json.dumps(arguments)})
    assert out.result.ok, out.observation
    return out


def test_configuration_changes_the_next_observation(ns3):
    """On ns-3, switching slice and offloading to the edge show in the very next readings."""
    env = NetOpsEnv(backend=ns3)
    env.reset(seed=1, options={"scenario_seed": SEED, "max_steps": 10})
    before = _call(env, "check_network_state").result.output
    assert before.slice.value == "eMBB" and env.sim.world.snapshot.backend == "ns3"
    switched = _call(env, "switch_network_slice", from_slice="eMBB", to_slice="URLLC").result.output
    assert switched.slice.value == "URLLC"
    assert _call(env, "check_network_state").result.output.slice.value == "URLLC"
    edge_before = _call(env, "get_edge_load").result.output
    assert edge_before.service_host == "cloud"
    task = {
        "name": "service",
        "kind": "compute",
        "target": None,
        "compute_jobs_s": 50.0,
        "max_latency_ms": None,
        "priority": "high",
    }
    _call(
        env,
        "edge_offload",
        task=task,
        target={"host": "edge", "expected_latency_ms": None, "expected_utilisation": None, "reason": None},
    )
    edge_after = _call(env, "get_edge_load").result.output
    assert edge_after.service_host == "edge" and edge_after.arrivals_per_s > edge_before.arrivals_per_s
    # The service's jobs now load the edge server: the sixth state dimension rises.
    assert env.sim.world.state.edge_load > before.edge_load + 0.2


def test_uav_commands_move_the_uav_in_ns3(ns3):
    """set_waypoint moves the UAV in the simulation, and a handover changes its serving cell."""
    env = NetOpsEnv(backend=ns3)
    env.reset(seed=1, options={"scenario_seed": SEED, "max_steps": 10})
    world = env.sim.world
    start = world.uav_position("uav-0")
    goal = {"x": start.x + 40.0, "y": start.y, "z": start.z}
    ack = _call(env, "set_waypoint", uav="uav-0", position=goal).result.output
    env.sim.wait(ack.eta_s + 1.0)  # the flight, plus a window for the plan to reach the mobility model
    here = _call(env, "read_uav_position", uav="uav-0").result.output
    assert abs(here.x - goal["x"]) < 2.0 and abs(here.y - goal["y"]) < 2.0
    serving = world.ue("uav-0").gnb
    target = "gnb-1" if serving == "gnb-0" else "gnb-0"
    cmd = _call(env, "request_handover", ue="uav-0", gnb=target).result.output
    assert cmd.accepted and cmd.source_gnb == serving
    env.sim.wait(1.0)
    assert _call(env, "check_handover_status", ue="uav-0").result.output.serving_gnb == target


def test_ns3_episode_replays_exactly(ns3, tmp_path):
    """An episode on ns-3 (with a degradation and a bad call) replays to the last digit."""
    env = NetOpsEnv(backend=ns3)
    schedule = {
        "events": [
            {
                "t": 1.0,
                "action": {"kind": "onset", "degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 15.0}},
            }
        ]
    }
    env.reset(seed=4, options={"scenario_seed": SEED, "schedule": schedule, "max_steps": 10})
    for call in (
        {"name": "check_network_state", "arguments": "{}"},
        {"name": "switch_network_slice", "arguments": '{"from_slice": "eMBB", "to_slice": "URLLC"}'},
        {"name": "set_waypoint", "arguments": '{"uav": "uav-9", "position": {"x": 0, "y": 0, "z": 50}}'},
        {"name": "read_telemetry", "arguments": "{}"},
    ):
        env.step(call)
    path = env.trajectory.save(tmp_path / "ns3.jsonl")
    report = replay(path, env=NetOpsEnv(backend=ns3))
    assert report.identical, report.mismatches
    assert report.steps == 4
