"""Vector environments: make_vec in every mode, batched surrogate windows, determinism, autoreset."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import sixg  # noqa: F401 -- registers the environment
from sixg.errors import UserError
from sixg.sim import ENV_ID, NetOpsEnv
from sixg.sim.vector import NetOpsVectorEnv

OPTIONS = {"scenario_seed": 2, "max_steps": 4, "schedule": "random"}
STATE = {"name": "check_network_state", "arguments": "{}"}


def rollout(envs, actions, *, seed: int) -> list:
    """Observations, rewards and ends of a reset with ``seed`` followed by ``actions``."""
    obs, _ = envs.reset(seed=seed)
    out = [(tuple(obs), None, None, None)]
    for action in actions:
        obs, reward, terminated, truncated, _ = envs.step(action)
        out.append((tuple(obs), reward.tolist(), terminated.tolist(), truncated.tolist()))
    return out


def sampled(space, n: int, seed: int) -> list:
    space.seed(seed)
    return [space.sample() for _ in range(n)]


def test_make_vec_builds_the_batched_vector_env_and_its_spaces_hold_what_it_returns():
    """make_vec's default is sixg's vector env; its batched spaces hold sampled actions and returned observations."""
    envs = gymnasium.make_vec(ENV_ID, num_envs=3, options=OPTIONS)
    assert isinstance(envs, NetOpsVectorEnv) and envs.num_envs == 3
    obs, info = envs.reset(seed=0)
    assert envs.observation_space.contains(obs) and len(info["intent"]) == 3
    action = envs.action_space.sample()
    assert envs.action_space.contains(action) and len(action["name"]) == 3
    obs, reward, terminated, truncated, info = envs.step(action)
    assert envs.observation_space.contains(obs)
    assert reward.shape == terminated.shape == truncated.shape == (3,) and info["_result"].all()
    envs.close()


def test_windows_of_all_episodes_are_predicted_in_one_pass():
    """Stepping N episodes together predicts their windows in shared forward passes, not one pass per window."""
    envs = gymnasium.make_vec(ENV_ID, num_envs=4, options=OPTIONS)
    envs.reset(seed=0)
    batch = envs.batch
    before_passes, before_windows = batch.forward_passes, batch.windows
    for _ in range(3):
        envs.step([STATE] * 4)
    passes, windows = batch.forward_passes - before_passes, batch.windows - before_windows
    assert windows >= 4 * 3 and passes * 4 == windows
    envs.close()


def test_the_same_seed_gives_the_same_rollout():
    """Two vector environments reset with one seed and given the same calls return the same rollout, autoresets included."""
    a = gymnasium.make_vec(ENV_ID, num_envs=3, options=OPTIONS)
    b = gymnasium.make_vec(ENV_ID, num_envs=3, options=OPTIONS)
    actions = sampled(a.action_space, 10, seed=1)
    assert rollout(a, actions, seed=5) == rollout(b, actions, seed=5)
    assert rollout(a, actions, seed=5) != rollout(a, actions, seed=6)
    a.close(), b.close()


def test_an_episode_does_not_depend_on_the_others_it_is_batched_with():
    """Episode k of N gives the same rollout as a one-episode vector env with its seed and calls, whatever the others do."""
    many = gymnasium.make_vec(ENV_ID, num_envs=3, options=OPTIONS)
    one = gymnasium.make_vec(ENV_ID, num_envs=1, options=OPTIONS)
    actions = sampled(many.action_space, 8, seed=3)
    together = rollout(many, actions, seed=10)
    alone = rollout(one, [[{"name": a["name"][1], "arguments": a["arguments"][1]}] for a in actions], seed=11)
    assert [step[0][1] for step in together] == [step[0][0] for step in alone]
    assert [step[1][1] for step in together[1:]] == [step[1][0] for step in alone[1:]]
    many.close(), one.close()


def test_batched_episodes_follow_the_single_environment_up_to_rounding():
    """A batched episode's network state tracks a NetOpsEnv with the same seed to float32 rounding."""
    envs = gymnasium.make_vec(ENV_ID, num_envs=2, options=OPTIONS)
    single = NetOpsEnv(options=OPTIONS)
    envs.reset(seed=20)
    single.reset(seed=21)
    for _ in range(3):
        _, _, _, _, info = envs.step([STATE, STATE])
        out = single.step(STATE)
        a, b = info["state"][1], out.state
        assert a.slice == b.slice
        assert np.allclose(
            [a.latency_ms, a.jitter_ms, a.loss_rate, a.throughput_mbps, a.edge_load],
            [b.latency_ms, b.jitter_ms, b.loss_rate, b.throughput_mbps, b.edge_load],
            rtol=1e-4,
            atol=1e-6,
        )
    envs.close(), single.close()


def test_a_finished_episode_restarts_on_the_next_step_with_the_constructor_options():
    """After termination or truncation the next step resets that episode (reward 0) with the options given at construction."""
    envs = gymnasium.make_vec(ENV_ID, num_envs=2, options={**OPTIONS, "max_steps": 2})
    envs.reset(seed=0)
    for _ in range(2):
        *_, truncated, _ = envs.step([STATE, STATE])
    assert truncated.all()
    obs, reward, terminated, truncated, info = envs.step([STATE, STATE])
    assert all(o.startswith("Intent:") for o in obs) and not reward.any() and not (terminated | truncated).any()
    assert "You have 2 step(s)." in obs[0]
    envs.close()


def test_same_step_autoreset_reports_the_final_observation():
    """With same-step autoreset the ended episode's last observation comes in info and a new episode's in obs."""
    envs = NetOpsVectorEnv(2, options={**OPTIONS, "max_steps": 1}, autoreset_mode="SameStep")
    envs.reset(seed=0)
    obs, _, _, truncated, info = envs.step([STATE, STATE])
    assert truncated.all() and all(o.startswith("Intent:") for o in obs)
    assert info["final_obs"][0].startswith("[t=") and "final_info" in info
    envs.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_gymnasiums_own_vectorisers_step_the_environment(mode):
    """make_vec in sync and async mode steps sampled calls and returns observations inside the batched space."""
    envs = gymnasium.make_vec(ENV_ID, num_envs=2, vectorization_mode=mode, options=OPTIONS)
    obs, _ = envs.reset(seed=0)
    envs.action_space.seed(0)
    for _ in range(3):
        obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
        assert envs.observation_space.contains(obs) and reward.shape == (2,)
    envs.close()


def test_bad_vector_calls_are_refused_with_how_to_fix_them():
    """A single call, the wrong number of calls, or no environments are typed errors naming the expected shape."""
    envs = NetOpsVectorEnv(2, options=OPTIONS)
    envs.reset(seed=0)
    with pytest.raises(UserError, match="takes 2 calls"):
        envs.step(STATE)
    with pytest.raises(UserError, match="takes 2 calls"):
        envs.step({"name": 5, "arguments": None})
    with pytest.raises(UserError, match="one call per environment"):
        envs.step([STATE])
    with pytest.raises(UserError, match="num_envs"):
        NetOpsVectorEnv(0)
    envs.close()
