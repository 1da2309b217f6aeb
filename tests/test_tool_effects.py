"""Effect classes hold: Observation and Reasoning tools leave the network alone; acting tools act."""

from __future__ import annotations

import json

import pytest
from toynet import started, valid_arguments

from sixg.tools import Effect, ToolContext, default_catalog

CATALOG = default_catalog()
PASSIVE = sorted(t.name for t in CATALOG.values() if not t.acts)
ACTING = sorted(t.name for t in CATALOG.values() if t.acts)


def _run_to(env, t: float) -> None:
    env.sim.wait(t - env.sim.now)


@pytest.mark.parametrize("name", PASSIVE)
def test_passive_tool_leaves_the_network_untouched(name):
    """Calling an Observation or Reasoning tool leaves the world's network view and the backend exactly as without it."""
    env, world = started()
    twin, twin_world = started()
    args = json.dumps(valid_arguments(world)[name])
    fingerprint = world.network_fingerprint()
    bound = env.sim.boundary.bind({"name": name, "arguments": args})
    CATALOG[name].invoke(ToolContext(world, env.sim.now), bound.args)
    assert world.network_fingerprint() == fingerprint and env.sim.pending == ()

    # Through the loop: the network evolves exactly as in a twin run that only observed.
    out = env.step({"name": name, "arguments": args})
    twin.step({"name": "check_network_state", "arguments": "{}"})
    assert out.result.ok
    horizon = max(env.sim.now, twin.sim.now) + 1.0
    _run_to(env, horizon)
    _run_to(twin, horizon)
    assert env.sim.backend.applied == twin.sim.backend.applied == []
    assert world.network_fingerprint() == twin_world.network_fingerprint()


@pytest.mark.parametrize("name", ACTING)
def test_acting_tool_changes_the_network(name):
    """A Configuration tool or UAV command reaches the backend at a window boundary and shows in the next reading."""
    env, world = started()
    out = env.step({"name": name, "arguments": json.dumps(valid_arguments(world)[name])})
    assert out.result.ok, out.observation
    ((t_applied, _action),) = env.sim.backend.applied
    assert t_applied == pytest.approx(out.result.t_done - env.sim.window_s)
    assert t_applied >= out.result.t_called  # applied at the first boundary after the call
    assert t_applied - out.result.t_called < env.sim.window_s + 1e-9
    assert len(world.applied) == 1 and world.applied[0].result.ok
    assert CATALOG[name].effect in (Effect.CONFIGURATION, Effect.REASONING)


def test_mission_log_tools_record_and_nothing_else():
    """Reasoning tools that keep the mission log add one entry each and touch no network state."""
    env, world = started()
    fingerprint = world.network_fingerprint()
    args = valid_arguments(world)
    for name in (
        "activate_sensor",
        "assign_task",
        "send_alert",
        "log_decision",
        "update_mission_plan",
        "broadcast_status",
        "heartbeat",
    ):
        bound = env.sim.boundary.bind({"name": name, "arguments": json.dumps(args[name])})
        before = len(world.log)
        CATALOG[name].invoke(ToolContext(world, env.sim.now), bound.args)
        assert len(world.log) == before + 1
    assert [e.kind for e in world.log] == ["sensor", "task", "alert", "decision", "plan", "broadcast", "heartbeat"]
    assert world.network_fingerprint() == fingerprint
