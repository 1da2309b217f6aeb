"""The call boundary: every shape a model emits is read, and every bad call becomes a typed, explained error."""

from __future__ import annotations

import pytest
from toynet import started

from sixg.agents.base import ToolCall as AgentToolCall
from sixg.errors import InvalidArgumentsError, MalformedCallError, ToolRefusedError, UnknownToolError
from sixg.tools import ToolCall, ToolError, coerce_call


@pytest.fixture(scope="module")
def boundary():
    env, _ = started()
    return env.sim.boundary


@pytest.mark.parametrize(
    "raw",
    [
        ToolCall(name="get_battery_level", arguments='{"uav": "uav-0"}'),
        {"name": "get_battery_level", "arguments": {"uav": "uav-0"}},
        {"name": "get_battery_level", "arguments": '{"uav": "uav-0"}'},
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_battery_level", "arguments": '{"uav": "uav-0"}'},
        },
        '{"name": "get_battery_level", "arguments": {"uav": "uav-0"}}',
        AgentToolCall(name="get_battery_level", arguments='{"uav": "uav-0"}', thought="check the battery"),
    ],
)
def test_reads_every_call_shape(boundary, raw):
    """ToolCall, plain and OpenAI-style dicts, their JSON text and agent ToolCalls all bind."""
    bound = boundary.bind(raw)
    assert bound.spec.name == "get_battery_level" and bound.args.uav == "uav-0"


def test_no_arguments_may_be_empty(boundary):
    """A tool without parameters accepts {}, "" or no arguments at all."""
    for raw in (
        {"name": "check_network_state"},
        {"name": "check_network_state", "arguments": ""},
        {"name": "check_network_state", "arguments": None},
    ):
        assert boundary.bind(raw).spec.name == "check_network_state"


@pytest.mark.parametrize("raw", [42, [], "nope", {"arguments": {}}, {"name": 7}, {"function": "x"}])
def test_unreadable_calls_are_malformed(boundary, raw):
    """Something that is not a call at all is a malformed call."""
    with pytest.raises(MalformedCallError) as info:
        boundary.bind(raw)
    assert ToolError.from_error(info.value).kind == "malformed_call"


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ('{"uav": "uav-0"', "not valid JSON"),
        ('{"uav": NaN}', "not a JSON number"),
        ('{"uav": 1e999}', "too large"),
        ('["uav-0"]', "must be a JSON object"),
        ("[" * 5000, "nested too deeply"),
        ({"uav": float("nan")}, "cannot be written as JSON"),
    ],
)
def test_unreadable_arguments_are_malformed(boundary, arguments, fragment):
    """Bad JSON, non-finite numbers and non-objects are malformed arguments, with the reason."""
    with pytest.raises(MalformedCallError, match=fragment) as info:
        boundary.bind({"name": "get_battery_level", "arguments": arguments})
    assert ToolError.from_error(info.value).kind == "malformed_arguments"


def test_unknown_tool(boundary):
    """An unknown name raises UnknownToolError with the closest name."""
    with pytest.raises(UnknownToolError, match="Did you mean 'get_battery_level'"):
        boundary.bind({"name": "get_batery_level", "arguments": "{}"})


def test_types_are_strict(boundary):
    """Numbers as strings and booleans as numbers are refused; integers pass as floats."""
    ok = boundary.bind({"name": "adjust_speed", "arguments": {"uav": "uav-0", "speed": 12}})
    assert ok.args.speed == 12.0
    for bad in ("12", True):
        with pytest.raises(InvalidArgumentsError, match="valid number"):
            boundary.bind({"name": "adjust_speed", "arguments": {"uav": "uav-0", "speed": bad}})


def test_error_lists_every_problem_and_the_signature(boundary):
    """All problems are reported at once, a misspelt argument gets a hint, and the expected signature is shown."""
    with pytest.raises(InvalidArgumentsError) as info:
        boundary.bind({"name": "adjust_speed", "arguments": {"uavv": "uav-0", "speed": 99}})
    error = ToolError.from_error(info.value)
    assert error.kind == "invalid_arguments" and len(error.problems) == 3
    assert "unexpected argument 'uavv' (did you mean 'uav'?)" in error.message
    assert "missing argument 'uav'" in error.message
    assert "argument 'speed': Input should be less than or equal to 40" in error.message
    assert error.message.endswith("Expected adjust_speed(uav: string, speed: number).")


def test_refusal_maps_to_its_kind():
    """A tool's refusal is reported as kind 'refused'."""
    assert ToolError.from_error(ToolRefusedError("no")).kind == "refused"


def test_coerce_keeps_the_call_id():
    """The id of an OpenAI-style call survives, for matching results to calls."""
    call = coerce_call({"id": "call_9", "type": "function", "function": {"name": "heartbeat", "arguments": "{}"}})
    assert call.id == "call_9" and call.name == "heartbeat"
