"""The world: rebuilt from each backend snapshot, tracking UAV plans and tracks and the mission log."""

from __future__ import annotations

import pytest
from toynet import SEED, ToyBackend

from sixg.actions import DegradationOnset, DegradationRecovery, Handover, SetUavPlan, UavDrift
from sixg.domain import Position
from sixg.scenario import generate
from sixg.world import World

SCENARIO = generate(SEED, split="train")


def _run(backend, world, windows, actions=()):
    out = backend.step(list(actions))
    world.update(out.snapshot, list(zip(actions, out.results)))
    for _ in range(windows - 1):
        world.update(backend.step([]).snapshot)


@pytest.fixture
def net():
    backend = ToyBackend()
    world = World.start(SCENARIO, backend.reset(SCENARIO, seed=1))
    return backend, world


def test_starts_from_the_scenario(net):
    """At t=0 the plans are the scenario's looping routes and every UAV has a track point."""
    _, world = net
    spec = SCENARIO.uav("uav-0")
    plan = world.plans["uav-0"]
    assert plan.loop and plan.waypoints == spec.waypoints and plan.next_index == 1 and plan.since is None
    assert [p.t for p in world.tracks["uav-0"]] == [0.0]
    assert sum(world.attached_ues().values()) == len(SCENARIO.ues)


def test_commanded_plan_replaces_the_route_and_progress_is_tracked(net):
    """An accepted SetUavPlan becomes the plan; waypoints reached are passed; the track grows each window."""
    backend, world = net
    here = world.uav_position("uav-0")
    wps = (Position(x=here.x + 20, y=here.y, z=here.z), Position(x=here.x + 20, y=here.y + 400, z=here.z))
    _run(backend, world, 1, [SetUavPlan(uav="uav-0", waypoints=wps, speed_mps=10.0)])
    assert world.plans["uav-0"].waypoints == wps and world.plans["uav-0"].since == 0.0
    _run(backend, world, 6)
    assert world.plans["uav-0"].next_index == 1 and world.plans["uav-0"].remaining() == wps[1:]
    assert len(world.tracks["uav-0"]) == 8 and world.applied[0].result.ok


def test_looping_plan_continues_round_its_cycle(net):
    """A looping plan's remaining waypoints start at the next one and wrap round."""
    _, world = net
    plan = world.plans["uav-0"]
    plan.next_index = 2
    assert plan.remaining() == plan.waypoints[2:] + plan.waypoints[:2]


def test_drift_then_recovery_leaves_the_uav_holding(net):
    """While a UAV drifts it has no plan to follow; when the drift ends it holds where it is."""
    backend, world = net
    _run(backend, world, 2, [DegradationOnset(degradation=UavDrift(uav="uav-1", speed_mps=10.0))])
    assert world.plans["uav-1"].drifting and world.plans["uav-1"].remaining() == ()
    _run(backend, world, 1, [DegradationRecovery(degradation_kind="uav_drift")])
    plan = world.plans["uav-1"]
    assert not plan.drifting and not plan.loop and plan.waypoints == (world.uav_position("uav-1"),)


def test_handover_requests_are_remembered(net):
    """The last handover asked for per UE is kept with its time and outcome."""
    backend, world = net
    target = "gnb-1" if world.ue("uav-0").gnb == "gnb-0" else "gnb-0"
    _run(backend, world, 1, [Handover(ue="uav-0", target_gnb=target)])
    assert world.handover_requests["uav-0"] == (target, 0.0, True)


def test_mission_log_filters(net):
    """Entries are numbered in order and can be filtered by kind, UAV and time."""
    _, world = net
    world.record(1.0, "alert", "a", uav="uav-0")
    world.record(2.0, "task", "b", uav="uav-1", data={"task": "x"})
    world.record(3.0, "alert", "c", uav="uav-1")
    assert [e.index for e in world.log] == [0, 1, 2]
    assert [e.summary for e in world.entries("alert")] == ["a", "c"]
    assert [e.summary for e in world.entries(uav="uav-1", since=2.5)] == ["c"]
