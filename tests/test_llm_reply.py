"""Reading a model's reply never raises, whatever the model wrote."""

from __future__ import annotations

import json

import pytest

from sixg.agents import Observation
from sixg.agents.llm import ModelReply, ReActAgent, parse_reply

DEGENERATE = {
    "unclosed brackets": "[" * 5000,
    "unclosed braces": "{" * 5000,
    "brackets in a call block": "<tool_call>" + "[" * 5000,
    "a huge unclosed reply": "[" * 100_000,
    "arguments nested 3,000 deep": '<tool_call>{"name": "check_network_state", "arguments": ' + "[" * 3000 + "]" * 3000 + "}</tool_call>",
    "a list of lists": "[" * 900 + "]" * 900,
}


@pytest.mark.parametrize("text", DEGENERATE.values(), ids=DEGENERATE.keys())
def test_degenerate_replies_are_read_without_raising(text):
    """Thousands of brackets or arguments nested past the decoder's depth give no well-formed call, never an exception."""
    calls, _thought, well_formed = parse_reply(text)
    assert not well_formed
    assert all(isinstance(c.arguments, str) for c in calls)


class _Says(ReActAgent):
    """A ReAct agent whose model always replies with the same text."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def _complete(self, messages, tools, *, seed, turn):
        return ModelReply(text=self.text)


@pytest.mark.parametrize("text", DEGENERATE.values(), ids=DEGENERATE.keys())
def test_the_react_loop_turns_a_degenerate_reply_into_a_failed_step(text):
    """The agent hands such a reply on as a call the boundary will reject, keeping the text in its history."""
    agent = _Says(text)
    agent.reset(intent="keep latency under 20 ms", tools=[])
    call = agent.act(Observation(text="Operator intent: keep latency under 20 ms", step=0, t=0.0))
    assert call is not None and call.id is None
    assert agent.messages[-1] == {"role": "assistant", "content": text}


def test_a_readable_call_is_still_found_after_broken_json():
    """A call after a few broken openings is still read (the work limit leaves ordinary replies alone)."""
    text = "I think {this is not json, and [neither is this. " + json.dumps({"name": "check_network_state", "arguments": {}})
    calls, thought, well_formed = parse_reply(text)
    assert well_formed and calls[0].name == "check_network_state" and json.loads(calls[0].arguments) == {}
    assert thought.startswith("I think")


def test_a_closing_marker_inside_a_string_argument_does_not_cut_the_call():
    """A call whose string argument contains "</tool_call>" (a decision log quoting a call) is read whole and well
    formed, the reasoning before it kept, and a second block after it still found."""
    record = {"confidence": 0.5, "decision": "undo <tool_call>x</tool_call>", "rationale": "r", "tools_used": []}
    first = json.dumps({"name": "log_decision", "arguments": {"record": record}})
    text = f"Log it.\n<tool_call>\n{first}\n</tool_call>\n<tool_call>\n" + json.dumps({"name": "read_telemetry", "arguments": {}}) + "\n</tool_call>"
    calls, thought, well_formed = parse_reply(text)
    assert well_formed and [c.name for c in calls] == ["log_decision", "read_telemetry"]
    assert json.loads(calls[0].arguments) == {"record": record}
    assert thought == "Log it."


def test_many_unterminated_call_blocks_are_read_without_raising():
    """Thousands of blocks each opening an unterminated string give no well-formed call, and the work stays bounded."""
    calls, _thought, well_formed = parse_reply('<tool_call>{"name": "' * 3000)
    assert not well_formed and calls
