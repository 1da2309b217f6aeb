"""Configuration tools change the network at the next window boundary and report the changed state."""

from __future__ import annotations

import pytest
from toynet import call, onset, refused, started

COMPUTE = {
    "name": "service",
    "kind": "compute",
    "target": None,
    "compute_jobs_s": 50.0,
    "max_latency_ms": None,
    "priority": "high",
}


def _to(host: str) -> dict:
    return {"host": host, "expected_latency_ms": None, "expected_utilisation": None, "reason": None}


def test_switch_slice_returns_the_new_state():
    """Moving the service to URLLC shows in the returned state (and lowers latency on this network)."""
    env, world = started()
    before = call(env, "check_network_state")
    after = call(env, "switch_network_slice", from_slice="eMBB", to_slice="URLLC")
    assert after.slice.value == "URLLC" and after == world.state
    assert after.latency_ms < before.latency_ms
    assert call(env, "check_network_state").slice.value == "URLLC"


def test_switch_slice_refuses_a_stale_or_empty_switch():
    """A from_slice that is no longer true, or a switch to the same slice, is refused and changes nothing."""
    env, world = started()
    assert "not URLLC" in refused(env, "switch_network_slice", from_slice="URLLC", to_slice="mMTC")
    assert "already on eMBB" in refused(env, "switch_network_slice", from_slice="eMBB", to_slice="eMBB")
    assert env.sim.backend.applied == [] and world.state.slice.value == "eMBB"


def test_graceful_degradation_relieves_congestion():
    """Shaping eMBB background load during a congestion surge brings latency and loss back down."""
    env, _world = started(schedule={"events": [onset(0.2, {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0})]})
    env.sim.wait(1.0)
    congested = call(env, "check_network_state")
    relieved = call(env, "graceful_degradation", spec={"slice": "eMBB", "fraction": 0.9, "mode": "shape"})
    assert relieved.latency_ms < congested.latency_ms - 50 and relieved.loss_rate < congested.loss_rate


def test_edge_offload_moves_the_service():
    """Offloading to the edge moves the jobs there (edge load rises); doing it twice is refused."""
    env, _world = started()
    before = call(env, "get_edge_load")
    result = call(env, "edge_offload", task=COMPUTE, target=_to("edge"))
    assert result.accepted and result.previous_host == "cloud" and result.host == "edge"
    assert result.edge.service_host == "edge" and result.edge.utilisation > before.utilisation
    assert result.state.edge_load == pytest.approx(result.edge.utilisation)
    assert "already runs on the edge" in refused(env, "edge_offload", task=COMPUTE, target=_to("edge"))
    assert "only compute work" in refused(env, "edge_offload", task=dict(COMPUTE, kind="survey"), target=_to("cloud"))


def test_reallocation_resizes_slices_in_proportion():
    """A slice's new share is applied; the others keep their ratio and everything sums to one."""
    env, world = started()
    call(env, "trigger_slice_reallocation", slice="URLLC", resources={"share": 0.5})
    shares = {s.value: k.share for s, k in world.snapshot.slices.items()}
    assert shares["URLLC"] == pytest.approx(0.5)
    assert shares["eMBB"] / shares["mMTC"] == pytest.approx(0.6 / 0.15)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_configuration_result_reflects_its_own_window():
    """The returned state is the window that applied the action: one window after the boundary."""
    env, world = started()
    out = env.step({"name": "switch_network_slice", "arguments": '{"from_slice": "eMBB", "to_slice": "URLLC"}'})
    ((t_applied, _),) = env.sim.backend.applied
    assert out.result.t_done == pytest.approx(t_applied + env.sim.window_s) == pytest.approx(world.t)
