"""The episode API: Gymnasium registration, reset/step, termination by verification, the step budget."""

from __future__ import annotations

import json
import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env
from toynet import SEED, ToyBackend, call, onset, started, toy_env

from sixg.agents.base import Agent, ToolCall
from sixg.errors import ResetNeeded, SeedSplitError, UserError
from sixg.scenario import generate
from sixg.sim import DEFAULT_BACKEND, ENV_ID, NetOpsEnv, StepResult, run_episode


def test_registered_under_a_versioned_id():
    """gymnasium.make builds the environment from its lazy entry point, and it passes Gymnasium's checker."""
    env = gymnasium.make(ENV_ID, backend=ToyBackend())
    assert ENV_ID == "sixg/NetOps-v0" and isinstance(env.unwrapped, NetOpsEnv)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    _obs, _info = env.reset(seed=3, options={"scenario_seed": SEED})
    out = env.step({"name": "check_network_state", "arguments": "{}"})
    assert isinstance(out, StepResult) and out.observation.startswith("[t=0.55 s] check_network_state")
    env.close()


def test_construction_is_cheap_and_defaults_to_one_backend_constant():
    """Making the environment starts nothing; its default backend is the module's single constant."""
    env = NetOpsEnv()
    assert env._default_backend == DEFAULT_BACKEND == "surrogate" and env._backend is None
    with pytest.raises(ResetNeeded):
        env.step({"name": "check_network_state"})


def test_reset_describes_the_episode():
    """The first observation states the intent, the ids the agent may use, the state and the budget."""
    env = toy_env()
    obs, info = env.reset(seed=1, options={"scenario_seed": SEED, "max_steps": 7})
    for text in (
        "Intent: Keep the managed service within its SLA",
        "gnb-0, gnb-1",
        "uav-0, uav-1",
        "Service UE: ue-0",
        "You have 7 step(s)",
        "verify_sla_compliance",
    ):
        assert text in obs
    assert len(info["tools"]) == 42 and info["goal"].sla == env.sim.world.scenario.sla
    assert info["state"] == env.sim.world.state


def test_intent_text_sets_the_goal():
    """Targets stated in the intent replace the scenario's SLA targets in the goal."""
    env = toy_env()
    _, info = env.reset(seed=1, options={"scenario_seed": SEED, "intent": "Keep latency below 65 ms for the service."})
    assert info["goal"].sla.max_latency_ms == 65.0
    assert info["goal"].sla.max_jitter_ms == env.sim.world.scenario.sla.max_jitter_ms


def _verify(env, sla=None, state=None):
    state = state or env.sim.world.state.model_dump(mode="json")
    sla = sla or env.goal.sla.model_dump(mode="json")
    return env.step({"name": "verify_sla_compliance", "arguments": json.dumps({"state": state, "sla": sla})})


def test_verification_confirming_the_goal_terminates():
    """Verifying the current state against the goal's SLA ends the episode with the success reward."""
    env, _ = started()
    out = _verify(env)
    assert out.terminated and not out.truncated and out.reward == 1.0 and out.info["success"]
    with pytest.raises(ResetNeeded, match="ended"):
        env.step({"name": "check_network_state"})


def test_verification_must_cover_the_goal_and_hold_in_the_network():
    """A looser SLA, or a made-up compliant state while the network is failing, does not end the episode."""
    env, world = started(schedule={"events": [onset(0.0, {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20})]})
    loose = env.goal.sla.model_copy(update={"max_latency_ms": 10_000.0, "max_loss_rate": 1.0}).model_dump(mode="json")
    out = _verify(env, sla=loose)
    assert out.result.output.compliant and not out.terminated
    fake = world.state.model_copy(update={"latency_ms": 1.0, "loss_rate": 0.0}).model_dump(mode="json")
    out = _verify(env, state=fake)
    assert out.result.output.compliant and not out.terminated and env.goal.sla.violations(world.state)


def test_recovery_then_verification_succeeds():
    """Under congestion: switch to URLLC and shed eMBB load, then verification ends the episode."""
    env, _world = started(schedule={"events": [onset(0.0, {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20})]})
    env.sim.wait(1.0)
    assert not _verify(env).result.output.compliant
    call(env, "switch_network_slice", from_slice="eMBB", to_slice="URLLC")
    out = _verify(env)
    assert out.terminated and out.info["step"] == 3


def test_step_budget_truncates():
    """The episode is truncated after max_steps calls, bad calls included."""
    env, _ = started(max_steps=2)
    assert not env.step("garbage").truncated
    out = env.step({"name": "check_network_state"})
    assert out.truncated and not out.terminated and out.info["step"] == 2


def test_bad_call_costs_a_step_and_a_penalty():
    """An unknown tool is an error result with a negative reward, not an exception."""
    env, _ = started()
    out = env.step({"name": "reboot_everything", "arguments": "{}"})
    assert out.reward == pytest.approx(-0.1) and out.result.error.kind == "unknown_tool" and out.info["step"] == 1


def test_bad_options_are_refused_up_front():
    """Options that do not fit (a benchmark seed in training, an unknown UAV in the goal, a typo) raise UserError."""
    env = toy_env()
    with pytest.raises(SeedSplitError, match="benchmark seed"):
        env.reset(seed=1, options={"scenario_seed": 60})
    mission = {
        "mission_id": "m",
        "uavs": ["uav-9"],
        "targets": [{"x": 0, "y": 0, "z": 50}],
        "tolerance_m": 20,
        "min_battery_fraction": 0.1,
        "deadline_s": None,
        "required_tasks": [],
    }
    with pytest.raises(UserError, match="no UAV 'uav-9'"):
        env.reset(seed=1, options={"scenario_seed": SEED, "goal": {"mission": mission}})
    with pytest.raises(UserError, match="max_step"):
        env.reset(seed=1, options={"scenario_seed": SEED, "max_step": 3})


def test_a_seed_or_options_of_the_wrong_type_are_refused_up_front():
    """A negative or non-integer seed, and options that are not a dict, raise UserError saying what to pass."""
    env = toy_env()
    for seed in (-1, 1.5):
        with pytest.raises(UserError, match="whole number >= 0"):
            env.reset(seed=seed, options={"scenario_seed": SEED})
    for options in ([("scenario_seed", SEED)], "scenario_seed=3", 7):
        with pytest.raises(UserError, match="must be a dict"):
            env.reset(seed=1, options=options)


def test_random_schedule_is_drawn_from_the_seed():
    """ "random" degradations are the same for the same seed and differ across seeds."""
    env = toy_env()
    schedules = []
    for seed in (1, 1, 2):
        _, info = env.reset(seed=seed, options={"scenario_seed": SEED, "schedule": "random", "max_steps": 40})
        schedules.append(info["schedule"])
    assert schedules[0] == schedules[1] != schedules[2] and schedules[0].events


def test_mission_episode_terminates_when_the_mission_is_validated():
    """A mission goal ends the episode once a UAV has overflown the target and validation confirms it."""
    env = toy_env()
    mission = {
        "mission_id": "m1",
        "uavs": ["uav-1"],
        "targets": [{"x": 100.0, "y": 100.0, "z": 80.0}],
        "tolerance_m": 20.0,
        "min_battery_fraction": 0.1,
        "deadline_s": None,
        "required_tasks": [],
    }
    obs, _ = env.reset(seed=1, options={"scenario_seed": SEED, "goal": {"mission": mission}})
    assert "validate_mission_completion for mission 'm1'" in obs
    validate = {
        "name": "validate_mission_completion",
        "arguments": json.dumps({"mission": mission, "log": {"mission_id": "m1", "since_s": 0.0}}),
    }
    assert not env.step(validate).terminated
    ack = call(env, "set_waypoint", uav="uav-1", position=mission["targets"][0])
    env.sim.wait(ack.eta_s)
    assert env.step(validate).terminated


class _Scripted(Agent):
    """Calls a fixed list of tools, then stops."""

    id = "scripted-test"

    def __init__(self, calls):
        self.calls = calls

    def reset(self, *, intent, tools, seed=None):
        self.queue = list(self.calls)
        self.seen = []

    def act(self, observation):
        self.seen.append(observation)
        if not self.queue:
            return None
        name, args = self.queue.pop(0)
        if callable(args):
            args = args(observation)
        return ToolCall(name=name, arguments=json.dumps(args))


def test_run_episode_drives_an_agent():
    """run_episode feeds the agent typed observations until verification succeeds."""
    sla = generate(SEED, split="train").sla.model_dump(mode="json")
    agent = _Scripted(
        [
            ("check_network_state", {}),
            ("verify_sla_compliance", lambda obs: {"state": obs.tool_result.model_dump(mode="json"), "sla": sla}),
        ]
    )
    result = run_episode(toy_env(), agent, seed=1, options={"scenario_seed": SEED})
    assert result.success and result.steps == 2 and result.total_reward == 1.0
    assert agent.seen[0].step == 0 and "Intent:" in agent.seen[0].text
    assert agent.seen[1].tool_name == "check_network_state" and agent.seen[1].state == agent.seen[1].tool_result
    assert len(result.trajectory.steps) == 2


def test_run_episode_stops_when_the_agent_does():
    """An agent returning no call ends its episode without success."""
    env = toy_env()
    result = run_episode(env, _Scripted([("check_network_state", {})]), seed=1, options={"scenario_seed": SEED})
    assert result.stopped and not result.success and result.steps == 1


def test_a_goal_with_two_parts_needs_both_confirmed():
    """With an SLA and a mission, confirming the SLA alone does not end the episode; the mission too does."""
    env = toy_env()
    mission = {
        "mission_id": "m1",
        "uavs": ["uav-1"],
        "targets": [{"x": 100.0, "y": 100.0, "z": 80.0}],
        "tolerance_m": 20.0,
        "min_battery_fraction": 0.1,
        "deadline_s": None,
        "required_tasks": [],
    }
    sla = generate(SEED, split="train").sla.model_dump(mode="json")
    env.reset(seed=1, options={"scenario_seed": SEED, "goal": {"sla": sla, "mission": mission}})
    out = _verify(env)
    assert out.result.output.compliant and not out.terminated and out.info["confirmed"] == ["sla"]
    ack = call(env, "set_waypoint", uav="uav-1", position=mission["targets"][0])
    env.sim.wait(ack.eta_s)
    out = env.step(
        {
            "name": "validate_mission_completion",
            "arguments": json.dumps({"mission": mission, "log": {"mission_id": "m1", "since_s": 0.0}}),
        }
    )
    assert out.terminated and out.info["confirmed"] == ["mission", "sla"]
