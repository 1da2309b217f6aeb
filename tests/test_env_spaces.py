"""The environment's declared spaces hold what step takes and returns, and Gymnasium's checker passes."""

from __future__ import annotations

import collections
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from toynet import SEED, toy_env

from sixg.sim import ENV_ID
from sixg.sim.spaces import MAX_OBSERVATION_CHARS, ToolCallSpace, bounded_observation
from sixg.tools.catalog import default_catalog


def test_a_tool_call_is_in_the_action_space():
    """The call shape step takes is a member of the action space; a bare string or a missing key is not."""
    space = ToolCallSpace(default_catalog())
    assert space.contains({"name": "check_network_state", "arguments": "{}"})
    assert space.contains({"name": "log_decision", "arguments": '{"text": "d\u00e9cision prise"}'})
    assert not space.contains("check_network_state")
    assert not space.contains({"name": "check_network_state"})
    assert not space.contains({"name": "Check Network State!", "arguments": "{}"})


def test_samples_are_catalog_calls_the_boundary_binds_or_rejects_with_a_typed_error():
    """A sampled call names a real tool; stepping samples never raises, and both bound and rejected calls occur."""
    env = toy_env()
    env.reset(seed=1, options={"scenario_seed": SEED, "max_steps": 1000})
    env.action_space.seed(0)
    kinds = collections.Counter()
    for _ in range(120):
        action = env.action_space.sample()
        assert env.action_space.contains(action) and action["name"] in env.catalog
        out = env.step(action)
        assert env.observation_space.contains(out.observation)
        kinds[out.result.error.kind if out.result.error else "ok"] += 1
    assert kinds["ok"] > 20 and sum(n for k, n in kinds.items() if k != "ok") > 20
    assert set(kinds) <= {"ok", "invalid_arguments", "refused"}


def test_sampling_is_seeded_and_maskable():
    """The same seed draws the same calls; a mask over tool_names limits the tools drawn; a bad mask is refused."""
    a, b = ToolCallSpace(default_catalog(), seed=5), ToolCallSpace(default_catalog(), seed=5)
    assert [a.sample() for _ in range(20)] == [b.sample() for _ in range(20)]
    mask = np.zeros(len(a.tool_names), dtype=np.int8)
    mask[a.tool_names.index("get_edge_load")] = 1
    assert {a.sample(mask=mask)["name"] for _ in range(10)} == {"get_edge_load"}
    with pytest.raises(ValueError, match="allows no tool"):
        a.sample(mask=np.zeros_like(mask))
    with pytest.raises(ValueError, match="zeros and ones"):
        a.sample(mask=np.ones(3))


def test_observations_are_bounded_printable_text():
    """Any text becomes printable ASCII within the observation space; a huge one is cut with a note."""
    env = toy_env()
    cut = bounded_observation("\u00e9\u4e2d\x00" + "x" * 100_000)
    assert env.observation_space.contains(cut) and len(cut) <= MAX_OBSERVATION_CHARS
    assert cut.startswith("\\xe9\\u4e2d\\x00") and cut.endswith("characters)")
    short = "[t=0.50 s] check_network_state -> {}"
    assert bounded_observation(short) == short


def test_reset_with_a_non_ascii_intent_stays_in_the_observation_space():
    """An intent written in any script is shown escaped, so the first observation is in the space too."""
    env = toy_env()
    obs, _ = env.reset(seed=1, options={"scenario_seed": SEED, "intent": "Latenz unter 80 ms halten \u2013 bitte \u2713"})
    assert env.observation_space.contains(obs) and "\\u2013" in obs


def test_the_surrogate_environment_passes_gymnasiums_checker():
    """gymnasium.make with the default (surrogate) backend passes check_env with warnings turned into errors."""
    env = gymnasium.make(ENV_ID)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()
