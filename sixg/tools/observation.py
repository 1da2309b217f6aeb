"""Observation tools: read the network as last measured; change nothing (16 tools)."""

from __future__ import annotations

import math
import statistics

from sixg import radio
from sixg.domain import SLA_DIMENSION, NetworkState, Position, SliceType
from sixg.tools.measures import (
    RECENT_WINDOWS,
    edge_load,
    linear_trend,
    link_quality,
    nearest_ue,
    required_sinr_db,
    sla_checks,
    slice_capacity_mbps,
    telemetry,
)
from sixg.tools.catalog import default_catalog
from sixg.tools.registry import Effect, ToolContext, tool
from sixg.tools.types import (
    AreaPosition,
    BatteryLevel,
    CellReading,
    DegradationSpec,
    EdgeLoad,
    FeasibilityFactor,
    FeasibilityScore,
    GnbInfo,
    GnbList,
    GnbRef,
    HandoverRequestView,
    HandoverStatus,
    InterferenceLevel,
    KpiForecast,
    Level,
    LinkQuality,
    OffloadTarget,
    Priority,
    RecommendedCall,
    RecoveryStrategy,
    ResourceSpec,
    RiskScore,
    SignalStrength,
    SLAPrediction,
    SliceList,
    SliceOption,
    SliceStatus,
    TaskKind,
    TaskSpec,
    TelemetryState,
    TrafficPattern,
    UavRef,
    UeRef,
)

#: How far ahead predict_sla_violation looks, s.
FORECAST_HORIZON_S = 5.0
#: A UE this close to a queried position stands in for it when comparing measurement and geometry.
REFERENCE_UE_RADIUS_M = 150.0


@tool(Effect.OBSERVATION, latency_s=0.1)
def read_telemetry(ctx: ToolContext) -> TelemetryState:
    """Read the network's full telemetry from the last measurement window: the managed service's
    six-dimensional state and its SLA, the service UE's radio link, each slice's load, the edge
    server, every UAV (position, battery, serving cell, whether it is off course) and the last few
    windows' states. Pass it to risk_assessment to score the risk."""
    return telemetry(ctx.world)


@tool(Effect.OBSERVATION, latency_s=0.05)
def check_network_state(ctx: ToolContext) -> NetworkState:
    """Read the managed service's current network state: active slice, latency, jitter, loss rate,
    throughput and edge-compute load, measured over the last window."""
    return ctx.world.state


@tool(Effect.OBSERVATION, latency_s=0.05)
def get_signal_strength(ctx: ToolContext, position: AreaPosition) -> SignalStrength:
    """Predict the downlink signal at a position from the base stations' power and the radio
    geometry: the strongest cell, its RSRP and SINR (the other cells interfering), the CQI and a
    coverage verdict, and every cell's reading there.

    Args:
        position: The point to examine, metres in the scenario frame (z is height above ground).
    """
    cells = radio.cell_signals(ctx.world.scenario, position)
    best = cells[0]
    coverage = (
        "none"
        if not best.detectable or best.sinr_db < radio.LINK_SINR_FLOOR_DB
        else "good"
        if best.sinr_db >= 10
        else "fair"
        if best.sinr_db >= 3
        else "poor"
    )
    return SignalStrength(
        position=position,
        gnb=best.gnb,
        rsrp_dbm=best.rsrp_dbm,
        sinr_db=best.sinr_db,
        cqi=radio.cqi(best.sinr_db),
        coverage=coverage,
        loaded_sinr_db=best.loaded_sinr_db,
        cells=tuple(
            CellReading(
                gnb=c.gnb,
                distance_m=c.distance_m,
                rsrp_dbm=c.rsrp_dbm,
                sinr_db=c.sinr_db,
                loaded_sinr_db=c.loaded_sinr_db,
            )
            for c in cells
        ),
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def scan_available_gnbs(ctx: ToolContext, position: AreaPosition) -> GnbList:
    """List the base stations a UE at a position would see, strongest first, with distance, RSRP,
    SINR, whether the cell is detectable there, and how many UEs each serves now.

    Args:
        position: Where to scan from, metres in the scenario frame.
    """
    attached = ctx.world.attached_ues()
    gnbs = []
    for c in radio.cell_signals(ctx.world.scenario, position):
        spec = ctx.world.scenario.gnb(c.gnb)
        gnbs.append(
            GnbInfo(
                gnb=c.gnb,
                position=spec.position,
                distance_m=c.distance_m,
                rsrp_dbm=c.rsrp_dbm,
                sinr_db=c.sinr_db,
                detectable=c.detectable,
                tx_power_dbm=spec.tx_power_dbm,
                attached_ues=attached[c.gnb],
            )
        )
    return GnbList(position=position, gnbs=tuple(gnbs))


@tool(Effect.OBSERVATION, latency_s=0.05)
def get_edge_load(ctx: ToolContext) -> EdgeLoad:
    """Read the edge compute server's load over the last window: utilisation, queue, capacity,
    arrivals and drops per second, and whether the managed service runs on the edge or the cloud."""
    return edge_load(ctx.world)


@tool(Effect.OBSERVATION, latency_s=0.05)
def get_slice_status(ctx: ToolContext, slice: SliceType) -> SliceStatus:
    """Read one network slice's status: its share of cell capacity, the capacity that buys, the
    background traffic it carries (throughput, latency, jitter, loss), how full it is, and whether
    the managed service runs on it.

    Args:
        slice: The slice: "eMBB", "URLLC" or "mMTC".
    """
    world = ctx.world
    k = world.snapshot.slices[slice]
    capacity = slice_capacity_mbps(world, slice, k.share)
    return SliceStatus(
        slice=slice,
        share=k.share,
        capacity_mbps=capacity,
        throughput_mbps=k.throughput_mbps,
        latency_ms=k.latency_ms,
        jitter_ms=k.jitter_ms,
        loss_rate=k.loss_rate,
        utilisation=k.throughput_mbps / capacity if capacity > 0 else 0.0,
        service_on_slice=world.state.slice is slice,
        ues=sum(1 for u in world.scenario.ues if u.slice is slice and u.kind == "ground"),
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def read_uav_position(ctx: ToolContext, uav: UavRef) -> Position:
    """Read where a UAV is now (metres in the scenario frame; z is its height above ground).

    Args:
        uav: The UAV, e.g. "uav-0".
    """
    return ctx.world.uav_position(uav)


@tool(Effect.OBSERVATION, latency_s=0.05)
def get_battery_level(ctx: ToolContext, uav: UavRef) -> BatteryLevel:
    """Read a UAV's battery: energy left, capacity, fraction, and how long it could still hover.

    Args:
        uav: The UAV, e.g. "uav-0".
    """
    status = ctx.world.uav(uav)
    spec = ctx.world.uav_spec(uav)
    return BatteryLevel(
        uav=uav,
        energy_wh=status.battery_wh,
        capacity_wh=spec.battery_capacity_wh,
        fraction=status.battery_fraction,
        endurance_s=status.battery_wh * 3600.0 / spec.hover_power_w,
    )


@tool(Effect.OBSERVATION, latency_s=0.15)
def predict_sla_violation(ctx: ToolContext, state: NetworkState) -> SLAPrediction:
    """Forecast whether the managed service will violate its SLA within the next 5 seconds: each
    dimension's trend over the recent windows is extrapolated from the given state and compared
    with the SLA bound, with a probability from how noisy the trend is.

    Args:
        state: The current network state (as check_network_state returned it).
    """
    world = ctx.world
    sla = world.scenario.sla
    history = world.recent(2 * RECENT_WINDOWS)
    ts = [s.t for s in history]
    forecasts: list[KpiForecast] = []
    probabilities: list[float] = []
    times: list[float] = []
    for check in sla_checks(state, sla):
        dim = check.dimension
        upper = SLA_DIMENSION[dim].upper
        slope, spread = linear_trend(ts, [SLA_DIMENSION[dim].value(s.state) for s in history])
        predicted = max(0.0, check.value + slope * FORECAST_HORIZON_S)
        if dim == "loss":
            predicted = min(1.0, predicted)
        scale = max(spread, 0.05 * abs(check.bound), 1e-6)
        overshoot = (predicted - check.bound) if upper else (check.bound - predicted)
        p = 1.0 if not check.ok else 0.5 * (1.0 + math.erf(overshoot / (scale * math.sqrt(2.0))))
        probabilities.append(p)
        toward = slope > 0 if upper else slope < 0
        if not check.ok:
            times.append(0.0)
        elif toward and abs(slope) > 1e-12:
            times.append(abs(check.margin / slope))
        forecasts.append(
            KpiForecast(dimension=dim, current=check.value, predicted=predicted, bound=check.bound, trend_per_s=slope)
        )
    probability = 1.0 - math.prod(1.0 - p for p in probabilities)
    return SLAPrediction(
        will_violate=probability >= 0.5,
        probability=probability,
        horizon_s=FORECAST_HORIZON_S,
        time_to_violation_s=min(times) if times else None,
        dimensions=tuple(forecasts),
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def check_handover_status(ctx: ToolContext, ue: UeRef) -> HandoverStatus:
    """Read a UE's (or UAV's) handover state: serving cell, whether a handover is under way,
    completed and failed handovers, its link, the strongest cell where it is, and the last
    handover requested for it.

    Args:
        ue: The UAV or ground UE, e.g. "uav-0" or "ue-3".
    """
    world = ctx.world
    r = world.ue(ue)
    last = world.handover_requests.get(ue)
    return HandoverStatus(
        ue=ue,
        serving_gnb=r.gnb,
        in_progress=r.handover_in_progress,
        handovers_ok=r.handovers_ok,
        handovers_failed=r.handovers_failed,
        rsrp_dbm=r.rsrp_dbm,
        sinr_db=r.sinr_db,
        best_gnb=radio.best_cell(world.scenario, r.position).gnb,
        last_request=HandoverRequestView(target_gnb=last[0], t=last[1], accepted=last[2]) if last else None,
    )


@tool(Effect.OBSERVATION, latency_s=0.1)
def get_traffic_pattern(ctx: ToolContext, slice: SliceType) -> TrafficPattern:
    """Characterise a slice's traffic over the recent windows (up to 20 s): mean, peak and minimum
    throughput, trend, burstiness, packet rate, the load its sources offer, and a one-word shape
    (idle, steady, bursty, rising or falling).

    Args:
        slice: The slice: "eMBB", "URLLC" or "mMTC".
    """
    world = ctx.world
    history = world.recent(40)
    ts = [s.t for s in history]
    thr = [s.slices[slice].throughput_mbps for s in history]
    packets = [s.slices[slice].rx_packets / s.window_s for s in history]
    mean = statistics.fmean(thr)
    slope, _ = linear_trend(ts, thr)
    cov = statistics.pstdev(thr) / mean if mean > 1e-9 else 0.0
    span = (ts[-1] - ts[0]) if len(ts) > 1 else 0.0
    flows = [f for f in world.scenario.flows if f.slice is slice]
    if mean < 0.01:
        shape = "idle"
    elif abs(slope) * span > 0.2 * mean:
        shape = "rising" if slope > 0 else "falling"
    elif cov > 0.3:
        shape = "bursty"
    else:
        shape = "steady"
    return TrafficPattern(
        slice=slice,
        windows=len(history),
        mean_mbps=mean,
        peak_mbps=max(thr),
        min_mbps=min(thr),
        trend_mbps_per_s=slope,
        burstiness=cov,
        packets_per_s=statistics.fmean(packets),
        offered_mbps=sum(f.rate_bps for f in flows) / 1e6,
        flows=len(flows),
        uplink_flows=sum(1 for f in flows if f.direction == "ul"),
        downlink_flows=sum(1 for f in flows if f.direction == "dl"),
        shape=shape,
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def monitor_interference(ctx: ToolContext, position: AreaPosition) -> InterferenceLevel:
    """Measure interference near a position: the other cells' interference power, the SINR a UE
    there should report and the SINR with busy neighbour cells, and, when a UE is within 150 m,
    how much worse that UE actually measures (excess interference from a source nobody planned,
    such as a jammer).

    Args:
        position: Where to look, metres in the scenario frame.
    """
    world = ctx.world
    best = radio.best_cell(world.scenario, position)
    ref = nearest_ue(world, position, within_m=REFERENCE_UE_RADIUS_M)
    measured = excess = None
    if ref is not None:
        r = world.ue(ref)
        if r.gnb is not None:
            expected = radio.signal_from(world.scenario, r.position, r.gnb).sinr_db
            measured = r.sinr_db
            excess = expected - measured
        else:
            ref = None
    worst = max(excess or 0.0, 0.0)
    if best.loaded_sinr_db < 0.0:
        worst = max(worst, 3.0)  # a cell edge: busy neighbours would drown the data channel
    level = Level.LOW if worst < 3 else Level.MEDIUM if worst < 8 else Level.HIGH if worst < 15 else Level.CRITICAL
    return InterferenceLevel(
        position=position,
        gnb=best.gnb,
        level=level,
        inter_cell_interference_dbm=max(best.interference_dbm, -300.0),
        predicted_sinr_db=best.sinr_db,
        loaded_sinr_db=best.loaded_sinr_db,
        reference_ue=ref,
        measured_sinr_db=measured,
        excess_db=excess,
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def check_link_quality(ctx: ToolContext, ue: UeRef, gnb: GnbRef) -> LinkQuality:
    """Assess the link between a UE (or UAV) and a base station at the UE's current position:
    distance, predicted RSRP and SINR, what the UE measures if that cell serves it, CQI, spectral
    efficiency, the rate it could get, and a quality verdict.

    Args:
        ue: The UAV or ground UE, e.g. "uav-0" or "ue-3".
        gnb: The base station, e.g. "gnb-1".
    """
    return link_quality(ctx.world, ue, gnb)


#: Risk factors that stand for an SLA dimension heading for trouble.
_RISK_DIMENSION = {
    "latency": "latency",
    "latency_trend": "latency",
    "jitter": "jitter",
    "loss": "loss",
    "throughput": "throughput",
}


@tool(Effect.OBSERVATION, latency_s=0.2)
def select_recovery_strategy(ctx: ToolContext, state: NetworkState, risk: RiskScore) -> RecoveryStrategy:
    """Diagnose the network's trouble from the state, the risk assessment and current telemetry
    (service host, edge load, radio links, slice loads, UAVs off course) and recommend a remedy as
    a sequence of ready-to-send tool calls, with the other remedies that would also apply. Acts
    early: a dimension the risk assessment sees heading for its bound counts as trouble.

    Args:
        state: The network state to remedy (as check_network_state returned it).
        risk: The risk score risk_assessment returned for the current telemetry.
    """
    world = ctx.world
    sc = world.scenario
    checks = {c.dimension: c for c in sla_checks(state, sc.sla)}
    trouble = {d for d, c in checks.items() if not c.ok or c.margin < 0.15 * abs(c.bound)}
    # The risk assessment may have seen a later window, or a trend: trust its strong signals too.
    trouble |= {_RISK_DIMENSION[f.name] for f in risk.factors if f.name in _RISK_DIMENSION and f.contribution >= 0.5}
    options: list[tuple[str, str, list[RecommendedCall], str]] = []

    def call(tool: str, **arguments) -> RecommendedCall:
        built = default_catalog().call(tool, **arguments)
        return RecommendedCall(tool=built.name, arguments=built.arguments_text())

    def offload(host: str, reason: str) -> RecommendedCall:
        task = TaskSpec(
            name="service",
            kind=TaskKind.COMPUTE,
            target=None,
            compute_jobs_s=sc.service.request_rate_hz,
            max_latency_ms=sc.sla.max_latency_ms,
            priority=Priority.HIGH,
        )
        target = OffloadTarget(host=host, expected_latency_ms=None, expected_utilisation=None, reason=reason)
        return call("edge_offload", task=task, target=target)

    edge = world.snapshot.edge
    host = world.snapshot.service.host
    svc = world.ue(sc.service.ue)
    slice_now = state.slice
    k = world.snapshot.slices[slice_now]
    cap = slice_capacity_mbps(world, slice_now, k.share)
    busy = cap > 0 and k.throughput_mbps / cap > 0.8
    embb = world.snapshot.slices[SliceType.EMBB]
    embb_cap = slice_capacity_mbps(world, SliceType.EMBB, embb.share)

    # 1. Compute: an overloaded edge hosting the service.
    if host == "edge" and edge.utilisation > 0.85:
        options.append(
            (
                "offload_to_cloud",
                f"the edge server is {edge.utilisation:.0%} busy and the service runs there",
                [offload("cloud", "edge overloaded")],
                "latency and loss recover once the service's jobs leave the overloaded edge",
            )
        )
    # 2. Flight: a UAV off course (worst when it carries the service).
    for uav in sorted(world.snapshot.uavs):
        if world.uav(uav).drifting:
            plan = world.plans[uav]
            back = plan.waypoints[plan.next_index % len(plan.waypoints)]
            options.append(
                (
                    "reposition_uav",
                    f"{uav} is off course" + (" and carries the managed service" if uav == sc.service.ue else ""),
                    [call("set_waypoint", uav=uav, position=back)],
                    f"{uav} flies back toward its planned route",
                )
            )
    # 3. Radio: the service UE's link is weak and a clearly stronger cell is there.
    need = required_sinr_db(state)
    if svc.gnb is None or svc.sinr_db < need or ({"loss", "throughput"} & trouble and svc.sinr_db < 10.0):
        here = svc.rsrp_dbm
        better = [
            c
            for c in radio.cell_signals(sc, svc.position)
            if c.gnb != svc.gnb and c.detectable and (svc.gnb is None or c.rsrp_dbm > here + 3.0)
        ]
        if better:
            target = max(better, key=lambda c: c.sinr_db)
            options.append(
                (
                    "handover",
                    f"the service UE's link is weak (SINR {svc.sinr_db:.1f} dB, needs {need:.0f} dB) and {target.gnb} is {target.rsrp_dbm - here:.1f} dB stronger",
                    ([call("check_migration_feasibility", uav=svc.id, gnb=target.gnb)] if svc.id in sc.uav_ids else [])
                    + [call("request_handover", ue=svc.id, gnb=target.gnb)],
                    "the service UE moves to the stronger cell; SINR and loss improve",
                )
            )
    if trouble:
        # 4. Congestion: the service shares a full slice, or sits on the device-rate slice.
        if slice_now is SliceType.MMTC and {"throughput", "latency"} & trouble:
            options.append(
                (
                    "switch_slice",
                    "mMTC admits only low-rate devices; the service needs a broadband or low-latency slice",
                    [call("switch_network_slice", from_slice=SliceType.MMTC, to_slice=SliceType.EMBB)],
                    "throughput returns to what the service offers",
                )
            )
        elif slice_now is SliceType.EMBB and (busy or {"loss", "throughput"} & trouble):
            options.append(
                (
                    "switch_slice",
                    "the service shares the eMBB slice with the background load"
                    + (f", which is {k.throughput_mbps / cap:.0%} of its capacity" if busy else ""),
                    [call("switch_network_slice", from_slice=SliceType.EMBB, to_slice=SliceType.URLLC)],
                    "the service gets the guaranteed-bitrate URLLC bearer; latency and loss fall",
                )
            )
        if slice_now is SliceType.URLLC and busy:
            options.append(
                (
                    "reallocate_slices",
                    f"the URLLC slice carries {k.throughput_mbps:.1f} of its {cap:.1f} Mbit/s",
                    [
                        call(
                            "trigger_slice_reallocation",
                            slice=SliceType.URLLC,
                            resources=ResourceSpec(share=round(min(0.9, k.share + 0.2), 2)),
                        )
                    ],
                    "the URLLC slice gets more of each cell",
                )
            )
        # 5. Distance: delay without loss is the backbone or the server, which the edge cuts.
        if (
            {"latency", "jitter"} & trouble
            and not {"loss", "throughput"} & trouble
            and not busy
            and host == "cloud"
            and edge.utilisation < 0.7
        ):
            saved = 2 * (sc.cloud.link_delay_ms - sc.edge.link_delay_ms)
            options.append(
                (
                    "offload_to_edge",
                    f"latency is near or over its bound, the radio is not congested, and the edge is only {edge.utilisation:.0%} busy and {saved:.0f} ms closer than the cloud",
                    [offload("edge", "cut backbone delay")],
                    "latency drops by the backbone round trip",
                )
            )
        # 6. Relief: heavy eMBB background load.
        if embb_cap > 0 and embb.throughput_mbps / embb_cap > 0.6:
            options.append(
                (
                    "shed_load",
                    f"eMBB background traffic runs at {embb.throughput_mbps:.1f} Mbit/s",
                    [call("graceful_degradation", spec=DegradationSpec(slice=SliceType.EMBB, fraction=0.5, mode="shape"))],
                    "halving eMBB background load frees radio resources for the service",
                )
            )
    if not options or (risk.level is Level.LOW and not trouble):
        rationale = (
            f"risk is {risk.level.value} and every SLA dimension has margin"
            if not trouble
            else f"risk is {risk.level.value}; {', '.join(sorted(trouble))} near the bound, but no remedy applies here yet"
        )
        return RecoveryStrategy(
            strategy="monitor",
            rationale=rationale,
            steps=(call("check_network_state"),),
            alternatives=tuple(dict.fromkeys(o[0] for o in options)),
            expected_effect="no change; observe again after the next window",
        )
    strategy, rationale, steps, effect = options[0]
    return RecoveryStrategy(
        strategy=strategy,
        rationale=rationale,
        steps=tuple(steps),
        alternatives=tuple(dict.fromkeys(o[0] for o in options[1:] if o[0] != strategy)),
        expected_effect=effect,
    )


@tool(Effect.OBSERVATION, latency_s=0.05)
def get_available_slices(ctx: ToolContext, position: AreaPosition) -> SliceList:
    """List the slices a UE at a position could use: for the cell that would serve it, each
    slice's share, the capacity it has left there, the SINR it needs, and whether it is admissible.

    Args:
        position: Where the UE would be, metres in the scenario frame.
    """
    world = ctx.world
    sc = world.scenario
    cell = radio.best_cell(sc, position)
    attached: dict[SliceType, dict[str, int]] = {}
    slice_of = {u.id: u.slice for u in sc.ues}
    for u in world.snapshot.ues:
        attached.setdefault(slice_of[u.id], {}).setdefault(u.gnb or "", 0)
        attached[slice_of[u.id]][u.gnb or ""] += 1
    options = []
    for s, k in world.snapshot.slices.items():
        per_cell = attached.get(s, {})
        total = sum(per_cell.values())
        load_here = k.throughput_mbps * per_cell.get(cell.gnb, 0) / total if total else 0.0
        headroom = k.share * sc.ran.nominal_cell_capacity_mbps - load_here
        need = radio.SLICE_MIN_SINR_DB[s]
        if cell.sinr_db < need:
            ok, reason = False, f"SINR {cell.sinr_db:.1f} dB is below the {need:.0f} dB the slice needs"
        elif headroom <= 0:
            ok, reason = False, f"{cell.gnb}'s {s.value} share is used up"
        else:
            ok, reason = True, f"{headroom:.1f} Mbit/s free on {cell.gnb}"
        options.append(
            SliceOption(slice=s, admissible=ok, share=k.share, headroom_mbps=headroom, min_sinr_db=need, reason=reason)
        )
    return SliceList(position=position, gnb=cell.gnb, sinr_db=cell.sinr_db, slices=tuple(options))


@tool(Effect.OBSERVATION, latency_s=0.1)
def check_migration_feasibility(ctx: ToolContext, uav: UavRef, gnb: GnbRef) -> FeasibilityScore:
    """Score, 0-1, whether handing a UAV over to a base station would work and help: the target's
    predicted SINR at the UAV, its signal relative to the serving cell, the target's load, and
    whether a handover is possible at all right now.

    Args:
        uav: The UAV, e.g. "uav-0".
        gnb: The candidate base station, e.g. "gnb-1".
    """
    world = ctx.world
    sc = world.scenario
    r = world.ue(uav)
    target = radio.signal_from(sc, r.position, gnb)
    attached = world.attached_ues()
    mean_load = sum(attached.values()) / len(attached)
    load_ratio = attached[gnb] / mean_load if mean_load > 0 else 0.0
    gain = target.rsrp_dbm - r.rsrp_dbm if r.gnb is not None else math.inf
    factors = [
        FeasibilityFactor(
            name="multiple_cells",
            value=float(len(sc.gnbs)),
            target=2.0,
            ok=len(sc.gnbs) > 1,
            detail="a handover needs a second cell",
        ),
        FeasibilityFactor(
            name="not_serving", value=None, target=None, ok=r.gnb != gnb, detail=f"{uav} is served by {r.gnb}"
        ),
        FeasibilityFactor(
            name="no_handover_in_progress",
            value=None,
            target=None,
            ok=not r.handover_in_progress,
            detail="one handover at a time",
        ),
        FeasibilityFactor(
            name="target_sinr_db",
            value=target.sinr_db,
            target=radio.LINK_SINR_FLOOR_DB + 3.0,
            ok=target.sinr_db >= radio.LINK_SINR_FLOOR_DB + 3.0,
            detail=f"{gnb} would give {target.sinr_db:.1f} dB",
        ),
        FeasibilityFactor(
            name="rsrp_gain_db",
            value=gain if math.isfinite(gain) else None,
            target=-3.0,
            ok=gain >= -3.0,
            detail=f"{gnb} is {gain:+.1f} dB against the serving cell" if math.isfinite(gain) else f"{uav} is detached",
        ),
        FeasibilityFactor(
            name="target_load",
            value=load_ratio,
            target=1.5,
            ok=load_ratio <= 1.5,
            detail=f"{gnb} serves {attached[gnb]} UE(s)",
        ),
    ]
    hard_ok = all(f.ok for f in factors[:4])
    if not hard_ok:
        score = 0.0
    else:
        sinr_term = min(1.0, max(0.0, (target.sinr_db + 6.0) / 26.0))
        gain_term = 1.0 if not math.isfinite(gain) else min(1.0, max(0.0, 0.5 + gain / 12.0))
        load_term = 1.0 / (1.0 + max(0.0, load_ratio - 1.0))
        score = 0.5 * sinr_term + 0.35 * gain_term + 0.15 * load_term
    failed = [f.name for f in factors if not f.ok]
    return FeasibilityScore(
        score=score,
        feasible=hard_ok and score >= 0.5,
        factors=tuple(factors),
        summary=(
            f"handover of {uav} to {gnb} "
            + (
                "looks worthwhile"
                if hard_ok and score >= 0.5
                else "is possible but not worthwhile"
                if hard_ok
                else "is not possible"
            )
        )
        + (f" ({', '.join(failed)})" if failed else ""),
    )
