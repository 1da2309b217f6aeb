"""Many surrogate backends whose windows are predicted together, one forward pass for all.

Each episode of a vector environment drives its own :class:`SurrogateBackend` through
its own SimPy clock, and a step of one episode may take zero, one or several windows.
:meth:`SurrogateBatch.run` runs the episodes' work side by side as greenlets: a backend
that needs a window predicted hands its inputs over and is suspended; when every
unfinished episode is suspended so, the inputs are stacked and the Experiment Model
predicts them all in one pass, and each episode resumes with its own row.

A row of a batched pass does not depend on which other rows share the pass (a lone row
is paired with a copy of itself, so every pass is a matrix product of at least two
rows): an episode's rollout depends only on its own seed, options and calls, never on
the other episodes or their number. It matches the rollout of an unbatched backend up
to float32 rounding (a one-row product sums in another order), so its KPIs can differ
in the last digits and a long rollout can drift apart.

Outside :meth:`SurrogateBatch.run` the backends predict one window at a time, exactly
as a :class:`SurrogateBackend` with its own model does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from greenlet import greenlet

from sixg.backends.surrogate import SurrogateBackend
from sixg.errors import UserError
from sixg.surrogate.model import ExperimentModel, Prediction

T = TypeVar("T")


class _SharedModel:
    """What one backend of a batch holds as its model: predictions go through the batch."""

    def __init__(self, batch: SurrogateBatch):
        self._batch = batch

    @property
    def config(self) -> dict:
        return self._batch.model.config

    @property
    def features(self):
        return self._batch.model.features

    def predict(self, X: np.ndarray) -> Prediction:
        return self._batch._predict(X)


class SurrogateBatch:
    """``n`` surrogate backends sharing one Experiment Model.

    Args:
        n: How many backends.
        checkpoint: A trained checkpoint; default: the one shipped with sixg.
        model: An already loaded model (then ``checkpoint`` is not read).
        **backend_kwargs: Passed to each :class:`SurrogateBackend` (``window_s``, ``sample``).
    """

    def __init__(
        self,
        n: int,
        *,
        checkpoint: str | Path | None = None,
        model: ExperimentModel | None = None,
        **backend_kwargs: Any,
    ):
        if n < 1:
            raise UserError(f"a batch needs at least one backend, got n={n}")
        self._checkpoint = checkpoint
        self._model = model
        self.backends = tuple(SurrogateBackend(model=_SharedModel(self), **backend_kwargs) for _ in range(n))
        self._workers: set[greenlet] = set()
        #: Forward passes made and windows predicted by them (windows / passes is the mean batch).
        self.forward_passes = 0
        self.windows = 0

    @property
    def model(self) -> ExperimentModel:
        if self._model is None:
            from sixg.surrogate.model import default_checkpoint, load

            self._model = load(Path(self._checkpoint) if self._checkpoint else default_checkpoint())
        return self._model

    def run(self, jobs: Sequence[Callable[[], T] | None]) -> list[T | None]:
        """Run ``jobs`` (each drives some of the backends; None: nothing to do) with batched predictions.

        Returns each job's value in order (None for a None job). If jobs raise, every
        other job still runs to its end, then the first error is raised.
        """
        results: list[Any] = [None] * len(jobs)
        errors: list[tuple[int, BaseException]] = []
        waiting: dict[int, np.ndarray] = {}
        workers: dict[int, greenlet] = {}

        def advance(i: int, *value: Any) -> None:
            try:
                out = workers[i].switch(*value)
            except Exception as exc:  # noqa: BLE001 -- kept and raised once every job has ended
                errors.append((i, exc))
                self._workers.discard(workers[i])
                return
            if workers[i].dead:
                results[i] = out
                self._workers.discard(workers[i])
            else:
                waiting[i] = out

        for i, job in enumerate(jobs):
            if job is not None:
                workers[i] = greenlet(job)
                self._workers.add(workers[i])
        for i in list(workers):
            advance(i)
        while waiting:
            order = sorted(waiting)
            rows = [waiting.pop(i) for i in order]
            stacked = np.concatenate(rows, axis=0)
            if len(stacked) == 1:
                stacked = np.concatenate([stacked, stacked], axis=0)
            pred = self.model.predict(stacked)
            self.forward_passes += 1
            self.windows += len(order)
            start = 0
            for i, X in zip(order, rows):
                advance(i, pred.rows(start, start + len(X)))
                start += len(X)
        if errors:
            raise min(errors, key=lambda e: e[0])[1]
        return results

    def _predict(self, X: np.ndarray) -> Prediction:
        me = greenlet.getcurrent()
        if me not in self._workers:
            # Not inside run(): predict alone, as an unbatched backend does.
            self.forward_passes += 1
            self.windows += len(X)
            return self.model.predict(X)
        return me.parent.switch(np.asarray(X, dtype=np.float32))

    def close(self) -> None:
        for b in self.backends:
            b.close()


