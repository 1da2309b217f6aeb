"""Every tool: a valid call succeeds; the same call with one thing wrong is rejected, clearly."""

from __future__ import annotations

import copy
import json
import typing

import jsonschema
import pytest
from pydantic import BaseModel
from toynet import SEED, started, valid_arguments

from sixg.errors import ModelBehaviorError
from sixg.tools import default_catalog

CATALOG = default_catalog()


def _set(path: str, value):
    """A mutation that sets ``path`` (dots and [i]) in a copy of the arguments."""

    def mutate(args: dict) -> dict:
        args = copy.deepcopy(args)
        keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
        target = args
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
        return args

    return mutate


def _drop(path: str):
    def mutate(args: dict) -> dict:
        args = copy.deepcopy(args)
        keys = path.split(".")
        target = args
        for k in keys[:-1]:
            target = target[k]
        del target[keys[-1]]
        return args

    return mutate


# tool -> (mutation, error kind, what the message must say)
WRONG = {
    "read_telemetry": (_set("verbose", True), "invalid_arguments", "unexpected argument 'verbose'"),
    "check_network_state": (_set("slice", "eMBB"), "invalid_arguments", "unexpected argument 'slice'"),
    "get_signal_strength": (_set("position.x", 5000.0), "invalid_arguments", "outside the operating area"),
    "scan_available_gnbs": (_set("position.w", 4.0), "invalid_arguments", "unexpected argument 'position.w'"),
    "get_edge_load": (lambda a: "[]", "malformed_arguments", "must be a JSON object"),
    "get_slice_status": (_set("slice", "urllc"), "invalid_arguments", "Input should be 'eMBB', 'URLLC' or 'mMTC'"),
    "read_uav_position": (_set("uav", "uav-9"), "invalid_arguments", "no UAV 'uav-9' in this scenario"),
    "get_battery_level": (_set("uav", 0), "invalid_arguments", "argument 'uav': Input should be a valid string"),
    "predict_sla_violation": (
        _set("state.loss_rate", 1.5),
        "invalid_arguments",
        "argument 'state.loss_rate': Input should be less than or equal to 1",
    ),
    "check_handover_status": (_set("ue", "ue-99"), "invalid_arguments", "no UE 'ue-99'"),
    "get_traffic_pattern": (_drop("slice"), "invalid_arguments", "missing argument 'slice'"),
    "monitor_interference": (
        _set("position.x", "100"),
        "invalid_arguments",
        "argument 'position.x': Input should be a valid number",
    ),
    "check_link_quality": (_set("gnb", "gnb-7"), "invalid_arguments", "no base station 'gnb-7'"),
    "select_recovery_strategy": (_set("risk.level", "severe"), "invalid_arguments", "argument 'risk.level'"),
    "get_available_slices": (_drop("position.y"), "invalid_arguments", "missing argument 'position.y'"),
    "check_migration_feasibility": (_set("uav", "ue-0"), "invalid_arguments", "should match pattern"),
    "activate_sensor": (_set("sensor", "sonar"), "invalid_arguments", "argument 'sensor'"),
    "risk_assessment": (_drop("telemetry.sla"), "invalid_arguments", "missing argument 'telemetry.sla'"),
    "evaluate_intent_feasibility": (
        _set("intent.priority", "urgent"),
        "invalid_arguments",
        "argument 'intent.priority'",
    ),
    "check_geofence": (
        _set("fence.vertices", [{"x": 0, "y": 0}, {"x": 1, "y": 1}]),
        "invalid_arguments",
        "at least 3 items",
    ),
    "path_planning": (_set("goal.y", -9000.0), "invalid_arguments", "outside the operating area"),
    "compute_energy_budget": (_set("route.speed_mps", 100.0), "invalid_arguments", "less than or equal to 40"),
    "select_offload_target": (_set("edge.utilisation", -0.1), "invalid_arguments", "argument 'edge.utilisation'"),
    "negotiate_priority": (_set("second", "uav-5"), "invalid_arguments", "no UAV 'uav-5'"),
    "set_waypoint": (_set("position.z", 1.5), "invalid_arguments", "z between 10.0 and 300.0 m"),
    "adjust_altitude": (_set("altitude", 500.0), "invalid_arguments", "less than or equal to 300"),
    "adjust_speed": (_set("speed", 0.0), "invalid_arguments", "greater than or equal to 1"),
    "collision_avoidance": (
        _set("swarm.min_separation_m", 0.0),
        "invalid_arguments",
        "argument 'swarm.min_separation_m'",
    ),
    "swarm_formation": (_set("spec.formation", "diamond"), "invalid_arguments", "argument 'spec.formation'"),
    "assign_task": (_set("task.name", "bad name!"), "invalid_arguments", "argument 'task.name'"),
    "send_alert": (_set("alert", "fire"), "invalid_arguments", "argument 'alert'"),
    "request_handover": (_set("gnb", "gnb-7"), "invalid_arguments", "no base station 'gnb-7'"),
    "log_decision": (
        _set("record.tools_used", ["check_netwrk_state"]),
        "invalid_arguments",
        "Did you mean 'check_network_state'?",
    ),
    "update_mission_plan": (_set("mission.uavs", []), "invalid_arguments", "at least 1 item"),
    "broadcast_status": (_set("message.text", "x" * 300), "invalid_arguments", "at most 280 characters"),
    "heartbeat": (_set("extra", 1), "invalid_arguments", "unexpected argument 'extra'"),
    "verify_sla_compliance": (_set("sla.max_latency_ms", -5.0), "invalid_arguments", "greater than 0"),
    "validate_mission_completion": (_set("log.since_s", -1.0), "invalid_arguments", "argument 'log.since_s'"),
    "switch_network_slice": (_set("to_slice", "6G"), "invalid_arguments", "argument 'to_slice'"),
    "graceful_degradation": (_set("spec.fraction", 1.5), "invalid_arguments", "argument 'spec.fraction'"),
    "edge_offload": (_set("target.host", "fog"), "invalid_arguments", "argument 'target.host'"),
    "trigger_slice_reallocation": (_set("resources.share", 0.95), "invalid_arguments", "less than or equal to 0.9"),
}


#: Mistakes only the boundary can catch: ids and areas depend on the scenario, and string lengths
#: are not strict-mode keywords (the schema states them in words).
CHECKED_ONLY_AT_THE_BOUNDARY = {
    "get_signal_strength", "read_uav_position", "check_handover_status", "check_link_quality", "path_planning",
    "negotiate_priority", "set_waypoint", "request_handover", "log_decision", "broadcast_status",
}  # fmt: skip


def test_every_tool_has_an_example_and_a_wrong_variant():
    """The examples below cover the whole catalog."""
    _env, world = started()
    assert set(valid_arguments(world)) == set(CATALOG) == set(WRONG)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_valid_call_succeeds(name):
    """A valid call returns the declared output type, and its arguments satisfy the published schema."""
    env, world = started()
    args = valid_arguments(world)[name]
    jsonschema.validate(args, CATALOG[name].schema["function"]["parameters"])
    out = env.step({"name": name, "arguments": json.dumps(args)})
    assert out.result.ok, out.observation
    assert isinstance(out.result.output, CATALOG[name].output)
    assert out.reward == 0.0 or name in ("verify_sla_compliance", "validate_mission_completion")
    assert name in out.observation and "error" not in out.observation.split("->")[1][:8]


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_call_with_one_thing_wrong_is_rejected(name):
    """The same call with one field wrong comes back as a typed error naming the problem, and costs a step."""
    env, world = started()
    mutate, kind, fragment = WRONG[name]
    bad = mutate(valid_arguments(world)[name])
    applied_before = list(env.sim.backend.applied)
    log_before = list(world.log)
    out = env.step({"name": name, "arguments": bad if isinstance(bad, str) else json.dumps(bad)})
    assert not out.result.ok
    assert out.result.error.kind == kind
    assert fragment in out.result.error.message, out.result.error.message
    assert fragment in out.observation
    assert out.info["step"] == 1 and not out.terminated
    assert out.reward < 0  # a call that does not bind is penalised
    assert env.sim.backend.applied == applied_before and world.log == log_before
    if isinstance(bad, dict) and name not in CHECKED_ONLY_AT_THE_BOUNDARY:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, CATALOG[name].schema["function"]["parameters"])


def test_unknown_tool_gets_did_you_mean():
    """An unknown tool name is answered with the closest real one."""
    env, _ = started(SEED)
    out = env.step({"name": "check_netwrk_state", "arguments": "{}"})
    assert out.result.error.kind == "unknown_tool"
    assert "Did you mean 'check_network_state'?" in out.observation


def _edits(args, path=()):
    """Every single edit of ``args``: each key dropped, and each value replaced by null, a string, a number or a list."""
    if isinstance(args, dict):
        for key, value in args.items():
            yield f"drop {'.'.join(map(str, path + (key,)))}", path + (key,), _DROP
            yield from _edits(value, path + (key,))
        yield "add key", path + ("stray",), 1.0
    elif isinstance(args, list):
        for i, value in enumerate(args):
            yield from _edits(value, path + (i,))
    for replacement in (None, "text", 3.0, 7, True, []):
        if path and replacement != args:
            yield f"set {'.'.join(map(str, path))} = {replacement!r}", path, replacement


_DROP = object()


def _edited(args, path, value):
    args = copy.deepcopy(args)
    target = args
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return args


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_the_boundary_accepts_nothing_the_published_schema_forbids(name):
    """For every single edit of a valid call, a schema rejection is also a boundary rejection (e.g. a dropped z)."""
    env, world = started()
    boundary = env.sim.boundary
    schema = CATALOG[name].schema["function"]["parameters"]
    validator = jsonschema.Draft202012Validator(schema)
    args = valid_arguments(world)[name]
    checked = 0
    for edit, path, value in _edits(args):
        bad = _edited(args, path, value)
        if validator.is_valid(bad):
            continue
        with pytest.raises(ModelBehaviorError) as info:
            boundary.bind({"name": name, "arguments": bad})
        if value is _DROP:
            assert "missing argument" in str(info.value), f"{edit}: {info.value}"
        checked += 1
    assert checked > 0


def test_no_argument_of_any_tool_has_a_default():
    """Every field of every tool's arguments, at any depth, is required by the validator, as by the strict schema."""

    def models(tp, seen):
        if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
            seen.add(tp)
            for f in tp.model_fields.values():
                models(f.annotation, seen)
        for arg in typing.get_args(tp):
            models(arg, seen)
        return seen

    defaulted = [
        f"{model.__name__}.{field}"
        for spec in CATALOG.values()
        for model in models(spec.arguments, set())
        for field, info in model.model_fields.items()
        if not info.is_required()
    ]
    assert defaulted == []
