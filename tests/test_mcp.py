"""The tools over MCP: the SDK's own client talks to ``python -m sixg.mcp`` over stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import jsonschema
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from sixg.mcp import RESET_TOOL, EpisodeSession, annotation_hints
from sixg.sim import Trajectory, replay
from sixg.tools import Effect, default_catalog

ROOT = Path(__file__).resolve().parents[1]


def _server(tmp_path: Path, *extra: str) -> StdioServerParameters:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    args = ["-m", "sixg.mcp", "--trajectories", str(tmp_path), "--seed", "3", "--scenario-seed", "4", "--max-steps", "6", *extra]
    return StdioServerParameters(command=sys.executable, args=args, env=env, cwd=str(tmp_path))


async def _conversation(params: StdioServerParameters) -> dict:
    """List, read, call a good and a malformed tool, reset: everything a client sees."""
    seen: dict = {}
    with anyio.fail_after(120):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            seen["tools"] = (await session.list_tools()).tools
            seen["resources"] = (await session.list_resources()).resources
            seen["intent"] = (await session.read_resource("sixg://episode/intent")).contents[0].text
            seen["prompt"] = (await session.get_prompt("operate_network")).messages[0].content.text
            seen["good"] = await session.call_tool("check_network_state", {})
            seen["malformed"] = await session.call_tool("adjust_altitude", {"uav": "uav-0", "altitude": "high", "extra": 1})
            seen["unknown"] = await session.call_tool("check_netwrok_state", {})
            seen["state"] = json.loads((await session.read_resource("sixg://episode/state")).contents[0].text)
            seen["reset"] = await session.call_tool(RESET_TOOL, {"seed": 9, "scenario_seed": 5})
            seen["bad_reset"] = await session.call_tool(RESET_TOOL, {"scenario_seed": 99})
    return seen


@pytest.fixture(scope="module")
def conversation(tmp_path_factory):
    """One stdio session with the real server process, shared by the tests below."""
    tmp = tmp_path_factory.mktemp("mcp")
    return tmp, anyio.run(_conversation, _server(tmp))


def test_lists_the_catalog_with_its_own_schemas(conversation):
    """The 42 tools come with the catalog's strict schemas and descriptions, plus the reset tool."""
    _, seen = conversation
    tools = {t.name: t for t in seen["tools"]}
    catalog = default_catalog()
    assert set(tools) == set(catalog) | {RESET_TOOL}
    for name, spec in catalog.items():
        assert tools[name].input_schema == spec.schema["function"]["parameters"]
        assert tools[name].input_schema["additionalProperties"] is False
        assert tools[name].description == spec.description
    assert tools[RESET_TOOL].input_schema["additionalProperties"] is False


def test_annotations_follow_the_effect_classes(conversation):
    """Observation tools are read-only, Configuration tools destructive, Reasoning tools read-only unless they act."""
    _, seen = conversation
    tools = {t.name: t for t in seen["tools"]}
    for spec in default_catalog().values():
        hints = tools[spec.name].annotations
        if spec.effect is Effect.OBSERVATION:
            assert hints.read_only_hint is True and hints.destructive_hint is False
        elif spec.effect is Effect.CONFIGURATION:
            assert hints.read_only_hint is False and hints.destructive_hint is True
        else:
            assert hints.read_only_hint is (not spec.acts)
        assert hints.open_world_hint is False


def test_intent_and_briefing_are_served(conversation):
    """The intent resource is the episode's intent; the prompt is what an agent reads at reset."""
    _, seen = conversation
    assert {str(r.uri) for r in seen["resources"]} == {"sixg://episode/intent", "sixg://episode/state"}
    assert seen["intent"] and seen["prompt"].startswith(f"Intent: {seen['intent']}")


def test_good_and_malformed_calls(conversation):
    """A good call returns the typed result; a malformed or unknown one is an error result that says how to fix it."""
    _, seen = conversation
    good = seen["good"]
    assert good.is_error is False
    assert good.structured_content["result"]["tool"] == "check_network_state"
    assert set(good.structured_content["result"]["output"]) >= {"latency_ms", "throughput_mbps"}
    bad = seen["malformed"]
    assert bad.is_error is True
    assert bad.structured_content["result"]["error"]["kind"] == "invalid_arguments"
    assert "altitude" in bad.content[0].text and "extra" in bad.content[0].text
    unknown = seen["unknown"]
    assert unknown.is_error is True and "check_network_state" in unknown.content[0].text
    assert seen["state"]["step"] == 3


def test_calls_land_in_the_trajectory_and_replay(conversation):
    """The episode's trajectory holds every call in order and replays identically through a fresh env."""
    tmp, seen = conversation
    files = sorted(tmp.glob("episode-*.jsonl"))
    assert [f.name for f in files] == ["episode-001-s04-seed3.jsonl", "episode-002-s05-seed9.jsonl"]
    assert seen["state"]["trajectory"] == str(files[0])
    trajectory = Trajectory.load(files[0])
    assert [s["call"]["call"]["name"] for s in trajectory.steps] == ["check_network_state", "adjust_altitude", "check_netwrok_state"]
    assert [s["result"]["ok"] for s in trajectory.steps] == [True, False, False]
    assert trajectory.header["seed"] == 3 and trajectory.header["scenario"]["seed"] == 4
    assert replay(trajectory).identical


def test_reset_starts_a_new_episode_and_checks_its_arguments(conversation):
    """reset_episode starts the episode it names; out-of-range arguments are an error result, not a crash."""
    _, seen = conversation
    assert seen["reset"].is_error is False
    assert seen["reset"].structured_content["scenario"].startswith("seed 5")
    assert seen["bad_reset"].is_error is True and "scenario_seed" in seen["bad_reset"].content[0].text


def test_a_finished_episode_asks_for_a_reset(tmp_path):
    """Calls after the step budget is spent are refused with a pointer to reset_episode."""
    session = EpisodeSession(trajectory_dir=tmp_path)
    session.first = session.first.model_copy(update={"max_steps": 1})
    session.start()
    try:
        out = session.call("check_network_state", {})
        assert out.truncated
        with pytest.raises(Exception, match="reset"):
            session.call("check_network_state", {})
        assert session.status()["truncated"] is True
    finally:
        session.close()


def test_arguments_that_are_not_an_object_are_an_error_result(tmp_path):
    """A list or a number as a call's arguments is refused by the boundary, not sent as an empty call."""
    session = EpisodeSession(trajectory_dir=tmp_path)
    session.start()
    try:
        for arguments in ([1, 2], 5):
            result = session.call("check_network_state", arguments).info["result"]
            assert not result.ok and result.error.kind == "malformed_arguments"
        assert session.call("check_network_state", {}).info["result"].ok
    finally:
        session.close()


def test_reasoning_hints_depend_on_acting():
    """A Reasoning tool that acts on the network is not marked read-only."""
    catalog = default_catalog()
    acting = [s for s in catalog.by_effect(Effect.REASONING) if s.acts]
    pure = [s for s in catalog.by_effect(Effect.REASONING) if not s.acts]
    assert acting and pure
    assert all(not annotation_hints(s)["read_only_hint"] for s in acting)
    assert all(annotation_hints(s)["read_only_hint"] and annotation_hints(s)["idempotent_hint"] for s in pure)


def test_command_line_refuses_bad_arguments_before_serving(capsys):
    """An unknown backend or a seed outside its split is one error line and status 2, not a protocol failure."""
    from sixg.mcp.__main__ import main

    assert main(["--backend", "surogate"]) == 2
    assert "Did you mean 'surrogate'" in capsys.readouterr().err
    assert main(["--scenario-seed", "60", "--split", "train"]) == 2
    assert "60" in capsys.readouterr().err


def test_streamable_http_on_loopback(tmp_path):
    """With --http the same server answers over streamable HTTP on 127.0.0.1, and the call lands in the trajectory."""
    import socket
    import subprocess
    import time

    from mcp.client.streamable_http import streamable_http_client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    params = _server(tmp_path, "--http", "--port", str(port))
    server = subprocess.Popen([params.command, *params.args], env=params.env, cwd=params.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read() if server.poll() is not None else "no server"
                time.sleep(0.2)

        async def talk():
            with anyio.fail_after(60):
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams, ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    return len((await session.list_tools()).tools), await session.call_tool("read_telemetry", {})

        count, result = anyio.run(talk)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert count == len(default_catalog()) + 1
    assert result.is_error is False
    (path,) = tmp_path.glob("episode-*.jsonl")
    assert [s["result"]["tool"] for s in Trajectory.load(path).steps] == ["read_telemetry"]


def test_a_backend_that_cannot_start_is_one_error_line(monkeypatch, capsys):
    """If the first episode cannot start (e.g. ns-3 fails), the command says so and exits 2 before serving."""
    from sixg.errors import SimulationError
    from sixg.mcp.__main__ import main

    def fail(self):
        raise SimulationError("ns-3 would not start")

    monkeypatch.setattr(EpisodeSession, "start", fail)
    assert main(["--backend", "ns3"]) == 2
    assert "error: ns-3 would not start" in capsys.readouterr().err


def test_the_reset_schema_says_what_its_validator_does():
    """Every reset argument may be left out, and the schema states the default the validator then uses."""
    from sixg.mcp.session import ResetArguments, reset_schema

    schema = reset_schema()
    assert schema["required"] == []
    defaults = ResetArguments().model_dump(mode="json")
    assert {name: prop["default"] for name, prop in schema["properties"].items()} == defaults
    jsonschema.validate({}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"scenario_seed": 99}, schema)
