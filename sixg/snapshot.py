"""What a backend reports for one measurement window.

Both backends (live ns-3 and the learned surrogate) return the same
:class:`Snapshot`, so everything downstream (the world, the tools, traces,
trajectories) reads one shape whichever backend ran.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sixg.domain import Frozen, NetworkState, Position, SliceType

#: Simulated seconds of one measurement window: every backend advances and measures the
#: network in windows of this length unless told otherwise (the surrogate was trained on it).
WINDOW_S = 0.5
#: Simulated seconds every backend runs before episode time 0 (attach, queues settle, UAVs
#: already under way), so all backends start an episode from the same moment.
WARMUP_S = 1.5


class FlowKpi(Frozen):
    """One-way KPIs of a group of flows over the window (from FlowMonitor on ns-3)."""

    latency_ms: float = Field(ge=0.0)
    jitter_ms: float = Field(ge=0.0)
    loss_rate: float = Field(ge=0.0, le=1.0)
    throughput_mbps: float = Field(ge=0.0)
    tx_packets: int = Field(default=0, ge=0)
    rx_packets: int = Field(default=0, ge=0)


class SliceKpi(FlowKpi):
    """A slice's background load, and the share of each cell's capacity it is allowed."""

    share: float = Field(ge=0.0, le=1.0)


class ServiceDetail(Frozen):
    host: Literal["cloud", "edge"]
    requests: int = Field(ge=0)
    responses: int = Field(ge=0)
    latency_max_ms: float = Field(ge=0.0)
    flow: FlowKpi


class EdgeDetail(Frozen):
    utilisation: float = Field(ge=0.0, le=1.0)
    queue_jobs: float = Field(ge=0.0)
    arrivals: int = Field(ge=0)
    dropped: int = Field(ge=0)
    capacity_jobs_s: float = Field(gt=0.0)


class UeRadio(Frozen):
    id: str
    gnb: str | None = Field(description="Serving base station, None while detached.")
    rsrp_dbm: float
    sinr_db: float
    position: Position
    handover_in_progress: bool = False
    handovers_ok: int = 0
    handovers_failed: int = 0


class UavStatus(Frozen):
    battery_wh: float = Field(ge=0.0)
    battery_fraction: float = Field(ge=0.0, le=1.0)
    drifting: bool
    distance_flown_m: float = Field(ge=0.0)


class Snapshot(Frozen):
    """The network as one backend saw it over the window ending at ``t``."""

    t: float = Field(ge=0.0, description="End of the window, simulated seconds since the episode started.")
    window_s: float = Field(gt=0.0)
    state: NetworkState
    service: ServiceDetail
    slices: dict[SliceType, SliceKpi]
    edge: EdgeDetail
    ues: tuple[UeRadio, ...]
    uavs: dict[str, UavStatus]
    degradations: tuple[str, ...] = ()
    ran: str
    backend: str

    def ue(self, ue_id: str) -> UeRadio:
        for u in self.ues:
            if u.id == ue_id:
                return u
        raise KeyError(ue_id)


class ActionResult(Frozen):
    """What applying one action did (the raw material of a Configuration tool's result)."""

    action: str
    ok: bool
    reason: str | None = None
    details: dict[str, object] = Field(default_factory=dict)
