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


def _deep_list(depth: int):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "set_waypoint", "arguments": {"uav": "uav-1", "position": _deep_list(3000)}},
        {"name": "set_waypoint", "arguments": {"uav": "uav-1", "position": _deep_list(40)}},
        {"name": "set_waypoint", "arguments": '{"uav": "uav-1", "position": ' + "[" * 40 + "]" * 40 + "}"},
    ],
)
def test_deeply_nested_arguments_are_malformed_not_a_crash(boundary, raw):
    """Arguments nested thousands deep (as data or text) are a malformed call, not a RecursionError."""
    with pytest.raises(MalformedCallError, match="nested too deeply") as info:
        boundary.bind(raw)
    assert ToolError.from_error(info.value).kind == "malformed_arguments"


def test_a_deeply_nested_call_through_the_loop_is_an_error_result():
    """env.step with 3,000-deep arguments returns an error observation and records the step."""
    env, _ = started()
    out = env.step({"name": "set_waypoint", "arguments": {"uav": "uav-1", "position": _deep_list(3000)}})
    assert not out.result.ok and out.result.error.kind == "malformed_arguments"
    assert "nested too deeply" in out.observation and len(env.trajectory.steps) == 1


@pytest.mark.parametrize(
    "arguments, key",
    [
        ('{"uav": "uav-0", "uav": "uav-1", "position": {"x": 50, "y": -50, "z": 80}}', "uav"),
        ('{"uav": "uav-1", "position": {"x": 50, "y": -50, "z": 80, "z": 20}}', "z"),
        ('{"uav": "uav-1", "uav": "uav-1", "position": {"x": 50, "y": -50, "z": 80}}', "uav"),
    ],
)
def test_duplicate_keys_are_refused(boundary, arguments, key):
    """A key written twice (even with the same value, even nested) is refused, never resolved last-wins."""
    with pytest.raises(MalformedCallError, match=f"duplicate argument '{key}'"):
        boundary.bind({"name": "set_waypoint", "arguments": arguments})


def test_duplicate_keys_in_the_call_itself_are_refused(boundary):
    """A whole call given as JSON text with a repeated field is a malformed call."""
    with pytest.raises(MalformedCallError, match="duplicate argument 'name'") as info:
        boundary.bind('{"name": "heartbeat", "name": "read_telemetry", "arguments": {}}')
    assert ToolError.from_error(info.value).kind == "malformed_call"


def test_a_duplicate_key_leaves_the_network_alone():
    """The rejected duplicate-key call applies nothing (before: the last value won and the UAV flew)."""
    env, world = started()
    plans = {u: p.waypoints for u, p in world.plans.items()}
    out = env.step(
        {
            "name": "set_waypoint",
            "arguments": '{"uav": "uav-0", "uav": "uav-1", "position": {"x": 50, "y": -50, "z": 80}}',
        }
    )
    assert not out.result.ok and "duplicate argument 'uav'" in out.observation
    assert {u: p.waypoints for u, p in world.plans.items()} == plans and env.sim.backend.applied == []


def test_a_position_without_z_is_refused_as_the_schema_says(boundary):
    """z is required by the published schema, so a position without it is a missing argument, not 1.5 m."""
    schema = boundary.catalog["set_waypoint"].schema["function"]["parameters"]["properties"]["position"]
    assert "z" in schema["required"]
    with pytest.raises(InvalidArgumentsError, match="missing argument 'position.z'") as info:
        boundary.bind({"name": "set_waypoint", "arguments": {"uav": "uav-1", "position": {"x": 50, "y": -50}}})
    assert "1.5" not in str(info.value)


@pytest.mark.parametrize("name", ["x" * 6_000_000, "\u00e9\u4e2d\x00\x1b[31m", "get_batery_level\n" * 100])
def test_unknown_tool_names_are_echoed_short_and_printable(name):
    """A huge or odd tool name comes back cut to a few dozen printable characters, in the message and the result."""
    env, _ = started()
    out = env.step({"name": name, "arguments": "{}"})
    assert out.result.error.kind == "unknown_tool"
    assert len(out.observation) < 400 and env.observation_space.contains(out.observation)
    assert len(out.result.tool) < 100 and out.result.tool.isascii() and out.result.tool.isprintable()


def test_stray_keys_are_listed_up_to_a_limit(boundary):
    """Thousands of unknown, huge keys give a bounded message that says how many more there were."""
    arguments = {"uav": "uav-0", **{f"{i}" + "k" * 10_000: i for i in range(5000)}}
    with pytest.raises(InvalidArgumentsError) as info:
        boundary.bind({"name": "get_battery_level", "arguments": arguments})
    error = ToolError.from_error(info.value)
    assert "5000 problem(s)" in error.message and "and 4990 more" in error.message
    assert len(error.message) < 2_000 and len(error.problems) == 10


def test_error_messages_are_capped_and_printable():
    """Whatever a tool's refusal says, the agent reads at most 2,000 printable characters of it."""
    error = ToolError.from_error(ToolRefusedError("\u00e9" * 50_000))
    assert len(error.message) < 2_100 and error.message.isascii() and error.message.isprintable()
    assert error.message.endswith("(cut at 2000 characters)")


def test_a_huge_id_is_echoed_short_with_the_ids_that_exist(boundary):
    """An id that fits the pattern but runs to 100,000 digits is named briefly, and the real ids still shown."""
    with pytest.raises(InvalidArgumentsError) as info:
        boundary.bind({"name": "get_battery_level", "arguments": {"uav": "uav-" + "9" * 100_000}})
    message = ToolError.from_error(info.value).message
    assert len(message) < 400 and "(+99944 more characters)" in message
    assert "it has uav-0, uav-1. Expected get_battery_level(uav: string)." in message


def test_echo_quotes_short_printable_ascii():
    """errors.echo keeps plain names as repr would, escapes anything else, and counts what it cut."""
    from sixg.errors import echo

    assert echo("set_waypoint") == "'set_waypoint'"
    assert echo("\u00e9\x00'") == "'\\xe9\\x00\\''"
    assert echo("x" * 100) == "'" + "x" * 60 + "' (+40 more characters)"
    assert echo("\u4e2d" * 100) == "'" + "\\u4e2d" * 10 + "' (+90 more characters)"  # escapes count against the limit
