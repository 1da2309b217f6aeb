"""Observation tools read the network as measured, and their numbers move the right way."""

from __future__ import annotations

import pytest
from toynet import call, onset, started


def test_state_and_telemetry_read_the_latest_window():
    """check_network_state and read_telemetry return the world's latest measurement."""
    env, world = started()
    state = call(env, "check_network_state")
    assert state == world.history[-1].state
    tel = call(env, "read_telemetry")
    assert tel.t == world.t and tel.state == world.state and tel.sla == world.scenario.sla
    assert [u.uav for u in tel.uavs] == ["uav-0", "uav-1"]
    assert 1 <= len(tel.recent) <= 8 and tel.recent[-1] == world.state


def test_signal_strength_is_stronger_near_a_cell():
    """Near a base station the signal is stronger, its cell is best, coverage good."""
    env, world = started()
    g = world.scenario.gnbs[1].position
    near = call(env, "get_signal_strength", position={"x": g.x + 30, "y": g.y, "z": 1.5})
    far = call(env, "get_signal_strength", position={"x": -440.0, "y": 440.0, "z": 1.5})
    assert near.gnb == "gnb-1" and near.coverage == "good"
    assert near.rsrp_dbm > far.rsrp_dbm and near.cqi >= far.cqi
    assert [c.gnb for c in near.cells] == sorted(
        (c.gnb for c in near.cells), key=lambda n: -next(c.rsrp_dbm for c in near.cells if c.gnb == n)
    )


def test_scan_lists_cells_strongest_first_with_their_load():
    """scan_available_gnbs orders by RSRP and counts the UEs each cell serves."""
    env, world = started()
    scan = call(env, "scan_available_gnbs", position={"x": 0.0, "y": 0.0, "z": 1.5})
    assert [g.rsrp_dbm for g in scan.gnbs] == sorted((g.rsrp_dbm for g in scan.gnbs), reverse=True)
    assert sum(g.attached_ues for g in scan.gnbs) == len(world.scenario.ues)


def test_slice_status_tracks_reallocation():
    """After giving URLLC a bigger share, its status shows the share and the capacity it buys."""
    env, _world = started()
    before = call(env, "get_slice_status", slice="URLLC")
    call(env, "trigger_slice_reallocation", slice="URLLC", resources={"share": 0.5})
    after = call(env, "get_slice_status", slice="URLLC")
    assert before.share == pytest.approx(0.25) and after.share == pytest.approx(0.5)
    assert after.capacity_mbps == pytest.approx(2 * before.capacity_mbps)
    assert call(env, "get_slice_status", slice="eMBB").service_on_slice


def test_uav_position_and_battery_change_as_it_flies():
    """A flying UAV's position changes and its battery drains; endurance follows the hover power."""
    env, world = started()
    p0 = call(env, "read_uav_position", uav="uav-0")
    b0 = call(env, "get_battery_level", uav="uav-0")
    env.sim.wait(5.0)
    p1 = call(env, "read_uav_position", uav="uav-0")
    b1 = call(env, "get_battery_level", uav="uav-0")
    assert p0.distance_to(p1) > 10.0
    assert b1.energy_wh < b0.energy_wh and b1.fraction < b0.fraction
    assert b1.endurance_s == pytest.approx(b1.energy_wh * 3600 / world.scenario.uav("uav-0").hover_power_w)


def test_sla_prediction_sees_a_rising_latency():
    """A latency climbing toward its bound is forecast to violate; a steady one is not."""
    env, world = started()
    steady = call(env, "predict_sla_violation", state=world.state.model_dump(mode="json"))
    assert not steady.will_violate and steady.probability < 0.2
    bound = world.scenario.sla.max_latency_ms
    last = world.snapshot
    for i in range(1, 9):  # the last eight windows: latency rising to 90 % of the bound
        state = last.state.model_copy(update={"latency_ms": bound * (0.5 + 0.05 * i)})
        world.update(last.model_copy(update={"t": last.t + 0.5 * i, "state": state}))
    rising = call(env, "predict_sla_violation", state=world.state.model_dump(mode="json"))
    latency = next(d for d in rising.dimensions if d.dimension == "latency")
    assert latency.trend_per_s > 0 and latency.predicted > bound
    assert rising.will_violate and rising.probability > 0.5
    assert 0 < rising.time_to_violation_s < 5


def test_handover_status_follows_a_handover():
    """check_handover_status shows the new serving cell and the request after a handover."""
    env, _world = started()
    before = call(env, "check_handover_status", ue="uav-0")
    target = "gnb-1" if before.serving_gnb == "gnb-0" else "gnb-0"
    call(env, "request_handover", ue="uav-0", gnb=target)
    after = call(env, "check_handover_status", ue="uav-0")
    assert after.serving_gnb == target and after.handovers_ok == before.handovers_ok + 1
    assert after.last_request.target_gnb == target and after.last_request.accepted


def test_traffic_pattern_falls_after_shaping():
    """Shaping eMBB background load shows as a lower mean and a falling shape."""
    env, world = started()
    before = call(env, "get_traffic_pattern", slice="eMBB")
    assert before.shape == "steady" and before.flows == sum(1 for f in world.scenario.flows if f.slice.value == "eMBB")
    call(env, "graceful_degradation", spec={"slice": "eMBB", "fraction": 0.8, "mode": "shape"})
    env.sim.wait(2.0)
    after = call(env, "get_traffic_pattern", slice="eMBB")
    assert after.min_mbps < 0.5 * before.mean_mbps and after.trend_mbps_per_s < 0
    assert after.shape in ("falling", "bursty")


def test_interference_shows_as_excess_over_geometry():
    """A UE that measures 15 dB less than geometry explains reports that excess, as high interference."""
    env, world = started(schedule={"events": [onset(1.0, {"kind": "interference", "gnb": "gnb-0", "power_dbm": 30.0})]})
    ue = next(u for u in world.snapshot.ues if u.gnb == "gnb-0" and u.id.startswith("ue-"))
    where = {"x": ue.position.x, "y": ue.position.y, "z": ue.position.z}
    clean = call(env, "monitor_interference", position=where)
    assert clean.reference_ue == ue.id and abs(clean.excess_db) < 0.5
    env.sim.wait(1.0)
    jammed = call(env, "monitor_interference", position=where)
    assert jammed.excess_db == pytest.approx(15.0, abs=0.5)
    assert jammed.level.value in ("high", "critical")


def test_link_quality_serving_and_not():
    """The serving link carries the UE's measurement; a distant cell gives a worse link."""
    env, world = started()
    serving = world.ue("ue-1").gnb
    other = "gnb-1" if serving == "gnb-0" else "gnb-0"
    s = call(env, "check_link_quality", ue="ue-1", gnb=serving)
    o = call(env, "check_link_quality", ue="ue-1", gnb=other)
    assert s.serving and s.measured_sinr_db == world.ue("ue-1").sinr_db
    assert not o.serving and o.measured_sinr_db is None
    assert s.rsrp_dbm > o.rsrp_dbm and s.rate_mbps >= o.rate_mbps


@pytest.mark.parametrize(
    "degradation, host, strategy",
    [
        ({"kind": "edge_overload", "extra_load": 1.0}, "edge", "offload_to_cloud"),
        ({"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0}, "cloud", "switch_slice"),
        ({"kind": "backhaul", "gnb": "gnb-0", "extra_delay_ms": 40.0, "loss_rate": 0.0}, "cloud", "offload_to_edge"),
    ],
)
def test_recovery_strategy_fits_the_trouble(degradation, host, strategy):
    """The recommended remedy matches the symptom, and its calls are valid calls."""
    env, _world = started(schedule={"events": [onset(0.5, degradation)]})
    if host == "edge":
        call(
            env,
            "edge_offload",
            task={
                "name": "service",
                "kind": "compute",
                "target": None,
                "compute_jobs_s": 50.0,
                "max_latency_ms": None,
                "priority": "high",
            },
            target={"host": "edge", "expected_latency_ms": None, "expected_utilisation": None, "reason": None},
        )
    env.sim.wait(1.0)
    state = call(env, "check_network_state")
    risk = call(env, "risk_assessment", telemetry=call(env, "read_telemetry").model_dump(mode="json"))
    plan = call(env, "select_recovery_strategy", state=state.model_dump(mode="json"), risk=risk.model_dump(mode="json"))
    assert plan.strategy == strategy, plan
    for step in plan.steps:
        env.sim.boundary.bind({"name": step.tool, "arguments": step.arguments})  # raises if not a valid call


def test_recovery_strategy_says_monitor_when_healthy():
    """With every dimension inside its bound and low risk, the advice is to keep observing."""
    env, _world = started()
    state = call(env, "check_network_state")
    risk = call(env, "risk_assessment", telemetry=call(env, "read_telemetry").model_dump(mode="json"))
    assert risk.level.value == "low"
    assert (
        call(
            env, "select_recovery_strategy", state=state.model_dump(mode="json"), risk=risk.model_dump(mode="json")
        ).strategy
        == "monitor"
    )


def test_available_slices_depend_on_the_link():
    """Near a cell every slice is admissible; at the far edge URLLC, which needs the most SINR, is not."""
    env, world = started()
    g = world.scenario.gnbs[0].position
    near = call(env, "get_available_slices", position={"x": g.x + 20, "y": g.y + 20, "z": 1.5})
    assert all(s.admissible for s in near.slices)
    xmin, _ymin, _xmax, ymax = world.scenario.area
    far = call(env, "get_available_slices", position={"x": xmin, "y": ymax, "z": 1.5})
    by = {s.slice.value: s for s in far.slices}
    assert far.sinr_db < near.sinr_db
    assert by["mMTC"].admissible or not by["URLLC"].admissible
    assert by["URLLC"].min_sinr_db > by["eMBB"].min_sinr_db > by["mMTC"].min_sinr_db


def test_migration_feasibility_refuses_the_serving_cell():
    """Migrating to the cell that already serves the UAV scores 0; the other cell scores higher."""
    env, world = started()
    serving = world.ue("uav-0").gnb
    other = "gnb-1" if serving == "gnb-0" else "gnb-0"
    same = call(env, "check_migration_feasibility", uav="uav-0", gnb=serving)
    assert same.score == 0.0 and not same.feasible and "not_serving" in same.summary
    assert call(env, "check_migration_feasibility", uav="uav-0", gnb=other).score > 0.0
