"""A small deterministic network for fast tests of the tools and the loop (not a product backend).

Its KPIs are simple formulas of the slice, the host, the degradations and the actions,
so a test can tell what each action should do; UAVs fly with :mod:`sixg.kinematics`
and the radio comes from :mod:`sixg.radio`, as on the real backends. Every action it
receives is kept in :attr:`ToyBackend.applied` with the time it was applied.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sixg import radio
from sixg.actions import (
    Action,
    BackhaulDegradation,
    CongestionSurge,
    DegradationOnset,
    DegradationRecovery,
    EdgeOffload,
    EdgeOverload,
    GracefulDegradation,
    Handover,
    InterferenceSurge,
    ReallocateSlices,
    SetUavPlan,
    SwitchSlice,
    UavDrift,
    reallocated_shares,
)
from sixg.backends.base import Backend, StepOutput
from sixg.domain import SliceType
from sixg.errors import InvalidActionError, ResetNeeded
from sixg.kinematics import UavMotion, drift_heading
from sixg.scenario import Scenario
from sixg.snapshot import ActionResult, EdgeDetail, FlowKpi, ServiceDetail, SliceKpi, Snapshot, UavStatus, UeRadio

RADIO_MS = {SliceType.EMBB: 20.0, SliceType.URLLC: 12.0, SliceType.MMTC: 45.0}


class ToyBackend(Backend):
    id = "toy"

    def __init__(self, *, window_s: float = 0.5, noise: float = 0.01):
        self.window_s = window_s
        self.noise = noise
        self._now: float | None = None
        self.applied: list[tuple[float, Action]] = []
        self.resets = 0

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.slice = scenario.service.initial_slice
        self.host = scenario.service.initial_host
        self.shares = dict(scenario.slice_shares)
        self.shaped = {s: 0.0 for s in SliceType}
        self.active: dict[str, object] = {}
        self.uavs = {u.id: UavMotion.from_spec(u) for u in scenario.uavs}
        self.serving = {u.id: scenario.nearest_gnb(u.position).id for u in scenario.ues}
        self.handovers = {u.id: 0 for u in scenario.ues}
        self.applied = []
        self.resets += 1
        self._now = 0.0
        return self._snapshot()

    @property
    def now(self) -> float:
        if self._now is None:
            raise ResetNeeded("call reset() first")
        return self._now

    def close(self) -> None:
        self._now = None

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        if self._now is None:
            raise ResetNeeded("call reset() first")
        results = tuple(self._apply(a) for a in actions)
        self.applied += [(self._now, a) for a in actions]
        for m in self.uavs.values():
            m.advance(self.window_s)
        self._now = round(self._now + self.window_s, 9)
        return StepOutput(snapshot=self._snapshot(), results=results)

    # --- actions -----------------------------------------------------------------------------------
    def _apply(self, a: Action) -> ActionResult:
        from sixg.actions import describe

        ok, reason, details = True, None, {}
        if isinstance(a, SwitchSlice):
            self.slice = a.slice
        elif isinstance(a, EdgeOffload):
            self.host = a.host
        elif isinstance(a, ReallocateSlices):
            self.shares = reallocated_shares(self.shares, a)
        elif isinstance(a, GracefulDegradation):
            self.shaped[a.slice] = a.fraction
        elif isinstance(a, Handover):
            if a.ue not in self.serving or a.target_gnb not in self.scenario.gnb_ids:
                raise InvalidActionError(f"unknown UE or cell in {a}")
            if self.serving[a.ue] == a.target_gnb:
                ok, reason = False, f"{a.ue} is already served by {a.target_gnb}"
            else:
                details = {"source_gnb": self.serving[a.ue]}
                self.serving[a.ue] = a.target_gnb
                self.handovers[a.ue] += 1
        elif isinstance(a, SetUavPlan):
            if a.uav not in self.uavs:
                raise InvalidActionError(f"unknown UAV {a.uav}")
            self.uavs[a.uav].set_plan([(p.x, p.y, p.z) for p in a.waypoints], a.speed_mps, loop=a.loop)
        elif isinstance(a, DegradationOnset):
            ev = a.degradation
            self.active[ev.kind] = ev
            if isinstance(ev, UavDrift):
                m = self.uavs[ev.uav]
                m.start_drift(drift_heading(self.scenario, self.serving[ev.uav], m.position), ev.speed_mps)
        elif isinstance(a, DegradationRecovery):
            ev = self.active.pop(a.degradation_kind, None)
            if ev is None:
                ok, reason = False, f"no {a.degradation_kind} degradation is active"
            elif isinstance(ev, UavDrift):
                self.uavs[ev.uav].stop_drift()
        return ActionResult(action=describe(a), ok=ok, reason=reason, details=details)

    # --- measurement ----------------------------------------------------------------------------------
    def _wiggle(self) -> float:
        return 1.0 + self.noise * (2 * self.rng.random() - 1)

    def _snapshot(self) -> Snapshot:
        sc = self.scenario
        svc_ue = sc.service.ue
        svc_cell = self.serving[svc_ue]
        host = sc.edge if self.host == "edge" else sc.cloud
        edge_util = sc.edge.tenant_load_jobs_s / sc.edge.capacity_jobs_s + (sc.service.request_rate_hz / sc.edge.capacity_jobs_s if self.host == "edge" else 0.0)
        if "edge_overload" in self.active:
            edge_util += self.active["edge_overload"].extra_load
        edge_util = min(edge_util, 1.0)
        latency = 2 * host.link_delay_ms + RADIO_MS[self.slice]
        if self.host == "edge":
            latency += 1000.0 / (sc.edge.capacity_jobs_s * max(0.02, 1.0 - edge_util))
        loss = 0.0
        throughput = sc.service.offered_mbps
        ev = self.active.get("congestion")
        if ev is not None and ev.gnb == svc_cell and self.slice is SliceType.EMBB:
            relief = self.shaped[SliceType.EMBB]
            latency += 80.0 * (1 - relief)
            loss += 0.12 * (1 - relief)
        ev = self.active.get("backhaul")
        if ev is not None and ev.gnb == svc_cell:
            latency += 2 * ev.extra_delay_ms
            loss += ev.loss_rate
        ev = self.active.get("interference")
        interfered = ev.gnb if ev is not None else None
        if interfered == svc_cell:
            loss += 0.1
        if self.slice is SliceType.MMTC:
            throughput = min(throughput, 0.8)
        loss = min(1.0, loss)
        throughput *= 1.0 - loss
        latency *= self._wiggle()
        ues = []
        for u in sc.ues:
            pos = self.uavs[u.id].as_position() if u.id in self.uavs else u.position
            cell = radio.signal_from(sc, pos, self.serving[u.id])
            sinr = cell.sinr_db - (15.0 if interfered == self.serving[u.id] else 0.0)
            ues.append(UeRadio(id=u.id, gnb=self.serving[u.id], rsrp_dbm=cell.rsrp_dbm, sinr_db=sinr, position=pos, handovers_ok=self.handovers[u.id]))
        slices = {}
        for s in SliceType:
            offered = sum(f.rate_bps for f in sc.flows if f.slice is s) / 1e6 * (1 - self.shaped[s])
            slices[s] = SliceKpi(latency_ms=RADIO_MS[s] / 2, jitter_ms=1.0, loss_rate=0.0, throughput_mbps=offered, share=self.shares[s], rx_packets=int(offered * 100))
        return Snapshot(
            t=self._now,
            window_s=self.window_s,
            state={"slice": self.slice, "latency_ms": latency, "jitter_ms": 1.0 + latency / 50, "loss_rate": loss, "throughput_mbps": throughput, "edge_load": edge_util},
            service=ServiceDetail(
                host=self.host,
                requests=int(sc.service.request_rate_hz * self.window_s),
                responses=int(sc.service.request_rate_hz * self.window_s * sc.service.response_packets * (1 - loss)),
                latency_max_ms=latency * 1.2,
                flow=FlowKpi(latency_ms=latency / 2, jitter_ms=1.0, loss_rate=loss, throughput_mbps=throughput),
            ),
            slices=slices,
            edge=EdgeDetail(utilisation=edge_util, queue_jobs=edge_util / max(0.02, 1 - edge_util), arrivals=int(sc.edge.tenant_load_jobs_s * self.window_s), dropped=0, capacity_jobs_s=sc.edge.capacity_jobs_s),
            ues=tuple(ues),
            uavs={
                uid: UavStatus(battery_wh=m.battery_wh, battery_fraction=m.battery_fraction, drifting=m.drifting, distance_flown_m=m.distance_flown_m)
                for uid, m in self.uavs.items()
            },
            degradations=tuple(sorted(self.active)),
            ran="toy",
            backend=self.id,
        )
