"""Scoring: Success Rate, SPL, confidence intervals and pass^k.

Success is judged on the final state of the world (never on the agent's text) and
requires a valid tool chain; SPL (Success weighted by Path Length) discounts a
success by how much longer the agent's chain was than the reference solution's:
``SPL_i = S_i * L_i / max(L_i, P_i)`` with ``L_i`` the reference length and ``P_i``
the number of calls the agent made.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

#: The paper's tiers, by reference solution length (:func:`tier_of`).
Tier = Literal["L1", "L2", "L3"]
#: The paper's five task domains.
Domain = Literal["network_slicing", "edge_offloading", "uav_control", "degradation_recovery", "multi_agent_coordination"]
TIERS: tuple[Tier, ...] = get_args(Tier)
DOMAINS: tuple[Domain, ...] = get_args(Domain)


def tier_of(reference_length: int) -> Tier:
    """The paper's tiers by reference solution length: L1 <= 3 steps, L2 4-7, L3 >= 8."""
    if reference_length < 1:
        raise ValueError("a reference solution has at least one step")
    return "L1" if reference_length <= 3 else ("L2" if reference_length <= 7 else "L3")


def spl(success: bool, reference_length: int, steps_taken: int) -> float:
    """Success weighted by (reference) path length for one episode."""
    if not success:
        return 0.0
    return reference_length / max(reference_length, steps_taken)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default)."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    # Rounding can put an edge a hair inside the rate itself at 0 % or 100 %.
    return (min(lo, p), max(hi, p))


def bootstrap_mean_ci(values: Sequence[float], *, seed: int = 0, rounds: int = 2000, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (seeded, so reports are reproducible)."""
    if not values:
        return (0.0, 0.0)
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    lo = means[int((1 - level) / 2 * rounds)]
    hi = means[min(rounds - 1, int((1 + level) / 2 * rounds))]
    return (lo, hi)


def pass_hat_k(trials: int, successes: int, k: int) -> float:
    """pass^k: the chance that k independent trials of a task all succeed, estimated
    without bias from ``successes`` out of ``trials`` (C(c, k) / C(n, k))."""
    if k > trials:
        raise ValueError(f"pass^{k} needs at least {k} trials, got {trials}")
    return math.comb(successes, k) / math.comb(trials, k)


@dataclass(frozen=True)
class Outcome:
    """One scored episode."""

    task_id: str
    tier: str
    domain: str
    success: bool
    steps: int
    reference_length: int
    trial: int = 0

    @property
    def spl(self) -> float:
        return spl(self.success, self.reference_length, self.steps)


@dataclass(frozen=True)
class Score:
    n: int
    sr: float
    sr_ci: tuple[float, float]
    spl: float
    spl_ci: tuple[float, float]

    def as_dict(self) -> dict:
        return {"n": self.n, "sr": self.sr, "sr_ci": list(self.sr_ci), "spl": self.spl, "spl_ci": list(self.spl_ci)}


def score(outcomes: Iterable[Outcome]) -> Score:
    outs = list(outcomes)
    n = len(outs)
    s = sum(o.success for o in outs)
    spls = [o.spl for o in outs]
    return Score(
        n=n,
        sr=s / n if n else 0.0,
        sr_ci=wilson(s, n),
        spl=sum(spls) / n if n else 0.0,
        spl_ci=bootstrap_mean_ci(spls),
    )


def breakdown(outcomes: Iterable[Outcome]) -> dict:
    """SR and SPL overall, per tier and per domain (the first trial of each task)."""
    outs = [o for o in outcomes if o.trial == 0]
    return {
        "overall": score(outs).as_dict(),
        "tiers": {t: score(o for o in outs if o.tier == t).as_dict() for t in TIERS if any(o.tier == t for o in outs)},
        "domains": {d: score(o for o in outs if o.domain == d).as_dict() for d in DOMAINS if any(o.domain == d for o in outs)},
    }


def pass_k_table(outcomes: Iterable[Outcome], ks: Sequence[int]) -> dict[int, float]:
    """Mean pass^k over tasks that were run at least k times."""
    by_task: dict[str, list[bool]] = {}
    for o in outcomes:
        by_task.setdefault(o.task_id, []).append(o.success)
    out = {}
    for k in ks:
        vals = [pass_hat_k(len(v), sum(v), k) for v in by_task.values() if len(v) >= k]
        if vals:
            out[k] = sum(vals) / len(vals)
    return out
