"""Running an agent on 6GAgentBench: which tasks a run covers, episodes, resumable results, their summary.

Each finished episode is appended to ``OUT/results.jsonl`` (and its trajectory saved)
the moment it ends, so an interrupted run loses nothing and a rerun of the same
command skips what is done. Episodes that ended in an error (an unreachable model
endpoint, a dead simulator) are recorded as such and retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sixg.bench.scoring import TIERS, Outcome, breakdown, pass_k_table
from sixg.bench.tasks import Task, judge, settle
from sixg.errors import SixgError, UserError
from sixg.parallel import Cluster, RunStats, run_jobs
from sixg import jsontext

RESULTS = "results.jsonl"
META = "run.json"


def episode_seed(task_id: str, trial: int) -> int:
    return int(hashlib.sha256(f"{task_id}/{trial}".encode()).hexdigest()[:8], 16) % (2**31 - 1) + 1


@dataclass(frozen=True)
class Selection:
    """Which tasks of a benchmark a run covers, and how many trials of each.

    A run is named by its selection (:meth:`suffix`), so a narrower run never lands in the
    folder of the full one, and a folder holding one selection refuses to resume another.
    """

    subset: str = "all"
    tier: str | None = None
    domain: str | None = None
    limit: int | None = None
    trials: int = 1

    def tasks(self, bench) -> list[Task]:
        """The selected tasks of ``bench``: the subset, then tier and domain, then at most ``limit``
        of them spread over tiers and domains (by a hash of the id, not the first ones)."""
        tasks = list(bench.tasks)
        if self.subset == "validation":
            ids = set(bench.validation_ids)
            tasks = [t for t in tasks if t.id in ids]
        if self.tier:
            tasks = [t for t in tasks if t.tier == self.tier]
        if self.domain:
            tasks = [t for t in tasks if t.domain == self.domain]
        if self.limit:
            tasks = sorted(tasks, key=lambda t: hashlib.sha256(t.id.encode()).hexdigest())[: self.limit]
        return tasks

    @property
    def everything(self) -> bool:
        """Every task of the benchmark, once."""
        return self == Selection()

    def suffix(self) -> str:
        """The part of a run's default folder name that says what it covers ("" for the whole benchmark)."""
        parts = [self.subset if self.subset != "all" else None, self.tier, self.domain]
        parts += [f"limit{self.limit}" if self.limit else None, f"trials{self.trials}" if self.trials > 1 else None]
        return "".join(f"-{p}" for p in parts if p)

    def describe(self) -> str:
        """In words, e.g. "tier L1, at most 20 tasks, 3 trials"."""
        parts = [f"the {self.subset} subset" if self.subset != "all" else None, f"tier {self.tier}" if self.tier else None]
        parts += [f"domain {self.domain}" if self.domain else None, f"at most {self.limit} tasks" if self.limit else None]
        parts += [f"{self.trials} trials" if self.trials > 1 else None]
        return ", ".join(p for p in parts if p) or "every task, one trial"

    def record(self, tasks: Sequence[Task]) -> dict:
        """What ``run.json`` and ``summary.json`` keep of the selection, with the tasks it picked
        (per tier, and a hash of their ids) so that runs can be compared on what they cover."""
        ids = "\n".join(sorted(t.id for t in tasks))
        per_tier = {tier: sum(1 for t in tasks if t.tier == tier) for tier in TIERS}
        return {
            "subset": self.subset,
            "tier": self.tier,
            "domain": self.domain,
            "limit": self.limit,
            "trials": self.trials,
            "tasks": len(tasks),
            "tasks_per_tier": {k: v for k, v in per_tier.items() if v},
            "tasks_sha256": hashlib.sha256(ids.encode()).hexdigest()[:16],
        }


@dataclass
class Episode:
    """One judged episode (a line of results.jsonl)."""

    task_id: str
    trial: int
    tier: str
    domain: str
    family: str
    success: bool
    goal_met: bool
    verified: bool
    steps: int
    reference_length: int
    invalid_calls: int
    t_end: float
    wall_s: float
    checks: list = field(default_factory=list)
    error: str | None = None
    extra: dict = field(default_factory=dict)

    def outcome(self) -> Outcome:
        return Outcome(self.task_id, self.tier, self.domain, self.success, self.steps, self.reference_length, self.trial)


def run_task(task: Task, agent, env, *, trial: int = 0, trajectory_dir: Path | None = None, on_world: Callable[[Task, Any, bool], dict] | None = None) -> Episode:
    """Run one episode of ``task`` with ``agent`` on ``env`` and judge it.

    Whatever goes wrong inside the episode -- the agent or its model raises (any exception,
    a bug included), the endpoint is down, the simulator dies -- the episode is returned
    with ``error`` set (and retried by the next run); it never stops the caller. Ctrl-C does.
    ``on_world(task, env, verified)`` may add more judgements of the finished episode
    (the validation judges it on ns-3's side too); they are stored under ``extra``.
    The trajectory is saved under ``trajectory_dir`` when one is given.
    """
    ep, trajectory = play_task(task, agent, env, trial=trial, on_world=on_world)
    if trajectory_dir is not None and trajectory is not None:
        save_trajectory(trajectory, trajectory_dir, ep)
    return ep


def save_trajectory(trajectory, trajectory_dir: Path, ep: Episode) -> Path:
    trajectory_dir.mkdir(parents=True, exist_ok=True)
    return trajectory.save(trajectory_dir / f"{ep.task_id}-t{ep.trial}.jsonl")


def play_task(task: Task, agent, env, *, trial: int = 0, on_world: Callable[[Task, Any, bool], dict] | None = None):
    """:func:`run_task` without touching files: the judged episode and its trajectory (None after an error)."""
    from sixg.sim.runner import run_episode

    t0 = time.perf_counter()
    seed = episode_seed(task.id, trial)
    try:
        agent.prepare(task)
        res = run_episode(env, agent, seed=seed, options=task.env_options())
        settle(task, env)
    except Exception as exc:  # noqa: BLE001 -- any failure of the agent, its model or the backend ends this episode only
        return Episode(task.id, trial, task.tier, task.domain, task.family, False, False, False, getattr(env, "steps", 0), task.reference_length, 0, 0.0, time.perf_counter() - t0, error=describe_failure(exc)), None
    world = env.sim.world
    verdict = judge(task, world, verified=res.terminated)
    invalid = sum(1 for s in res.trajectory.steps if s["result"]["error"] is not None and s["result"]["error"]["kind"] != "refused")
    extra = on_world(task, env, res.terminated) if on_world is not None else {}
    ep = Episode(
        task_id=task.id,
        trial=trial,
        tier=task.tier,
        domain=task.domain,
        family=task.family,
        success=verdict.success,
        goal_met=verdict.goal_met,
        verified=verdict.verified,
        steps=res.steps,
        reference_length=task.reference_length,
        invalid_calls=invalid,
        t_end=res.t_end,
        wall_s=time.perf_counter() - t0,
        checks=[list(c) for c in verdict.checks],
        extra=extra,
    )
    return ep, res.trajectory


def describe_failure(exc: Exception) -> str:
    """One line saying why an episode failed: the error's type and message, and for an error that is
    not a :class:`SixgError` (a bug, e.g. a RecursionError) the file and line it came from."""
    import traceback

    text = f"{type(exc).__name__}: {exc}"
    if len(text) > 500:
        text = text[:497] + "..."
    if not isinstance(exc, SixgError):
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            where = frames[-1]
            text += f" (at {Path(where.filename).name}:{where.lineno} in {where.name})"
    return text


def read_results(out: Path, *, on_unreadable: Callable[[int], None] | None = None) -> list[Episode]:
    """The episodes recorded in ``out``'s results file; ``on_unreadable`` hears how many lines were not records."""
    path = Path(out) / RESULTS
    if not path.is_file():
        return []
    episodes = []
    unreadable = 0
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            episodes.append(Episode(**jsontext.loads(line)))
        except (json.JSONDecodeError, TypeError):
            unreadable += 1  # e.g. a line cut short by an interruption: that episode runs again
    if unreadable and on_unreadable is not None:
        on_unreadable(unreadable)
    # The last record of a (task, trial) wins (an errored episode retried later).
    latest: dict[tuple[str, int], Episode] = {}
    for e in episodes:
        latest[(e.task_id, e.trial)] = e
    return list(latest.values())


def _end_cut_line(path: Path) -> None:
    """End a last line cut short by an interruption, so the next record starts a line of its own."""
    if path.is_file() and path.stat().st_size:
        with open(path, "rb+") as fh:
            fh.seek(-1, 2)
            if fh.read(1) != b"\n":
                fh.write(b"\n")


def _check_meta(out: Path, meta: dict) -> None:
    path = out / META
    if path.is_file():
        old = json.loads(path.read_text())
        keys = ("agent", "backend", "backend_options", "benchmark_version", "benchmark_fingerprint")
        # Runs written before selections were recorded carry none: they are not compared on it.
        keys += ("selection",) if "selection" in old else ()
        clash = {k: (old.get(k), meta.get(k)) for k in keys if old.get(k) != meta.get(k)}
        if "selection" in clash:
            held, asked = (_selection_text(x) for x in clash.pop("selection"))
            raise UserError(
                f"{out} holds a run of other tasks ({held}) than this one ({asked}); pass another --out, "
                "or leave --out out so the run is named by what it covers, or repeat the first selection to resume it"
            )
        if clash:
            raise UserError(f"{out} holds a run with other settings {clash} (existing, requested); use another --out or the same settings to resume")
    else:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(meta, indent=2) + "\n")


def _selection_text(record: dict | None) -> str:
    if not record:
        return "no recorded selection"
    sel = Selection(**{k: record.get(k, v) for k, v in Selection().record([]).items() if k in Selection.__dataclass_fields__})
    return f"{sel.describe()}: {record.get('tasks', '?')} tasks"


GIVE_UP_AFTER = 3  # episodes that all end in an error, with none finished, before a run stops


def run(
    tasks: Sequence[Task],
    *,
    make_agent: Callable[[], Any],
    make_env: Callable[[], Any],
    out: Path,
    meta: dict,
    trials: int = 1,
    workers: int = 1,
    on_episode: Callable[[Episode], None] | None = None,
    on_world: Callable[[Task, Any, bool], dict] | None = None,
    on_resume: Callable[[int], None] | None = None,
    on_warning: Callable[[str], None] | None = None,
    on_stats: Callable[[RunStats], None] | None = None,
    stop: threading.Event | None = None,
    cluster: Cluster | None = None,
    stateful: bool = True,
) -> list[Episode]:
    """Run every (task, trial) not yet finished in ``out``; return all episodes of the run.

    ``on_resume`` hears how many of the run's episodes were already finished in ``out``;
    ``on_warning`` hears what was wrong with the results file, and episodes run again
    because their cluster worker died; ``on_stats`` hears where the episodes ran.
    With ``cluster`` the episodes run on Ray (as actors when ``stateful``: an environment
    holding an ns-3 process; otherwise as tasks) and are written here as they arrive.
    """
    out = Path(out)
    _check_meta(out, meta)
    _end_cut_line(out / RESULTS)

    def unreadable(n: int) -> None:
        if on_warning is not None:
            on_warning(f"{n} line(s) of {out / RESULTS} are not episode records and were skipped; those episodes run again")

    done = {(e.task_id, e.trial) for e in read_results(out, on_unreadable=unreadable) if e.error is None}
    jobs = [(t, trial) for trial in range(trials) for t in tasks if (t.id, trial) not in done]
    if on_resume is not None:
        on_resume(len(tasks) * trials - len(jobs))
    stop = stop or threading.Event()
    failures: list[BaseException] = []
    tally = {"ok": 0, "errors": 0}

    def give_up_on(ep: Episode) -> None:
        """Stop a run whose first episodes all fail (an endpoint down, a broken setup) instead of failing every task."""
        tally["ok" if ep.error is None else "errors"] += 1
        if tally["ok"] == 0 and tally["errors"] >= GIVE_UP_AFTER and not failures:
            failures.append(
                UserError(
                    f"the first {tally['errors']} episodes all ended in an error, so the run stopped: {ep.error} "
                    f"(what finished is kept in {out}; fix the cause and rerun the same command to continue)"
                )
            )
            stop.set()

    def work(state, job):
        agent, env = state
        task, trial = job
        return play_task(task, agent, env, trial=trial, on_world=on_world)

    def on_result(job, played, node: str) -> None:
        ep, trajectory = played
        if trajectory is not None:
            save_trajectory(trajectory, out / "trajectories", ep)
        with open(out / RESULTS, "a") as fh:
            fh.write(json.dumps(ep.__dict__) + "\n")
            fh.flush()
        give_up_on(ep)
        if on_episode is not None:
            on_episode(ep)

    stats = run_jobs(
        jobs,
        setup=lambda: (make_agent(), make_env()),
        work=work,
        on_result=on_result,
        teardown=_close_agent_env,
        workers=workers,
        stop=stop,
        cluster=cluster,
        stateful=stateful,
        on_retry=on_warning,
        label=lambda job: f"{job[0].id} trial {job[1]}",
        name="bench-worker",
    )
    if failures:
        raise failures[0]
    if on_stats is not None:
        on_stats(stats)
    ids = {t.id for t in tasks}
    return [e for e in read_results(out) if e.task_id in ids]


def _close_agent_env(state) -> None:
    agent, env = state
    try:
        env.close()
    finally:
        agent.close()


def progress_hooks(bar, *, out: Path | None = None) -> dict[str, Callable]:
    """:func:`run`'s ``on_resume``, ``on_warning`` and ``on_episode`` for a tqdm bar: finished episodes
    move it, episode errors and warnings are written above it, and a resumed run says so."""
    lock = threading.Lock()

    def on_episode(ep: Episode) -> None:
        with lock:
            bar.update(1)
            if ep.error:
                bar.write(f"{ep.task_id}: {ep.error}")

    def on_resume(done: int) -> None:
        bar.update(done)
        where = f" in {out}" if out is not None else ""
        if done and done >= (bar.total or 0):
            bar.write(f"all {done} episode(s) already finished{where}: nothing to run, the results are read back", file=sys.stderr)
        elif done:
            bar.write(f"resuming{where}: {done} of {bar.total} episode(s) already finished", file=sys.stderr)

    return {"on_resume": on_resume, "on_warning": lambda text: bar.write(f"warning: {text}", file=sys.stderr), "on_episode": on_episode}


def summarise(episodes: Sequence[Episode], *, ks: Sequence[int] = (1, 2, 3)) -> dict:
    outcomes = [e.outcome() for e in episodes if e.error is None]
    return {
        **breakdown(outcomes),
        "pass_k": {str(k): v for k, v in pass_k_table(outcomes, ks).items()},
        "episodes": len(outcomes),
        "errors": sum(1 for e in episodes if e.error is not None),
        "invalid_calls_per_episode": (sum(e.invalid_calls for e in episodes if e.error is None) / len(outcomes)) if outcomes else 0.0,
    }
