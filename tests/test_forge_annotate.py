"""6G-Forge seed annotation: decision points in an ns-3 trace corpus, seed trajectories, runs that keep those reaching their goal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sixg.errors import SeedSplitError
from sixg.forge.annotate import annotate, find_decision_points, seed_blueprint
from sixg.forge.records import load_records

SAMPLE = Path(__file__).parent / "data" / "traces-sample"


@pytest.fixture
def planted(tmp_path):
    """The sample corpus with an interference onset at t=4.0 and uav-0 starting to drift at t=9.0 (seed 1, episode 0)."""
    root = tmp_path / "traces"
    shutil.copytree(SAMPLE, root)
    ep = root / "train" / "seed-001" / "episode-000.csv.gz"
    df = pd.read_csv(ep, compression="gzip", keep_default_na=False, dtype=str)
    row = df.index[df["t"].astype(float) == 4.0][0]
    df.loc[row, "event"] = "onset:interference"
    df.loc[row, "event_args"] = '[{"gnb": "gnb-0", "kind": "interference", "power_dbm": 31.0}]'
    df.to_csv(ep, index=False, compression="gzip")
    ues = ep.with_name("episode-000.ues.csv.gz")
    u = pd.read_csv(ues, compression="gzip", keep_default_na=False, dtype=str)
    u.loc[(u["ue"] == "uav-0"), "drifting"] = "0"
    u.loc[(u["ue"] == "uav-0") & (u["t"].astype(float) >= 9.0), "drifting"] = "1"
    u.to_csv(ues, index=False, compression="gzip")
    return root


def test_planted_decision_points_are_found(planted):
    """The planted onset and drift come back as decision points at their times, with what the trace recorded."""
    points = find_decision_points(planted, seeds=[1])
    onset = [p for p in points if p.kind == "degradation" and p.episode == 0 and p.t == 4.0]
    assert onset and onset[0].detail["degradation"] == {"gnb": "gnb-0", "kind": "interference", "power_dbm": 31.0}
    drift = [p for p in points if p.kind == "uav_drift" and p.episode == 0]
    assert [(p.t, p.detail["uav"]) for p in drift] == [(9.0, "uav-0")]
    bp = seed_blueprint(onset[0])
    assert bp.scene == "jam_recovery" and bp.onset["power_dbm"] == 31.0


def test_benchmark_traces_are_never_read(planted):
    """The sample's benchmark seed is skipped, and asking for a benchmark seed is refused."""
    assert all(p.seed <= 50 for p in find_decision_points(planted))
    with pytest.raises(SeedSplitError):
        find_decision_points(planted, seeds=[51])


def test_annotation_keeps_goal_reaching_runs_and_resumes(planted, tmp_path):
    """Seed trajectories that reach their goal are kept with the point's id; a rerun adds nothing twice."""
    out = tmp_path / "pool"
    m = annotate(planted, out, seeds=[1], limit=6, backend="surrogate", batch=2)
    recs = load_records(out)
    assert m["counters"]["points"] == 6 and len(recs) == m["counters"]["kept"] > 0
    assert all(r.id.startswith("ns3-001-") and r.meta.source in ("golden", "error-recovery") for r in recs)
    annotate(planted, out, seeds=[1], limit=6, backend="surrogate", batch=2)
    assert [r.id for r in load_records(out)] == [r.id for r in recs]


@pytest.mark.ns3
def test_annotation_on_live_ns3(planted, tmp_path):
    """The planted interference onset's seed trajectory runs on live ns-3 and, when it reaches its goal, is an ns3-real record."""
    points = [p for p in find_decision_points(planted, seeds=[1]) if p.t == 4.0 and p.kind == "degradation"]
    assert points
    out = tmp_path / "real"
    m = annotate(planted, out, seeds=[1], limit=None, backend="ns3", batch=1, points=points)
    recs = load_records(out)
    assert m["counters"]["points"] == 1
    assert len(recs) + sum(m["counters"]["rejected"].values()) == 1
    for r in recs:
        assert r.meta.source == "ns3-real" and r.meta.backend == "ns3" and r.meta.checkpoint is None


def test_unreadable_degradation_in_a_trace_is_counted_not_fatal(planted, tmp_path):
    """A decision point whose recorded degradation does not validate is rejected with a counted reason."""
    from sixg.forge.annotate import DecisionPoint

    bad = DecisionPoint(seed=1, episode=0, t=4.0, kind="degradation", detail={"degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": -5}})
    m = annotate(planted, tmp_path / "bad", backend="surrogate", points=[bad])
    assert m["counters"]["rejected"] == {"annotation: the trace's degradation does not validate": 1}
    assert load_records(tmp_path / "bad") == []
