"""Guided decoding (``guided=true``): the grammar admits every correct call and reply, refuses broken ones, and a
guided model's calls all reach the tools well formed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic_core import to_jsonable_python

from sixg.agents import make_agent
from sixg.agents.llm.guide import CallGuide, call_schema
from sixg.agents.llm.hf import TINY_MODEL_DIR
from sixg.bench.build import load_benchmark
from sixg.bench.run import play_task
from sixg.errors import UserError
from sixg.sim.env import NetOpsEnv
from sixg.tools.catalog import default_catalog


@pytest.fixture(scope="module")
def guide():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(TINY_MODEL_DIR)
    return tok, CallGuide(tok)


def _admits(guide, text: str) -> bool:
    """Whether the whole of ``text`` is a reply the grammar allows (every token taken, and it may end there)."""
    tok, g = guide
    matcher = g.processor(default_catalog().schemas(), start=0).matcher
    ids = tok.encode(text, add_special_tokens=False)
    return matcher.try_consume_tokens(ids) == len(ids) and matcher.is_accepting()


def _call(name: str, arguments: dict, thought: str | None = None) -> str:
    body = json.dumps({"name": name, "arguments": json.loads(json.dumps(arguments, sort_keys=True))})
    return (f"{thought}\n" if thought else "") + f"<tool_call>\n{body}\n</tool_call>"


def test_every_reference_call_of_the_benchmark_is_admitted(guide):
    """Guidance never forbids a correct call: each of the benchmark's reference calls (references to earlier results
    included), written as the chat template writes calls, is a complete reply under the grammar."""
    steps = {(s.tool, json.dumps(to_jsonable_python(s.args), sort_keys=True)) for t in load_benchmark().tasks for s in t.reference}
    assert len({name for name, _ in steps}) >= 30
    refused = [(name, args) for name, args in sorted(steps) if not _admits(guide, _call(name, json.loads(args), "Check first."))]
    assert refused == []


def test_replies_a_react_turn_may_be_are_admitted(guide):
    """A bare call, a call after one line of reasoning and a final answer are all replies the guide allows."""
    assert _admits(guide, _call("read_telemetry", {}))
    assert _admits(guide, _call("switch_network_slice", {"from_slice": {"$": "slice"}, "to_slice": "URLLC"}, "Move it."))
    assert _admits(guide, _call("risk_assessment", {"telemetry": {"$": "out", "tool": "read_telemetry"}}))
    assert _admits(guide, "Final Answer: the SLA holds again.")


@pytest.mark.parametrize(
    "reply",
    [
        _call("read_telemetry_now", {}),  # no such tool
        _call("switch_network_slice", {"from_slice": "eMBB", "to_slice": "gold"}),  # not a slice
        _call("switch_network_slice", {"to_slice": "URLLC"}),  # a required argument missing
        _call("read_telemetry", {"verbose": True}),  # an argument the tool does not take
        _call("risk_assessment", {"telemetry": {"$": "out", "tool": "no_such_tool"}}),  # a reference to nothing
        '<tool_call>\n{"name": "read_telemetry", "arguments": {}\n</tool_call>',  # broken JSON
        '{"name": "read_telemetry", "arguments": {}}',  # a call without its marker
        '<tool_call>\n{"name": "read_telemetry",\n\n\n "arguments": {}}\n</tool_call>',  # free whitespace
    ],
)
def test_broken_calls_are_refused(guide, reply):
    """What a weak model writes when it fails -- unknown tools, values outside an enum, missing or extra arguments,
    dangling references, broken JSON, unmarked calls, runs of newlines -- cannot be produced under the guide."""
    assert not _admits(guide, reply)


def test_keys_are_written_in_sorted_order(guide):
    """Arguments are written with sorted keys, as sixg's corpora write every call (the guide follows a schema's order)."""
    assert _admits(guide, _call("switch_network_slice", {"from_slice": "eMBB", "to_slice": "URLLC"}))
    unsorted = '<tool_call>\n{"name": "switch_network_slice", "arguments": {"to_slice": "URLLC", "from_slice": "eMBB"}}\n</tool_call>'
    assert not _admits(guide, unsorted)


def test_call_schema_names_every_tool_once():
    """The call schema has one alternative per catalog tool, each pinning the tool's name."""
    schema = call_schema(default_catalog().schemas())
    names = [alt["properties"]["name"]["const"] for alt in schema["anyOf"]]
    assert sorted(names) == sorted(default_catalog()) and len(names) == 42


def test_the_processor_leaves_exactly_the_tokens_the_grammar_allows(guide):
    """Masking keeps the grammar's tokens and sets every other logit, model-only rows past the tokenizer's vocabulary
    included, to -inf: only the end of turn may follow a closed call, and a reply cannot end before it starts."""
    import torch

    tok, g = guide
    wide = len(tok) + 40  # models often have more embedding rows than the tokenizer has tokens
    call = tok.encode(_call("read_telemetry", {}), add_special_tokens=False)
    proc = g.processor(default_catalog().schemas(), start=0)
    first = proc(torch.zeros(1, 0, dtype=torch.long), torch.zeros(1, wide))
    assert first[0, g.open_id] == 0.0 and first[0, tok.eos_token_id] == float("-inf") and torch.isinf(first[0, len(tok) :]).all()
    last = proc(torch.tensor([call]), torch.randn(1, wide))
    assert torch.isfinite(last[0]).nonzero().flatten().tolist() == [tok.eos_token_id]


@pytest.mark.llm
def test_guided_sampling_survives_a_generation_config_that_bans_the_grammars_tokens():
    """A model whose generation config forbids ending early (min_new_tokens) or repeating itself (no_repeat_ngram_size)
    can leave no token the grammar allows: guided sampling then still draws one of the grammar's tokens, never NaN."""
    import torch
    from transformers import LogitsProcessorList

    from sixg.agents.llm.hf import load_local_lm

    model, tok = load_local_lm(str(TINY_MODEL_DIR))
    guide = CallGuide(tok)
    tools = default_catalog().schemas()
    inputs = tok.apply_chat_template([{"role": "user", "content": "Read the telemetry."}], tools=tools[:3], add_generation_prompt=True, return_dict=True, return_tensors="pt")
    start = inputs["input_ids"].shape[-1]
    for config in ({"min_new_tokens": 60}, {"no_repeat_ngram_size": 2}):
        torch.manual_seed(0)
        out = model.generate(
            **inputs, max_new_tokens=60, do_sample=True, top_p=0.9, logits_processor=LogitsProcessorList([guide.processor(tools, start=start)]), **config
        )
        reply = [t for t in out[0, start:].tolist() if t != tok.eos_token_id]
        matcher = guide.processor(tools, start=0).matcher
        assert matcher.try_consume_tokens(reply) == len(reply), (config, tok.decode(reply))


def test_guidance_runs_without_a_cpp_compiler(tmp_path):
    """Guided decoding works where no C++ compiler is installed (a slim container): nothing is compiled at run time."""
    script = textwrap.dedent(
        """
        import torch
        from transformers import AutoTokenizer
        from sixg.agents.llm.guide import CallGuide
        from sixg.agents.llm.hf import TINY_MODEL_DIR
        from sixg.tools.catalog import default_catalog

        tok = AutoTokenizer.from_pretrained(TINY_MODEL_DIR)
        scores = CallGuide(tok).processor(default_catalog().schemas(), start=0)(torch.zeros(1, 0, dtype=torch.long), torch.zeros(1, len(tok)))
        print("allowed", int(torch.isfinite(scores).sum()))
        """
    )
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "CXX": str(tmp_path / "no-such-compiler"),
        "CC": str(tmp_path / "no-such-compiler"),
        "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "inductor"),  # nothing compiled earlier to fall back on
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split("allowed")[-1]) > 100


def test_guidance_needs_single_token_call_markers():
    """A tokenizer that splits <tool_call> cannot be guided: a UserError that says to turn guidance off, not a crash."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(TINY_MODEL_DIR)
    tok_split = type("Split", (), {"encode": lambda self, text, add_special_tokens=False: tok.encode(text[:3], add_special_tokens=False) * 2})()
    with pytest.raises(UserError, match="one token"):
        CallGuide(tok_split)


def test_guided_must_be_a_boolean():
    """guided=maybe (a typo on the command line) is refused when the agent is made."""
    with pytest.raises(UserError, match="guided"):
        make_agent("tiny", guided="maybe")


@pytest.mark.llm
def test_a_guided_episode_reaches_the_tools_well_formed():
    """The shipped tiny agent with guidance plays a task whose unguided calls mostly fail to parse: no call it makes
    is malformed JSON or names an unknown tool, and the episode replays identically."""
    task = next(t for t in load_benchmark().tasks if t.id == "bench-059-ma_mission-1")
    env = NetOpsEnv(backend="surrogate")
    try:
        runs = []
        for _ in range(2):
            agent = make_agent("tiny", guided=True)
            ep, traj = play_task(task, agent, env)
            assert ep.error is None and traj is not None
            runs.append([s["call"] for s in traj.steps])
        kinds = [(s["result"]["error"] or {}).get("kind") for s in traj.steps]
        assert len(kinds) >= 5
        assert not {"malformed_arguments", "unknown_tool", "malformed_call"} & set(kinds), kinds
        assert runs[0] == runs[1]
        assert agent.describe()["guided"] is True
    finally:
        env.close()


def test_a_call_the_guide_admits_is_read_well_formed_even_quoting_the_markers(guide):
    """A string argument may spell out "</tool_call>" in ordinary characters (the grammar allows any string); the
    reply is still read as one well-formed call with those arguments, so guidance keeps its promise to the loop."""
    from sixg.agents.llm.reply import parse_reply

    tok, g = guide
    record = {"confidence": 0.5, "decision": "a </tool_call> b", "rationale": "r", "tools_used": []}
    body = json.dumps({"name": "log_decision", "arguments": {"record": record}})
    head, tail = body.split("</tool_call>")
    plain = tok.encode(head, add_special_tokens=False) + tok.encode("</", add_special_tokens=False)
    plain += tok.encode("tool_call>", add_special_tokens=False) + tok.encode(tail, add_special_tokens=False)
    ids = [g.open_id, *tok.encode("\n", add_special_tokens=False), *plain, *tok.encode("\n", add_special_tokens=False), g.close_id]
    matcher = g.processor(default_catalog().schemas(), start=0).matcher
    assert matcher.try_consume_tokens(ids) == len(ids) and matcher.is_accepting()
    calls, _, well_formed = parse_reply(tok.decode(ids, skip_special_tokens=False))
    assert well_formed and calls[0].name == "log_decision" and json.loads(calls[0].arguments) == {"record": record}


def test_with_no_tools_the_guide_allows_only_a_final_answer(guide):
    """An episode offered no tools is guided to a one-line answer, not refused at every turn."""
    tok, g = guide
    matcher = g.processor([], start=0).matcher
    ids = tok.encode("Final Answer: nothing to do.", add_special_tokens=False)
    assert matcher.try_consume_tokens(ids) == len(ids) and matcher.is_accepting()
    matcher = g.processor([], start=0).matcher
    assert matcher.try_consume_tokens([g.open_id]) == 0
