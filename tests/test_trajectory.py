"""Trajectories: every episode is a JSONL record that loads back and replays exactly."""

from __future__ import annotations

import json

import pytest
from toynet import SEED, onset, toy_env

from sixg.errors import CorruptTraceError
from sixg.sim import Trajectory, replay

CALLS = [
    {"name": "check_network_state", "arguments": "{}"},
    "this is not a call",
    {"name": "get_slice_status", "arguments": {"slice": "eMBB"}},
    {"name": "switch_network_slice", "arguments": '{"from_slice": "eMBB", "to_slice": "URLLC"}'},
    {"name": "set_waypoint", "arguments": {"uav": "uav-0", "position": {"x": 0.0, "y": 0.0, "z": 70.0}}},
    {"name": "set_waypoint", "arguments": {"uav": "uav-9", "position": {"x": 0.0, "y": 0.0, "z": 70.0}}},
    {"name": "read_telemetry", "arguments": {"x": float("nan")}},
    {"id": "call_7", "type": "function", "function": {"name": "get_edge_load", "arguments": "{}"}},
    {"name": "check_network_state", "arguments": "{}"},
]
OPTIONS = {
    "scenario_seed": SEED,
    "schedule": {"events": [onset(1.2, {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0})]},
    "max_steps": 20,
}


def _episode(seed: int = 5) -> Trajectory:
    env = toy_env()
    env.reset(seed=seed, options=OPTIONS)
    for c in CALLS:
        env.step(c)
    return env.trajectory


def test_records_every_step(tmp_path):
    """Each step records the call as sent, the result, the state, the time and the backend."""
    traj = _episode()
    assert traj.header["kind"] == "episode" and traj.header["backend"] == "toy" and traj.header["seed"] == 5
    assert traj.header["options"]["schedule"]["events"][0]["t"] == 1.2
    assert len(traj.steps) == len(CALLS)
    first = traj.steps[0]
    assert (
        first["call"] == {"object": CALLS[0]}
        and first["result"]["ok"]
        and first["t"] == 0.55
        and first["backend"] == "toy"
    )
    assert set(first["state"]) == {"slice", "latency_ms", "jitter_ms", "loss_rate", "throughput_mbps", "edge_load"}
    assert (
        traj.steps[1]["call"] == {"text": "this is not a call"}
        and traj.steps[1]["result"]["error"]["kind"] == "malformed_call"
    )
    assert traj.steps[3]["state"]["slice"] == "URLLC"


def test_round_trips_through_jsonl(tmp_path):
    """save() then load() gives back the same records."""
    traj = _episode()
    path = traj.save(tmp_path / "episode.jsonl")
    assert len(path.read_text().splitlines()) == 1 + len(CALLS)
    loaded = Trajectory.load(path)
    assert loaded.header == traj.header
    assert json.dumps(loaded.steps, sort_keys=True) == json.dumps(traj.steps, sort_keys=True)


def test_seeded_episodes_are_identical():
    """The same seed and calls give the same trajectory; another seed gives another."""
    a, b, c = _episode(5), _episode(5), _episode(6)
    assert json.dumps([a.header, a.steps], sort_keys=True) == json.dumps([b.header, b.steps], sort_keys=True)
    assert a.steps[0]["state"] != c.steps[0]["state"]


def test_replay_is_exact(tmp_path):
    """Replaying a saved episode reproduces every record, malformed calls included."""
    path = _episode().save(tmp_path / "episode.jsonl")
    report = replay(path, env=toy_env())
    assert report.identical, report.mismatches
    assert report.steps == len(CALLS)


def test_replay_reports_a_difference(tmp_path):
    """A recording that does not match what the calls produce is reported, with where."""
    traj = _episode()
    traj.steps[2]["state"]["latency_ms"] += 1.0
    report = replay(traj, env=toy_env())
    assert not report.identical
    assert any(m.startswith("step 3.state.latency_ms") for m in report.mismatches)


def test_corrupt_files_are_named(tmp_path):
    """Unreadable, headerless or out-of-order files raise CorruptTraceError naming the file."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(CorruptTraceError, match="bad.jsonl"):
        Trajectory.load(bad)
    traj = _episode()
    path = traj.save(tmp_path / "ok.jsonl")
    lines = path.read_text().splitlines()
    (tmp_path / "noheader.jsonl").write_text("\n".join(lines[1:]))
    with pytest.raises(CorruptTraceError, match="header"):
        Trajectory.load(tmp_path / "noheader.jsonl")
    (tmp_path / "gap.jsonl").write_text("\n".join([lines[0], lines[2]]))
    with pytest.raises(CorruptTraceError, match="not step 1"):
        Trajectory.load(tmp_path / "gap.jsonl")
    header = json.loads(lines[0]) | {"format": 99}
    (tmp_path / "future.jsonl").write_text(json.dumps(header))
    with pytest.raises(CorruptTraceError, match="format 99"):
        Trajectory.load(tmp_path / "future.jsonl")


def test_cli_shows_and_replays(tmp_path, capsys):
    """`python -m sixg.sim show|replay` print the steps and check a recording against a fresh run."""
    from sixg.backends import register_backend
    from sixg.sim.__main__ import main

    register_backend("toy", "toynet:ToyBackend")  # the recording names its backend by id
    path = _episode().save(tmp_path / "episode.jsonl")
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "seed 5 on toy" in out and "switch_network_slice" in out and "error (malformed_call)" in out
    assert main(["replay", str(path)]) == 0
    assert "identical over 9 step(s)" in capsys.readouterr().out
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
