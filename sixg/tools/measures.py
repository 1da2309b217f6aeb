"""Computations several tools share: SLA margins, trends, telemetry views, link quality."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from sixg import radio
from sixg.domain import SLA_DIMENSIONS, NetworkState, Position, SLASpec, SliceType
from sixg.tools.types import (
    EdgeLoad,
    LinkQuality,
    ServiceTelemetry,
    SlaCheck,
    SliceTelemetry,
    TelemetryState,
    UavTelemetry,
)
from sixg.world import World

#: Windows of history the telemetry view and the trend fits use.
RECENT_WINDOWS = 8


def sla_checks(state: NetworkState, sla: SLASpec) -> tuple[SlaCheck, ...]:
    """Each SLA dimension of ``state``: value, bound, and margin (positive inside the bound)."""
    return tuple(
        SlaCheck(dimension=d.name, value=d.value(state), bound=d.limit(sla), ok=d.met(state, sla), margin=d.margin(state, sla))
        for d in SLA_DIMENSIONS
    )


def sla_covers(spec: SLASpec, goal: SLASpec) -> bool:
    """Whether meeting ``spec`` implies meeting ``goal`` (``spec`` is at least as strict)."""
    return all(d.as_strict(spec, goal) for d in SLA_DIMENSIONS)


def linear_trend(ts: Sequence[float], values: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope of ``values`` over ``ts`` (per second) and the residual spread."""
    n = len(ts)
    if n < 2:
        return 0.0, 0.0
    mt, mv = statistics.fmean(ts), statistics.fmean(values)
    var_t = sum((t - mt) ** 2 for t in ts)
    if var_t <= 0:
        return 0.0, 0.0
    slope = sum((t - mt) * (v - mv) for t, v in zip(ts, values)) / var_t
    residuals = [v - (mv + slope * (t - mt)) for t, v in zip(ts, values)]
    spread = math.sqrt(sum(r * r for r in residuals) / max(1, n - 2))
    return slope, spread


def edge_load(world: World) -> EdgeLoad:
    snap = world.snapshot
    e = snap.edge
    return EdgeLoad(
        utilisation=e.utilisation,
        queue_jobs=e.queue_jobs,
        capacity_jobs_s=e.capacity_jobs_s,
        arrivals_per_s=e.arrivals / snap.window_s,
        dropped_per_s=e.dropped / snap.window_s,
        service_host=snap.service.host,
    )


def telemetry(world: World) -> TelemetryState:
    """The telemetry view of the latest window (what read_telemetry returns)."""
    snap, sc = world.snapshot, world.scenario
    radio_of = {u.id: u for u in snap.ues}
    svc = radio_of[sc.service.ue]
    uavs = tuple(
        UavTelemetry(
            uav=uid,
            position=radio_of[uid].position,
            battery_fraction=status.battery_fraction,
            gnb=radio_of[uid].gnb,
            sinr_db=radio_of[uid].sinr_db,
            off_course=status.drifting,
            handover_in_progress=radio_of[uid].handover_in_progress,
        )
        for uid, status in sorted(snap.uavs.items())
    )
    return TelemetryState(
        t=snap.t,
        state=snap.state,
        sla=sc.sla,
        service=ServiceTelemetry(
            ue=svc.id,
            host=snap.service.host,
            gnb=svc.gnb,
            rsrp_dbm=svc.rsrp_dbm,
            sinr_db=svc.sinr_db,
            requests=snap.service.requests,
            responses=snap.service.responses,
        ),
        slices=tuple(
            SliceTelemetry(
                slice=s,
                share=k.share,
                throughput_mbps=k.throughput_mbps,
                latency_ms=k.latency_ms,
                loss_rate=k.loss_rate,
            )
            for s, k in snap.slices.items()
        ),
        edge=edge_load(world),
        uavs=uavs,
        recent=tuple(s.state for s in world.recent(RECENT_WINDOWS)),
    )


def required_sinr_db(state: NetworkState) -> float:
    """SINR the service needs on its active slice, with 3 dB more when it is already losing packets."""
    return radio.SLICE_MIN_SINR_DB[state.slice] + (3.0 if state.loss_rate > 0.01 else 0.0)


def link_quality(world: World, ue: str, gnb: str) -> LinkQuality:
    """Predicted (and, for the serving cell, measured) quality of the link ``ue`` - ``gnb``."""
    r = world.ue(ue)
    c = radio.signal_from(world.scenario, r.position, gnb)
    serving = r.gnb == gnb
    sinr = r.sinr_db if serving else c.sinr_db
    quality = (
        "excellent"
        if sinr >= 20
        else "good"
        if sinr >= 10
        else "fair"
        if sinr >= 3
        else "poor"
        if sinr >= radio.LINK_SINR_FLOOR_DB
        else "unusable"
    )
    return LinkQuality(
        ue=ue,
        gnb=gnb,
        serving=serving,
        distance_m=c.distance_m,
        rsrp_dbm=c.rsrp_dbm,
        sinr_db=c.sinr_db,
        measured_rsrp_dbm=r.rsrp_dbm if serving else None,
        measured_sinr_db=r.sinr_db if serving else None,
        cqi=radio.cqi(sinr),
        spectral_efficiency=radio.spectral_efficiency(sinr),
        rate_mbps=radio.cell_rate_mbps(world.scenario.ran, sinr),
        quality=quality,
    )


def slice_capacity_mbps(world: World, slc: SliceType, share: float) -> float:
    """What a slice may carry over all cells at ``share``."""
    return share * world.scenario.ran.nominal_cell_capacity_mbps * len(world.scenario.gnbs)


def nearest_ue(world: World, position: Position, *, within_m: float) -> str | None:
    """The UE closest to ``position`` (horizontally), if one is within ``within_m``."""
    best = min(world.snapshot.ues, key=lambda u: u.position.horizontal_distance_to(position), default=None)
    if best is None or best.position.horizontal_distance_to(position) > within_m:
        return None
    return best.id
