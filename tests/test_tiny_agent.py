"""The tiny agent shipped with sixg: it loads from the package, plays a benchmark task deterministically, and says how it was made."""

from __future__ import annotations

import json

import pytest

from sixg.agents import make_agent
from sixg.agents.llm.hf import TINY_MODEL_DIR
from sixg.bench.build import load_benchmark
from sixg.bench.run import play_task
from sixg.errors import UserError
from sixg.sim.env import NetOpsEnv


def test_the_shipped_model_is_small_and_carries_its_training_records():
    """The package holds the weights (tens of MB at most), the tokenizer, the tool view and the run records of SFT and RL."""
    files = {p.name: p.stat().st_size for p in TINY_MODEL_DIR.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "sixg-prompt.json", "sixg-train.json", "sixg-rl.json"} <= set(files)
    assert sum(files.values()) < 40e6
    sft = json.loads((TINY_MODEL_DIR / "sixg-train.json").read_text())
    rl = json.loads((TINY_MODEL_DIR / "sixg-rl.json").read_text())
    assert sft["stage"] == "sft" and sft["data"]["records"] > 0 and sft["losses"][-1] < sft["losses"][0]
    assert rl["stage"] == "rl" and rl["steps"] > 0


@pytest.mark.llm
def test_tiny_agent_solves_an_outcome_graded_task_the_same_way_twice():
    """--agent tiny loads without arguments and decodes greedily: on an L3 edge-overload task it moves the compute to
    the cloud with well-formed calls and the SLA holds over the settling seconds (the null agent fails it), twice alike."""
    task = next(t for t in load_benchmark().tasks if t.id == "bench-058-eo_overload_cloud-1")
    env = NetOpsEnv(backend="surrogate")
    try:
        runs = []
        for _ in range(2):
            agent = make_agent("tiny")
            ep, traj = play_task(task, agent, env)
            assert ep.error is None and traj is not None
            runs.append(([s["call"] for s in traj.steps], ep.success, ep.checks))
        assert runs[0] == runs[1]
        assert runs[0][1], runs[0][2]
        assert all(s["result"]["error"] is None for s in traj.steps)
        assert "edge_offload" in [s["result"]["tool"] for s in traj.steps]
        assert agent.describe()["temperature"] == 0.0 and agent.describe()["guided"] is True
        idle, _ = play_task(task, make_agent("null"), env)
        assert not idle.success
    finally:
        env.close()


def test_tiny_agent_names_a_missing_model(tmp_path):
    """Pointing the tiny agent at a folder with no model is a clear error, not a crash at the first turn."""
    with pytest.raises(UserError, match="no model directory|could not load"):
        make_agent("tiny", model=str(tmp_path / "nowhere"))


def test_a_corrupt_weights_file_is_a_clear_error(tmp_path):
    """A copy of the model whose weights file was cut short fails to load with a UserError that says so, not a library traceback."""
    import shutil

    copy = tmp_path / "tiny"
    shutil.copytree(TINY_MODEL_DIR, copy)
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100_000])
    agent = make_agent("tiny", model=str(copy))
    with pytest.raises(UserError, match="cut short or corrupt"):
        agent.reset(intent="Check the network.", tools=[{"type": "function", "function": {"name": "check_network_state", "parameters": {"type": "object", "properties": {}}}}])
