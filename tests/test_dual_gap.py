"""The gap as data: a dual run's windows (both measurements and their gap) in the step output, info, trajectory and replay."""

from __future__ import annotations

import json

import pytest
from toynet import ToyBackend

from sixg.backends.dual import DualBackend
from sixg.backends.gap import WindowGap
from sixg.scenario import generate
from sixg.sim import NetOpsEnv
from sixg.sim.trajectory import Trajectory, replay

SURGE = {"kind": "onset", "degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0}}
OPTIONS = {"scenario_seed": 2, "max_steps": 4, "schedule": {"events": [{"t": 0.5, "action": SURGE}]}}


class SlowToy(ToyBackend):
    """The toy network with 40 ms more latency: a second backend that measurably disagrees."""

    def _snapshot(self):
        snap = super()._snapshot()
        return snap.model_copy(update={"state": snap.state.model_copy(update={"latency_ms": snap.state.latency_ms + 40.0})})


def _env() -> NetOpsEnv:
    return NetOpsEnv(backend=DualBackend(surrogate=ToyBackend(), ns3=SlowToy()))


def _episode(env: NetOpsEnv) -> list:
    env.reset(seed=3, options=OPTIONS)
    outs = []
    for name in ("check_network_state", "read_telemetry", "check_network_state"):
        outs.append(env.step({"name": name, "arguments": "{}"}))
    return outs


def test_each_step_carries_both_measurements_and_their_gap(tmp_path):
    """info["windows"] holds one WindowGap per window the call spanned, with both states and gap = surrogate - ns-3;
    the trajectory records the same windows, reads them back typed, and the dashboard tabulates them."""
    env = _env()
    try:
        outs = _episode(env)
        seen = [w for out in outs for w in out.info["windows"]]
        assert seen and all(isinstance(w, WindowGap) for w in seen)
        assert [w.t for w in seen] == sorted(w.t for w in seen)
        assert seen[-1].t == pytest.approx(env.sim.world.snapshot.t)
        for w in seen:
            assert w.gap["latency_ms"] == pytest.approx(-40.0)
            assert w.gap["latency_ms"] == pytest.approx(w.surrogate.latency_ms - w.ns3.latency_ms)
            assert w.answered_by == "surrogate" and not w.fallback
        assert outs[-1].state == seen[-1].surrogate  # the agent reads the primary
        path = env.trajectory.save(tmp_path / "dual.jsonl")
    finally:
        env.close()
    back = Trajectory.load(path)
    assert back.dual_windows() == seen
    assert all("windows" in s for s in back.steps)
    from sixg.dashboard import data

    frame = data.trajectory_dual_windows(back)
    gap = frame[(frame["backend"] == "gap (surrogate - ns-3)") & (frame["dimension"] == "latency (ms)")]
    assert list(gap["t"]) == [w.t for w in seen] and gap["value"].tolist() == pytest.approx([-40.0] * len(seen))


def test_a_dual_episode_replays_identically():
    """Replaying a recorded dual episode on a fresh dual backend reproduces every record, windows included."""
    env = _env()
    try:
        _episode(env)
        recorded = env.trajectory
    finally:
        env.close()
    report = replay(recorded, env=_env())
    assert report.identical, report.mismatches
    tampered = Trajectory(header=recorded.header, steps=json.loads(json.dumps(recorded.steps)))
    tampered.steps[0]["windows"][0]["gap"]["latency_ms"] += 1.0
    bad = replay(tampered, env=_env())
    assert not bad.identical and any("windows[0].gap.latency_ms" in m for m in bad.mismatches)


def test_a_single_backend_records_no_windows():
    """On one backend neither info nor the trajectory has windows."""
    env = NetOpsEnv(backend=ToyBackend())
    try:
        out = _episode(env)[-1]
        assert "windows" not in out.info and "windows" not in env.trajectory.steps[-1]
        assert env.trajectory.dual_windows() == []
    finally:
        env.close()


def test_a_forced_fallback_is_recorded():
    """When the surrogate is unsure (threshold below any OOD score) ns-3 answers; the window says so, with the score."""
    dual = DualBackend(fallback_ood=-1.0, ns3=SlowToy())
    try:
        dual.reset(generate(1, split="train"), seed=1)
        assert dual.last_gap is not None and not dual.last_gap.fallback
        for _ in range(2):
            out = dual.step()
            w = out.dual
            assert w.fallback and w.answered_by == "ns3" and w.surrogate_ood is not None and w.surrogate_ood > -1.0
            assert out.snapshot.state == w.ns3
    finally:
        dual.close()
    calm = DualBackend(ns3=SlowToy())
    try:
        calm.reset(generate(1, split="train"), seed=1)
        w = calm.step().dual
        assert not w.fallback and w.answered_by == "surrogate"
    finally:
        calm.close()
