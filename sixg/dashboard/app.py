"""The Streamlit page (``python -m sixg.dashboard`` starts it): three views over sixg's files.

This script only lays out what :mod:`sixg.dashboard.data` computes; every file it reads
is parsed once while the dashboard runs (``st.cache_data``, keyed by path: clear the cache
from Streamlit's menu to see a run that has written more since). The view is chosen in the sidebar or by
the ``view`` query parameter (``traces``, ``trajectories``, ``benchmark``).
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from sixg.dashboard import DEFAULT_PATHS, PATHS_ENV, data
from sixg.errors import SixgError
from sixg.sim import Trajectory

VIEWS = {"traces": "Network traces", "trajectories": "Trajectory inspector", "benchmark": "Benchmark and validation"}
ALL = "(all)"


# --- cached readers: each file is parsed once, keyed by its path ------------------------------------------


@st.cache_data(show_spinner=False)
def _sources(paths: tuple[str, ...]) -> data.Sources:
    return data.discover(paths)


@st.cache_data(show_spinner=False)
def _trace_index(root: str) -> pd.DataFrame:
    return data.trace_index(root)


@st.cache_data(show_spinner="reading the trace")
def _trace(windows: str, ues: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    return data.load_trace(windows, ues)


@st.cache_data(show_spinner=False)
def _scenario_frames(seed: int, split: str) -> tuple[pd.DataFrame, pd.DataFrame, str, str]:
    from sixg.scenario import generate

    scenario = generate(seed, split=split)
    return data.sla_bounds(seed, split), data.base_stations(seed, split), scenario.summary(), scenario.service.ue


@st.cache_data(show_spinner="reading the run")
def _run(path: str) -> data.Run:
    return data.load_run(path)


@st.cache_data(show_spinner="scoring the run")
def _summary(path: str) -> dict:
    return data.run_summary(_run(path))


def _table_one(paths: tuple[str, ...], by: str) -> pd.DataFrame:
    return data.table_one([_run(p) for p in paths], by=by, summaries=[_summary(p) for p in paths])


@st.cache_data(show_spinner=False)
def _trajectory(path: str) -> Trajectory:
    return Trajectory.load(path)


@st.cache_data(show_spinner=False)
def _validation(path: str) -> dict:
    return data.load_validation(path)


# --- charts -----------------------------------------------------------------------------------------------


def _dimension_chart(long: pd.DataFrame, dimension: str, *, marks: pd.DataFrame, spans: pd.DataFrame, bounds: pd.DataFrame) -> alt.LayerChart:
    """One state dimension over time, degraded stretches shaded, actions and onsets as rules, SLA dashed."""
    series = long[long["dimension"] == dimension]
    layers = []
    if not spans.empty:
        layers.append(alt.Chart(spans).mark_rect(opacity=0.12, color="red").encode(x="start:Q", x2="end:Q", tooltip=["degradation"]))
    layers.append(
        alt.Chart(series).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
            x=alt.X("t:Q", title="simulated time (s)"), y=alt.Y("value:Q", title=dimension), tooltip=["t", "value"]
        )
    )
    if not marks.empty:
        layers.append(
            alt.Chart(marks).mark_rule(strokeDash=[2, 2]).encode(
                x="t:Q",
                color=alt.Color("kind:N", scale=alt.Scale(domain=["action", "degradation"], range=["grey", "red"]), legend=None),
                tooltip=["t", "kind", "label"],
            )
        )
    bound = bounds[bounds["dimension"] == dimension] if not bounds.empty else bounds
    if not bound.empty:
        layers.append(alt.Chart(bound).mark_rule(color="orange", strokeDash=[6, 3], size=2).encode(y="bound:Q", tooltip=["side", "bound"]))
    return alt.layer(*layers).properties(height=190, title=dimension)


def _slice_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame[["t", "slice"]])
        .mark_line(interpolate="step-after", point=True)
        .encode(x=alt.X("t:Q", title="simulated time (s)"), y=alt.Y("slice:N", sort=list(data.SLICES), title="active slice"), tooltip=["t", "slice"])
        .properties(height=190, title="active slice")
    )


def _dimension_grid(frame: pd.DataFrame, *, marks: pd.DataFrame, spans: pd.DataFrame, bounds: pd.DataFrame) -> None:
    long = data.dimensions_long(frame)
    charts = [_slice_chart(frame)] + [
        _dimension_chart(long, f"{label} ({unit})", marks=marks, spans=spans, bounds=bounds) for _, label, unit, _ in data.DIMENSIONS
    ]
    for row in range(0, len(charts), 3):
        cols = st.columns(3)
        for col, chart in zip(cols, charts[row : row + 3]):
            col.altair_chart(chart, width="stretch")


# --- views ---------------------------------------------------------------------------------------------------


def traces_view(sources: data.Sources) -> None:
    st.header(VIEWS["traces"])
    if not sources.trace_roots:
        st.warning("No trace corpus found: give a folder made by `python -m sixg.traces generate` (it holds manifest.json).")
        return
    root = st.selectbox("Corpus", [str(r) for r in sources.trace_roots])
    index = _trace_index(root)
    c1, c2, c3 = st.columns(3)
    split = c1.selectbox("Split", sorted(index["split"].unique()))
    in_split = index[index["split"] == split]
    seed = c2.selectbox("Topology seed", sorted(in_split["seed"].unique()))
    in_seed = in_split[in_split["seed"] == seed]
    episode = c3.selectbox("Episode", sorted(in_seed["episode"].unique()))
    row = in_seed[in_seed["episode"] == episode].iloc[0]
    windows, ues = _trace(row["windows"], row["ues"])
    bounds, gnbs, summary, service_ue = _scenario_frames(int(seed), split)
    st.caption(f"{summary} -- {len(windows)} windows of {windows['window_s'].iloc[0]:g} s on {windows['backend'].iloc[0]} ({windows['ran'].iloc[0]})")
    marks = data.timeline_marks(windows)
    spans = data.degraded_spans(windows)
    _dimension_grid(windows, marks=marks, spans=spans, bounds=bounds)
    st.caption("Shaded: degradations active. Dashed grey: actions; dashed red: degradation onsets and recoveries. Dashed orange: the scenario's SLA bound.")

    left, right = st.columns([3, 2])
    with left:
        st.subheader("UE map")
        if ues is None:
            st.info("This episode has no UE file (episode-EEE.ues.csv.gz).")
        else:
            times = sorted(ues["t"].unique())
            t = st.select_slider("Time (s)", options=times, value=times[-1])
            m = data.ue_map(ues, service_ue=service_ue)
            paths = alt.Chart(m[m["role"] == "UAV"]).mark_line(opacity=0.5).encode(x="x:Q", y="y:Q", detail="ue:N", order="t:Q", color=alt.value("steelblue"))
            now = alt.Chart(m[m["t"] == t]).mark_point(filled=True, size=80).encode(
                x=alt.X("x:Q", title="east (m)"),
                y=alt.Y("y:Q", title="north (m)"),
                color=alt.Color("cell:N", title="serving cell"),
                shape=alt.Shape("role:N", title="UE", scale=alt.Scale(domain=["ground", "UAV", "service"], range=["circle", "diamond", "square"])),
                tooltip=["ue", "cell", "role", "sinr_db", "rsrp_dbm", "z"],
            )
            cells = alt.Chart(gnbs).mark_point(shape="triangle-up", size=300, filled=True, color="black").encode(x="x:Q", y="y:Q", tooltip=["gnb"])
            labels = alt.Chart(gnbs).mark_text(dy=-16).encode(x="x:Q", y="y:Q", text="gnb:N")
            st.altair_chart(alt.layer(paths, now, cells, labels).properties(height=420), width="stretch")
            st.caption("Triangles: base stations. Lines: UAV flight paths over the episode. Points: UEs at the chosen time, coloured by serving cell.")
    with right:
        st.subheader("Actions and degradations")
        st.dataframe(marks, hide_index=True, width="stretch", height=420)


def _episode_verdict(episode: dict) -> None:
    ok = episode["success"]
    (st.success if ok else st.error)(
        f"{'Success' if ok else 'Failure'}: goal {'met' if episode['goal_met'] else 'not met'}, "
        f"{'confirmed' if episode['verified'] else 'not confirmed'} by a verification tool" + (f"; error: {episode['error']}" if episode["error"] else "")
    )
    extra = episode.get("extra", {})
    checks = pd.DataFrame(episode["checks"], columns=["check", "passed", "detail"])
    if "ns3_checks" in extra:
        left, right = st.columns(2)
        left.markdown("**Judged on the surrogate** (what the agent saw)")
        left.dataframe(checks, hide_index=True, width="stretch")
        right.markdown(f"**Judged on ns-3**: {'success' if extra.get('ns3_success') else 'failure'}")
        if extra.get("disagreement"):
            st.warning(f"The verdicts differ: {extra['disagreement']}")
        right.dataframe(pd.DataFrame(extra["ns3_checks"], columns=["check", "passed", "detail"]), hide_index=True, width="stretch")
        if extra.get("mean_abs_gap"):
            st.markdown("**Mean |surrogate - ns-3| per window**")
            st.dataframe(pd.DataFrame([extra["mean_abs_gap"]]), hide_index=True)
    else:
        st.dataframe(checks, hide_index=True, width="stretch")


def trajectories_view(sources: data.Sources) -> None:
    st.header(VIEWS["trajectories"])
    choices = {str(p): p for p in sources.runs}
    loose = [str(p) for p in sources.trajectories]
    if not choices and not loose:
        st.warning("No trajectories found: give a run folder (`python -m sixg.bench run`, `python -m sixg.validate`) or trajectory files.")
        return
    kinds = (["A run's episodes"] if choices else []) + (["Trajectory files"] if loose else [])
    kind = st.radio("Source", kinds, horizontal=True)
    episode = None
    if kind == "A run's episodes":
        # A drill-down from the benchmark view, or a link (?view=trajectories&run=validate-ns3/mapek), picks the run.
        wanted_run = st.session_state.get("open_run") or st.query_params.get("run", "")
        names = list(choices)
        matching = [i for i, n in enumerate(names) if wanted_run and (n == wanted_run or n.endswith("/" + wanted_run.strip("/")))]
        run_name = st.selectbox("Run", names, index=matching[0] if matching else 0)
        run = _run(run_name)
        ids = [f"{r.task_id} (trial {r.trial})" for r in run.episodes.itertuples()]
        wanted = st.session_state.get("open_episode")
        pick = st.selectbox("Episode", ids, index=ids.index(wanted) if wanted in ids else 0)
        row = run.episodes.iloc[ids.index(pick)]
        path = row["trajectory"]
        episode = data.episode_of(run, row["task_id"], int(row["trial"]))
        if not Path(path).is_file():
            st.warning(f"{path} is missing: the run kept no trajectory for this episode.")
            _episode_verdict(episode)
            return
    else:
        path = st.selectbox("File", loose)
    trajectory = _trajectory(path)
    h = trajectory.header
    st.info(f"**Intent:** {h['intent']}")
    st.caption(f"{h['env_id']} -- episode seed {h['seed']}, scenario {h['scenario']['seed']} ({h['scenario']['split']}), backend {h['backend']}, window {h['window_s']} s, {len(trajectory.steps)} step(s)")
    if episode is not None:
        _episode_verdict(episode)
    elif trajectory.steps:
        last = trajectory.steps[-1]
        ending = "terminated (goal confirmed)" if last["terminated"] else "truncated (step budget spent)" if last["truncated"] else "still open"
        st.markdown(f"**Episode end:** {ending}")
    steps = data.trajectory_steps(trajectory)
    st.subheader("Steps")
    if steps.empty:
        st.write("No step was taken.")
    else:
        st.dataframe(steps[["step", "t", "tool", "effect", "ok", "error", "arguments", "reward", "terminated", "truncated"]], hide_index=True, width="stretch")
        n = st.select_slider("Step", options=list(steps["step"]), value=int(steps["step"].iloc[0]))
        record = trajectory.steps[n - 1]
        c1, c2 = st.columns(2)
        with c1:
            st.markdown(f"**Call** at t = {record['t']:.2f} s")
            st.json(record["call"])
            st.markdown("**What the agent read**")
            st.code(record["observation"], language=None)
        with c2:
            st.markdown("**Typed result**")
            st.json(record["result"], expanded=1)
            st.markdown("**State after the call**")
            st.json(record["state"])
    st.subheader("The state the agent saw")
    states = data.trajectory_frame(trajectory)
    marks = data.trajectory_marks(trajectory)
    _dimension_grid(states, marks=marks, spans=pd.DataFrame(columns=["start", "end", "degradation"]), bounds=pd.DataFrame())
    if not marks.empty:
        st.caption("Dashed red: scheduled degradations; dashed grey: configuration calls that took effect.")
    dual = data.dual_windows(episode) if episode is not None else None
    if dual is None:
        dual = data.trajectory_dual_windows(trajectory)
    if dual is not None:
        st.subheader("Surrogate and ns-3, window by window")
        both = dual[dual["backend"] != "gap (surrogate - ns-3)"]
        gap = dual[dual["backend"] == "gap (surrogate - ns-3)"]
        cols = st.columns(2)
        for i, (_, label, unit, _) in enumerate(data.DIMENSIONS):
            name = f"{label} ({unit})"
            chart = alt.Chart(both[both["dimension"] == name]).mark_line(point=True).encode(x=alt.X("t:Q", title="simulated time (s)"), y=alt.Y("value:Q", title=name), color="backend:N")
            cols[i % 2].altair_chart(chart.properties(height=170, title=name), width="stretch")
        st.markdown("**Gap per window** (surrogate - ns-3)")
        st.dataframe(gap.pivot_table(index="t", columns="dimension", values="value").reset_index(), hide_index=True, width="stretch")


def _open_episode(run_name: str, episode: str) -> None:
    # A callback runs before the widgets of the next run exist, so it may switch the view.
    st.session_state["open_run"] = run_name
    st.session_state["open_episode"] = episode
    st.session_state["view"] = VIEWS["trajectories"]


def benchmark_view(sources: data.Sources) -> None:
    st.header(VIEWS["benchmark"])
    if not sources.runs and not sources.validations:
        st.warning("No runs found: give folders written by `python -m sixg.bench run` or `python -m sixg.validate`.")
        return
    if sources.runs:
        st.subheader("Table I: success rate (%) per tier and domain")
        names = [str(p) for p in sources.runs]
        picked = st.multiselect("Runs", names, default=names)
        if picked:
            st.dataframe(_table_one(tuple(picked), "tiers"), hide_index=True, width="stretch")
            st.dataframe(_table_one(tuple(picked), "domains"), hide_index=True, width="stretch")
            st.caption("Tier and domain columns: success rate in %; SR with its 95 % Wilson interval; SPL: success weighted by reference length / steps taken, in %.")
            st.markdown("**Drill down**: the episodes behind one cell")
            c1, c2, c3 = st.columns(3)
            run_name = c1.selectbox("Run", picked)
            run = _run(run_name)
            tier = c2.selectbox("Tier", [ALL, *sorted(run.episodes["tier"].unique())])
            domain = c3.selectbox("Domain", [ALL, *sorted(run.episodes["domain"].unique())])
            cell = data.cell_episodes(run, tier=None if tier == ALL else tier, domain=None if domain == ALL else domain)
            st.dataframe(cell.drop(columns=["trajectory"]), hide_index=True, width="stretch")
            if not cell.empty:
                ids = [f"{r.task_id} (trial {r.trial})" for r in cell.itertuples()]
                pick = st.selectbox("Episode", ids)
                st.button("Open in the trajectory inspector", on_click=_open_episode, args=(run_name, pick))
    for vpath in sources.validations:
        v = _validation(str(vpath))
        st.subheader(f"Table III: surrogate vs ns-3 ({vpath})")
        st.caption(f"6GAgentBench v{v.get('benchmark_version')}, {v.get('tasks')} task(s) ({v.get('per_tier')} per tier), backend {v.get('backend')}")
        t3 = data.table_three(v)
        st.dataframe(t3, hide_index=True, width="stretch")
        if "SR ns-3" in t3:
            r, gap = v.get("pearson_r"), v.get("mean_abs_sr_gap")
            st.markdown(f"Pearson r of SR across agents: **{r:.3f}**" if r is not None else "Pearson r: undefined (fewer than three agents, or one side constant)")
            if gap is not None:
                st.markdown(f"Mean |SR gap|: **{100 * gap:.1f}** points")
            per_scope = data.across_agents(v)
            if not per_scope.empty:
                st.dataframe(per_scope, hide_index=True)
            differ = data.disagreements(v)
            if differ.empty:
                st.markdown("The surrogate and ns-3 verdicts agree on every episode.")
            else:
                st.markdown(f"**{len(differ)} episode(s) judged differently**, and why")
                st.dataframe(differ, hide_index=True, width="stretch")
            left, right = st.columns(2)
            diagonal = pd.DataFrame({"x": [0, 100], "y": [0, 100]})
            scatter = alt.Chart(t3).mark_circle(size=90).encode(
                x=alt.X("SR surrogate:Q", scale=alt.Scale(domain=[0, 100]), title="SR on the surrogate (%)"),
                y=alt.Y("SR ns-3:Q", scale=alt.Scale(domain=[0, 100]), title="SR on ns-3 (%)"),
                color="agent:N",
                tooltip=["agent", "SR surrogate", "SR ns-3", "gap"],
            )
            line = alt.Chart(diagonal).mark_line(color="grey", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
            left.altair_chart(alt.layer(line, scatter).properties(height=320, title="agents: surrogate vs ns-3"), width="stretch")
            gaps = t3.melt(id_vars="agent", value_vars=[c for c in t3.columns if c.startswith("gap L")], var_name="tier", value_name="gap (points)")
            right.altair_chart(
                alt.Chart(gaps).mark_bar().encode(x="tier:N", y="gap (points):Q", color="agent:N", xOffset="agent:N").properties(height=320, title="SR gap per tier"),
                width="stretch",
            )


# --- page -------------------------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="sixg dashboard", layout="wide")
    paths = tuple(p for p in os.environ.get(PATHS_ENV, "").split(os.pathsep) if p) or DEFAULT_PATHS
    sources = _sources(paths)
    names = list(VIEWS.values())
    if "view" not in st.session_state:
        asked = st.query_params.get("view")
        st.session_state["view"] = VIEWS.get(asked, names[0])
    view = st.sidebar.radio("View", names, key="view")
    st.query_params["view"] = next(k for k, v in VIEWS.items() if v == view)
    st.sidebar.caption("Reading: " + ", ".join(paths))
    for note in sources.skipped:
        st.sidebar.warning(note)
    try:
        {"traces": traces_view, "trajectories": trajectories_view, "benchmark": benchmark_view}[st.query_params["view"]](sources)
    except SixgError as exc:
        st.error(str(exc))


main()
