"""Seed annotation: decision points in the ns-3 trace corpus, a seed trajectory for each, run on live ns-3.

A decision point is a moment in a recorded ns-3 episode where an operator would act:

* ``degradation`` -- a degradation onset (the ``event`` column);
* ``sla_violation`` -- the managed service starts missing the scenario's SLA (the six-dimension
  state columns against :attr:`Scenario.sla`) with no onset in the same window;
* ``handover`` -- the service UE changes serving cell (the UE rows);
* ``uav_drift`` -- a UAV starts drifting off its plan (the UE rows' ``drifting``).

A teacher writes a seed trajectory for each (the offline one: a blueprint of the matching scene
on that topology, carrying the degradation the trace recorded; a model behind an endpoint: its
own intent and program for that situation), and each one is run on live ns-3 through the same
verification as synthetic programs; those that reach their goal are the corpus's ``ns3-real``
trajectories. Only training seeds are read.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError

from sixg.domain import Frozen, NetworkState
from sixg.forge.programs import Blueprint, Unfit, check_train_seed, render
from sixg.scenario import Split, generate

if TYPE_CHECKING:
    from sixg.forge.teacher import Teacher

PointKind = Literal["degradation", "sla_violation", "handover", "uav_drift"]
#: The scene whose program answers each kind of degradation.
_SCENE_FOR = {"congestion": "slice_rescue", "interference": "jam_recovery", "backhaul": "cell_escape", "edge_overload": "compute_relocation", "uav_drift": "uav_reposition"}


class DecisionPoint(Frozen):
    """A moment in a recorded episode where an operator would act."""

    seed: int = Field(ge=1, le=50)
    episode: int
    t: float
    kind: PointKind
    detail: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.seed:03d}-{self.episode:03d}-{self.t:.2f}-{self.kind}"


def find_decision_points(root: str | Path, *, seeds: Sequence[int] | None = None) -> list[DecisionPoint]:
    """Every decision point in the training split of the trace corpus at ``root``.

    Args:
        seeds: Only these training seeds (a benchmark seed is refused).
    """
    from sixg.traces.io import episode_files, read_episode

    wanted = None if seeds is None else {check_train_seed(s) for s in seeds}
    points: list[DecisionPoint] = []
    for path in episode_files(Path(root), split=Split.TRAIN.value):
        df = read_episode(path)
        seed, episode = int(df["seed"].iloc[0]), int(df["episode"].iloc[0])
        if wanted is not None and seed not in wanted:
            continue
        check_train_seed(seed)
        sla = generate(seed, split=Split.TRAIN).sla
        violated_before = False
        for row in df.itertuples(index=False):
            onsets = [a for a in json.loads(row.event_args) if a.get("kind") not in ("recovery", None)] if "onset:" in str(row.event) else []
            for g in onsets:
                points.append(DecisionPoint(seed=seed, episode=episode, t=float(row.t), kind="degradation", detail={"degradation": g}))
            state = NetworkState(slice=row.slice, latency_ms=row.latency_ms, jitter_ms=row.jitter_ms, loss_rate=row.loss_rate, throughput_mbps=row.throughput_mbps, edge_load=row.edge_load)
            violated = bool(sla.violations(state))
            if violated and not violated_before and not onsets and row.t > 0:
                points.append(DecisionPoint(seed=seed, episode=episode, t=float(row.t), kind="sla_violation", detail={"violations": sla.violations(state), "active": str(row.degradation)}))
            violated_before = violated
        ues = read_episode(path.with_name(path.name.replace(".csv.gz", ".ues.csv.gz")), ues=True)
        service = str(df["service_ue"].iloc[0])
        for ue, rows in ues.groupby("ue", sort=True):
            prev_gnb, prev_drift = None, 0
            for row in rows.sort_values("t").itertuples(index=False):
                gnb = str(row.gnb)
                if ue == service and prev_gnb and gnb and gnb != prev_gnb:
                    points.append(DecisionPoint(seed=seed, episode=episode, t=float(row.t), kind="handover", detail={"ue": ue, "from": prev_gnb, "to": gnb}))
                if str(ue).startswith("uav") and int(row.drifting) and not prev_drift:
                    points.append(DecisionPoint(seed=seed, episode=episode, t=float(row.t), kind="uav_drift", detail={"uav": ue}))
                prev_gnb, prev_drift = gnb or prev_gnb, int(row.drifting)
    return sorted(points, key=lambda p: (p.seed, p.episode, p.t, p.kind))


def seed_blueprint(point: DecisionPoint, *, variant: int = 0) -> Blueprint:
    """The offline teacher's seed trajectory for a decision point (:class:`Unfit` if its topology cannot host it)."""
    onset = None
    focus = None
    if point.kind == "degradation":
        g = point.detail["degradation"]
        scene = _SCENE_FOR[g["kind"]]
        onset = g
        focus = g.get("uav")
    elif point.kind == "sla_violation":
        active = [k for k in point.detail.get("active", "none").split("+") if k in _SCENE_FOR and k != "uav_drift"]
        scene = _SCENE_FOR[active[0]] if active else "slice_rescue"
    elif point.kind == "handover":
        scene = "cell_escape"
    else:
        scene, focus = "uav_reposition", point.detail["uav"]
    bp = Blueprint(scene=scene, seed=point.seed, variant=variant + int(point.t * 100), detail=1, onset=onset, focus=focus)
    render(bp)  # raises Unfit here, where the caller counts it
    return bp


def annotate(
    traces: str | Path,
    out: str | Path,
    *,
    seeds: Sequence[int] | None = None,
    limit: int | None = None,
    backend: str = "ns3",
    backend_kwargs: dict[str, Any] | None = None,
    workers: int = 1,
    batch: int = 16,
    progress: Callable[[str, int, int], None] | None = None,
    points: Sequence[DecisionPoint] | None = None,
    teacher: Teacher | None = None,
) -> dict[str, Any]:
    """Find the decision points, write a seed trajectory for each and keep those that reach their goal
    on ``backend`` (live ns-3 by default) as ``ns3-real`` records in the corpus at ``out``.

    ``points`` gives the decision points instead of finding them; ``teacher`` writes the seed
    trajectories and corrects their failed steps (the offline teacher by default).

    Resumable: points are taken in a fixed order, ``batch`` per shard, and a rerun goes on after the
    last shard written (the manifest counts the points handled).
    """
    from sixg.forge.pipeline import Counters, guarded, verify_program
    from sixg.forge.records import Corpus
    from sixg.forge.teacher import OfflineTeacher, TeacherOutputError
    from sixg.parallel import run_jobs
    from sixg.sim.env import NetOpsEnv
    from sixg.tools.catalog import default_catalog

    points = list(points) if points is not None else find_decision_points(traces, seeds=seeds)
    for p in points:
        check_train_seed(p.seed)
    if limit is not None and limit < len(points):
        # Spread over the corpus (every seed and kind), not the first seeds only.
        points = [points[i * len(points) // limit] for i in range(limit)]
    corpus = Corpus(out)
    teacher = teacher or OfflineTeacher([p.seed for p in points] or [1])
    config = {"traces": str(traces), "seeds": sorted(seeds) if seeds else "all", "limit": limit, "backend": backend, "batch": batch, "stage": "annotate", "teacher": teacher.name}
    if not corpus.exists():
        corpus.create(default_catalog().schemas(), config=config)
    manifest = corpus.manifest()
    counters = Counters.from_json(manifest.get("counters", {}))
    done = int(manifest.get("counters", {}).get("points", 0))
    checkpoint = None
    if backend == "surrogate":
        from sixg.forge.pipeline import surrogate_checkpoint_hash

        checkpoint = surrogate_checkpoint_hash()
    kinds = Counter(p.kind for p in points)
    # Only what ran on ns-3 is "ns3-real"; the same stage on another backend writes ordinary traces.
    real = "ns3-real" if backend == "ns3" else "golden"
    while done < len(points):
        chunk = points[done : done + batch]
        jobs = []
        for p in chunk:
            try:
                jobs.append((p, teacher.annotate(p, random.Random(f"sixg-forge-annotate:{p.key}"))))
            except TeacherOutputError as exc:
                counters.rejected[exc.reason] += 1
            except Unfit:
                counters.rejected["annotation: scene does not fit the topology"] += 1
            except ValidationError:
                counters.rejected["annotation: the trace's degradation does not validate"] += 1
        counters.proposed += len(jobs)
        results: dict[int, Any] = {}

        def on_result(j, outcome, node, results=results) -> None:
            results[j] = outcome
            if progress:
                progress("ns-3", len(results), len(jobs))

        run_jobs(
            list(range(len(jobs))),
            setup=lambda: NetOpsEnv(backend=backend, backend_kwargs=backend_kwargs or {}),
            work=lambda env, j: guarded(verify_program, jobs[j][1], env, teacher, episode_seed=int(jobs[j][0].t * 1000) + jobs[j][0].episode, backend=backend, checkpoint=checkpoint, source_ok=real, source_recovered=real if backend == "ns3" else "error-recovery"),
            on_result=on_result,
            workers=workers,
            stop=threading.Event(),
            teardown=lambda env: env.close(),
            name="forge-annotate",
        )
        kept = []
        for j in range(len(jobs)):
            o = results[j]
            if o.record is None:
                counters.rejected[o.reason] += 1
            else:
                counters.verified[o.record.meta.source] += 1
                kept.append(o.record.model_copy(update={"id": f"ns3-{jobs[j][0].key}"}))
        counters.kept += len(kept)
        done += len(chunk)
        state = {**counters.as_json(), "points": done, "points_found": len(points), "points_by_kind": dict(kinds)}
        manifest = corpus.append_shard(kept, counters=state)
        if progress:
            progress("points", done, len(points))
    return manifest
