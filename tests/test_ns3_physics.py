"""Each Configuration action and each degradation moves ns-3's KPIs the way physics says."""

from __future__ import annotations

import statistics

import pytest

from sixg.actions import (
    BackhaulDegradation,
    CongestionSurge,
    DegradationOnset,
    EdgeOffload,
    EdgeOverload,
    GracefulDegradation,
    InterferenceSurge,
    ReallocateSlices,
    SwitchSlice,
    UavDrift,
)
from sixg.scenario import generate

pytestmark = pytest.mark.ns3

GROUND = generate(1, split="train")  # one cell, service on a ground UE
AERIAL = generate(12, split="train")  # three cells, service on a UAV


def _mean(snaps, key):
    return statistics.fmean(getattr(s.state, key) for s in snaps)


def _phase(worker, actions, windows, settle=1):
    """Apply ``actions``, let ``settle`` windows pass, return the next ``windows`` snapshots."""
    worker.step(actions)
    for _ in range(settle - 1):
        worker.step()
    return [worker.step()[0] for _ in range(windows)]


def _cell(worker, scenario):
    return worker.step()[0].ue(scenario.service.ue).gnb


def test_edge_offload_lowers_latency_and_raises_edge_load(ns3_worker):
    """Moving the service's jobs from the far cloud to the edge cuts latency and loads the edge."""
    ns3_worker.reset(GROUND, run=1)
    before = _phase(ns3_worker, [], 4)
    after = _phase(ns3_worker, [EdgeOffload(host="edge")], 4)
    assert _mean(after, "latency_ms") < _mean(before, "latency_ms") - 8
    assert _mean(after, "edge_load") > _mean(before, "edge_load") + 0.1


def test_interference_lowers_throughput_and_sinr(ns3_worker):
    """An interferer near the service's cell lowers its SINR and throughput."""
    ns3_worker.reset(GROUND, run=1)
    cell = _cell(ns3_worker, GROUND)
    before = _phase(ns3_worker, [], 4)
    after = _phase(ns3_worker, [DegradationOnset(degradation=InterferenceSurge(gnb=cell, power_dbm=30))], 4, settle=2)
    assert _mean(after, "throughput_mbps") < 0.7 * _mean(before, "throughput_mbps")
    ue = GROUND.service.ue
    assert after[-1].ue(ue).sinr_db < before[-1].ue(ue).sinr_db - 2


def _congested(worker):
    worker.reset(GROUND, run=1)
    cell = _cell(worker, GROUND)
    normal = _phase(worker, [], 3)
    congested = _phase(worker, [DegradationOnset(degradation=CongestionSurge(gnb=cell, rate_mbps=20))], 4, settle=2)
    return normal, congested


def test_congestion_raises_latency_and_loss(ns3_worker):
    """A surge of background load in the cell delays and drops the service's traffic."""
    normal, congested = _congested(ns3_worker)
    assert _mean(congested, "latency_ms") > 2 * _mean(normal, "latency_ms")
    assert _mean(congested, "loss_rate") > _mean(normal, "loss_rate") + 0.02


def test_shedding_load_lowers_congestion_delay(ns3_worker):
    """Graceful degradation of the eMBB background brings the latency back down."""
    _, congested = _congested(ns3_worker)
    shed = _phase(ns3_worker, [GracefulDegradation(slice="eMBB", fraction=0.9, mode="shape")], 4, settle=2)
    assert _mean(shed, "latency_ms") < 0.6 * _mean(congested, "latency_ms")


def test_urllc_move_lowers_latency_under_load(ns3_worker):
    """Under congestion, the URLLC bearer's priority lowers the service's latency."""
    _, congested = _congested(ns3_worker)
    urllc = _phase(ns3_worker, [SwitchSlice(slice="URLLC")], 4, settle=2)
    assert urllc[-1].state.slice.value == "URLLC"
    assert _mean(urllc, "latency_ms") < 0.6 * _mean(congested, "latency_ms")


def test_reallocation_away_from_embb_relieves_congestion(ns3_worker):
    """Shifting capacity share from eMBB to URLLC polices the surge and lowers latency."""
    _, congested = _congested(ns3_worker)
    moved = _phase(ns3_worker, [ReallocateSlices(slice="URLLC", share=0.8)], 4, settle=2)
    assert moved[-1].slices["eMBB"].share < 0.2
    assert _mean(moved, "latency_ms") < 0.7 * _mean(congested, "latency_ms")


def test_backhaul_degradation_adds_delay_and_loss(ns3_worker):
    """A slow, lossy backhaul adds its delay twice (request and response) and loses packets."""
    ns3_worker.reset(GROUND, run=1)
    cell = _cell(ns3_worker, GROUND)
    before = _phase(ns3_worker, [], 4)
    after = _phase(ns3_worker, [DegradationOnset(degradation=BackhaulDegradation(gnb=cell, extra_delay_ms=40, loss_rate=0.05))], 4, settle=2)
    assert _mean(after, "latency_ms") == pytest.approx(_mean(before, "latency_ms") + 80, abs=15)
    assert _mean(after, "loss_rate") > _mean(before, "loss_rate") + 0.04


def test_edge_overload_hurts_a_service_at_the_edge(ns3_worker):
    """Other tenants flooding the edge saturate it and the offloaded service waits in its queue."""
    ns3_worker.reset(GROUND, run=1)
    at_edge = _phase(ns3_worker, [EdgeOffload(host="edge")], 4)
    overloaded = _phase(ns3_worker, [DegradationOnset(degradation=EdgeOverload(extra_load=1.0))], 4, settle=2)
    assert _mean(overloaded, "edge_load") > 0.97
    assert _mean(overloaded, "latency_ms") > 3 * _mean(at_edge, "latency_ms")


def test_uav_drift_weakens_the_uav_signal(ns3_worker):
    """A drifting UAV moves away from its cell and its RSRP falls."""
    ns3_worker.reset(AERIAL, run=1)
    uav = AERIAL.uavs[0].id
    start = ns3_worker.step()[0].ue(uav)
    drift = _phase(ns3_worker, [DegradationOnset(degradation=UavDrift(uav=uav, speed_mps=25))], 16)
    end = drift[-1].ue(uav)
    assert drift[-1].uavs[uav].drifting
    assert end.position.horizontal_distance_to(start.position) > 150
    assert end.rsrp_dbm < start.rsrp_dbm - 3
