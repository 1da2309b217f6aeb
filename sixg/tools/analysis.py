"""Reasoning tools that analyse the network: risk, intent feasibility, offload placement, SLA checks.

They compute from their inputs and the static layout only; none of them reads the
live measurements, so they give the same answer for the same arguments at any time.
"""

from __future__ import annotations

import math
import re

from sixg.domain import SLA_DIMENSIONS, NetworkState, SLASpec, SliceType
from sixg.errors import ToolRefusedError
from sixg.tools.measures import linear_trend, sla_checks
from sixg.tools.registry import Effect, ToolContext, tool
from sixg.tools.types import (
    ComplianceResult,
    EdgeLoad,
    FeasibilityFactor,
    FeasibilityScore,
    Intent,
    Level,
    OffloadTarget,
    RiskFactor,
    RiskScore,
    TaskSpec,
    TelemetryState,
)

#: Radio round trip the LTE air interface adds at best (scheduling request, grant, HARQ), ms.
RADIO_RTT_FLOOR_MS = 10.0
#: Lowest jitter a service can be promised over a scheduled radio link, ms.
JITTER_FLOOR_MS = 0.5

_NUMBER = r"(\d+(?:\.\d+)?)"
_BELOW = r"(?:below|under|less than|lower than|within|at most|no more than|not exceed(?:ing)?|<=?|≤)"
_ABOVE = r"(?:above|over|at least|more than|higher than|no less than|>=?|≥)"
_PATTERNS = {
    "latency": re.compile(rf"latency[^.;\d]*?{_BELOW}\s*{_NUMBER}\s*ms", re.IGNORECASE),
    "jitter": re.compile(rf"jitter[^.;\d]*?{_BELOW}\s*{_NUMBER}\s*ms", re.IGNORECASE),
    "loss": re.compile(rf"loss[^.;\d]*?{_BELOW}\s*{_NUMBER}\s*(%|percent)?", re.IGNORECASE),
    "throughput": re.compile(
        rf"(?:throughput|bandwidth|goodput|rate)[^.;\d]*?{_ABOVE}\s*{_NUMBER}\s*([gmk])?(?:bit/s|bps|b/s)",
        re.IGNORECASE,
    ),
}


def targets_from_text(text: str) -> dict[str, float]:
    """Numeric targets an intent states, e.g. ``"latency below 40 ms"`` -> ``{"latency": 40.0}``.

    Loss is returned as a fraction; throughput in Mbit/s.
    """
    found: dict[str, float] = {}
    for dim, pattern in _PATTERNS.items():
        m = pattern.search(text)
        if not m:
            continue
        value = float(m.group(1))
        if dim == "loss" and (m.group(2) or value > 1.0):
            value /= 100.0
        if dim == "throughput":
            value *= {"g": 1000.0, "m": 1.0, "k": 0.001, None: 1.0}[(m.group(2) or "").lower() or None]
        found[dim] = value
    return found


def sla_from_text(text: str, default: SLASpec) -> SLASpec:
    """The SLA an intent asks for: its stated targets, ``default`` for the ones it leaves out."""
    t = targets_from_text(text)
    bounds = {d.bound: t.get(d.name, d.limit(default)) for d in SLA_DIMENSIONS}
    return SLASpec(**{**bounds, "max_loss_rate": min(1.0, bounds["max_loss_rate"])})


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi``, linear between (either direction)."""
    if hi == lo:
        return 1.0 if x >= hi else 0.0
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


@tool(Effect.REASONING, latency_s=0.1)
def risk_assessment(ctx: ToolContext, telemetry: TelemetryState) -> RiskScore:
    """Score how close the network is to failing the managed service, 0 (safe) to 1, from a
    telemetry reading: each SLA dimension's distance to its bound, the latency trend over the
    recent windows, edge load, the service's radio link, UAV batteries and UAVs off course. Each
    factor's contribution is reported; the level is low, medium, high or critical.

    Args:
        telemetry: A reading from read_telemetry.
    """
    s, sla = telemetry.state, telemetry.sla
    recent = list(telemetry.recent) or [s]
    slope, _ = linear_trend(list(range(len(recent))), [r.latency_ms for r in recent])
    projected = s.latency_ms + slope * 10  # ten windows ahead
    min_battery = min((u.battery_fraction for u in telemetry.uavs), default=1.0)
    off_course = sum(1 for u in telemetry.uavs if u.off_course)
    raw = [
        ("latency", s.latency_ms, sla.max_latency_ms, 0.9, _ramp(s.latency_ms / sla.max_latency_ms, 0.7, 1.0)),
        ("jitter", s.jitter_ms, sla.max_jitter_ms, 0.5, _ramp(s.jitter_ms / sla.max_jitter_ms, 0.7, 1.0)),
        ("loss", s.loss_rate, sla.max_loss_rate, 0.9, _ramp(s.loss_rate / max(sla.max_loss_rate, 1e-9), 0.5, 1.0)),
        (
            "throughput",
            s.throughput_mbps,
            sla.min_throughput_mbps,
            0.9,
            _ramp(s.throughput_mbps / max(sla.min_throughput_mbps, 1e-9), 1.2, 1.0),
        ),
        ("latency_trend", projected, sla.max_latency_ms, 0.5, _ramp(projected / sla.max_latency_ms, 0.8, 1.0)),
        ("edge_load", s.edge_load, 0.95, 0.6, _ramp(s.edge_load, 0.7, 0.95)),
        ("service_sinr_db", telemetry.service.sinr_db, 0.0, 0.6, _ramp(telemetry.service.sinr_db, 6.0, -6.0)),
        ("uav_battery", min_battery, 0.1, 0.5, _ramp(min_battery, 0.3, 0.1)),
        ("uavs_off_course", float(off_course), 1.0, 0.6, 1.0 if off_course else 0.0),
    ]
    factors = tuple(RiskFactor(name=n, value=v, threshold=th, weight=w, contribution=c) for n, v, th, w, c in raw)
    score = 1.0 - math.prod(1.0 - f.weight * f.contribution for f in factors)
    return RiskScore(score=score, level=Level.of(score), factors=factors)


@tool(Effect.REASONING, latency_s=0.1)
def evaluate_intent_feasibility(ctx: ToolContext, intent: Intent, state: NetworkState) -> FeasibilityScore:
    """Score, 0-1, whether an operator intent can be met from the given state. Targets come from
    the intent's explicit SLA or, when that is null, from its text ("latency below 40 ms",
    "throughput at least 2 Mbit/s", "loss under 1 %", "jitter below 5 ms"). Each target is checked
    against what the network can physically deliver (edge round trip plus the radio floor, the
    rate the service offers) and against how far the state is from it.

    Args:
        intent: The operator's intent.
        state: The network state to start from (as check_network_state returned it).
    """
    sc = ctx.world.scenario
    if intent.sla is not None:
        targets = {d.name: d.limit(intent.sla) for d in SLA_DIMENSIONS}
    else:
        targets = targets_from_text(intent.text)
    if not targets and intent.slice is None:
        raise ToolRefusedError(
            "the intent states no measurable target: give `sla`, or say e.g. 'latency below 40 ms', "
            "'throughput at least 2 Mbit/s', 'loss under 1 %' or name a slice"
        )
    floor_latency = 2 * sc.edge.link_delay_ms + RADIO_RTT_FLOOR_MS
    ceiling_throughput = sc.service.offered_mbps
    current = {
        "latency": state.latency_ms,
        "jitter": state.jitter_ms,
        "loss": state.loss_rate,
        "throughput": state.throughput_mbps,
    }
    factors: list[FeasibilityFactor] = []
    closeness: list[float] = []
    for dim, target in targets.items():
        value = current[dim]
        if dim == "latency":
            possible, limit = target >= floor_latency, f"the best round trip is about {floor_latency:.1f} ms (edge)"
        elif dim == "jitter":
            possible, limit = target >= JITTER_FLOOR_MS, f"jitter below {JITTER_FLOOR_MS} ms cannot be promised"
        elif dim == "loss":
            possible, limit = target >= 0.0, "loss cannot be negative"
        else:
            possible, limit = target <= ceiling_throughput, f"the service offers only {ceiling_throughput:.2f} Mbit/s"
        met = value >= target if dim == "throughput" else value <= target
        gap = abs(value - target) / max(abs(target), 1e-9)
        closeness.append(0.0 if not possible else 1.0 if met else max(0.2, 0.9 - 0.5 * min(gap, 1.4)))
        detail = (
            (f"met now ({value:.4g} vs {target:.4g})" if met else f"{value:.4g} now, target {target:.4g}")
            if possible
            else f"impossible: {limit}"
        )
        factors.append(FeasibilityFactor(name=dim, value=value, target=target, ok=possible, detail=detail))
    if intent.slice is not None:
        possible = not (intent.slice is SliceType.MMTC and targets.get("throughput", 0.0) > 1.0)
        factors.append(
            FeasibilityFactor(
                name="slice",
                value=None,
                target=None,
                ok=possible,
                detail=f"the service is on {state.slice.value}, the intent wants {intent.slice.value}"
                + ("" if possible else "; mMTC carries device rates only"),
            )
        )
        closeness.append((1.0 if state.slice is intent.slice else 0.8) if possible else 0.0)
    feasible = all(f.ok for f in factors)
    score = min(closeness) * 0.5 + (sum(closeness) / len(closeness)) * 0.5 if feasible else 0.0
    missing = [f.name for f in factors if not f.ok]
    summary = (
        "feasible" if feasible else f"infeasible ({', '.join(missing)})"
    ) + f"; {sum(1 for c in closeness if c >= 1.0)} of {len(closeness)} target(s) met now"
    return FeasibilityScore(score=score, feasible=feasible, factors=tuple(factors), summary=summary)


@tool(Effect.REASONING, latency_s=0.05)
def select_offload_target(ctx: ToolContext, edge: EdgeLoad, task: TaskSpec) -> OffloadTarget:
    """Choose where compute work should run, edge or cloud, by the response time each would give:
    the backbone round trip plus queueing at the host's utilisation once the task's load is on it
    (M/M/1). The task is taken to be the managed service's compute: its load counts once, wherever
    it runs now. The task's latency bound, if any, must be met.

    Args:
        edge: The edge server's load, as get_edge_load returned it.
        task: The compute task to place.
    """
    sc = ctx.world.scenario
    demand = task.compute_jobs_s
    options = {}
    for host, spec, utilisation, capacity in (
        ("edge", sc.edge, edge.utilisation, edge.capacity_jobs_s),
        ("cloud", sc.cloud, 0.0, sc.cloud.capacity_jobs_s),
    ):
        rho = utilisation + (0.0 if edge.service_host == host else demand / capacity)
        latency = 2 * spec.link_delay_ms + 1000.0 / (capacity * (1.0 - rho)) if rho < 0.98 else math.inf
        options[host] = (latency, rho)
    ranked = sorted(options, key=lambda h: options[h][0])
    best = ranked[0]
    latency, rho = options[best]
    other = ranked[1]
    if not math.isfinite(latency):
        raise ToolRefusedError(
            f"neither host can take {demand:.0f} jobs/s: both would be saturated; shed load first (graceful_degradation)"
        )
    reason = f"{best} answers in about {latency:.1f} ms at {rho:.0%} load; {other} would take " + (
        f"{options[other][0]:.1f} ms" if math.isfinite(options[other][0]) else "forever (saturated)"
    )
    if task.max_latency_ms is not None and latency > task.max_latency_ms:
        reason += f"; neither meets the {task.max_latency_ms:.0f} ms bound"
    return OffloadTarget(host=best, expected_latency_ms=latency, expected_utilisation=min(rho, 1.0), reason=reason)


@tool(Effect.REASONING, latency_s=0.05)
def verify_sla_compliance(ctx: ToolContext, state: NetworkState, sla: SLASpec) -> ComplianceResult:
    """Check a network state against an SLA: each dimension's value, bound and margin, and the
    verdict. Verifying the current state against the episode's SLA is how an SLA intent is
    confirmed.

    Args:
        state: The network state to check (as check_network_state returned it).
        sla: The targets: max latency, max jitter, max loss rate, min throughput.
    """
    checks = sla_checks(state, sla)
    return ComplianceResult(
        compliant=all(c.ok for c in checks), violations=tuple(c.dimension for c in checks if not c.ok), checks=checks
    )
