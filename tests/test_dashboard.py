"""The dashboard: its data functions on committed files, and its page through Streamlit's app-testing API."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from sixg.bench.run import read_results, summarise
from sixg.dashboard import PATHS_ENV, data
from sixg.dashboard.__main__ import main as dashboard_main
from sixg.scenario import generate
from sixg.sim import Trajectory
from sixg.traces.io import read_episode

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "data" / "traces"
RUNS = ROOT / "tests" / "data" / "sample-runs"
BENCH = RUNS / "bench-mapek-surrogate"
VALIDATE = RUNS / "validate-ns3"
APP = str(ROOT / "sixg" / "dashboard" / "app.py")


# --- data functions ------------------------------------------------------------------------------------


def test_discover_finds_every_kind_of_input(tmp_path):
    """Trace corpora, runs (validation agents included), validations and loose trajectories are found; a bad path is named."""
    loose = tmp_path / "mine.jsonl"
    loose.write_text((BENCH / "trajectories").glob("*.jsonl").__next__().read_text())
    (tmp_path / "notes.jsonl").write_text('{"kind": "other"}\n')
    found = data.discover([TRACES, RUNS, tmp_path, tmp_path / "absent"])
    assert found.trace_roots == (TRACES,)
    assert BENCH in found.runs and VALIDATE / "mapek" in found.runs
    assert found.validations == (VALIDATE,)
    assert found.trajectories == (loose,)
    assert any("absent" in note and "does not exist" in note for note in found.skipped)


def test_trace_index_covers_the_committed_corpus():
    """Every committed episode is listed once, with its UE file beside it."""
    index = data.trace_index(TRACES)
    assert set(index["split"]) == {"train", "benchmark"}
    assert sorted(index[index["split"] == "train"]["seed"].unique()) == list(range(1, 51))
    assert all(Path(p).is_file() for p in index["ues"])
    assert not index.duplicated(["split", "seed", "episode"]).any()


def test_marks_and_spans_follow_the_trace():
    """Each action and degradation event of the CSV is one mark; shaded spans cover exactly the degraded windows."""
    path = TRACES / "train" / "seed-001" / "episode-001.csv.gz"
    windows, ues = data.load_trace(path, path.with_name("episode-001.ues.csv.gz"))
    marks = data.timeline_marks(windows)
    assert (marks["kind"] == "action").sum() == (windows["action"] != "none").sum()
    assert (marks["kind"] == "degradation").sum() == (windows["event"] != "").sum()
    spans = data.degraded_spans(windows)
    for r in windows.itertuples():
        inside = ((spans["start"] < r.t) & (r.t <= spans["end"] + 1e-9)).any()
        assert inside == (r.degradation != "none"), r.t
    assert ues is not None and set(data.ue_map(ues, service_ue="ue-0")["role"]) == {"ground", "UAV", "service"}


def test_sla_bounds_are_the_scenarios():
    """The drawn SLA bounds are the scenario's targets, upper for latency/jitter/loss and lower for throughput."""
    sla = generate(7, split="train").sla
    bounds = data.sla_bounds(7, "train").set_index("dimension")
    assert bounds.loc["latency (ms)", "bound"] == sla.max_latency_ms
    assert bounds.loc["throughput (Mbit/s)", "bound"] == sla.min_throughput_mbps
    assert bounds.loc["throughput (Mbit/s)", "side"] == "min" and bounds.loc["loss rate (fraction)", "side"] == "max"


def test_table_one_matches_the_runs_summary():
    """Table I rows are the benchmark's own scoring of the run: per tier, per domain, SR and SPL in %."""
    run = data.load_run(BENCH)
    summary = json.loads((BENCH / "summary.json").read_text())
    row = data.table_one([run]).iloc[0]
    for tier, s in summary["tiers"].items():
        assert row[tier] == round(100 * s["sr"], 1)
    assert row["SR"] == round(100 * summary["overall"]["sr"], 1)
    assert row["SPL"] == round(100 * summary["overall"]["spl"], 1)
    domains = data.table_one([run], by="domains").iloc[0]
    for domain, s in summary["domains"].items():
        assert domains[domain] == round(100 * s["sr"], 1)
    with pytest.raises(Exception, match="tiers"):
        data.table_one([run], by="families")


def test_drill_down_lists_the_cells_episodes():
    """A cell's episodes are exactly the run's episodes of that tier and domain, with why each failed."""
    run = data.load_run(BENCH)
    episodes = read_results(BENCH)
    cell = data.cell_episodes(run, tier="L1", domain="network_slicing")
    expected = {e.task_id for e in episodes if e.tier == "L1" and e.domain == "network_slicing"}
    assert set(cell["task_id"]) == expected
    failed = run.episodes[~run.episodes["success"]]
    assert (failed["why"] != "").all()
    assert all(Path(p).is_file() for p in run.episodes["trajectory"])


def test_table_three_matches_validation_json():
    """Table III shows each agent's SR on both backends and the gaps per tier, in %."""
    v = data.load_validation(VALIDATE)
    t3 = data.table_three(v).set_index("agent")
    for agent, r in v["agents"].items():
        assert t3.loc[agent, "SR surrogate"] == round(100 * r["sr_surrogate"], 1)
        assert t3.loc[agent, "SR ns-3"] == round(100 * r["sr_ns3"], 1)
        assert t3.loc[agent, "gap L1"] == round(100 * r["gap_tiers"]["L1"], 1)
    assert set(data.validation_runs(v)) == set(v["agents"])


def test_trajectory_steps_and_dual_windows():
    """Steps read back with tool, verdict and state; a validation episode gives surrogate, ns-3 and gap per window."""
    run = data.load_run(VALIDATE / "mapek")
    row = run.episodes.iloc[0]
    trajectory = Trajectory.load(row["trajectory"])
    steps = data.trajectory_steps(trajectory)
    assert list(steps["step"]) == list(range(1, len(trajectory.steps) + 1))
    assert list(steps["tool"]) == [s["result"]["tool"] for s in trajectory.steps]
    assert set(steps["slice"]) <= set(data.SLICES)
    episode = data.episode_of(run, row["task_id"], int(row["trial"]))
    dual = data.dual_windows(episode)
    assert dual is not None
    assert set(dual["backend"]) == {"surrogate", "ns-3", "gap (surrogate - ns-3)"}
    w = episode["extra"]["windows"][0]
    lat = dual[(dual["t"] == w["t"]) & (dual["dimension"] == "latency (ms)")].set_index("backend")["value"]
    assert lat["surrogate"] == w["surrogate"]["latency_ms"] and lat["ns-3"] == w["ns3"]["latency_ms"]
    assert data.dual_windows({"extra": {}}) is None


def test_bad_files_are_user_errors(tmp_path):
    """A folder without results or a broken validation.json is a typed error naming the file."""
    from sixg.errors import UserError

    with pytest.raises(UserError, match="no readable episodes"):
        data.load_run(tmp_path)
    (tmp_path / "validation.json").write_text("{not json")
    with pytest.raises(UserError, match="validation.json"):
        data.load_validation(tmp_path)


# --- the page, through Streamlit's app-testing API ---------------------------------------------------------


def _app(monkeypatch, *paths: Path, view: str | None = None) -> AppTest:
    monkeypatch.setenv(PATHS_ENV, ":".join(str(p) for p in paths))
    at = AppTest.from_file(APP, default_timeout=120)
    if view:
        at.query_params["view"] = view
    return at.run()


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_traces_view_draws_the_six_dimensions_with_sla_and_marks(monkeypatch):
    """The traces view shows the slice and five dimensions with SLA rules, the marks table and the UE map of the chosen episode."""
    at = _app(monkeypatch, TRACES, view="traces")
    assert not at.exception
    assert at.header[0].value == "Network traces"
    at.selectbox[1].set_value("train").run()
    at.selectbox[2].set_value(1).run()
    at.selectbox[3].set_value(1).run()
    assert not at.exception
    assert at.caption[0].value.startswith("seed 1 (train)")
    specs = _specs(at)
    titles = [s.get("title") for s in specs]
    assert titles[:6] == ["active slice", "latency (ms)", "jitter (ms)", "loss rate (fraction)", "throughput (Mbit/s)", "edge load (fraction)"]
    latency = specs[1]
    sla_rules = [layer for layer in latency["layer"] if layer["mark"].get("color") == "orange"]
    assert len(sla_rules) == 1
    windows = read_episode(TRACES / "train" / "seed-001" / "episode-001.csv.gz")
    marks = at.dataframe[0].value
    assert len(marks) == (windows["action"] != "none").sum() + (windows["event"] != "").sum()
    assert len(specs) == 7  # the six dimensions and the UE map


def test_trajectory_view_shows_a_validation_episode_side_by_side(monkeypatch):
    """For a validation run the inspector shows the intent, both verdicts, every step and the per-window comparison."""
    at = _app(monkeypatch, VALIDATE, view="trajectories")
    assert not at.exception
    assert at.header[0].value == "Trajectory inspector"
    run = at.selectbox[0]
    run.set_value(next(o for o in run.options if o.endswith("mapek"))).run()
    assert not at.exception
    assert any(i.value.startswith("**Intent:**") for i in at.info)
    markdown = " ".join(m.value for m in at.markdown)
    assert "Judged on ns-3" in markdown and "Judged on the surrogate" in markdown
    steps = at.dataframe[3].value if len(at.dataframe) > 3 else None
    subheaders = [s.value for s in at.subheader]
    assert subheaders == ["Steps", "The state the agent saw", "Surrogate and ns-3, window by window"]
    assert steps is not None and list(steps["step"])[0] == 1
    at.select_slider[0].set_value(list(steps["step"])[-1]).run()
    assert not at.exception


def test_benchmark_view_tables_and_drill_down_into_the_inspector(monkeypatch):
    """Table I and Table III come from the runs; a drilled-down episode opens in the trajectory inspector."""
    at = _app(monkeypatch, RUNS, view="benchmark")
    assert not at.exception
    assert [s.value for s in at.subheader][0] == "Table I: success rate (%) per tier and domain"
    table_one = at.dataframe[0].value
    bench_row = table_one[table_one["run"].str.contains("bench-mapek-surrogate")].iloc[0]
    summary = summarise(read_results(BENCH))
    assert bench_row["SR"] == round(100 * summary["overall"]["sr"], 1)
    assert any(s.value.startswith("Table III") for s in at.subheader)
    table_three = next(d.value for d in at.dataframe if "SR ns-3" in d.value.columns)
    assert set(table_three["agent"]) == set(json.loads((VALIDATE / "validation.json").read_text())["agents"])

    at.selectbox[0].set_value(str(BENCH)).run()
    at.selectbox[1].set_value("L1").run()
    cell = at.dataframe[2].value
    assert set(cell["tier"]) == {"L1"}
    chosen = at.selectbox[3].value
    at.button[0].click().run()
    assert not at.exception
    assert at.header[0].value == "Trajectory inspector"
    assert at.selectbox[0].value == str(BENCH) and at.selectbox[1].value == chosen


def test_page_says_what_is_missing(monkeypatch, tmp_path):
    """With nothing readable each view says what to give it, and the sidebar names the path it could not use."""
    for view in ("traces", "trajectories", "benchmark"):
        at = _app(monkeypatch, tmp_path / "absent", view=view)
        assert not at.exception
        assert at.warning and "give" in at.warning[0].value
        assert any("does not exist" in w.value for w in at.sidebar.warning)


def test_command_refuses_missing_paths(capsys, tmp_path):
    """`python -m sixg.dashboard` with a path that does not exist is one error line and status 2."""
    assert dashboard_main([str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_the_committed_corpus_is_cached(monkeypatch):
    """A rerun of the page reads no file again: parsed inputs come from Streamlit's cache."""
    at = _app(monkeypatch, TRACES, RUNS, view="traces")
    calls = []
    original = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: calls.append(a) or original(*a, **k))
    at.run()
    assert not at.exception and calls == []


def test_correlations_and_disagreements_are_tabulated():
    """Table III's statistics across agents come per tier; each episode judged differently is listed with its cause."""
    v = data.load_validation(VALIDATE)
    scopes = data.across_agents(v).set_index("scope")
    assert list(scopes.index) == ["L1", "L2", "L3", "all"]
    assert scopes.loc["all", "Pearson r"] == v["pearson_r"]
    made_up = {"agents": {"x": {"disagreements": [{"task_id": "t", "tier": "L2", "surrogate_success": True, "ns3_success": False, "cause": "latency 80 on the surrogate vs 120 on ns-3"}]}}}
    differ = data.disagreements(made_up)
    assert differ.iloc[0]["cause"].startswith("latency") and differ.iloc[0]["agent"] == "x"
    assert data.disagreements(v).shape[0] == sum(len(r["disagreements"]) for r in v["agents"].values())


def test_trajectory_frame_is_what_the_agent_saw():
    """The inspector's state series starts with the reset state and has one row per step, at the step's time."""
    trajectory = Trajectory.load(next((BENCH / "trajectories").glob("*.jsonl")))
    frame = data.trajectory_frame(trajectory)
    assert len(frame) == len(trajectory.steps) + 1
    assert frame.iloc[0]["latency_ms"] == trajectory.header["state"]["latency_ms"]
    assert list(frame["t"][1:]) == [s["t"] for s in trajectory.steps]


def test_trajectory_view_reads_a_loose_trajectory_file(monkeypatch, tmp_path):
    """A trajectory file on its own (e.g. from python -m sixg.mcp) opens with its intent, its end and its steps."""
    source = next((BENCH / "trajectories").glob("*.jsonl"))
    loose = tmp_path / "episode-001.jsonl"
    loose.write_text(source.read_text())
    at = _app(monkeypatch, loose, view="trajectories")
    assert not at.exception
    assert at.sidebar.radio[0].value == "Trajectory inspector"
    assert {r.value for r in at.radio} == {"Trajectory inspector", "Trajectory files"}
    intent = Trajectory.load(loose).header["intent"]
    assert at.info[0].value == f"**Intent:** {intent}"
    assert any(m.value.startswith("**Episode end:**") for m in at.markdown)
    assert len(at.dataframe[0].value) == len(Trajectory.load(loose).steps)


def test_run_summary_is_the_runs_own_unless_stale(tmp_path):
    """A run's summary.json is used when it covers its results; a stale one is scored again from results.jsonl."""
    import shutil

    run = data.load_run(BENCH)
    assert data.run_summary(run) == json.loads((BENCH / "summary.json").read_text())
    copy = tmp_path / "run"
    shutil.copytree(BENCH, copy)
    stale = json.loads((copy / "summary.json").read_text())
    stale["episodes"] = 1
    (copy / "summary.json").write_text(json.dumps(stale))
    rescored = data.run_summary(data.load_run(copy))
    assert rescored["episodes"] == len(read_results(BENCH)) and rescored["overall"] == summarise(read_results(BENCH))["overall"]


def test_trajectory_marks_show_degradations_and_configuration_calls():
    """The inspector marks each scheduled degradation and each accepted Configuration call at its time."""
    path = VALIDATE / "reference" / "trajectories" / "bench-051-dr_congestion_recovery-0-t0.jsonl"
    trajectory = Trajectory.load(path)
    marks = data.trajectory_marks(trajectory)
    events = trajectory.header["options"]["schedule"]["events"]
    assert list(marks[marks["kind"] == "degradation"]["t"]) == [e["t"] for e in events]
    assert marks[marks["kind"] == "degradation"]["label"].iloc[0].startswith("onset:congestion")
    configured = [s["result"]["t_called"] for s in trajectory.steps if s["result"]["ok"] and s["result"]["effect"] == "configuration"]
    assert configured and list(marks[marks["kind"] == "action"]["t"]) == configured
