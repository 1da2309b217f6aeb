"""The typed inputs and outputs of the tool catalog (paper, Table IV).

They extend the domain hierarchy of :mod:`sixg.domain` (Position, SliceType,
NetworkState, SLASpec, the id patterns) with the records tools exchange. Every model
is frozen and forbids unknown fields, so the strict JSON schema a model is shown and
the validation its call goes through say the same thing.

Ids and positions in tool inputs are checked against the scenario the call is made
in: the boundary passes ``context={"scenario": ...}`` and :data:`UavRef`,
:data:`GnbRef`, :data:`UeRef` and :data:`AreaPosition` refuse ids that do not exist
and points outside the operating area. Built in Python without that context they
only check their form.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from sixg.domain import Frozen, GnbId, NetworkState, Position, SLASpec, SliceType, UavId, UeId
from sixg.errors import did_you_mean, echo

#: UAVs fly between these heights above ground (3GPP's aerial UE studies go to 300 m).
MIN_ALTITUDE_M = 10.0
MAX_ALTITUDE_M = 300.0
MAX_SPEED_MPS = 40.0


# --- checks that need the scenario ------------------------------------------------------------


def _scenario(info: ValidationInfo):
    return (info.context or {}).get("scenario")


def _known(kind: str, attribute: str):
    def check(value: str, info: ValidationInfo) -> str:
        scenario = _scenario(info)
        if scenario is None:
            return value
        known = getattr(scenario, attribute)
        if value not in known:
            raise PydanticCustomError(
                "unknown_id",
                "no {kind} {value} in this scenario; it has {known}.{hint}",
                {
                    "kind": kind,
                    "value": echo(value),
                    "known": ", ".join(known) or "none",
                    "hint": did_you_mean(value, known),
                },
            )
        return value

    return check


def _inside_area(p: Position, info: ValidationInfo) -> Position:
    scenario = _scenario(info)
    if scenario is None:
        return p
    xmin, ymin, xmax, ymax = scenario.area
    if not (xmin <= p.x <= xmax and ymin <= p.y <= ymax):
        raise PydanticCustomError(
            "outside_area",
            "({x}, {y}) is outside the operating area (x {xmin}..{xmax} m, y {ymin}..{ymax} m)",
            {
                "x": round(p.x, 1),
                "y": round(p.y, 1),
                "xmin": round(xmin),
                "xmax": round(xmax),
                "ymin": round(ymin),
                "ymax": round(ymax),
            },
        )
    return p


def _flyable(p: Position, info: ValidationInfo) -> Position:
    if not MIN_ALTITUDE_M <= p.z <= MAX_ALTITUDE_M:
        raise PydanticCustomError(
            "altitude_out_of_range",
            "a UAV waypoint needs z between {lo} and {hi} m above ground, got {z}",
            {"lo": MIN_ALTITUDE_M, "hi": MAX_ALTITUDE_M, "z": p.z},
        )
    return _inside_area(p, info)


def _known_tool(value: str, info: ValidationInfo) -> str:
    tools = (info.context or {}).get("tools")
    if tools is not None and value not in tools:
        raise PydanticCustomError(
            "unknown_tool",
            "no tool {value} in the catalog.{hint}",
            {"value": echo(value), "hint": did_you_mean(value, tools)},
        )
    return value


UavRef = Annotated[UavId, AfterValidator(_known("UAV", "uav_ids"))]
GnbRef = Annotated[GnbId, AfterValidator(_known("base station", "gnb_ids"))]
UeRef = Annotated[UeId, AfterValidator(_known("UE", "ue_ids"))]
AreaPosition = Annotated[Position, AfterValidator(_inside_area)]
FlightPosition = Annotated[Position, AfterValidator(_flyable)]
Altitude = Annotated[float, Field(ge=MIN_ALTITUDE_M, le=MAX_ALTITUDE_M)]
Speed = Annotated[float, Field(ge=1.0, le=MAX_SPEED_MPS)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
ToolName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$"), AfterValidator(_known_tool)]


class Priority(str, Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def weight(self) -> float:
        return {"low": 0.25, "normal": 0.5, "high": 0.75, "critical": 1.0}[self.value]


class Level(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def of(cls, score: float) -> Level:
        if score < 0.25:
            return cls.LOW
        if score < 0.5:
            return cls.MEDIUM
        if score < 0.75:
            return cls.HIGH
        return cls.CRITICAL


# --- telemetry -------------------------------------------------------------------------------


class EdgeLoad(Frozen):
    """The edge compute server's load over the last window."""

    utilisation: Fraction = Field(description="Busy fraction of the edge server, 0-1.")
    queue_jobs: float = Field(ge=0.0, description="Mean number of jobs waiting.")
    capacity_jobs_s: float = Field(gt=0.0, description="Jobs per second the edge server can complete.")
    arrivals_per_s: float = Field(ge=0.0, description="Jobs arriving per second (all tenants).")
    dropped_per_s: float = Field(ge=0.0, description="Jobs dropped per second because the queue was full.")
    service_host: Literal["edge", "cloud"] = Field(description="Where the managed service's jobs run now.")


class ServiceTelemetry(Frozen):
    """The managed service's UE and its radio link."""

    ue: UeId
    host: Literal["edge", "cloud"]
    gnb: GnbId | None = Field(description="Serving base station, null while detached.")
    rsrp_dbm: float
    sinr_db: float
    requests: int = Field(ge=0, description="Requests sent in the last window.")
    responses: int = Field(ge=0, description="Response packets received in the last window.")


class SliceTelemetry(Frozen):
    """One slice's background traffic over the last window."""

    slice: SliceType
    share: Fraction = Field(description="Share of each cell's capacity the slice may use.")
    throughput_mbps: float = Field(ge=0.0)
    latency_ms: float = Field(ge=0.0)
    loss_rate: Fraction


class UavTelemetry(Frozen):
    """One UAV's flight and link state."""

    uav: UavId
    position: Position
    battery_fraction: Fraction
    gnb: GnbId | None
    sinr_db: float
    off_course: bool = Field(description="True while the UAV is not following its plan (wind, GPS fault).")
    handover_in_progress: bool


class TelemetryState(Frozen):
    """Everything the network reports at one instant, for diagnosis and risk assessment."""

    t: float = Field(ge=0.0, description="Episode time of the measurement, s.")
    state: NetworkState
    sla: SLASpec = Field(description="The managed service's SLA.")
    service: ServiceTelemetry
    slices: tuple[SliceTelemetry, ...]
    edge: EdgeLoad
    uavs: tuple[UavTelemetry, ...]
    recent: tuple[NetworkState, ...] = Field(max_length=16, description="The last few windows' states, oldest first.")


# --- radio -----------------------------------------------------------------------------------


class CellReading(Frozen):
    gnb: GnbId
    distance_m: float = Field(ge=0.0)
    rsrp_dbm: float
    sinr_db: float = Field(description="SINR a UE there would report if this cell served it.")
    loaded_sinr_db: float = Field(description="SINR with every other cell transmitting at full power.")


class SignalStrength(Frozen):
    """Downlink signal at a position (from the scenario's radio geometry)."""

    position: Position
    gnb: GnbId = Field(description="Strongest cell.")
    rsrp_dbm: float
    sinr_db: float = Field(description="SINR a UE there would report.")
    loaded_sinr_db: float = Field(description="SINR with every other cell transmitting at full power.")
    cqi: int = Field(ge=0, le=15)
    coverage: Literal["good", "fair", "poor", "none"]
    cells: tuple[CellReading, ...]


class GnbInfo(Frozen):
    gnb: GnbId
    position: Position
    distance_m: float
    rsrp_dbm: float
    sinr_db: float
    detectable: bool = Field(description="Whether a UE there could find this cell at all.")
    tx_power_dbm: float
    attached_ues: int = Field(ge=0, description="UEs the cell serves right now.")


class GnbList(Frozen):
    """Base stations a UE at a position would see, strongest first."""

    position: Position
    gnbs: tuple[GnbInfo, ...]


class InterferenceLevel(Frozen):
    """Interference near a position: other cells, and anything a nearby UE measures beyond them."""

    position: Position
    gnb: GnbId = Field(description="Cell that would serve the position.")
    level: Level
    inter_cell_interference_dbm: float = Field(description="Other cells' power per resource element, dBm.")
    predicted_sinr_db: float = Field(description="SINR a UE there would report with no interferer about.")
    loaded_sinr_db: float = Field(description="SINR with every other cell transmitting at full power.")
    reference_ue: UeId | None = Field(description="Nearby UE whose measurement was compared, if any.")
    measured_sinr_db: float | None
    excess_db: float | None = Field(description="How much worse the UE measures than the cells alone explain.")


class LinkQuality(Frozen):
    """Quality of the link between a UE and a base station."""

    ue: UeId
    gnb: GnbId
    serving: bool
    distance_m: float
    rsrp_dbm: float
    sinr_db: float
    measured_rsrp_dbm: float | None = Field(description="What the UE measures, when this cell serves it.")
    measured_sinr_db: float | None
    cqi: int = Field(ge=0, le=15)
    spectral_efficiency: float = Field(ge=0.0, description="bit/s/Hz")
    rate_mbps: float = Field(ge=0.0, description="Downlink rate with the whole cell to itself.")
    quality: Literal["excellent", "good", "fair", "poor", "unusable"]


class HandoverRequestView(Frozen):
    target_gnb: GnbId
    t: float
    accepted: bool


class HandoverStatus(Frozen):
    """A UE's serving cell and handover history."""

    ue: UeId
    serving_gnb: GnbId | None
    in_progress: bool
    handovers_ok: int
    handovers_failed: int
    rsrp_dbm: float
    sinr_db: float
    best_gnb: GnbId = Field(description="Strongest cell at the UE's position.")
    last_request: HandoverRequestView | None


# --- slices, traffic, edge -----------------------------------------------------------------------


class SliceStatus(Frozen):
    """One slice now: its share, its load and how the managed service fares on it."""

    slice: SliceType
    share: Fraction
    capacity_mbps: float = Field(description="Share times nominal cell capacity, over all cells.")
    throughput_mbps: float
    latency_ms: float
    jitter_ms: float
    loss_rate: Fraction
    utilisation: float = Field(ge=0.0, description="Throughput over capacity (above 1: the slice is over its share).")
    service_on_slice: bool
    ues: int = Field(ge=0, description="UEs subscribed to the slice.")


class TrafficPattern(Frozen):
    """A slice's traffic over the recent windows."""

    slice: SliceType
    windows: int
    mean_mbps: float
    peak_mbps: float
    min_mbps: float
    trend_mbps_per_s: float
    burstiness: float = Field(ge=0.0, description="Coefficient of variation of the throughput.")
    packets_per_s: float
    offered_mbps: float = Field(description="What the slice's sources offer in total.")
    flows: int
    uplink_flows: int
    downlink_flows: int
    shape: Literal["idle", "steady", "bursty", "rising", "falling"]


class SliceOption(Frozen):
    slice: SliceType
    admissible: bool
    share: Fraction
    headroom_mbps: float
    min_sinr_db: float
    reason: str


class SliceList(Frozen):
    """Slices a UE at a position could use."""

    position: Position
    gnb: GnbId
    sinr_db: float
    slices: tuple[SliceOption, ...]


class BatteryLevel(Frozen):
    """A UAV's battery."""

    uav: UavRef
    energy_wh: float = Field(ge=0.0)
    capacity_wh: float = Field(gt=0.0)
    fraction: Fraction
    endurance_s: float = Field(ge=0.0, description="Seconds of hover the remaining energy allows.")


# --- predictions, risk, feasibility ----------------------------------------------------------------


class KpiForecast(Frozen):
    dimension: Literal["latency", "jitter", "loss", "throughput"]
    current: float
    predicted: float
    bound: float
    trend_per_s: float


class SLAPrediction(Frozen):
    """Whether the managed service is heading for an SLA violation."""

    will_violate: bool
    probability: Fraction
    horizon_s: float
    time_to_violation_s: float | None = Field(
        description="Seconds until the first bound is crossed at the current trend."
    )
    dimensions: tuple[KpiForecast, ...]


class RiskFactor(Frozen):
    name: str = Field(max_length=40)
    value: float
    threshold: float
    weight: Fraction
    contribution: Fraction


class RiskScore(Frozen):
    """How close the network is to failing its service, 0 (safe) to 1."""

    score: Fraction
    level: Level
    factors: tuple[RiskFactor, ...] = Field(max_length=16)


class FeasibilityFactor(Frozen):
    name: str
    value: float | None
    target: float | None
    ok: bool
    detail: str


class FeasibilityScore(Frozen):
    """How feasible something is, 0-1, with the factors that decided it."""

    score: Fraction
    feasible: bool
    factors: tuple[FeasibilityFactor, ...]
    summary: str


class RecommendedCall(Frozen):
    tool: str
    arguments: str = Field(description="JSON object of arguments.")


class RecoveryStrategy(Frozen):
    """A remedy for the network's current trouble, as a sequence of tool calls."""

    strategy: Literal[
        "monitor",
        "switch_slice",
        "reallocate_slices",
        "offload_to_edge",
        "offload_to_cloud",
        "handover",
        "shed_load",
        "reposition_uav",
    ]
    rationale: str
    steps: tuple[RecommendedCall, ...]
    alternatives: tuple[str, ...]
    expected_effect: str


class Intent(Frozen):
    """An operator's intent: free text, optionally with explicit targets."""

    text: str = Field(min_length=1, max_length=1000, description="The intent as the operator wrote it.")
    slice: SliceType | None = Field(description="Slice the operator wants the service on, if any.")
    sla: SLASpec | None = Field(description="Explicit targets; when null they are read from the text.")
    priority: Priority


# --- UAVs --------------------------------------------------------------------------------------


class Point2D(Frozen):
    x: float = Field(ge=-1e5, le=1e5, description="East, metres.")
    y: float = Field(ge=-1e5, le=1e5, description="North, metres.")


class GeofenceSpec(Frozen):
    """A polygon UAVs must stay inside (keep_in) or outside (keep_out), with optional height limits."""

    kind: Literal["keep_in", "keep_out"]
    vertices: tuple[Point2D, ...] = Field(min_length=3, max_length=32, description="Polygon corners in order.")
    min_altitude_m: float | None = Field(ge=0.0, description="Lowest allowed height, if any.")
    max_altitude_m: float | None = Field(ge=0.0, description="Highest allowed height, if any.")


class GeofenceResult(Frozen):
    allowed: bool
    inside: bool = Field(description="Whether the point lies inside the polygon.")
    altitude_ok: bool
    distance_to_boundary_m: float
    reason: str


class Waypoints(Frozen):
    """A route: points flown in order."""

    points: tuple[Position, ...] = Field(min_length=1, max_length=64)
    speed_mps: float | None = Field(
        ge=1.0, le=MAX_SPEED_MPS, description="Cruise speed; null for the UAV's current one."
    )
    distance_m: float | None = Field(ge=0.0, description="Route length (informational; recomputed when used).")
    min_sinr_db: float | None = Field(description="Worst predicted SINR along the route (informational).")


class EnergyPlan(Frozen):
    uav: UavId
    distance_m: float
    flight_time_s: float
    energy_wh: float
    available_wh: float
    reserve_wh: float = Field(description="Energy that must remain at the end (20 % of capacity).")
    remaining_wh: float
    remaining_fraction: float
    feasible: bool
    max_range_m: float = Field(description="Distance the UAV can still fly at this speed, keeping the reserve.")


class TaskKind(str, Enum):
    COMPUTE = "compute"
    SURVEY = "survey"
    RELAY = "relay"
    DELIVERY = "delivery"
    INSPECTION = "inspection"


class TaskSpec(Frozen):
    """A task: compute work to place, or work for a UAV at a place."""

    name: Name
    kind: TaskKind
    target: AreaPosition | None = Field(description="Where the task is done, for UAV tasks.")
    compute_jobs_s: float = Field(ge=0.0, le=10_000.0, description="Compute demand, jobs per second (0 for none).")
    max_latency_ms: float | None = Field(gt=0.0, description="Response-time bound, if any.")
    priority: Priority


class OffloadTarget(Frozen):
    """Where to run compute work."""

    host: Literal["edge", "cloud"]
    expected_latency_ms: float | None
    expected_utilisation: float | None
    reason: str | None


class PriorityScore(Frozen):
    uav: UavId
    score: float
    reasons: tuple[str, ...]


class PriorityResult(Frozen):
    winner: UavId
    other: UavId
    margin: float
    scores: tuple[PriorityScore, ...]


class WaypointAck(Frozen):
    uav: UavId
    waypoint: Position
    accepted: bool
    reason: str | None
    distance_m: float
    eta_s: float
    energy_wh: float
    applied_at_s: float


class AltitudeAck(Frozen):
    uav: UavId
    altitude_m: float
    accepted: bool
    reason: str | None
    waypoints: int = Field(description="Waypoints in the new plan.")
    applied_at_s: float


class SpeedAck(Frozen):
    uav: UavId
    speed_mps: float
    accepted: bool
    reason: str | None
    eta_next_waypoint_s: float | None
    applied_at_s: float


class SwarmMember(Frozen):
    uav: UavRef
    position: Position
    heading_deg: float | None = Field(
        ge=0.0, lt=360.0, description="Direction of travel, degrees clockwise from north."
    )
    speed_mps: float | None = Field(ge=0.0, le=MAX_SPEED_MPS)


class SwarmState(Frozen):
    """Where the other UAVs are and where they are going."""

    members: tuple[SwarmMember, ...] = Field(min_length=1, max_length=16)
    min_separation_m: float = Field(gt=0.0, le=500.0)


class Conflict(Frozen):
    uav: UavId
    min_separation_m: float
    time_s: float = Field(description="When the closest approach happens, from now.")


class AvoidanceCmd(Frozen):
    uav: UavId
    conflict: bool
    conflicts: tuple[Conflict, ...]
    maneuver: Literal["none", "climb", "descend", "lateral"]
    waypoint: Position | None = Field(description="Where to fly instead (use set_waypoint), if a maneuver is needed.")
    detail: str


class SwarmSpec(Frozen):
    """UAVs to fly together; the first leads."""

    uavs: tuple[UavRef, ...] = Field(min_length=2, max_length=10)
    formation: Literal["line", "column", "wedge", "circle"]
    spacing_m: float = Field(ge=5.0, le=200.0)


class FormationSlot(Frozen):
    uav: UavId
    offset_forward_m: float
    offset_right_m: float
    waypoints: tuple[Position, ...]


class FormationCmd(Frozen):
    formation: str
    leader: UavId
    spacing_m: float
    assignments: tuple[FormationSlot, ...]
    min_separation_m: float


class TaskAck(Frozen):
    uav: UavId
    task: str
    accepted: bool
    reason: str | None
    energy_wh: float | None
    eta_s: float | None
    battery_after_fraction: float | None
    entry: int = Field(description="Mission-log entry.")


class AlertType(str, Enum):
    BATTERY_LOW = "battery_low"
    LINK_DEGRADED = "link_degraded"
    GEOFENCE_BREACH = "geofence_breach"
    COLLISION_RISK = "collision_risk"
    OFF_COURSE = "off_course"
    SLA_VIOLATION = "sla_violation"
    MISSION_UPDATE = "mission_update"


class AlertAck(Frozen):
    alert_id: int
    uav: UavId
    alert: AlertType
    severity: Level
    confirmed: bool = Field(description="Whether the telemetry bears the alert out.")
    evidence: str
    t: float


class HandoverCmd(Frozen):
    ue: UeId
    source_gnb: GnbId | None
    target_gnb: GnbId
    accepted: bool
    reason: str | None
    serving_gnb_after: GnbId | None = Field(description="Serving cell at the end of the window that applied it.")
    applied_at_s: float


class DecisionRecord(Frozen):
    """A decision to put on the record."""

    decision: str = Field(min_length=1, max_length=500)
    rationale: str = Field(max_length=2000)
    tools_used: tuple[ToolName, ...] = Field(max_length=42, description="Names of the tools that informed it.")
    confidence: Fraction


class LogAck(Frozen):
    entry: int
    t: float
    entries: int = Field(description="Entries in the mission log now.")


class MissionSpec(Frozen):
    """A UAV mission: targets to overfly, with battery and time limits."""

    mission_id: Name
    uavs: tuple[UavRef, ...] = Field(min_length=1, max_length=10)
    targets: tuple[AreaPosition, ...] = Field(
        min_length=1, max_length=20, description="Points some mission UAV must pass."
    )
    tolerance_m: float = Field(
        gt=0.0, le=500.0, description="How close counts as passing a target (horizontally, at any height), metres."
    )
    min_battery_fraction: Fraction = Field(description="Every mission UAV must keep at least this battery.")
    deadline_s: float | None = Field(gt=0.0, description="Episode time by which every target must be passed, if any.")
    required_tasks: tuple[Name, ...] = Field(
        max_length=20, description="Task names that must have been assigned and accepted."
    )


class MissionLeg(Frozen):
    uav: UavId
    waypoints: tuple[Position, ...]
    targets: tuple[int, ...] = Field(description="Indices into the mission's targets, in flying order.")
    distance_m: float
    energy_wh: float
    battery_after_fraction: float
    feasible: bool
    weak_coverage: tuple[int, ...] = Field(description="Targets where the link would be too weak for the active slice.")


class MissionPlan(Frozen):
    mission_id: str
    feasible: bool
    legs: tuple[MissionLeg, ...]
    unassigned: tuple[int, ...]
    notes: tuple[str, ...]
    entry: int


class StatusMsg(Frozen):
    status: Literal["nominal", "degraded", "holding", "returning", "emergency"]
    text: str = Field(max_length=280)


class BroadcastAck(Frozen):
    uav: UavId
    delivered_to: tuple[str, ...]
    undelivered: tuple[str, ...]
    t: float
    entry: int


class HeartbeatAck(Frozen):
    uav: UavId
    seq: int
    alive: bool
    link_ok: bool
    serving_gnb: GnbId | None
    sinr_db: float
    battery_fraction: float
    position: Position
    t: float


class SlaCheck(Frozen):
    dimension: Literal["latency", "jitter", "loss", "throughput"]
    value: float
    bound: float
    ok: bool
    margin: float = Field(description="Distance to the bound, positive when inside it.")


class ComplianceResult(Frozen):
    compliant: bool
    violations: tuple[str, ...]
    checks: tuple[SlaCheck, ...]


class MissionLog(Frozen):
    """Which recorded mission log to judge. The world records tracks, tasks and alerts as they
    happen; a call chooses the mission and the start of the span, it cannot add entries."""

    mission_id: Name
    since_s: float = Field(ge=0.0, description="Judge what happened from this episode time on.")


class CheckOutcome(Frozen):
    name: str
    passed: bool
    detail: str


class ValidationResult(Frozen):
    mission_id: str
    complete: bool
    checks: tuple[CheckOutcome, ...]
    visited: tuple[int, ...]
    missing: tuple[int, ...]


class SensorType(str, Enum):
    CAMERA = "camera"
    THERMAL = "thermal"
    LIDAR = "lidar"
    GAS = "gas"
    RADIO_SCANNER = "radio_scanner"


class SensorHandle(Frozen):
    handle: str
    sensor: SensorType
    data_rate_mbps: float
    power_w: float
    sample_rate_hz: float
    activated_at_s: float


# --- configuration -------------------------------------------------------------------------------


class DegradationSpec(Frozen):
    """How to relieve the network by degrading one slice's background traffic."""

    slice: SliceType
    fraction: Fraction = Field(description="Share of the slice's load to shed or shape away, 0-1 (0 restores it).")
    mode: Literal["shed", "shape"] = Field(description="shed: pause whole flows; shape: slow every flow down.")


class ResourceSpec(Frozen):
    """Radio resources to give a slice."""

    share: float = Field(
        gt=0.0, le=0.9, description="Share of each cell's capacity, 0-0.9; the other slices shrink in proportion."
    )


class OffloadResult(Frozen):
    task: str
    host: Literal["edge", "cloud"]
    previous_host: Literal["edge", "cloud"]
    accepted: bool
    reason: str | None
    state: NetworkState
    edge: EdgeLoad
    applied_at_s: float
