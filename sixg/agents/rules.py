"""The paper's rule-based baselines (section IV-B): Threshold-Rule and the MAPE-K heuristic.

Both are fixed policies over the measured telemetry; neither reads the task or plans
beyond its rules, which is why they do well on one-remedy tasks and poorly on long ones.

* :class:`ThresholdRuleAgent` is the paper's rule, nothing more: if latency exceeds the
  SLA bound, switch the service to URLLC; if throughput is below 10 Mbit/s, offload its
  compute to the edge; then verify the SLA and stop.
* :class:`MapeKAgent` runs a Monitor-Analyze-Plan-Execute loop over a Knowledge base of
  50 condition -> action rules (:data:`RULES`), written as data: generic operator
  heuristics for common degradation patterns (congestion, interference, backhaul
  faults, edge overload, UAV drift, low battery, slice mismatch) and a few rules that
  act on what an intent explicitly asks for (a slice, the edge, a UAV altitude or speed,
  a decision log).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.agents.calls import Briefing, briefing_of, call, degrade, log_decision, offload, reallocate, switch_slice, verify
from sixg.domain import SLA_DIMENSION, NetworkState, SLASpec, SliceType
from sixg.tools.measures import linear_trend
from sixg.tools.types import MAX_ALTITUDE_M, MAX_SPEED_MPS, MIN_ALTITUDE_M, EdgeLoad, SliceTelemetry, TelemetryState, UavTelemetry

__all__ = ["RULES", "Facts", "Knowledge", "MapeKAgent", "Rule", "ThresholdRuleAgent"]

EMBB, URLLC, MMTC = SliceType.EMBB, SliceType.URLLC, SliceType.MMTC

#: The SLA a rule agent assumes when telemetry cannot tell it the scenario's (loose 5G service targets).
FALLBACK_SLA = SLASpec(max_latency_ms=100.0, max_jitter_ms=10.0, max_loss_rate=0.05, min_throughput_mbps=1.0)


def _sla_for(briefing: Briefing, telemetry: TelemetryState | None) -> SLASpec:
    """The SLA to hold: as the episode states it, else the intent's targets over the scenario's SLA."""
    return briefing.sla_for(telemetry.sla if telemetry is not None else FALLBACK_SLA)


def _jobs_per_s(telemetry: TelemetryState, briefing: Briefing) -> float:
    return telemetry.service.requests / briefing.window_s


# --- Threshold-Rule ------------------------------------------------------------------------------------


class ThresholdRuleAgent(Agent):
    """The paper's fixed-threshold remediation policy.

    Observes once (``read_telemetry``: the state, the SLA and where the service's jobs run),
    then applies two rules: latency above the SLA bound -> ``switch_network_slice`` to URLLC;
    throughput below ``min_throughput_mbps`` -> ``edge_offload`` to the edge. If it changed
    anything it observes again (``check_network_state``), then verifies that state against
    the intent's SLA and stops. It never touches UAVs, logs or missions.

    Args:
        min_throughput_mbps: The throughput threshold that triggers the offload (10 Mbit/s in the paper).
    """

    id = "threshold"

    def __init__(self, *, min_throughput_mbps: float = 10.0):
        self.min_throughput_mbps = float(min_throughput_mbps)
        self._intent = ""
        self._queue: list[ToolCall] = []
        self._phase = "observe"
        self._sla = FALLBACK_SLA
        self._briefing = Briefing()

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        self._intent = intent
        self._queue = []
        self._phase = "observe"
        self._sla = FALLBACK_SLA
        self._briefing = Briefing()

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.step == 0:
            self._briefing = briefing_of(observation, self._intent)
        if self._phase == "observe":
            self._phase = "decide"
            return call("read_telemetry")
        if self._phase == "decide":
            telemetry = observation.tool_result if isinstance(observation.tool_result, TelemetryState) else None
            self._sla = _sla_for(self._briefing, telemetry)
            state = telemetry.state if telemetry is not None else observation.state
            if state is None:
                self._phase = "done"
                return None
            if state.latency_ms > self._sla.max_latency_ms and state.slice is not URLLC:
                self._queue.append(switch_slice(state.slice, URLLC))
            host = telemetry.service.host if telemetry is not None else "cloud"
            if state.throughput_mbps < self.min_throughput_mbps and host != "edge":
                jobs = _jobs_per_s(telemetry, self._briefing) if telemetry is not None else 0.0
                self._queue.append(offload("edge", jobs_s=jobs, reason="throughput below threshold"))
            if self._queue:
                self._queue.append(call("check_network_state"))
                self._phase = "act"
            else:
                return self._verify(state)
        if self._phase == "act":
            if self._queue:
                return self._queue.pop(0)
            state = observation.tool_result if isinstance(observation.tool_result, NetworkState) else observation.state
            return self._verify(state)
        return None

    def _verify(self, state: NetworkState | None) -> ToolCall | None:
        self._phase = "done"
        return verify(state, self._sla) if state is not None else None

    def describe(self) -> dict[str, object]:
        return {"agent": self.id, "min_throughput_mbps": self.min_throughput_mbps}


# --- MAPE-K ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """A configuration change the agent made: what moved, from where to where, and how things stood before."""

    what: str  # "slice" or "host"
    before: str
    after: str
    violations_before: int
    rule: str
    by_intent: bool = False


@dataclass
class Knowledge:
    """What the loop has learned this episode: which rules ran, what they changed, what was refused."""

    fired: dict[str, int] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    moves: list[Move] = field(default_factory=list)
    tools_used: list[str] = field(default_factory=list)
    shaped: dict[SliceType, float] = field(default_factory=dict)
    #: Moves undone because they made things worse ("slice:URLLC", "host:edge"): not tried again.
    abandoned: set[str] = field(default_factory=set)
    #: What an intent rule set ("slice", "host"): the operator asked for it, no other rule moves it.
    pinned: set[str] = field(default_factory=set)
    remedies: int = 0

    def last_move(self) -> Move | None:
        return self.moves[-1] if self.moves else None


_NUMBER = r"(\d+(?:\.\d+)?)"


@dataclass(frozen=True)
class Facts:
    """What the Analyze phase sees: the monitored telemetry, the SLA, the intent and the Knowledge.

    ``state`` is the mean of the last two measured windows (one noisy window should not
    trigger a remedy); ``telemetry.state`` is the latest window alone.
    """

    briefing: Briefing
    telemetry: TelemetryState
    sla: SLASpec
    state: NetworkState
    knowledge: Knowledge

    @classmethod
    def observe(cls, briefing: Briefing, telemetry: TelemetryState, knowledge: Knowledge) -> Facts:
        recent = list(telemetry.recent[-2:]) or [telemetry.state]
        mean = {k: statistics.fmean(getattr(s, k) for s in recent) for k in NetworkState.NUMERIC}
        state = NetworkState(slice=telemetry.state.slice, **mean)
        return cls(briefing, telemetry, _sla_for(briefing, telemetry), state, knowledge)

    @property
    def intent(self) -> str:
        return self.briefing.intent

    # --- the service ---
    @property
    def slice(self) -> SliceType:
        return self.state.slice

    @property
    def host(self) -> str:
        return self.telemetry.service.host

    @property
    def edge(self) -> EdgeLoad:
        return self.telemetry.edge

    @property
    def sinr(self) -> float:
        return self.telemetry.service.sinr_db

    @property
    def cells(self) -> int:
        return max(1, len(self.briefing.gnbs))

    @property
    def violations(self) -> list[str]:
        return self.sla.violations(self.state)

    def over(self, dim: str) -> bool:
        return dim in self.violations

    def near(self, dim: str, fraction: float) -> bool:
        """Within ``fraction`` of the bound (e.g. 0.9: latency above 90 % of its bound)."""
        d = SLA_DIMENSION[dim]
        value, bound = d.value(self.state), d.limit(self.sla)
        return value > fraction * bound if d.upper else value < bound / fraction

    def latency_factor(self) -> float:
        return self.state.latency_ms / self.sla.max_latency_ms

    def latency_projected(self, windows: int = 5) -> float:
        recent = [s.latency_ms for s in self.telemetry.recent] or [self.state.latency_ms]
        slope, _ = linear_trend(list(range(len(recent))), recent)
        return recent[-1] + slope * windows

    def slice_tel(self, s: SliceType) -> SliceTelemetry:
        return next(t for t in self.telemetry.slices if t.slice is s)

    def share(self, s: SliceType) -> float:
        return self.slice_tel(s).share

    # --- UAVs ---
    @property
    def service_uav(self) -> UavTelemetry | None:
        return next((u for u in self.telemetry.uavs if u.uav == self.telemetry.service.ue), None)

    def uav_where(self, predicate: Callable[[UavTelemetry], bool]) -> UavTelemetry | None:
        return next((u for u in self.telemetry.uavs if predicate(u)), None)

    # --- the intent ---
    def asks(self, pattern: str) -> bool:
        return re.search(pattern, self.intent, re.IGNORECASE) is not None

    @property
    def intent_uav(self) -> str | None:
        m = re.search(r"\buav-\d+\b", self.intent)
        return m.group(0) if m and m.group(0) in {u.uav for u in self.telemetry.uavs} else None

    @property
    def intent_altitude(self) -> float | None:
        if not self.asks(r"altitude|height|flight level|above ground|\bfly\b"):
            return None
        m = re.search(rf"{_NUMBER}\s*(?:m|metres|meters)\b(?!\s*/)", self.intent)
        return float(m.group(1)) if m else None

    @property
    def intent_speed(self) -> float | None:
        m = re.search(rf"{_NUMBER}\s*m/s", self.intent)
        return float(m.group(1)) if m else None

    # --- knowledge ---
    def tried(self, rule: str) -> bool:
        return rule in self.knowledge.fired

    def worse_since_last_move(self, what: str) -> bool:
        move = self.knowledge.last_move()
        return (
            move is not None
            and move.what == what
            and not move.by_intent
            and len(self.violations) > move.violations_before
        )


#: One call of a rule's action: built from the facts and what the rule's earlier calls returned
#: (``memory``, by tool name); None when it cannot be built (the rest of the action is dropped).
Step = Callable[[Facts, dict[str, Any]], ToolCall | None]


@dataclass(frozen=True)
class Rule:
    """One entry of the knowledge base: when it applies, what to do, and how urgent it is."""

    name: str
    pattern: str
    priority: int
    when: Callable[[Facts], bool]
    then: tuple[Step, ...]

    @property
    def from_intent(self) -> bool:
        """Whether it carries out what the intent asks for (named ``intent_*``) rather than reacting to telemetry."""
        return self.name.startswith("intent_")


# --- action steps ---


def to_slice(target: SliceType) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        if f.slice is target or f"slice:{target.value}" in f.knowledge.abandoned or "slice" in f.knowledge.pinned:
            return None
        return switch_slice(f.slice, target)

    return build


def to_host(host: str, reason: str) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        if f.host == host or f"host:{host}" in f.knowledge.abandoned or "host" in f.knowledge.pinned:
            return None
        return offload(host, jobs_s=_jobs_per_s(f.telemetry, f.briefing), reason=reason)

    return build


def resize(s: SliceType, share: float) -> Step:
    return lambda f, m: reallocate(s, share) if abs(f.share(s) - share) > 1e-3 else None


def shape(s: SliceType, fraction: float, mode: str = "shape") -> Step:
    return lambda f, m: degrade(s, fraction, mode)


def _service_ue(f: Facts) -> str:
    return f.telemetry.service.ue


def handover_status(ue: Callable[[Facts], str | None]) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        who = ue(f)
        return call("check_handover_status", ue=who) if who else None

    return build


def handover_to_best(ue: Callable[[Facts], str | None]) -> Step:
    """Hand over to the strongest cell where the UE is, or (if that serves it already) to the next one listed."""

    def build(f: Facts, m: dict) -> ToolCall | None:
        status = m.get("check_handover_status")
        who = ue(f)
        if status is None or who is None or status.in_progress:
            return None
        target = status.best_gnb
        if target == status.serving_gnb:
            others = [g for g in f.briefing.gnbs if g != status.serving_gnb]
            if not others:
                return None
            target = others[0]
        return call("request_handover", ue=who, gnb=target)

    return build


def uav_alert(kind: str, which: Callable[[UavTelemetry], bool]) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        u = f.uav_where(which)
        return call("send_alert", uav=u.uav, alert=kind) if u else None

    return build


def uav_heartbeat(which: Callable[[UavTelemetry], bool]) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        u = f.uav_where(which)
        return call("heartbeat", uav=u.uav) if u else None

    return build


def uav_speed(speed: float, which: Callable[[UavTelemetry], bool]) -> Step:
    def build(f: Facts, m: dict) -> ToolCall | None:
        u = f.uav_where(which)
        return call("adjust_speed", uav=u.uav, speed=speed) if u else None

    return build


def intent_altitude(f: Facts, m: dict) -> ToolCall | None:
    h = f.intent_altitude
    if f.intent_uav is None or h is None or not MIN_ALTITUDE_M <= h <= MAX_ALTITUDE_M:
        return None
    return call("adjust_altitude", uav=f.intent_uav, altitude=h)


def intent_speed(f: Facts, m: dict) -> ToolCall | None:
    v = f.intent_speed
    if f.intent_uav is None or v is None or not 1.0 <= v <= MAX_SPEED_MPS:
        return None
    return call("adjust_speed", uav=f.intent_uav, speed=v)


def undo_last_move(f: Facts, m: dict) -> ToolCall | None:
    move = f.knowledge.last_move()
    if move is None:
        return None
    if move.what == "slice":
        return switch_slice(f.slice, SliceType(move.before)) if f.slice.value != move.before else None
    return (
        offload(move.before, jobs_s=_jobs_per_s(f.telemetry, f.briefing), reason="the last offload made things worse")
        if f.host != move.before
        else None
    )


def record_decision(f: Facts, m: dict) -> ToolCall:
    k = f.knowledge
    done = [name for name in k.fired if name != "intent_decision_log"] or ["monitoring only"]
    return log_decision(
        "applied rules: " + ", ".join(done),
        "MAPE-K rules fired on the monitored telemetry: "
        + (", ".join(f.violations) or "no SLA dimension violated now"),
        [t for t in k.tools_used if re.fullmatch(r"[a-z_]{1,40}", t)] or ["read_telemetry"],
        confidence=0.6,
    )


def _multi_cell_weak(f: Facts, threshold_db: float) -> bool:
    return f.cells > 1 and f.sinr < threshold_db


def _backhaul_like(f: Facts) -> bool:
    # Latency and loss both up while the radio is fine: the trouble is behind the base station.
    return f.latency_factor() > 1.3 and f.over("loss") and f.sinr > 5.0


def _low_battery(threshold: float) -> Callable[[UavTelemetry], bool]:
    return lambda u: u.battery_fraction < threshold


def _off_course(u: UavTelemetry) -> bool:
    return u.off_course


def _weak_uav_link(u: UavTelemetry) -> bool:
    return u.sinr_db < -3.0


# --- the knowledge base: 50 rules ---

_R = Rule
# fmt: off
RULES: tuple[Rule, ...] = (
    # What the intent explicitly asks for (an operator's instruction comes first).
    _R("intent_slice_urllc", "slice mismatch", 100, lambda f: f.slice is not URLLC and f.asks(r"\burllc\b|low[- ]latency slice|ultra[- ]reliable"), (to_slice(URLLC),)),
    _R("intent_slice_mmtc", "slice mismatch", 99, lambda f: f.slice is not MMTC and f.asks(r"\bmmtc\b|\biot\b|machine[- ]type"), (to_slice(MMTC),)),
    _R("intent_host_edge", "placement", 98, lambda f: f.host == "cloud" and f.asks(r"\bedge\b"), (to_host("edge", "the intent asks for the edge"),)),
    _R("intent_uav_altitude", "UAV command", 97, lambda f: f.intent_uav is not None and f.intent_altitude is not None, (intent_altitude,)),
    _R("intent_uav_speed", "UAV command", 96, lambda f: f.intent_uav is not None and f.intent_speed is not None, (intent_speed,)),
    _R("intent_decision_log", "bookkeeping", 1, lambda f: f.asks(r"\blog\b|\brecord\b|document"), (record_decision,)),
    # Undo a remedy that made things worse.
    _R("rollback_slice_switch", "knowledge", 95, lambda f: f.worse_since_last_move("slice"), (undo_last_move,)),
    _R("rollback_offload", "knowledge", 94, lambda f: f.worse_since_last_move("host"), (undo_last_move,)),
    # Backhaul faults: latency and loss up with a healthy radio link.
    _R("backhaul_multi_cell_handover", "backhaul", 90, lambda f: _backhaul_like(f) and f.cells > 1, (handover_status(_service_ue), handover_to_best(_service_ue))),
    _R("backhaul_single_cell_shape", "backhaul", 65, lambda f: _backhaul_like(f) and f.cells == 1, (shape(EMBB, 0.5),)),
    # Latency.
    _R("latency_edge_busy_to_cloud", "edge overload", 85, lambda f: f.over("latency") and f.host == "edge" and f.edge.utilisation > 0.8, (to_host("cloud", "the edge is saturated"),)),
    _R("latency_cloud_to_free_edge", "latency", 82, lambda f: f.over("latency") and f.host == "cloud" and f.edge.utilisation < 0.7, (to_host("edge", "latency above the SLA bound"),)),
    _R("latency_mmtc_to_urllc", "slice mismatch", 80, lambda f: f.over("latency") and f.slice is MMTC, (to_slice(URLLC),)),
    _R("latency_embb_to_urllc", "congestion", 78, lambda f: f.over("latency") and f.slice is EMBB, (to_slice(URLLC),)),
    _R("latency_urllc_small_share", "congestion", 70, lambda f: f.over("latency") and f.slice is URLLC and f.share(URLLC) < 0.5, (resize(URLLC, 0.6),)),
    _R("latency_trend_rising", "drift", 60, lambda f: f.slice is EMBB and not f.over("latency") and f.latency_projected() > f.sla.max_latency_ms, (to_slice(URLLC),)),
    _R("latency_near_bound_edge_idle", "latency", 55, lambda f: f.near("latency", 0.9) and f.host == "cloud" and f.edge.utilisation < 0.5, (to_host("edge", "latency close to its bound"),)),
    # Loss.
    _R("loss_weak_radio_handover", "interference", 88, lambda f: f.over("loss") and _multi_cell_weak(f, 3.0), (handover_status(_service_ue), handover_to_best(_service_ue))),
    _R("loss_edge_drops_to_cloud", "edge overload", 86, lambda f: f.over("loss") and f.host == "edge" and f.edge.dropped_per_s > 0.0, (to_host("cloud", "the edge drops jobs"),)),
    _R("loss_embb_to_urllc", "congestion", 75, lambda f: f.over("loss") and f.slice is EMBB, (to_slice(URLLC),)),
    _R("loss_interference_single_cell", "interference", 74, lambda f: f.over("loss") and f.cells == 1 and f.sinr < 3.0 and f.slice is not URLLC, (to_slice(URLLC),)),
    _R("loss_mmtc_to_embb", "slice mismatch", 72, lambda f: f.over("loss") and f.slice is MMTC and not f.asks(r"\bmmtc\b|\biot\b|machine[- ]type"), (to_slice(EMBB),)),
    _R("loss_urllc_small_share", "congestion", 68, lambda f: f.over("loss") and f.slice is URLLC and f.share(URLLC) < 0.4, (resize(URLLC, 0.6),)),
    # Throughput.
    _R("throughput_edge_overloaded_to_cloud", "edge overload", 84, lambda f: f.over("throughput") and f.host == "edge" and f.edge.utilisation > 0.85, (to_host("cloud", "the edge is saturated"),)),
    _R("throughput_mmtc_to_embb", "slice mismatch", 77, lambda f: f.over("throughput") and f.slice is MMTC and not f.asks(r"\bmmtc\b|\biot\b|machine[- ]type"), (to_slice(EMBB),)),
    _R("throughput_urllc_small_share", "congestion", 69, lambda f: f.over("throughput") and f.slice is URLLC and f.share(URLLC) < 0.5, (resize(URLLC, 0.6),)),
    _R("throughput_embb_congested_shape", "congestion", 66, lambda f: f.over("throughput") and f.slice is EMBB and f.slice_tel(EMBB).loss_rate > 0.02, (shape(EMBB, 0.5),)),
    _R("throughput_weak_radio_to_urllc", "interference", 64, lambda f: f.over("throughput") and f.sinr < 0.0 and f.slice is not URLLC, (to_slice(URLLC),)),
    # Jitter.
    _R("jitter_edge_queue_to_cloud", "edge overload", 63, lambda f: f.over("jitter") and f.host == "edge" and f.edge.queue_jobs > 2.0, (to_host("cloud", "jobs queue at the edge"),)),
    _R("jitter_embb_to_urllc", "congestion", 62, lambda f: f.over("jitter") and f.slice is EMBB, (to_slice(URLLC),)),
    _R("jitter_urllc_small_share", "congestion", 58, lambda f: f.over("jitter") and f.slice is URLLC and f.share(URLLC) < 0.5, (resize(URLLC, 0.6),)),
    # Slice load (background traffic).
    _R("embb_slice_overloaded_shape", "congestion", 67, lambda f: bool(f.violations) and f.slice is EMBB and f.slice_tel(EMBB).loss_rate > 0.05, (shape(EMBB, 0.5),)),
    _R("embb_congestion_persists_shape_more", "congestion", 57, lambda f: bool(f.violations) and f.knowledge.shaped.get(EMBB, 0.0) >= 0.5 and f.slice_tel(EMBB).loss_rate > 0.03, (shape(EMBB, 0.9),)),
    _R("urllc_slice_overloaded_resize", "congestion", 66, lambda f: bool(f.violations) and f.slice is URLLC and f.slice_tel(URLLC).loss_rate > 0.05, (resize(URLLC, 0.6),)),
    _R("urllc_share_starved", "slice mismatch", 50, lambda f: f.slice is URLLC and f.share(URLLC) < 0.2, (resize(URLLC, 0.3),)),
    _R("mmtc_flood_shed", "congestion", 40, lambda f: bool(f.violations) and f.slice_tel(MMTC).loss_rate > 0.1 and f.slice is not MMTC, (shape(MMTC, 0.5, "shed"),)),
    # Edge compute.
    _R("edge_overloaded_to_cloud", "edge overload", 83, lambda f: f.host == "edge" and f.edge.utilisation > 0.9, (to_host("cloud", "edge utilisation above 90 %"),)),
    _R("edge_dropping_to_cloud", "edge overload", 79, lambda f: f.host == "edge" and f.edge.dropped_per_s > 1.0, (to_host("cloud", "the edge drops jobs"),)),
    _R("edge_queue_growing_to_cloud", "edge overload", 61, lambda f: f.host == "edge" and f.edge.queue_jobs > 5.0, (to_host("cloud", "the edge queue is long"),)),
    _R("edge_idle_cloud_slow", "latency", 52, lambda f: f.host == "cloud" and f.edge.utilisation < 0.3 and f.near("latency", 0.8), (to_host("edge", "the edge is idle"),)),
    # Radio.
    _R("service_link_weak_handover", "interference", 76, lambda f: _multi_cell_weak(f, 0.0), (handover_status(_service_ue), handover_to_best(_service_ue))),
    _R("service_detached_reattach", "radio", 92, lambda f: f.telemetry.service.gnb is None and f.cells > 0, (handover_status(_service_ue), handover_to_best(_service_ue))),
    # UAVs.
    _R("service_uav_off_course_handover", "drift", 71, lambda f: f.service_uav is not None and f.service_uav.off_course and _multi_cell_weak(f, 0.0), (handover_status(_service_ue), handover_to_best(_service_ue))),
    _R("uav_off_course_alert", "drift", 54, lambda f: f.uav_where(_off_course) is not None, (uav_alert("off_course", _off_course),)),
    _R("uav_off_course_heartbeat", "drift", 35, lambda f: f.uav_where(_off_course) is not None, (uav_heartbeat(_off_course),)),
    _R("uav_battery_low_alert", "low battery", 53, lambda f: f.uav_where(_low_battery(0.25)) is not None, (uav_alert("battery_low", _low_battery(0.25)),)),
    _R("uav_battery_critical_slow_down", "low battery", 51, lambda f: f.uav_where(_low_battery(0.15)) is not None, (uav_speed(5.0, _low_battery(0.15)),)),
    _R("uav_link_weak_alert", "radio", 45, lambda f: f.uav_where(_weak_uav_link) is not None, (uav_alert("link_degraded", _weak_uav_link),)),
    _R(
        "uav_link_weak_handover",
        "radio",
        59,
        lambda f: f.cells > 1 and f.uav_where(_weak_uav_link) is not None,
        (handover_status(lambda f: f.uav_where(_weak_uav_link).uav if f.uav_where(_weak_uav_link) else None), handover_to_best(lambda f: f.uav_where(_weak_uav_link).uav if f.uav_where(_weak_uav_link) else None)),
    ),
    _R("service_uav_sla_alert", "SLA", 20, lambda f: bool(f.violations) and f.service_uav is not None and f.knowledge.remedies >= 2, (lambda f, m: call("send_alert", uav=f.service_uav.uav, alert="sla_violation"),)),
)
# fmt: on


class MapeKAgent(Agent):
    """A MAPE-K loop over the 50 rules of :data:`RULES`.

    Monitor: ``read_telemetry`` (the state, averaged over the last two windows, the SLA,
    the radio link, slice loads, the edge server, UAVs). Analyze: every rule whose
    condition holds and that has not run this episode. Plan: the one with the highest
    priority whose calls fit in the steps left. Execute: its calls, one per step (later
    calls may use what earlier ones returned). Knowledge: which rules ran, what they
    changed and how many SLA dimensions were violated before (so a change that made
    things worse is undone). When no rule applies, the last state is verified against the
    intent's SLA and the agent stops.

    Args:
        max_remedies: At most this many rules run per episode (operators avoid churn).
    """

    id = "mapek"

    def __init__(self, *, max_remedies: int = 6):
        self.max_remedies = max_remedies
        self._reset_episode("")

    def _reset_episode(self, intent: str) -> None:
        self._intent = intent
        self._briefing = Briefing()
        self._knowledge = Knowledge()
        self._plan: list[Step] = []
        self._rule: Rule | None = None
        self._memory: dict[str, Any] = {}
        self._violations_before = 0
        self._telemetry: TelemetryState | None = None
        self._facts: Facts | None = None
        self._last_call: ToolCall | None = None
        self._phase = "monitor"

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        self._reset_episode(intent)

    @property
    def knowledge(self) -> Knowledge:
        return self._knowledge

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.step == 0:
            self._briefing = briefing_of(observation, self._intent)
        else:
            self._learn(observation)
        if self._phase == "done":
            return None
        if self._phase == "execute":
            nxt = self._next_planned()
            if nxt is not None:
                return nxt
            self._phase = "monitor"
        if self._phase == "monitor":
            self._phase = "analyze"
            return call("read_telemetry")
        # analyze + plan on the telemetry just read
        if self._telemetry is None:
            self._phase = "done"
            return None
        return self._decide(
            Facts.observe(self._briefing, self._telemetry, self._knowledge), observation.step
        )

    def _decide(self, facts: Facts, step: int) -> ToolCall:
        steps_left = self._briefing.max_steps - step
        while True:
            rule = self.plan(facts, steps_left=steps_left)
            if rule is None:
                self._phase = "done"
                return verify(self._telemetry.state, facts.sla)
            self._knowledge.fired[rule.name] = self._knowledge.fired.get(rule.name, 0) + 1
            self._rule, self._plan, self._memory, self._facts = rule, list(rule.then), {}, facts
            self._violations_before = len(facts.violations)
            first = self._next_planned()
            if first is not None:
                self._knowledge.remedies += 1
                self._phase = "execute"
                return first
            # Its action cannot be built in this situation (it stays marked as tried): next rule.

    def analyze(self, facts: Facts) -> list[Rule]:
        """The rules that apply now and have not run this episode, most urgent first."""
        fired = [r for r in RULES if r.name not in facts.knowledge.fired and r.when(facts)]
        return sorted(fired, key=lambda r: -r.priority)

    def plan(self, facts: Facts, *, steps_left: int) -> Rule | None:
        """The rule to execute: the most urgent one whose calls, a re-monitor and the verification fit."""
        if facts.knowledge.remedies >= self.max_remedies:
            return None
        for rule in self.analyze(facts):
            if len(rule.then) + 2 <= steps_left:
                return rule
        return None

    # --- execute and learn ---
    def _next_planned(self) -> ToolCall | None:
        while self._plan:
            step = self._plan.pop(0)
            built = step(self._facts, self._memory)
            if built is None:
                self._knowledge.failed.add(self._rule.name)
                self._plan = []
                return None
            self._last_call = built
            return built
        return None

    def _learn(self, observation: Observation) -> None:
        name = observation.tool_name
        if name:
            self._knowledge.tools_used.append(name)
        if observation.error is not None:
            if self._phase == "execute" and self._rule is not None:
                self._knowledge.failed.add(self._rule.name)
                self._plan = []
            if name == "read_telemetry":
                self._telemetry = None
            return
        result = observation.tool_result
        if name == "read_telemetry":
            self._telemetry = result
            return
        if name is None or self._rule is None:
            return
        self._memory[name] = result
        before = self._facts.state.slice.value
        move = None
        if name == "switch_network_slice":
            move = Move(
                "slice", before, result.slice.value, self._violations_before, self._rule.name, self._rule.from_intent
            )
        elif name == "edge_offload" and result.accepted:
            move = Move(
                "host",
                result.previous_host,
                result.host,
                self._violations_before,
                self._rule.name,
                self._rule.from_intent,
            )
        if move is not None:
            self._knowledge.moves.append(move)
            if self._rule.from_intent:
                self._knowledge.pinned.add(move.what)
            if self._rule.then[0] is undo_last_move:
                # What was undone made things worse: no rule may move there again this episode.
                self._knowledge.abandoned.add(f"{move.what}:{move.before}")
        elif name == "graceful_degradation" and self._last_call is not None:
            spec = json.loads(self._last_call.arguments_text())["spec"]
            self._knowledge.shaped[SliceType(spec["slice"])] = float(spec["fraction"])

    def describe(self) -> dict[str, object]:
        return {"agent": self.id, "rules": len(RULES), "max_remedies": self.max_remedies}
