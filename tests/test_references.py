"""References to earlier results in a model's tool calls: the history keeps them, the environment gets them filled."""

from __future__ import annotations

import json

import pytest

from sixg.agents.llm import ModelReply
from sixg.agents.llm.react import SYSTEM_PROMPT
from sixg.agents.base import ToolCall
from sixg.sim.env import NetOpsEnv
from sixg.sim.runner import run_episode
from sixg.tools.references import REFERENCE_RULE, Recall
from tinyllm import Scripted


@pytest.fixture(scope="module")
def env():
    e = NetOpsEnv(backend="surrogate")
    yield e
    e.close()


def _call(name: str, args: dict) -> ModelReply:
    return ModelReply(text=f"Calling {name}.", tool_calls=(ToolCall(name=name, arguments=args, id=None),))


JOB = {"name": "svc", "kind": "compute", "target": None, "compute_jobs_s": 50.0, "max_latency_ms": None, "priority": "normal"}


def test_a_model_may_refer_to_an_earlier_output_and_to_the_state(env):
    """The environment receives the referenced output and state as values; the chat history keeps the references."""
    agent = Scripted([
        _call("get_edge_load", {}),
        _call("select_offload_target", {"edge": {"$": "out", "tool": "get_edge_load"}, "task": JOB}),
        _call("predict_sla_violation", {"state": {"$": "state"}}),
        "Final Answer: done.",
    ])
    res = run_episode(env, agent, seed=3, options={"intent": "Check where the service's jobs should run.", "max_steps": 6})
    steps = res.trajectory.steps
    assert [s["result"]["error"] for s in steps] == [None, None, None]
    edge_out = steps[0]["result"]["output"]
    sent = json.loads(steps[1]["call"]["call"]["arguments"])
    assert sent["edge"] == edge_out and sent["task"] == JOB
    state_sent = json.loads(steps[2]["call"]["call"]["arguments"])["state"]
    assert set(state_sent) >= {"slice", "latency_ms", "loss_rate"}
    written = [m["tool_calls"][0]["function"]["arguments"] for m in agent.messages if m.get("tool_calls")]
    assert json.loads(written[1])["edge"] == {"$": "out", "tool": "get_edge_load"}
    assert json.loads(written[2]) == {"state": {"$": "state"}}
    assert REFERENCE_RULE in SYSTEM_PROMPT


def test_a_reference_to_nothing_seen_is_a_typed_error_the_model_reads(env):
    """A reference to a tool not called yet reaches the boundary as written and comes back as a typed argument error."""
    agent = Scripted([_call("select_offload_target", {"edge": {"$": "out", "tool": "get_edge_load"}, "task": JOB}), "Final Answer: stop."])
    res = run_episode(env, agent, seed=3, options={"intent": "Pick an offload target.", "max_steps": 4})
    err = res.trajectory.steps[0]["result"]["error"]
    assert err is not None and err["kind"] == "invalid_arguments"
    assert len(agent.messages) >= 4  # the error was read and the episode went on to the final answer


def test_recall_leaves_what_it_cannot_fill_as_written():
    """Text that is not a JSON object, an object with a malformed reference, and literal values pass through unchanged."""
    r = Recall()
    assert r.fill("not json") == "not json"
    assert r.fill("[1, 2]") == "[1, 2]"
    assert json.loads(r.fill('{"state": {"$": "statee"}}')) == {"state": {"$": "statee"}}
    assert json.loads(r.fill('{"state": {"$": "state"}, "x": 1}')) == {"state": {"$": "state"}, "x": 1}  # no state seen yet
    r.observe(tool="get_edge_load", output={"utilisation": 0.5}, error=None, state=None)
    r.observe(tool="get_edge_load", output={"utilisation": 0.9}, error="failed", state=None)  # a failed call keeps the last output
    assert json.loads(r.fill('{"edge": {"$": "out", "tool": "get_edge_load"}}')) == {"edge": {"utilisation": 0.5}}


def test_recall_reads_arguments_as_the_boundary_does():
    """Arguments the boundary would refuse (nested past its limit, a duplicate key, a non-finite number) are
    left as written even when they hold a reference, so filling never hides a malformed call or crashes."""
    r = Recall()
    r.observe(tool="get_edge_load", output={"utilisation": 0.5}, error=None, state=None)
    ref = '{"$": "out", "tool": "get_edge_load"}'
    deep = '{"edge": ' + ref + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert r.fill(deep) == deep
    dup = '{"edge": 1, "edge": ' + ref + "}"
    assert r.fill(dup) == dup
    inf = '{"edge": ' + ref + ', "x": 1e999}'
    assert r.fill(inf) == inf
    huge = '{"edge": ' + ref + ', "note": "' + "x" * 1_000_000 + '"}'
    assert json.loads(r.fill(huge)) == {"edge": {"utilisation": 0.5}, "note": "x" * 1_000_000}


def test_a_malformed_call_with_a_reference_is_still_refused_by_the_boundary(env):
    """A model's call that repeats an argument, one copy a reference, reaches the boundary as written and is refused as malformed."""
    dup = '{"edge": {"$": "out", "tool": "get_edge_load"}, "edge": {"$": "out", "tool": "get_edge_load"}, "task": ' + json.dumps(JOB) + "}"
    agent = Scripted([_call("get_edge_load", {}), ModelReply(text="Pick.", tool_calls=(ToolCall(name="select_offload_target", arguments=dup, id=None),)), "Final Answer: stop."])
    res = run_episode(env, agent, seed=3, options={"intent": "Pick an offload target.", "max_steps": 4})
    err = res.trajectory.steps[1]["result"]["error"]
    assert err is not None and err["kind"] == "malformed_arguments" and "duplicate argument" in err["message"]
