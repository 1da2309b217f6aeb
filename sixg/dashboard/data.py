"""What the dashboard shows, as plain functions over the files sixg writes.

Nothing here imports Streamlit: each function reads or reshapes data (pandas frames,
dicts) and is tested on its own. The Streamlit script (:mod:`sixg.dashboard.app`)
only lays the results out.

Inputs it recognises, wherever they are under the paths it is given:

* trace corpora (a folder with ``manifest.json``; ``python -m sixg.traces generate``);
* benchmark runs (a folder with ``results.jsonl``; ``python -m sixg.bench run``), each
  with its ``trajectories/`` -- the per-agent folders of ``python -m sixg.validate``
  are runs too;
* validation results (``validation.json``; ``python -m sixg.validate``);
* loose trajectory files (``*.jsonl`` starting with an episode header, e.g. from
  ``python -m sixg.mcp`` or the examples).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sixg.backends.gap import WindowGap
from sixg.bench.run import read_results, summarise
from sixg.bench.scoring import DOMAINS, TIERS
from sixg.errors import CorruptTraceError, UserError
from sixg.scenario import generate
from sixg.sim import Trajectory
from sixg.traces.io import read_episode, read_manifest
from sixg import jsontext

#: The numeric state dimensions: column, label, unit, and which SLA target bounds it.
DIMENSIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("latency_ms", "latency", "ms", "max_latency_ms"),
    ("jitter_ms", "jitter", "ms", "max_jitter_ms"),
    ("loss_rate", "loss rate", "fraction", "max_loss_rate"),
    ("throughput_mbps", "throughput", "Mbit/s", "min_throughput_mbps"),
    ("edge_load", "edge load", "fraction", None),
)
SLICES = ("eMBB", "URLLC", "mMTC")


# --- finding inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Everything the dashboard found under its paths."""

    trace_roots: tuple[Path, ...] = ()
    runs: tuple[Path, ...] = ()
    validations: tuple[Path, ...] = ()
    trajectories: tuple[Path, ...] = ()
    #: Paths that were given but hold nothing readable, with why.
    skipped: tuple[str, ...] = field(default=())


def _is_trajectory(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            head = jsontext.loads(f.readline() or "null")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(head, dict) and head.get("kind") == "episode"


def discover(paths: Iterable[str | Path]) -> Sources:
    """Find trace corpora, runs, validations and loose trajectories under ``paths``."""
    traces: set[Path] = set()
    runs: set[Path] = set()
    validations: set[Path] = set()
    loose: set[Path] = set()
    skipped = []
    for given in paths:
        root = Path(given)
        if not root.exists():
            skipped.append(f"{root}: does not exist")
            continue
        if root.is_file():
            if root.name == "validation.json":
                validations.add(root.parent)
            elif root.suffix == ".jsonl" and _is_trajectory(root):
                loose.add(root)
            else:
                skipped.append(f"{root}: not a trajectory or validation.json")
            continue
        found_before = len(traces) + len(runs) + len(validations) + len(loose)
        for manifest in [root / "manifest.json", *root.rglob("manifest.json")]:
            if manifest.is_file():
                traces.add(manifest.parent)
        for results in [root / "results.jsonl", *root.rglob("results.jsonl")]:
            if results.is_file():
                runs.add(results.parent)
        for v in [root / "validation.json", *root.rglob("validation.json")]:
            if v.is_file():
                validations.add(v.parent)
        for f in root.rglob("*.jsonl"):
            if f.name != "results.jsonl" and f.parent.name != "trajectories" and _is_trajectory(f):
                loose.add(f)
        if len(traces) + len(runs) + len(validations) + len(loose) == found_before:
            skipped.append(f"{root}: no traces, runs, validations or trajectories in it")
    return Sources(
        trace_roots=tuple(sorted(traces)),
        runs=tuple(sorted(runs)),
        validations=tuple(sorted(validations)),
        trajectories=tuple(sorted(loose)),
        skipped=tuple(skipped),
    )


# --- network traces ----------------------------------------------------------------------------------


def trace_index(root: str | Path) -> pd.DataFrame:
    """The episodes of a trace corpus: split, seed, episode and the two files."""
    root = Path(root)
    read_manifest(root)
    rows = []
    for path in sorted(root.glob("*/seed-*/episode-*.csv.gz")):
        if path.name.endswith(".ues.csv.gz"):
            continue
        rows.append(
            {
                "split": path.parent.parent.name,
                "seed": int(path.parent.name.split("-")[1]),
                "episode": int(path.name.split(".")[0].split("-")[1]),
                "windows": str(path),
                "ues": str(path.with_name(path.name.replace(".csv.gz", ".ues.csv.gz"))),
            }
        )
    if not rows:
        raise CorruptTraceError(f"{root} holds no episodes (expected SPLIT/seed-NNN/episode-EEE.csv.gz)")
    return pd.DataFrame(rows)


def load_trace(windows_path: str | Path, ues_path: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One episode's window rows and (if its file exists) its UE rows, checked against the schema."""
    windows = read_episode(Path(windows_path))
    ues = read_episode(Path(ues_path), ues=True) if ues_path and Path(ues_path).is_file() else None
    return windows, ues


def dimensions_long(windows: pd.DataFrame) -> pd.DataFrame:
    """The five numeric dimensions in long form (t, dimension, value) for one chart per dimension."""
    cols = [d[0] for d in DIMENSIONS]
    long = windows[["t", *cols]].melt(id_vars="t", var_name="column", value_name="value")
    labels = {c: f"{label} ({unit})" for c, label, unit, _ in DIMENSIONS}
    long["dimension"] = long["column"].map(labels)
    return long


def timeline_marks(windows: pd.DataFrame) -> pd.DataFrame:
    """Actions and degradation onsets/recoveries on the time axis: t, kind, label."""
    rows = []
    for r in windows.itertuples(index=False):
        if r.action != "none":
            verdict = "" if r.action_ok else f" (refused: {r.action_reason})"
            rows.append({"t": r.t, "kind": "action", "label": f"{r.action} {r.action_args}{verdict}"})
        if r.event:
            rows.append({"t": r.t, "kind": "degradation", "label": f"{r.event} {r.event_args}"})
    return pd.DataFrame(rows, columns=["t", "kind", "label"])


def degraded_spans(windows: pd.DataFrame) -> pd.DataFrame:
    """Stretches of time with degradations active: start, end, degradation."""
    rows = []
    current, start = "none", None
    step = float(windows["window_s"].iloc[0]) if len(windows) else 0.0
    for t, deg in zip(windows["t"], windows["degradation"]):
        if deg != current:
            if current != "none":
                rows.append({"start": start, "end": float(t) - step, "degradation": current})
            current, start = deg, float(t) - step
    if current != "none" and len(windows):
        rows.append({"start": start, "end": float(windows["t"].iloc[-1]), "degradation": current})
    return pd.DataFrame(rows, columns=["start", "end", "degradation"])


def sla_bounds(seed: int, split: str) -> pd.DataFrame:
    """The scenario's SLA targets per dimension (dimension label, bound, max or min)."""
    sla = generate(seed, split=split).sla
    rows = []
    for col, label, unit, target in DIMENSIONS:
        if target is not None:
            rows.append({"dimension": f"{label} ({unit})", "bound": getattr(sla, target), "side": target.split("_")[0]})
    return pd.DataFrame(rows)


def base_stations(seed: int, split: str) -> pd.DataFrame:
    """The scenario's base stations: id, x, y."""
    scenario = generate(seed, split=split)
    return pd.DataFrame([{"gnb": g.id, "x": g.position.x, "y": g.position.y} for g in scenario.gnbs])


def ue_map(ues: pd.DataFrame, *, service_ue: str | None = None) -> pd.DataFrame:
    """UE rows with their role (ground, UAV, service) and serving cell spelled out, for the map."""
    out = ues.copy()
    out["role"] = ["UAV" if ue.startswith("uav") else "ground" for ue in out["ue"]]
    if service_ue is not None:
        out.loc[out["ue"] == service_ue, "role"] = "service"
    out["cell"] = out["gnb"].where(out["gnb"] != "", "detached")
    return out


# --- runs, Table I and drill-down ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One benchmark run folder: its meta data and one row per episode."""

    path: Path
    meta: dict[str, Any]
    episodes: pd.DataFrame
    #: The results lines as ``sixg.bench`` reads them.
    records: tuple = ()


def load_run(path: str | Path) -> Run:
    """A run folder's ``run.json`` and ``results.jsonl`` (the same reader ``bench`` uses)."""
    path = Path(path)
    try:
        meta = jsontext.loads((path / "run.json").read_text()) if (path / "run.json").is_file() else {}
    except json.JSONDecodeError as exc:
        raise UserError(f"{path / 'run.json'} is not JSON ({exc}); rerun the run's command to rewrite it") from None
    episodes = read_results(path)
    if not episodes:
        raise UserError(f"{path} holds no readable episodes in results.jsonl")
    rows = []
    for e in episodes:
        rows.append(
            {
                "task_id": e.task_id,
                "trial": e.trial,
                "tier": e.tier,
                "domain": e.domain,
                "family": e.family,
                "success": e.success,
                "goal_met": e.goal_met,
                "verified": e.verified,
                "steps": e.steps,
                "reference_length": e.reference_length,
                "invalid_calls": e.invalid_calls,
                "error": e.error,
                "ns3_success": e.extra.get("ns3_success"),
                "why": "; ".join(f"{name}: {text}" for name, ok, text in e.checks if not ok) or ("" if e.success else "not verified"),
                "trajectory": str(path / "trajectories" / f"{e.task_id}-t{e.trial}.jsonl"),
            }
        )
    frame = pd.DataFrame(rows).sort_values(["tier", "domain", "task_id", "trial"]).reset_index(drop=True)
    return Run(path=path, meta=meta, episodes=frame, records=tuple(episodes))


def run_summary(run: Run) -> dict[str, Any]:
    """The run's scores: its ``summary.json`` when that covers the episodes in ``results.jsonl``
    (the interval bootstraps are slow to redo), else scored here by the benchmark's own function."""
    path = run.path / "summary.json"
    scored = sum(1 for e in run.records if e.error is None)
    if path.is_file():
        try:
            summary = jsontext.loads(path.read_text())
        except json.JSONDecodeError:
            summary = None
        if isinstance(summary, dict) and summary.get("episodes") == scored and {"overall", "tiers", "domains"} <= set(summary):
            return summary
    return summarise(run.records)


def table_one(runs: Sequence[Run], *, by: str = "tiers", summaries: Sequence[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Success rate (%) per tier or per domain, overall SR and SPL: one row per run, as Table I.

    ``summaries`` (one per run, from :func:`run_summary`) saves scoring the runs again.
    """
    if by not in ("tiers", "domains"):
        raise UserError(f"by must be 'tiers' or 'domains', not {by!r}")
    columns = TIERS if by == "tiers" else DOMAINS
    rows = []
    for run, s in zip(runs, summaries if summaries is not None else [run_summary(r) for r in runs]):
        row: dict[str, Any] = {"run": str(run.path), "agent": run.meta.get("agent", run.path.name), "backend": run.meta.get("backend", "?"), "episodes": s["episodes"]}
        for c in columns:
            part = s[by].get(c)
            row[c] = round(100 * part["sr"], 1) if part else None
        row["SR"] = round(100 * s["overall"]["sr"], 1)
        row["SR 95% CI"] = f"{100 * s['overall']['sr_ci'][0]:.0f}-{100 * s['overall']['sr_ci'][1]:.0f}"
        row["SPL"] = round(100 * s["overall"]["spl"], 1)
        rows.append(row)
    return pd.DataFrame(rows)


def cell_episodes(run: Run, *, tier: str | None = None, domain: str | None = None) -> pd.DataFrame:
    """The episodes behind one cell of Table I (a tier, a domain, or both)."""
    df = run.episodes
    if tier is not None:
        df = df[df["tier"] == tier]
    if domain is not None:
        df = df[df["domain"] == domain]
    return df.reset_index(drop=True)


# --- validation: Table III ------------------------------------------------------------------------------


def load_validation(path: str | Path) -> dict[str, Any]:
    """A ``validation.json`` (given or inside ``path``)."""
    path = Path(path)
    file = path / "validation.json" if path.is_dir() else path
    try:
        data = jsontext.loads(file.read_text())
        data["agents"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise UserError(f"{file} is not a validation result ({exc}); run `python -m sixg.validate --out {file.parent}`") from None
    data["path"] = str(file.parent)
    return data


def table_three(validation: dict[str, Any]) -> pd.DataFrame:
    """Surrogate vs ns-3 SR per agent with the gap overall and per tier (%), as Table III."""
    rows = []
    for agent, r in validation["agents"].items():
        row = {"agent": agent, "episodes": r["episodes"], "SR surrogate": round(100 * r["sr_surrogate"], 1)}
        if "sr_ns3" in r:
            row["SR ns-3"] = round(100 * r["sr_ns3"], 1)
            row["gap"] = round(100 * r["gap"], 1)
            for t in TIERS:
                g = r["gap_tiers"].get(t)
                row[f"gap {t}"] = round(100 * g, 1) if g is not None else None
            row["same verdict %"] = round(100 * r["episode_agreement"], 1)
        rows.append(row)
    return pd.DataFrame(rows)


def across_agents(validation: dict[str, Any]) -> pd.DataFrame:
    """Per tier and overall: Pearson r and Spearman rho of SR across agents and the mean |SR gap| (points)."""
    rows = []
    for scope, r in validation.get("across_agents", {}).items():
        gap = r.get("mean_abs_gap")
        rows.append({"scope": scope, "agents": r.get("agents"), "Pearson r": r.get("pearson"), "Spearman rho": r.get("spearman"), "mean |SR gap|": None if gap is None else round(100 * gap, 1)})
    return pd.DataFrame(rows, columns=["scope", "agents", "Pearson r", "Spearman rho", "mean |SR gap|"])


def disagreements(validation: dict[str, Any]) -> pd.DataFrame:
    """Every episode whose surrogate and ns-3 verdicts differ, with the cause the validation recorded."""
    rows = [
        {"agent": agent, "task_id": d["task_id"], "trial": d.get("trial", 0), "tier": d.get("tier"), "surrogate": d["surrogate_success"], "ns-3": d["ns3_success"], "cause": d.get("cause")}
        for agent, r in validation["agents"].items()
        for d in r.get("disagreements", [])
    ]
    return pd.DataFrame(rows, columns=["agent", "task_id", "trial", "tier", "surrogate", "ns-3", "cause"])


def validation_runs(validation: dict[str, Any]) -> dict[str, Path]:
    """The run folder of each agent of a validation (where its episodes and trajectories are)."""
    base = Path(validation["path"])
    return {agent: base / agent for agent in validation["agents"] if (base / agent / "results.jsonl").is_file()}


# --- trajectories ----------------------------------------------------------------------------------------


def trajectory_steps(trajectory: Trajectory) -> pd.DataFrame:
    """One row per step: time, tool, verdict (and why), arguments, output, the state after it, reward."""
    rows = []
    for s in trajectory.steps:
        r = s["result"]
        call = s["call"].get("call") or s["call"]
        state = s["state"]
        rows.append(
            {
                "step": s["step"],
                "t": s["t"],
                "tool": r.get("tool") or "?",
                "effect": r.get("effect"),
                "ok": r["ok"],
                "error": f"{r['error']['kind']}: {r['error']['message']}" if r.get("error") else "",
                "arguments": json.dumps(r["arguments"] if r.get("arguments") is not None else call.get("arguments", call), default=str),
                "output": json.dumps(r.get("output"), default=str),
                "thought": call.get("thought") if isinstance(call, dict) else None,
                **{k: state[k] for k in ("slice", *(d[0] for d in DIMENSIONS))},
                "reward": s["reward"],
                "terminated": s["terminated"],
                "truncated": s["truncated"],
            }
        )
    return pd.DataFrame(rows)


def trajectory_frame(trajectory: Trajectory) -> pd.DataFrame:
    """The state the agent saw at reset and after each step (t, slice and the five dimensions), one row each."""
    records = [{"t": trajectory.header["t"], **trajectory.header["state"]}]
    records += [{"t": s["t"], **s["state"]} for s in trajectory.steps]
    return pd.DataFrame(records)


def trajectory_marks(trajectory: Trajectory) -> pd.DataFrame:
    """The episode's scheduled degradations and the calls that acted on the network, on its time axis: t, kind, label."""
    rows = []
    for event in trajectory.header.get("options", {}).get("schedule", {}).get("events", []):
        action = event["action"]
        what = action.get("degradation", {}).get("kind") or action.get("degradation_kind", "")
        rows.append({"t": event["t"], "kind": "degradation", "label": f"{action.get('kind', '?')}:{what} {json.dumps(action.get('degradation', {}))}"})
    for s in trajectory.steps:
        r = s["result"]
        if r.get("ok") and r.get("effect") == "configuration":
            rows.append({"t": r["t_called"], "kind": "action", "label": f"{r['tool']} {json.dumps(r.get('arguments'))}"})
    return pd.DataFrame(rows, columns=["t", "kind", "label"]).sort_values("t", kind="stable").reset_index(drop=True)


def episode_of(run: Run, task_id: str, trial: int = 0) -> dict[str, Any]:
    """One episode's results line as JSON data (checks, ns-3 verdict, per-window pairs of a dual run)."""
    for e in run.records:
        if e.task_id == task_id and e.trial == trial:
            return {
                "task_id": e.task_id,
                "success": e.success,
                "goal_met": e.goal_met,
                "verified": e.verified,
                "checks": e.checks,
                "error": e.error,
                "extra": e.extra,
            }
    raise UserError(f"{run.path} has no episode {task_id} trial {trial}")


def dual_windows(episode: dict[str, Any]) -> pd.DataFrame | None:
    """Surrogate and ns-3 side by side per window, with the gap, if the episode recorded them (long form)."""
    windows = episode.get("extra", {}).get("windows")
    return dual_frame(windows) if windows else None


def trajectory_dual_windows(trajectory: Trajectory) -> pd.DataFrame | None:
    """The same table from a dual run's trajectory (its windows), None for a single backend's."""
    windows = trajectory.dual_windows()
    return dual_frame(windows) if windows else None


def dual_frame(windows) -> pd.DataFrame:
    """Long form of :class:`~sixg.backends.gap.WindowGap` records (or their JSON data): a row per
    window, dimension and series (surrogate, ns-3, the gap)."""
    rows = []
    labels = {c: f"{label} ({unit})" for c, label, unit, _ in DIMENSIONS}
    for w in windows:
        w = WindowGap.model_validate(w)
        for col, label in labels.items():
            rows.append({"t": w.t, "dimension": label, "backend": "surrogate", "value": getattr(w.surrogate, col)})
            rows.append({"t": w.t, "dimension": label, "backend": "ns-3", "value": getattr(w.ns3, col)})
            rows.append({"t": w.t, "dimension": label, "backend": "gap (surrogate - ns-3)", "value": w.gap[col]})
    return pd.DataFrame(rows)
