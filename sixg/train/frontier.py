"""Frontier task selection against real episodes: a policy's success rate per training task, and the tasks in the band.

The pool is the Forge corpus' own training tasks (each record carries the task its program
solved, a benchmark :class:`~sixg.bench.tasks.Task` on a training seed). Each task is played
``k`` times through the benchmark's own episode runner (:func:`~sixg.bench.run.play_task`:
the ReAct loop, the tool boundary and the co-simulation, judged by the goal checks), on
the surrogate by default, with seeded trials.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sixg.train.data import Selection, select_records
from sixg.train.rl import Band, estimate_success, select_frontier

__all__ = ["training_tasks", "run_frontier"]


def training_tasks(corpus: str | Path, selection: Selection = Selection()) -> list:
    """The distinct training tasks of the selected records, in corpus order."""
    from sixg.bench.tasks import Task

    tasks: dict[str, Any] = {}
    for record in select_records(corpus, selection).records:
        task = Task.model_validate(record.task)
        tasks.setdefault(task.id, task)
    return list(tasks.values())


def run_frontier(
    tasks: list,
    make_agent: Callable[[], Any],
    *,
    k: int,
    band: Band,
    seed: int = 0,
    backend: str = "surrogate",
    on_episode: Callable[[Any], None] | None = None,
) -> dict[str, Any]:
    """Estimate the policy's success rate on every task from ``k`` episodes and keep the tasks inside ``band``.

    Returns:
        The record of the selection: ``k``, ``band``, ``seed``, ``rates`` per task id, ``kept``
        task ids and the pool and survivor counts.
    """
    from sixg.bench.run import play_task
    from sixg.sim.env import NetOpsEnv

    by_id = {t.id: t for t in tasks}
    agent, env = make_agent(), NetOpsEnv(backend=backend)
    errors: list[str] = []

    def play(task_id: str, trial: int) -> bool:
        episode, _ = play_task(by_id[task_id], agent, env, trial=trial)
        if episode.error is not None:
            errors.append(f"{task_id} trial {trial}: {episode.error}")
        if on_episode is not None:
            on_episode(episode)
        return episode.success

    try:
        rates = estimate_success(list(by_id), play, k=k, seed=seed)
    finally:
        try:
            env.close()
        finally:
            agent.close()
    kept = select_frontier(rates, band)
    return {
        "k": k,
        "band": [band.low, band.high],
        "seed": seed,
        "backend": backend,
        "pool": len(rates),
        "survivors": len(kept),
        "rates": rates,
        "kept": kept,
        "errors": errors,
    }


def write_frontier(record: dict[str, Any], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(record, indent=1) + "\n")
