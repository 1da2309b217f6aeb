"""The tool catalog: Table IV's 42 tools, their effect classes, and strict function-calling schemas."""

from __future__ import annotations

import json
from collections.abc import Generator

import jsonschema
import pytest
from pydantic import BaseModel

from sixg.errors import UserError
from sixg.tools import Effect, ToolContext, default_catalog, strict_schema_problems, tool
from sixg.tools.__main__ import main as tools_cli
from sixg.tools.schema import parse_docstring, strict_json_schema

# Paper, Appendix A, Table IV (abbreviated names written out).
TABLE_IV = {
    Effect.OBSERVATION: [
        "read_telemetry", "check_network_state", "get_signal_strength", "scan_available_gnbs", "get_edge_load",
        "get_slice_status", "read_uav_position", "get_battery_level", "predict_sla_violation", "check_handover_status",
        "get_traffic_pattern", "monitor_interference", "check_link_quality", "select_recovery_strategy",
        "get_available_slices", "check_migration_feasibility",
    ],
    Effect.REASONING: [
        "activate_sensor", "risk_assessment", "evaluate_intent_feasibility", "check_geofence", "path_planning",
        "compute_energy_budget", "select_offload_target", "negotiate_priority", "set_waypoint", "adjust_altitude",
        "adjust_speed", "collision_avoidance", "swarm_formation", "assign_task", "send_alert", "request_handover",
        "log_decision", "update_mission_plan", "broadcast_status", "heartbeat", "verify_sla_compliance",
        "validate_mission_completion",
    ],
    Effect.CONFIGURATION: ["switch_network_slice", "graceful_degradation", "edge_offload", "trigger_slice_reallocation"],
}  # fmt: skip

# Table IV's output type of each tool.
OUTPUTS = {
    "read_telemetry": "TelemetryState", "check_network_state": "NetworkState", "get_signal_strength": "SignalStrength",
    "scan_available_gnbs": "GnbList", "get_edge_load": "EdgeLoad", "get_slice_status": "SliceStatus",
    "read_uav_position": "Position", "get_battery_level": "BatteryLevel", "predict_sla_violation": "SLAPrediction",
    "check_handover_status": "HandoverStatus", "get_traffic_pattern": "TrafficPattern", "monitor_interference": "InterferenceLevel",
    "check_link_quality": "LinkQuality", "select_recovery_strategy": "RecoveryStrategy", "get_available_slices": "SliceList",
    "check_migration_feasibility": "FeasibilityScore", "activate_sensor": "SensorHandle", "risk_assessment": "RiskScore",
    "evaluate_intent_feasibility": "FeasibilityScore", "check_geofence": "GeofenceResult", "path_planning": "Waypoints",
    "compute_energy_budget": "EnergyPlan", "select_offload_target": "OffloadTarget", "negotiate_priority": "PriorityResult",
    "set_waypoint": "WaypointAck", "adjust_altitude": "AltitudeAck", "adjust_speed": "SpeedAck", "collision_avoidance": "AvoidanceCmd",
    "swarm_formation": "FormationCmd", "assign_task": "TaskAck", "send_alert": "AlertAck", "request_handover": "HandoverCmd",
    "log_decision": "LogAck", "update_mission_plan": "MissionPlan", "broadcast_status": "BroadcastAck", "heartbeat": "HeartbeatAck",
    "verify_sla_compliance": "ComplianceResult", "validate_mission_completion": "ValidationResult",
    "switch_network_slice": "NetworkState", "graceful_degradation": "NetworkState", "edge_offload": "OffloadResult",
    "trigger_slice_reallocation": "NetworkState",
}  # fmt: skip

CATALOG = default_catalog()


def test_catalog_is_table_iv():
    """Exactly the 42 names of Table IV, each in the effect class the table gives it (16/22/4)."""
    assert len(CATALOG) == 42
    for effect, names in TABLE_IV.items():
        assert sorted(t.name for t in CATALOG.by_effect(effect)) == sorted(names)
    assert {e: n for e, n in CATALOG.counts().items()} == {
        Effect.OBSERVATION: 16,
        Effect.REASONING: 22,
        Effect.CONFIGURATION: 4,
    }


def test_outputs_are_table_iv_types():
    """Every tool returns the type Table IV names for it."""
    assert {name: t.output.__name__ for name, t in CATALOG.items()} == OUTPUTS


def test_acting_tools_are_the_configuration_tools_and_uav_commands():
    """Only the 4 Configuration tools and the 4 UAV/handover commands make the backend act."""
    acting = {t.name for t in CATALOG.values() if t.acts}
    assert acting == set(TABLE_IV[Effect.CONFIGURATION]) | {
        "set_waypoint",
        "adjust_altitude",
        "adjust_speed",
        "request_handover",
    }
    for t in CATALOG.values():
        assert (t.latency_s is None) == t.acts
        if t.acts and t.effect is Effect.REASONING:
            assert "network simulation" in t.description  # the docstring says the command is real


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_schema_is_strict_openai_function(name):
    """Each schema is a valid JSON Schema in OpenAI's strict function format, closed at every level."""
    schema = CATALOG[name].schema
    assert schema["type"] == "function" and schema["function"]["strict"] is True
    assert schema["function"]["name"] == name and schema["function"]["description"]
    params = schema["function"]["parameters"]
    jsonschema.Draft202012Validator.check_schema(params)
    assert strict_schema_problems(params) == []
    assert set(params["properties"]) == set(CATALOG[name].parameters)
    for prop in params["properties"].values():
        assert prop.get("description"), f"{name}: every parameter is described for the model"


def test_strict_checker_catches_open_objects_and_optional_fields():
    """The strict-rules checker rejects what OpenAI's strict mode rejects."""
    open_object = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert any("additionalProperties" in p for p in strict_schema_problems(open_object))
    optional = {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": [],
        "additionalProperties": False,
    }
    assert any("required" in p for p in strict_schema_problems(optional))
    with_default = {
        "type": "object",
        "properties": {"a": {"type": "string", "default": "x"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert any("default" in p for p in strict_schema_problems(with_default))


def test_optional_fields_become_nullable_and_required():
    """A field that may be absent is listed as required and accepts null, as strict mode wants."""
    props = CATALOG["evaluate_intent_feasibility"].schema["function"]["parameters"]["properties"]["intent"]
    assert "sla" in props["required"]
    assert {"type": "null"} in props["properties"]["sla"]["anyOf"]
    assert "title" not in json.dumps(props) and "$ref" not in json.dumps(props)


def test_string_length_limits_move_into_the_description():
    """Length limits strict mode cannot express are still told to the model and still enforced."""
    schema = strict_json_schema(
        {"type": "object", "properties": {"s": {"type": "string", "maxLength": 5, "description": "A name."}}}
    )
    assert schema["properties"]["s"] == {"type": "string", "description": "A name. At most 5 characters."}


def test_docstring_parsing():
    """Summary and body become the description; Args entries the parameter texts (joined across lines)."""
    doc = parse_docstring(
        """Do a thing
        across two lines.

        More detail.

        Args:
            a: The first
                argument.
            b: The second.

        Returns:
            Something.
        """
    )
    assert doc.description == "Do a thing across two lines.\n\nMore detail."
    assert doc.params == {"a": "The first argument.", "b": "The second."}
    assert doc.returns == "Something."


def test_cli_lists_and_prints_schemas(capsys):
    """`python -m sixg.tools list` prints every tool by effect class; `--json` the 42 schemas."""
    assert tools_cli(["list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("42 tools: observation 16, reasoning 22, configuration 4")
    assert all(name in out for name in CATALOG)
    assert tools_cli(["list", "--json"]) == 0
    schemas = json.loads(capsys.readouterr().out)
    assert [s["function"]["name"] for s in schemas] == list(CATALOG)
    assert tools_cli(["check"]) == 0
    assert "42 of 42 schemas are strict" in capsys.readouterr().out
    assert tools_cli(["show", "chek_geofence"]) == 2
    assert "Did you mean 'check_geofence'?" in capsys.readouterr().err


def test_misdeclared_tools_are_refused_at_declaration():
    """A tool missing a parameter's doc, or acting against its effect class, is refused when declared."""

    def undocumented(ctx: ToolContext, uav: str) -> int:
        """Read something.

        Args:
            other: Not the parameter.
        """

    def observing_actor(ctx: ToolContext) -> Generator[int, int, int]:
        """Pretends to observe."""
        yield 1
        return 1

    def configuring_reader(ctx: ToolContext) -> int:
        """Pretends to configure."""

    with pytest.raises(UserError, match="document parameter uav"):
        tool(Effect.OBSERVATION, latency_s=0.1)(undocumented)
    with pytest.raises(UserError, match="cannot act"):
        tool(Effect.OBSERVATION, latency_s=0.1)(observing_actor)
    with pytest.raises(UserError, match="must yield"):
        tool(Effect.CONFIGURATION)(configuring_reader)
    with pytest.raises(UserError, match="latency_s"):
        tool(Effect.REASONING)(configuring_reader)


class _Spot(BaseModel):
    x: float
    z: float = 1.5


def test_a_defaulted_argument_is_refused_at_declaration():
    """A parameter or nested field with a default would be optional to validation but required by the strict
    schema, so declaring one fails and says how to fix it."""
    def with_default(ctx: ToolContext, speed: float = 5.0) -> int:
        """Fly.

        Args:
            speed: How fast.
        """

    def with_nested_default(ctx: ToolContext, spot: _Spot) -> int:
        """Look.

        Args:
            spot: Where.
        """

    with pytest.raises(UserError, match="tool with_default: speed has a default"):
        tool(Effect.REASONING, latency_s=0.1)(with_default)
    with pytest.raises(UserError, match=r"_Spot.z has a default.*`T \| None` with no default"):
        tool(Effect.REASONING, latency_s=0.1)(with_nested_default)


def test_calls_built_in_code_come_from_the_tools_declarations():
    """Catalog.call writes every argument from typed values, and the boundary binds the result."""
    from toynet import started

    from sixg.domain import SliceType
    from sixg.tools.types import ResourceSpec

    env, _ = started()
    catalog = default_catalog()
    call = catalog.call("trigger_slice_reallocation", slice=SliceType.URLLC, resources=ResourceSpec(share=0.6))
    assert json.loads(call.arguments_text()) == {"slice": "URLLC", "resources": {"share": 0.6}}
    assert env.sim.boundary.bind(call).args.resources.share == 0.6
    with pytest.raises(UserError, match="resources.share: Input should be less than or equal to 0.9"):
        catalog.call("trigger_slice_reallocation", slice=SliceType.URLLC, resources={"share": 1.5})
