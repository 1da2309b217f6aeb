"""Closed-loop RL (python -m sixg.train rl) with a micro model: real episodes on the surrogate, 2 steps, 2 tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sixg.errors import UserError

SAMPLE = Path(__file__).parent / "data" / "forge-sample"
MICRO = ["--limit", "2", "--num-generations", "2", "--max-episode-steps", "2", "--max-new-tokens", "16",
         "--max-completion-length", "512", "--save-steps", "1", "--lr", "1e-3"]


@pytest.fixture(scope="module")
def sft(tmp_path_factory):
    """A micro SFT model (hidden 128, 2 steps on two sample records) to start RL from."""
    import torch

    from sixg.train.data import Selection
    from sixg.train.sft import SFTRun, run_sft
    from sixg.train.tiny import TinyConfig

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("rl") / "sft"
    run_sft(SFTRun(corpus=str(SAMPLE), out=str(out), tiny=TinyConfig(vocab_size=2048, hidden=128, intermediate=256),
                   selection=Selection(limit=2), max_steps=2, save_steps=10, grad_accum=1, progress=False))
    return out


def _rl(sft: Path, out: Path, *extra: str) -> int:
    from sixg.train.__main__ import main

    return main(["rl", "--init", str(sft), "--corpus", str(SAMPLE), "--out", str(out), *MICRO, *extra])


@pytest.mark.llm
def test_env_mask_covers_exactly_the_tool_results(sft):
    """In a played episode the mask is 1 on exactly the tokens the model sampled, and every 0-masked run is the
    next observation wrapped in the chat template's turn marks, nothing the model wrote."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sixg.bench.run import play_task
    from sixg.sim.env import NetOpsEnv
    from sixg.train.frontier import training_tasks
    from sixg.train.grpo import PolicyAgent

    tok = AutoTokenizer.from_pretrained(sft)
    model = AutoModelForCausalLM.from_pretrained(sft)
    sampled: list[list[int]] = []
    generate = model.generate

    def spy(**kw):
        out = generate(**kw)
        sampled.append(out.sequences[0, kw["input_ids"].shape[-1]:].tolist())
        return out

    model.generate = spy
    task = training_tasks(SAMPLE)[0].model_copy(update={"max_steps": 3})
    agent = PolicyAgent(model, tok, tool_view="compact", max_new_tokens=12, temperature=1.0, budget=2048)
    env = NetOpsEnv(backend="surrogate")
    try:
        episode, _ = play_task(task, agent, env, trial=1)
    finally:
        env.close()
    assert episode.error is None and len(sampled) == episode.steps == 3
    ids, mask = agent.completion_ids, agent.env_mask
    assert len(ids) == len(mask) == len(agent.logprobs) and all(lp == 0.0 for lp, m in zip(agent.logprobs, mask) if m == 0)
    runs: list[tuple[int, list[int]]] = []
    for t, m in zip(ids, mask):
        if runs and runs[-1][0] == m:
            runs[-1][1].append(t)
        else:
            runs.append((m, [t]))
    assert [m for m, _ in runs] == [1, 0, 1, 0, 1]
    assert [r for m, r in runs if m == 1] == sampled
    observations = [m["content"] for m in agent.messages[2:] if m["role"] in ("tool", "user")]
    assert len(observations) == 2
    marks = ("<|im_end|>", "<|im_start|>user", "<|im_start|>assistant", "<tool_response>", "</tool_response>")
    for (_, run), observation in zip([r for r in runs if r[0] == 0], observations):
        text = tok.decode(run, skip_special_tokens=False)
        assert observation and observation in text
        rest = text.replace(observation, "")
        for mark in marks:
            rest = rest.replace(mark, "")
        assert rest.strip() == ""


@pytest.mark.llm
def test_guided_rollouts_stay_inside_the_call_grammar(sft):
    """With --guided, every reply a rollout samples is a prefix of a reply the call grammar allows (what react-hf
    guided=true would accept), while the same micro policy unguided leaves it; log-probabilities are still recorded."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sixg.agents.llm.guide import CallGuide
    from sixg.bench.run import play_task
    from sixg.sim.env import NetOpsEnv
    from sixg.tools.catalog import default_catalog
    from sixg.train.frontier import training_tasks
    from sixg.train.grpo import PolicyAgent

    tok = AutoTokenizer.from_pretrained(sft)
    model = AutoModelForCausalLM.from_pretrained(sft)
    guide = CallGuide(tok)
    task = training_tasks(SAMPLE)[0].model_copy(update={"max_steps": 3})

    def replies(g):
        agent = PolicyAgent(model, tok, tool_view="compact", max_new_tokens=24, temperature=1.0, budget=2048, guide=g)
        env = NetOpsEnv(backend="surrogate")
        try:
            play_task(task, agent, env, trial=1)
        finally:
            env.close()
        runs, run = [], []
        for t, m in zip(agent.completion_ids, agent.env_mask):
            if m:
                run.append(t)
            elif run:
                runs.append(run)
                run = []
        assert all(lp <= 0.0 for lp in agent.logprobs)
        return runs + ([run] if run else [])

    def inside(reply):
        matcher = guide.processor(default_catalog().schemas(), start=0).matcher
        body = [t for t in reply if t != tok.eos_token_id]
        return matcher.try_consume_tokens(body) == len(body)

    guided = replies(guide)
    assert len(guided) == 3 and all(inside(r) for r in guided)
    assert not all(inside(r) for r in replies(None))


@pytest.mark.llm
@pytest.mark.parametrize("algo", ["grpo", "dapo"])
def test_rl_command_writes_log_and_a_loadable_model(sft, tmp_path, monkeypatch, algo):
    """Both algorithms run 2 steps of real episodes and write the per-step log, its plot, the recorded config
    and a model react-hf loads and plays; under dapo the all-equal group of each step is dropped and refilled."""
    import sixg.train.grpo as grpo
    from sixg.agents import make_agent
    from sixg.sim.env import NetOpsEnv
    from sixg.sim.runner import run_episode

    if algo == "dapo":
        real = grpo.episode_reward
        # The micro policy fails every episode alike; a bonus on the 3rd episode of each step (the second
        # group's first) makes the first group all-equal and the second informative.
        monkeypatch.setattr(grpo, "episode_reward", lambda ep, w: real(ep, w) + (0.5 if ep.trial % 10_000 == 2 else 0.0))
    out = tmp_path / algo
    assert _rl(sft, out, "--algo", algo, "--max-steps", "2", "--reward-malformed", "0.25") == 0
    rows = [json.loads(line) for line in (out / "rl-log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        assert r["episodes"] == 2 and 0 <= r["success_rate"] <= 1 and 0 <= r["malformed_rate"] <= 1
        assert 1 <= r["episode_length"] <= 2 and "clip_ratio_region_mean" in r and "entropy" in r
        assert (r["groups_drawn"], r["groups_dropped"]) == ((2, 1) if algo == "dapo" else (1, 0))
    assert (out / "rl-log.png").stat().st_size > 0 and (out / "model.safetensors").is_file()
    record = json.loads((out / "sixg-rl.json").read_text())
    assert json.loads((out / "sixg-train.json").read_text()) == json.loads((sft / "sixg-train.json").read_text())  # the SFT lineage
    assert record["stage"] == "rl" and record["steps"] == 2 and record["config"]["algo"] == algo
    assert record["reward_weights"] == {"task": 1.0, "malformed": 0.25, "checks": 0.0} and len(record["frontier_tasks"]) == 2
    loss, high = ("dapo", 0.28) if algo == "dapo" else ("grpo", 0.2)
    assert record["trainer"]["loss_type"] == loss and record["trainer"]["epsilon_high"] == high
    assert record["dynamic_sampling"] == (algo == "dapo")
    if algo == "dapo":  # informative groups: the policy moved
        from safetensors.torch import load_file

        before, after = load_file(sft / "model.safetensors"), load_file(out / "model.safetensors")
        assert any(not (before[k] == after[k]).all() for k in before)
    agent = make_agent("react-hf", model=str(out), max_new_tokens=8)
    env = NetOpsEnv(backend="surrogate")
    try:
        result = run_episode(env, agent, seed=3, options={"max_steps": 1})
    finally:
        env.close()
        agent.close()
    assert agent.tool_view == "compact" and result.steps == 1


@pytest.mark.llm
def test_rl_resume_continues_from_the_last_checkpoint(sft, tmp_path):
    """Started again with --resume, a 2-step run continues from checkpoint-2 to step 3 and appends to its log;
    without --resume the directory is refused."""
    from sixg.train.grpo import RLRun, run_rl

    out = tmp_path / "grpo"
    assert _rl(sft, out, "--algo", "grpo", "--max-steps", "2") == 0
    assert _rl(sft, out, "--algo", "grpo", "--max-steps", "2") == 2
    assert _rl(sft, out, "--algo", "grpo", "--max-steps", "3", "--resume") == 0
    record = json.loads((out / "sixg-rl.json").read_text())
    assert record["resumed_from"].endswith("checkpoint-2") and record["steps"] == 3
    assert [r["step"] for r in record["log"]] == [1, 2, 3]
    with pytest.raises(UserError, match="found no checkpoint"):
        run_rl(RLRun(init=str(sft), corpus=str(SAMPLE), out=str(tmp_path / "new"), resume=True))


def test_rl_refuses_a_frontier_outside_the_corpus(tmp_path):
    """A frontier file naming tasks the selected records do not hold is refused, naming the fix."""
    from sixg.train.grpo import RLRun, _frontier_tasks
    from sixg.train.data import Selection

    f = tmp_path / "frontier.json"
    f.write_text(json.dumps({"kept": ["no-such-task"]}))
    with pytest.raises(UserError, match="no --frontier file"):
        RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), frontier=str(f), frontier_k=2)
    with pytest.raises(UserError, match="use the corpus and flags the frontier was computed on"):
        _frontier_tasks(RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), frontier=str(f), selection=Selection(limit=2)))
    with pytest.raises(UserError, match="choose dapo or grpo"):
        RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), algo="ppo")
    with pytest.raises(UserError, match="checks >= 0"):
        RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), reward_checks=-0.5)
    assert RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), reward_checks=0.5).as_dict()["reward_checks"] == 0.5


@pytest.mark.llm
def test_rl_computes_the_frontier_when_asked(sft, tmp_path):
    """With --frontier-k the initial policy's success per task is estimated first and recorded; a band that the
    micro policy (which never succeeds) cannot enter leaves nothing to train on, and the run says how to fix it."""
    from sixg.train.grpo import RLRun, _frontier_tasks
    from sixg.train.data import Selection

    run = RLRun(init=str(sft), corpus=str(SAMPLE), out=str(tmp_path), selection=Selection(limit=2), frontier_k=1,
                frontier_low=0.0, frontier_high=1.0, max_new_tokens=8, max_episode_steps=1)
    tasks, computed = _frontier_tasks(run)
    assert computed["pool"] == computed["survivors"] == len(tasks) == 2 and set(computed["rates"]) == set(tasks)
    with pytest.raises(UserError, match="widen the frontier band"):
        _frontier_tasks(RLRun(**{**run.__dict__, "frontier_low": 0.5, "frontier_high": 1.0}))


@pytest.mark.llm
def test_rollout_prompt_is_what_react_hf_shows(sft):
    """The first context of a rollout is token for token the prompt react-hf builds for the same task."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sixg.agents import make_agent
    from sixg.bench.run import play_task
    from sixg.sim.env import NetOpsEnv
    from sixg.train.frontier import training_tasks
    from sixg.train.grpo import PolicyAgent

    task = training_tasks(SAMPLE)[0].model_copy(update={"max_steps": 1})
    hf = make_agent("react-hf", model=str(sft), max_new_tokens=4)
    hf._start()
    seen = []
    generate = hf._model.generate

    def spy(**kw):
        seen.append(kw["input_ids"][0].tolist())
        return generate(**kw)

    hf._model.generate = spy
    policy = PolicyAgent(AutoModelForCausalLM.from_pretrained(sft), AutoTokenizer.from_pretrained(sft), tool_view="compact",
                         max_new_tokens=4, temperature=1.0, budget=256)
    env = NetOpsEnv(backend="surrogate")
    try:
        play_task(task, hf, env, trial=5)
        play_task(task, policy, env, trial=5)
    finally:
        env.close()
    assert seen and policy.prompt_ids == seen[0]


def test_an_empty_frontier_says_where_the_success_rates_fell(tmp_path, monkeypatch):
    """When no task lands inside the band, the error counts the tasks the initial policy always failed and always solved."""
    from sixg.train import frontier
    from sixg.train.data import Selection
    from sixg.train.grpo import RLRun, _frontier_tasks

    def fake(tasks, make, *, k, band, seed):
        ids = [t.id for t in tasks]
        return {"kept": [], "rates": {i: (1.0 if n == 0 else 0.0) for n, i in enumerate(ids)}}

    monkeypatch.setattr(frontier, "run_frontier", fake)
    with pytest.raises(UserError, match=r"over 2 episode\(s\) per task: 2 task\(s\) at 0, 1 at 1, 0 in between"):
        _frontier_tasks(RLRun(init="x", corpus=str(SAMPLE), out=str(tmp_path), frontier_k=2, selection=Selection(limit=3)))
