"""The sanity agents: null ends its episode without a call, verify-only only verifies; neither changes the network."""

from __future__ import annotations

import pytest
from toynet import ToyBackend

from sixg.agents import make_agent
from sixg.agents.sanity import NullAgent, VerifyOnlyAgent
from sixg.bench.build import load_benchmark
from sixg.bench.run import play_task
from sixg.sim import NetOpsEnv

VERIFICATIONS = {"verify_sla_compliance", "validate_mission_completion"}


@pytest.fixture(scope="module")
def tasks():
    """One task of each kind of goal: an SLA to restore, a mission to complete, actions to take."""
    by_family = {}
    for t in load_benchmark().tasks:
        by_family.setdefault(t.family, t)
    return [by_family[f] for f in ("ns_urllc_congestion", "ma_mission", "eo_edge_latency", "uav_slowdown_alert")]


def test_sanity_agents_are_registered_by_id():
    """`--agent null` and `--agent verify-only` make these agents."""
    assert isinstance(make_agent("null"), NullAgent) and make_agent("null").id == "null"
    assert isinstance(make_agent("verify-only"), VerifyOnlyAgent) and make_agent("verify-only").id == "verify-only"


@pytest.mark.parametrize("agent_id", ["null", "verify-only"])
def test_sanity_agents_run_tasks_and_make_no_configuration_call(tasks, agent_id):
    """Each task's episode runs without error; null makes no call, verify-only only the verifications the
    briefing names, all accepted, and no call of either takes effect on the network."""
    for task in tasks:
        env = NetOpsEnv(backend=ToyBackend())
        try:
            ep, trajectory = play_task(task, make_agent(agent_id), env)
        finally:
            env.close()
        assert ep.error is None, ep.error
        results = [s["result"] for s in trajectory.steps]
        assert all(r["effect"] != "configuration" for r in results)
        if agent_id == "null":
            assert results == []
            continue
        tools = [r["tool"] for r in results]
        assert tools and set(tools) <= VERIFICATIONS, tools
        assert all(r["ok"] for r in results), [r["error"] for r in results]
        wanted = {"validate_mission_completion"} if task.env_goal.mission is not None else set()
        if task.env_goal.sla is not None or task.env_goal.mission is None:
            wanted.add("verify_sla_compliance")
        assert set(tools) == wanted


def test_verify_only_does_not_complete_a_mission_nobody_flew(tasks):
    """Its mission validation ends nothing: the mission's own targets were never passed."""
    mission = tasks[1]
    env = NetOpsEnv(backend=ToyBackend())
    try:
        ep, _ = play_task(mission, make_agent("verify-only"), env)
    finally:
        env.close()
    assert not ep.success and not ep.verified
