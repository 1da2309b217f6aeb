"""The dual backend through the environment: the agent sees the surrogate, ns-3 runs beside it, the episode replays."""

from __future__ import annotations

import json

import pytest

from sixg.backends import make_backend
from sixg.backends.dual import DualBackend
from sixg.scenario import generate
from sixg.sim import NetOpsEnv
from sixg.sim.trajectory import replay

pytestmark = pytest.mark.ns3

SURGE = {"kind": "onset", "degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0}}
OPTIONS = {"scenario_seed": 2, "max_steps": 6, "schedule": {"events": [{"t": 0.5, "action": SURGE}]}}


def _env(worker) -> tuple[NetOpsEnv, DualBackend]:
    dual = DualBackend(ns3=make_backend("ns3", worker=worker))
    return NetOpsEnv(backend=dual), dual


def test_a_dual_episode_feeds_both_backends_and_replays_exactly(ns3_worker):
    """Each call's window runs on both backends at the same time, a scheduled surge and a slice switch land on
    both, the agent reads the surrogate, and replaying the recorded episode on a fresh dual backend reproduces
    every record."""
    env, dual = _env(ns3_worker)
    try:
        env.reset(seed=3, options=OPTIONS)
        start = env.sim.world.state.slice.value
        target = "URLLC" if start != "URLLC" else "eMBB"
        calls = [
            ("check_network_state", {}),
            ("switch_network_slice", {"from_slice": start, "to_slice": target}),
            ("get_slice_status", {"slice": target}),
        ]
        for name, arguments in calls:
            out = env.step({"name": name, "arguments": json.dumps(arguments)})
            assert out.result.ok, out.observation
            assert out.info["backend"] == "surrogate"
            pair = out.info["windows"][-1]
            assert pair == dual.last_gap
            assert dual.surrogate.now == dual.ns3.now == pytest.approx(pair.t)
            assert pair.t == pytest.approx(env.sim.now, abs=dual.window_s)
            assert pair.gap["latency_ms"] == pytest.approx(pair.surrogate.latency_ms - pair.ns3.latency_ms)
            assert env.trajectory.steps[-1]["windows"][-1] == pair.model_dump(mode="json")
        assert pair.surrogate.slice.value == pair.ns3.slice.value == target
        surrogate_out, ns3_out = dual.last_outputs
        assert "congestion" in surrogate_out.snapshot.degradations and "congestion" in ns3_out.snapshot.degradations
        assert env.sim.world.state.slice.value == target
        recorded = env.trajectory
    finally:
        env.close()
        dual.close()

    again, again_dual = _env(ns3_worker)
    try:
        report = replay(recorded, env=again)
    finally:
        again.close()
        again_dual.close()
    assert report.identical, report.mismatches
    assert report.steps == len(calls)


def test_an_unsure_surrogate_hands_the_step_to_ns3(ns3_worker):
    """With a fallback threshold of 0 every window is answered by ns-3, the window records the fallback, and the
    surrogate continues from it."""
    dual = DualBackend(fallback_ood=0.0, ns3=make_backend("ns3", worker=ns3_worker))
    try:
        dual.reset(generate(1, split="train"), seed=1)
        for _ in range(2):
            out = dual.step()
            assert out.snapshot.backend == "ns3" and out.dual.answered_by == "ns3" and out.dual.fallback
            assert out.snapshot.state == dual.last_outputs[1].snapshot.state
    finally:
        dual.close()
