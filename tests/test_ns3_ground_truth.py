"""ns-3's KPIs are honest ground truth: clean windows lose nothing, a degradation adds
what it was asked to, and every onset's recovery (or an action's undo) returns the
network to its baseline."""

from __future__ import annotations

import statistics

import pytest

from sixg.actions import (
    BackhaulDegradation,
    CongestionSurge,
    DegradationOnset,
    DegradationRecovery,
    EdgeOffload,
    EdgeOverload,
    GracefulDegradation,
    InterferenceSurge,
    ReallocateSlices,
    SetUavPlan,
    SwitchSlice,
    UavDrift,
)
from sixg.domain import Position, SliceType
from sixg.scenario import generate

pytestmark = pytest.mark.ns3

SCENARIO = generate(1, split="train")  # one cell, 8 ground UEs and a UAV; service on ue-0 (eMBB, cloud)
UAV = SCENARIO.uavs[0].id
BACKHAUL_EXTRA_MS = 20.0


def _kpis(snaps) -> dict[str, float]:
    """Means over windows of the figures a recovery must bring back."""
    mean = lambda f: statistics.fmean(f(s) for s in snaps)  # noqa: E731
    return {
        "service_latency_ms": mean(lambda s: s.state.latency_ms),
        "service_throughput_mbps": mean(lambda s: s.state.throughput_mbps),
        "urllc_latency_ms": mean(lambda s: s.slices["URLLC"].latency_ms),
        "embb_throughput_mbps": mean(lambda s: s.slices["eMBB"].throughput_mbps),
        "mmtc_throughput_mbps": mean(lambda s: s.slices["mMTC"].throughput_mbps),
    }


@pytest.fixture(scope="module")
def episode(ns3_worker):
    """One episode on train seed 1 applying every onset and its recovery in turn."""
    w = ns3_worker
    w.reset(SCENARIO, run=1)
    gnb = w.step()[0].ue(SCENARIO.service.ue).gnb

    def phase(actions, windows, settle=2):
        w.step(actions)
        for _ in range(settle - 1):
            w.step()
        return [w.step()[0] for _ in range(windows)]

    def onset(ev):
        return [DegradationOnset(degradation=ev)]

    def recovery(kind):
        return [DegradationRecovery(degradation_kind=kind)]

    out = {"baseline": phase([], 6, settle=1)}
    phase(onset(CongestionSurge(gnb=gnb, rate_mbps=20)), 2)
    out["congestion"] = phase(recovery("congestion"), 4, settle=3)
    out["backhaul_on"] = phase(onset(BackhaulDegradation(gnb=gnb, extra_delay_ms=BACKHAUL_EXTRA_MS, loss_rate=0.0)), 4)
    out["backhaul"] = phase(recovery("backhaul"), 4, settle=3)
    phase(onset(InterferenceSurge(gnb=gnb, power_dbm=30)), 2)
    out["interference"] = phase(recovery("interference"), 4, settle=3)
    phase([GracefulDegradation(slice="eMBB", fraction=0.5, mode="shape")], 1)
    out["shape_then_unshed"] = phase([GracefulDegradation(slice="eMBB", fraction=0.0, mode="shed")], 4)
    phase([GracefulDegradation(slice="eMBB", fraction=0.5, mode="shed")], 1)
    out["shed_then_unshape"] = phase([GracefulDegradation(slice="eMBB", fraction=0.0, mode="shape")], 4)
    phase([ReallocateSlices(slice="URLLC", share=0.6)], 1)
    out["reallocation"] = phase([ReallocateSlices(slice="URLLC", share=SCENARIO.slice_shares[SliceType.URLLC])], 4)
    phase([SwitchSlice(slice="URLLC")], 1)
    out["slice_switch"] = phase([SwitchSlice(slice="eMBB")], 4, settle=3)
    out["edge_baseline"] = phase([EdgeOffload(host="edge")], 6, settle=3)
    phase(onset(EdgeOverload(extra_load=0.5)), 1, settle=1)
    out["edge_overload"] = phase(recovery("edge_overload"), 6, settle=5)
    out["offload_back"] = phase([EdgeOffload(host="cloud")], 4, settle=3)
    # The UAV hovers, drifts off, the fault clears, and a plan flies it back.
    here = w.step()[0].ue(UAV).position
    w.step([SetUavPlan(uav=UAV, waypoints=(Position(x=here.x, y=here.y, z=here.z),), speed_mps=10)])
    before = w.step()[0]
    phase(onset(UavDrift(uav=UAV, speed_mps=20)), 1, settle=1)
    held = phase(recovery("uav_drift"), 2, settle=1)
    spot = before.ue(UAV).position
    back = phase([SetUavPlan(uav=UAV, waypoints=(Position(x=spot.x, y=spot.y, z=spot.z),), speed_mps=40)], 1, settle=2)
    out["uav"] = (before, held, back[-1])
    out["uav_drift"] = phase([], 4, settle=1)
    return out


def test_clean_windows_report_no_loss(episode):
    """With nothing degraded, the service and every slice report exactly zero loss."""
    for snap in episode["baseline"]:
        assert snap.state.loss_rate == 0.0
        assert {s: k.loss_rate for s, k in snap.slices.items()} == {s: 0.0 for s in snap.slices}


@pytest.mark.parametrize(
    "phase, baseline",
    [
        ("congestion", "baseline"),
        ("backhaul", "baseline"),
        ("interference", "baseline"),
        ("shape_then_unshed", "baseline"),
        ("shed_then_unshape", "baseline"),
        ("reallocation", "baseline"),
        ("slice_switch", "baseline"),
        ("offload_back", "baseline"),
        ("uav_drift", "baseline"),
    ],
)
def test_recovery_restores_the_baseline(episode, phase, baseline):
    """After an onset's recovery (or an action's undo) throughput is within 5 % and latency within 0.3 ms of baseline."""
    got, want = _kpis(episode[phase]), _kpis(episode[baseline])
    for key, value in want.items():
        if key.endswith("latency_ms"):
            assert got[key] == pytest.approx(value, abs=0.3), key
        else:
            assert got[key] == pytest.approx(value, rel=0.05, abs=0.01), key
    assert all(s.state.loss_rate == 0.0 for s in episode[phase])
    assert not any(s.degradations for s in episode[phase])


def test_edge_overload_recovery_drains_back_to_the_baseline(episode):
    """Once the overload's queue has drained the edge is as loaded as before and the service as fast.

    The edge's other tenants send Poisson load near 80 % utilisation, so the service's
    latency at the edge varies by several ms and its load by several points from window
    to window; they are compared within 15 % and 0.1, the network-side figures as tightly
    as elsewhere.
    """
    got, want = _kpis(episode["edge_overload"]), _kpis(episode["edge_baseline"])
    assert got["service_latency_ms"] == pytest.approx(want["service_latency_ms"], rel=0.15)
    load = lambda phase: statistics.fmean(s.state.edge_load for s in episode[phase])  # noqa: E731
    assert load("edge_overload") == pytest.approx(load("edge_baseline"), abs=0.1)
    assert got["urllc_latency_ms"] == pytest.approx(want["urllc_latency_ms"], abs=0.3)
    assert got["embb_throughput_mbps"] == pytest.approx(want["embb_throughput_mbps"], rel=0.05)
    assert all(s.state.loss_rate == 0.0 for s in episode["edge_overload"])


def test_backhaul_degradation_adds_exactly_its_delay(episode):
    """A backhaul degradation of 20 ms adds 20 ms one way (URLLC flows) and 40 ms to the service's round trip."""
    base, on = _kpis(episode["baseline"]), _kpis(episode["backhaul_on"])
    assert on["urllc_latency_ms"] - base["urllc_latency_ms"] == pytest.approx(BACKHAUL_EXTRA_MS, abs=0.3)
    assert on["service_latency_ms"] - base["service_latency_ms"] == pytest.approx(2 * BACKHAUL_EXTRA_MS, abs=0.6)


def test_reallocation_back_restores_the_shares(episode):
    """Giving a slice its old share back restores every slice's share."""
    shares = episode["reallocation"][-1].slices
    for s, share in SCENARIO.slice_shares.items():
        assert shares[s.value].share == pytest.approx(share, abs=1e-9)


def test_a_recovered_drift_holds_and_a_plan_flies_the_uav_back(episode):
    """After its drift recovers the UAV stops where it is; a plan brings it back to its old spot and signal."""
    before, held, back = episode["uav"]
    assert not held[-1].uavs[UAV].drifting
    assert held[0].ue(UAV).position.horizontal_distance_to(held[-1].ue(UAV).position) < 0.01
    assert held[-1].ue(UAV).position.horizontal_distance_to(before.ue(UAV).position) > 5
    assert back.ue(UAV).position.horizontal_distance_to(before.ue(UAV).position) < 0.01
    assert back.ue(UAV).rsrp_dbm == pytest.approx(before.ue(UAV).rsrp_dbm, abs=0.5)


def test_service_bearer_order_is_fixed_and_decides_the_saturated_split():
    """The service's bearers are set up URLLC first; the other order changes its eMBB loss under a surge."""
    from ns3_bridge.network import SERVICE_BEARER_ORDER, Ns3Network

    assert SERVICE_BEARER_ORDER == (SliceType.URLLC, SliceType.EMBB)
    loss = {}
    for order in (SERVICE_BEARER_ORDER, (SliceType.EMBB, SliceType.URLLC)):
        net = Ns3Network(SCENARIO, run=1, window_s=0.5, service_bearer_order=order)
        net.build()
        net.warm_up(1.0)
        gnb = SCENARIO.gnbs[0].id
        net.apply(DegradationOnset(degradation=CongestionSurge(gnb=gnb, rate_mbps=20)))
        windows = [net.advance(0.5 * k) for k in range(1, 7)][2:]
        loss[order[0]] = statistics.fmean(s["state"]["loss_rate"] for s in windows)
        net.destroy()
    assert loss[SliceType.URLLC] > 2 * loss[SliceType.EMBB] + 0.01
