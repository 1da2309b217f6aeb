"""Generate CSV traces: run episodes with an exploring policy and random degradations.

Each (seed, episode) is one job; its files are written under temporary names and
renamed when complete, so a generation interrupted at any point resumes by simply
running the same command again: finished episodes are skipped, unfinished ones are
run again from scratch (deterministically, so they come out the same).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sixg.actions import Action, DegradationOnset, DegradationRecovery, describe
from sixg.backends.base import Backend
from sixg.errors import SixgError, UserError
from sixg.parallel import Cluster, RunStats, run_jobs
from sixg.scenario import SCENARIO_VERSION, Scenario, generate as generate_scenario, split_of_seeds
from sixg.schedule import random_schedule
from sixg.snapshot import WINDOW_S, ActionResult, Snapshot
from sixg.traces.policy import ExploringPolicy
from sixg.traces.schema import TRACE_SCHEMA_VERSION, UE_HEADER, WINDOW_HEADER

#: Share of trace episodes that open with eMBB over-provisioned (see :class:`ExploringPolicy`).
OVERPROVISION_PROBABILITY = 0.35

SEVERITY_FIELDS = {
    "interference": (("sev_interference_dbm", "power_dbm"),),
    "backhaul": (("sev_backhaul_delay_ms", "extra_delay_ms"), ("sev_backhaul_loss", "loss_rate")),
    "congestion": (("sev_congestion_mbps", "rate_mbps"),),
    "edge_overload": (("sev_edge_overload", "extra_load"),),
    "uav_drift": (("sev_drift_mps", "speed_mps"),),
}


def episode_paths(out: Path, split: str, seed: int, episode: int) -> tuple[Path, Path]:
    d = Path(out) / split / f"seed-{seed:03d}"
    return d / f"episode-{episode:03d}.csv.gz", d / f"episode-{episode:03d}.ues.csv.gz"


@dataclass
class EpisodeRecorder:
    """Turns snapshots into trace rows, keeping track of active degradations."""

    scenario: Scenario
    episode: int
    severity: dict[str, dict[str, float]] = field(default_factory=dict)
    windows: list[dict] = field(default_factory=list)
    ues: list[dict] = field(default_factory=list)

    def record(self, snap: Snapshot, *, action: Action | None = None, result: ActionResult | None = None, events: Sequence[Action] = ()) -> None:
        for ev in events:
            if isinstance(ev, DegradationOnset):
                d = ev.degradation
                self.severity[d.kind] = {col: float(getattr(d, attr)) for col, attr in SEVERITY_FIELDS[d.kind]}
            elif isinstance(ev, DegradationRecovery):
                self.severity.pop(ev.degradation_kind, None)
        sc = self.scenario
        s = snap.state
        svc_ue = snap.ue(sc.service.ue)
        row = {
            "seed": sc.seed,
            "split": sc.split.value,
            "episode": self.episode,
            "t": round(snap.t, 6),
            "window_s": snap.window_s,
            "slice": s.slice.value,
            "latency_ms": round(s.latency_ms, 4),
            "jitter_ms": round(s.jitter_ms, 4),
            "loss_rate": round(s.loss_rate, 6),
            "throughput_mbps": round(s.throughput_mbps, 5),
            "edge_load": round(s.edge_load, 6),
            "action": action.kind if action is not None else "none",
            "action_args": json.dumps(action.model_dump(mode="json", exclude={"kind"}), sort_keys=True) if action is not None else "",
            "action_ok": int(result.ok) if result is not None else 1,
            "action_reason": (result.reason or "") if result is not None else "",
            "event": ";".join(_event_name(e) for e in events),
            "event_args": json.dumps([_event_args(e) for e in events], sort_keys=True) if events else "",
            "degradation": "+".join(snap.degradations) or "none",
            "service_host": snap.service.host,
            "service_ue": sc.service.ue,
            "service_gnb": svc_ue.gnb or "",
            "service_rsrp_dbm": round(svc_ue.rsrp_dbm, 3),
            "service_sinr_db": round(svc_ue.sinr_db, 3),
            "service_x": round(svc_ue.position.x, 2),
            "service_y": round(svc_ue.position.y, 2),
            "service_z": round(svc_ue.position.z, 2),
            "service_requests": snap.service.requests,
            "service_responses": snap.service.responses,
            "service_latency_max_ms": round(snap.service.latency_max_ms, 4),
            "service_oneway_ms": round(snap.service.flow.latency_ms, 4),
            "edge_queue_jobs": round(snap.edge.queue_jobs, 4),
            "edge_arrivals": snap.edge.arrivals,
            "edge_dropped": snap.edge.dropped,
            "n_gnbs": len(sc.gnbs),
            "n_ues": len(sc.ues),
            "ran": snap.ran,
            "backend": snap.backend,
        }
        for cols in SEVERITY_FIELDS.values():
            for col, _ in cols:
                row[col] = 0.0
        for kind, values in self.severity.items():
            row.update(values)
        for slc, k in snap.slices.items():
            p = slc.value.lower()
            row[f"{p}_latency_ms"] = round(k.latency_ms, 4)
            row[f"{p}_jitter_ms"] = round(k.jitter_ms, 4)
            row[f"{p}_loss_rate"] = round(k.loss_rate, 6)
            row[f"{p}_throughput_mbps"] = round(k.throughput_mbps, 5)
            row[f"{p}_share"] = round(k.share, 5)
        self.windows.append(row)
        for u in snap.ues:
            uav = snap.uavs.get(u.id)
            self.ues.append(
                {
                    "seed": sc.seed,
                    "episode": self.episode,
                    "t": round(snap.t, 6),
                    "ue": u.id,
                    "gnb": u.gnb or "",
                    "rsrp_dbm": round(u.rsrp_dbm, 3),
                    "sinr_db": round(u.sinr_db, 3),
                    "x": round(u.position.x, 2),
                    "y": round(u.position.y, 2),
                    "z": round(u.position.z, 2),
                    "handover_in_progress": int(u.handover_in_progress),
                    "battery_fraction": round(uav.battery_fraction, 6) if uav else "",
                    "drifting": int(uav.drifting) if uav else 0,
                }
            )

    def write(self, windows_path: Path, ues_path: Path) -> None:
        windows_path.parent.mkdir(parents=True, exist_ok=True)
        for path, header, rows in ((windows_path, WINDOW_HEADER, self.windows), (ues_path, UE_HEADER, self.ues)):
            tmp = path.with_name(path.name + ".tmp")
            with gzip.open(tmp, "wt", newline="", compresslevel=6) as fh:
                w = csv.DictWriter(fh, fieldnames=header)
                w.writeheader()
                w.writerows(rows)
        # The UE file lands first: an episode counts as done once its window file exists.
        os.replace(ues_path.with_name(ues_path.name + ".tmp"), ues_path)
        os.replace(windows_path.with_name(windows_path.name + ".tmp"), windows_path)


def _event_name(action: Action) -> str:
    if isinstance(action, DegradationOnset):
        return f"onset:{action.degradation.kind}"
    if isinstance(action, DegradationRecovery):
        return f"recovery:{action.degradation_kind}"
    return describe(action)


def _event_args(action: Action) -> dict:
    if isinstance(action, DegradationOnset):
        return action.degradation.model_dump(mode="json")
    return action.model_dump(mode="json")


def run_episode(backend: Backend, scenario: Scenario, episode: int, *, duration_s: float, on_window: Callable[[], None] | None = None) -> EpisodeRecorder:
    """Run one exploring episode on ``backend`` and return its rows."""
    rng = random.Random(f"sixg-trace-v{TRACE_SCHEMA_VERSION}-{scenario.seed}-{episode}")
    snap = backend.reset(scenario, seed=episode + 1)
    schedule = random_schedule(scenario, rng, duration_s=duration_s, service_gnb=snap.ue(scenario.service.ue).gnb)
    policy = ExploringPolicy(scenario, rng, overprovision_probability=OVERPROVISION_PROBABILITY)
    rec = EpisodeRecorder(scenario, episode)
    rec.record(snap)
    pending = list(schedule.events)
    n_windows = int(round(duration_s / backend.window_s))
    for _ in range(n_windows):
        start = backend.now
        events: list[Action] = []
        while pending and pending[0].t < start + backend.window_s - 1e-9:
            events.append(pending.pop(0).action)
        action = policy(snap)
        out = backend.step([*events, *([action] if action is not None else [])])
        snap = out.snapshot
        result = out.results[-1] if action is not None else None
        rec.record(snap, action=action, result=result, events=events)
        if on_window is not None:
            on_window()
    return rec


@dataclass
class GenerateReport:
    episodes_run: int = 0
    episodes_skipped: int = 0
    failures: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    windows: int = 0
    stats: RunStats = field(default_factory=RunStats)  # where the episodes ran


def write_manifest(out: Path, *, window_s: float, duration_s: float) -> None:
    """Write (or check) the corpus manifest so corpora of different settings never mix."""
    path = Path(out) / "manifest.json"
    meta = {
        "trace_schema_version": TRACE_SCHEMA_VERSION,
        "scenario_version": SCENARIO_VERSION,
        "window_s": window_s,
        "duration_s": duration_s,
        "backend": "ns3",
    }
    if path.is_file():
        old = json.loads(path.read_text())
        clash = {k: (old.get(k), v) for k, v in meta.items() if old.get(k) != v}
        if clash:
            raise UserError(
                f"{out} holds traces generated with other settings {clash} (existing, requested); "
                "resume with the same settings or write to another directory"
            )
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2) + "\n")


def generate(
    seeds: Sequence[int],
    *,
    episodes: int,
    duration_s: float,
    out: Path,
    workers: int = 1,
    window_s: float = WINDOW_S,
    make_backend: Callable[[], Backend] | None = None,
    on_window: Callable[[], None] | None = None,
    on_episode: Callable[[int, int, str], None] | None = None,
    on_retry: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    cluster: Cluster | None = None,
) -> GenerateReport:
    """Generate ``episodes`` episodes per seed into ``out`` (resuming what is there).

    Args:
        seeds: Topology seeds, all from one split.
        workers: Parallel ns-3 workers (one process each); with ``cluster``, the cluster's CPUs.
        make_backend: Factory for the backend each worker drives (default: ns-3).
        on_window / on_episode: Progress callbacks (on_window from worker threads, or after
            each episode on a cluster; on_episode one at a time).
        on_retry: Told about episodes run again because their cluster worker died.
        stop: Set it to stop after the episodes in progress (Ctrl-C handling).
        cluster: Run the episodes on Ray (one ns-3 actor per CPU); files are written here.
    """
    if episodes < 1 or duration_s <= 0 or workers < 1:
        raise UserError("episodes and workers must be >= 1 and duration positive")
    split = split_of_seeds(list(seeds)).value
    out = Path(out)
    write_manifest(out, window_s=window_s, duration_s=duration_s)
    for tmp in out.glob(f"{split}/seed-*/*.tmp"):
        tmp.unlink()  # leftovers of an interrupted run
    report = GenerateReport()
    jobs = []
    for seed in seeds:
        for ep in range(episodes):
            if episode_paths(out, split, seed, ep)[0].is_file():
                report.episodes_skipped += 1
            else:
                jobs.append((seed, ep))
    on_ns3 = make_backend is None
    if make_backend is None:

        def make_backend() -> Backend:
            from sixg.backends.ns3 import Ns3Backend

            return Ns3Backend(window_s=window_s)

    # On a cluster the work travels to other processes: window progress is then reported per episode.
    window_hook = on_window if cluster is None else None
    n_windows = int(round(duration_s / window_s))

    def work(backend: Backend, job: tuple[int, int]) -> EpisodeRecorder | str:
        seed, ep = job
        try:
            return run_episode(backend, generate_scenario(seed, split=split), ep, duration_s=duration_s, on_window=window_hook)
        except SixgError as exc:  # a crashed worker loses only this episode
            return f"{type(exc).__name__}: {exc}"

    def on_result(job: tuple[int, int], rec: EpisodeRecorder | str, node: str) -> None:
        seed, ep = job
        if isinstance(rec, str):
            report.failures.append(f"seed {seed} episode {ep}: {rec}")
            status = "failed"
        else:
            rec.write(*episode_paths(out, split, seed, ep))
            report.episodes_run += 1
            report.windows += len(rec.windows)
            status = "done"
        if cluster is not None and on_window is not None:
            for _ in range(n_windows):
                on_window()
        if on_episode is not None:
            on_episode(seed, ep, status)

    t0 = time.perf_counter()
    stats = run_jobs(
        jobs,
        setup=make_backend,
        work=work,
        on_result=on_result,
        teardown=lambda backend: backend.close(),
        workers=workers,
        stop=stop or threading.Event(),
        cluster=cluster,
        node_setup=_build_ns3_module if on_ns3 else None,
        on_retry=on_retry,
        label=lambda job: f"seed {job[0]} episode {job[1]}",
        name="trace-worker",
    )
    report.wall_seconds = time.perf_counter() - t0
    report.stats = stats
    return report


def _build_ns3_module() -> None:
    """Build sixg's ns-3 module on a node before its workers start (the build cache's lock makes it once)."""
    from ns3_bridge.build import ensure_built

    ensure_built()
