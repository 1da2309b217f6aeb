"""What closed-loop RL is built from: the composite reward, frontier task selection, DAPO's dynamic sampling.

Each piece works on judged episodes (:class:`~sixg.bench.run.Episode`) or on groups of
rewards, so it is the same whichever trainer drives the rollouts.

* :func:`episode_reward`: task correctness minus a penalty per malformed call (the paper's
  eq. 6), weights recorded with the run.
* :func:`estimate_success` and :func:`select_frontier`: a policy's success rate per training
  task from ``k`` seeded episodes, and the tasks inside a learnable band.
* :func:`fill_batch`: DAPO's dynamic sampling, which trl's GRPOTrainer lacks: a group whose
  rewards are all equal has zero advantage and teaches nothing, so it is dropped and more
  groups are drawn until the batch is full.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sixg.errors import SixgError, UserError

__all__ = [
    "Band",
    "FilledBatch",
    "NoLearningSignal",
    "RewardWeights",
    "episode_reward",
    "estimate_success",
    "fill_batch",
    "select_frontier",
]

K = TypeVar("K", bound=Hashable)
G = TypeVar("G")


@dataclass(frozen=True)
class RewardWeights:
    """The composite reward's weights: ``task * success + checks * share of goal checks met - malformed * malformed calls``.

    ``checks`` is 0 by default (the paper's reward). Above 0 it grants partial credit for each goal
    check the final state meets, so that two failed episodes of one task can still differ: with
    guided decoding no call is malformed, and a group whose episodes all fail would otherwise tie.
    """

    task: float = 1.0
    malformed: float = 0.1
    checks: float = 0.0

    def __post_init__(self):
        if not self.task > 0 or self.malformed < 0 or self.checks < 0:
            raise UserError(f"reward weights need task > 0, malformed >= 0 and checks >= 0, not task={self.task}, malformed={self.malformed}, checks={self.checks}")


def episode_reward(episode: Any, weights: RewardWeights = RewardWeights()) -> float:
    """The reward of one judged episode.

    Task correctness is the benchmark's verdict (goal checks on the final state, and the
    verification the task asks for); a malformed call is one the tool boundary rejected
    (``Episode.invalid_calls``: every failed call but a refused one). An episode that
    ended in an error earns no correctness and no partial credit.
    """
    if episode.error is not None:
        return -weights.malformed * episode.invalid_calls
    correct = 1.0 if episode.success else 0.0
    checks = episode.checks or ()
    partial = sum(1 for c in checks if c[1]) / len(checks) if checks else 0.0
    return weights.task * correct + weights.checks * partial - weights.malformed * episode.invalid_calls


@dataclass(frozen=True)
class Band:
    """The learnable band of success rates, both ends included."""

    low: float = 0.1
    high: float = 0.9

    def __post_init__(self):
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise UserError(f"the frontier band needs 0 <= low <= high <= 1, not low={self.low}, high={self.high}")

    def __contains__(self, rate: float) -> bool:
        return self.low <= rate <= self.high


def estimate_success(tasks: Iterable[K], play: Callable[[K, int], bool], *, k: int, seed: int) -> dict[K, float]:
    """Each task's success rate over ``k`` episodes, ``play(task, episode_seed)`` judging one.

    The episode seeds are drawn from ``seed``, one stream per task in order, so a rerun
    plays the same episodes.
    """
    if k < 1:
        raise UserError(f"k must be >= 1 episode per task, not {k}")
    rng = random.Random(seed)
    rates: dict[K, float] = {}
    for task in tasks:
        seeds = [rng.randrange(2**31) for _ in range(k)]
        rates[task] = sum(bool(play(task, s)) for s in seeds) / k
    return rates


def select_frontier(rates: dict[K, float], band: Band) -> list[K]:
    """The tasks whose success rate lies inside ``band``, in the order of ``rates``."""
    return [task for task, rate in rates.items() if rate in band]


class NoLearningSignal(SixgError):
    """Dynamic sampling drew its limit of groups without filling a batch with groups whose rewards differ."""


@dataclass(frozen=True)
class FilledBatch(Generic[G]):
    """A batch of informative groups, with how many groups were drawn and how many dropped (all rewards equal)."""

    groups: list[G]
    drawn: int
    dropped: int


def fill_batch(
    draw: Callable[[int], Sequence[G]],
    rewards: Callable[[G], Sequence[float]],
    *,
    size: int,
    max_draws: int,
    tol: float = 1e-9,
) -> FilledBatch[G]:
    """DAPO's dynamic sampling: ``size`` groups whose rewards are not all equal.

    Args:
        draw: Rolls out ``n`` more groups (each one prompt's ``G`` completions).
        rewards: The rewards of a group's completions.
        size: Groups the batch needs.
        max_draws: At most this many groups are drawn in all (raises :class:`NoLearningSignal` past it).
        tol: Rewards closer than this count as equal.
    """
    if size < 1 or max_draws < size:
        raise UserError(f"dynamic sampling needs size >= 1 and max_draws >= size, not size={size}, max_draws={max_draws}")
    kept: list[G] = []
    drawn = dropped = 0
    while len(kept) < size:
        want = min(size - len(kept), max_draws - drawn)
        if want <= 0:
            raise NoLearningSignal(
                f"{drawn} group(s) drawn, only {len(kept)} of {size} with rewards that differ: "
                "narrow the frontier band towards tasks the policy sometimes solves, or sample at a higher temperature"
            )
        new = list(draw(want))
        if not new:
            raise NoLearningSignal(f"the rollout source ran dry after {drawn} group(s), {len(kept)} of {size} informative")
        drawn += len(new)
        for group in new:
            r = list(rewards(group))
            if r and max(r) - min(r) > tol:
                kept.append(group)
            else:
                dropped += 1
    return FilledBatch(kept[:size], drawn, dropped)
