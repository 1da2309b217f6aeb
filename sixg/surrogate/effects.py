"""Effect sizes: does the surrogate move the network as far as ns-3 does, event by event and action by action?

For each situation (a scenario seed and a backend seed) every backend runs a few *arms*
from the same start: a quiet one; one per degradation, starting on the service's cell
(or the edge server, or the service's UAV) at :data:`DEGRADATION_AT`; and, for each
Configuration action, a degraded arm with the action applied at :data:`ACTION_AT`
beside the same degraded arm without it. An effect is the mean state over the same
measured windows with the event or action minus without it (matched A/B: same scenario,
same seed, same windows); averaged over situations, per backend, and the surrogate's
effect divided by ns-3's. The ratio is judged only where ns-3 shows an effect (its mean
change is at least :data:`MIN_EFFECT` in that dimension).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sixg.actions import (
    Action,
    BackhaulDegradation,
    CongestionSurge,
    DegradationOnset,
    EdgeOffload,
    EdgeOverload,
    GracefulDegradation,
    InterferenceSurge,
    ReallocateSlices,
    SwitchSlice,
    UavDrift,
)
from sixg.backends.base import Backend
from sixg.domain import NetworkState, SliceType
from sixg.errors import UserError
from sixg.scenario import Scenario, generate, split_of

__all__ = ["DEGRADATION_AT", "ACTION_AT", "MIN_EFFECT", "RATIO_TARGET", "Situation", "arms_for", "measure", "effect_table", "format_effects"]

DEGRADATION_AT = 0.5
ACTION_AT = 1.0
#: Windows measured after the event (degradations) or the action (actions).
MEASURED_WINDOWS = 4
#: The smallest mean change, per dimension, that counts as ns-3 showing an effect.
MIN_EFFECT = {"latency_ms": 2.0, "jitter_ms": 0.5, "loss_rate": 0.01, "throughput_mbps": 0.05, "edge_load": 0.03}
#: The surrogate/ns-3 effect ratio the surrogate should reach where ns-3 shows an effect.
RATIO_TARGET = (0.67, 1.5)
DIMENSIONS = NetworkState.NUMERIC


@dataclass(frozen=True)
class Arm:
    """One run of a situation: the actions applied at each time, and which arm it is compared with."""

    name: str
    kind: str  # "baseline", "degradation" or "action"
    plan: tuple[tuple[float, Action], ...]
    #: The arm without this event or action (None for a baseline).
    against: str | None = None
    #: Episode time from which the effect is measured.
    measured_from: float = 0.0


@dataclass(frozen=True)
class Situation:
    """A scenario seed and the backend seed both arms of every comparison run with."""

    scenario_seed: int
    seed: int


def _onset(t: float, degradation) -> tuple[float, Action]:
    return (t, DegradationOnset(degradation=degradation))


def arms_for(scenario: Scenario, service_cell: str) -> list[Arm]:
    """The arms of one situation: quiet, one per degradation, and one per Configuration action
    in the degraded situation it remedies (congestion for the radio remedies, an overloaded
    edge server for offloading)."""
    service = scenario.service
    congestion = _onset(DEGRADATION_AT, CongestionSurge(gnb=service_cell, rate_mbps=25.0))
    overload = _onset(DEGRADATION_AT, EdgeOverload(extra_load=1.0))
    degradations = {
        "congestion": congestion,
        "interference": _onset(DEGRADATION_AT, InterferenceSurge(gnb=service_cell, power_dbm=28.0)),
        "backhaul": _onset(DEGRADATION_AT, BackhaulDegradation(gnb=service_cell, extra_delay_ms=40.0, loss_rate=0.05)),
        "edge_overload": overload,
    }
    uav = service.ue if service.ue in scenario.uav_ids else None
    if uav is not None:
        degradations["uav_drift"] = _onset(DEGRADATION_AT, UavDrift(uav=uav, speed_mps=15.0))
    arms = [Arm("quiet", "baseline", ())]
    arms += [Arm(name, "degradation", (event,), against="quiet", measured_from=DEGRADATION_AT) for name, event in degradations.items()]
    to = SliceType.URLLC if service.initial_slice is not SliceType.URLLC else SliceType.EMBB
    remedies = {
        "switch_network_slice": ("congestion", SwitchSlice(slice=to)),
        "graceful_degradation": ("congestion", GracefulDegradation(slice=SliceType.EMBB, fraction=0.6, mode="shape")),
        "trigger_slice_reallocation": ("congestion", ReallocateSlices(slice=service.initial_slice, share=0.6)),
        "edge_offload": ("edge_overload", EdgeOffload(host="cloud" if service.initial_host == "edge" else "edge")),
    }
    for name, (situation, action) in remedies.items():
        arms.append(Arm(name, "action", (degradations[situation], (ACTION_AT, action)), against=situation, measured_from=ACTION_AT))
    return arms


def run_arm(backend: Backend, scenario: Scenario, seed: int, arm: Arm, *, windows: int) -> list[NetworkState]:
    """Run ``arm`` for ``windows`` windows; each window's state (the window ending at ``(k + 1) * window_s``)."""
    backend.reset(scenario, seed=seed)
    plan = sorted(arm.plan, key=lambda p: p[0])
    states = []
    for _ in range(windows):
        now = backend.now
        due = [a for t, a in plan if now - 1e-9 <= t < now + backend.window_s - 1e-9]
        states.append(backend.step(due).snapshot.state)
    return states


def measure(
    backends: dict[str, Callable[[], Backend]],
    situations: Sequence[Situation],
    *,
    scenario_split: str | None = None,
    on_arm: Callable[[str, Situation, Arm], None] | None = None,
) -> dict:
    """Every arm of every situation on every backend; the mean state over each arm's measured windows.

    Args:
        backends: Name -> a factory of a fresh backend ("surrogate", "ns3", or test backends).
        situations: Scenario and backend seeds.
        scenario_split: The split the scenario seeds are drawn from (default: the seed's own).
        on_arm: Called after each arm, e.g. for progress.
    """
    if not situations:
        raise UserError("the effect-size check needs at least one situation (scenario seed)")
    runs: dict = {name: [] for name in backends}
    for name, make in backends.items():
        backend = make()
        try:
            for sit in situations:
                scenario = generate(sit.scenario_seed, split=scenario_split or split_of(sit.scenario_seed))
                service_cell = scenario.nearest_gnb(scenario.ue(scenario.service.ue).position).id
                arms = arms_for(scenario, service_cell)
                windows = int(round((ACTION_AT + MEASURED_WINDOWS * backend.window_s) / backend.window_s))
                means = {}
                for arm in arms:
                    states = run_arm(backend, scenario, sit.seed, arm, windows=windows)
                    start = int(round(arm.measured_from / backend.window_s))
                    span = states[start : start + MEASURED_WINDOWS]
                    means[arm.name] = {d: float(np.mean([getattr(s, d) for s in span])) for d in DIMENSIONS}
                    if on_arm is not None:
                        on_arm(name, sit, arm)
                runs[name].append({"scenario_seed": sit.scenario_seed, "seed": sit.seed, "arms": {a.name: {"kind": a.kind, "against": a.against} for a in arms}, "means": means})
        finally:
            backend.close()
    return runs


def effect_table(runs: dict, *, surrogate: str = "surrogate", reference: str = "ns3") -> dict:
    """Per event or action and dimension: the mean effect on each backend over matched situations,
    their ratio, whether ns-3 shows an effect, and whether the ratio is within :data:`RATIO_TARGET`."""
    pairs = {(r["scenario_seed"], r["seed"]): r for r in runs[reference]}
    effects: dict[str, dict] = {}
    for s_run in runs[surrogate]:
        n_run = pairs.get((s_run["scenario_seed"], s_run["seed"]))
        if n_run is None:
            continue
        for arm, info in s_run["arms"].items():
            if info["against"] is None or arm not in n_run["means"]:
                continue
            entry = effects.setdefault(arm, {"kind": info["kind"], "against": info["against"], "n": 0, "surrogate": [], "ns3": []})
            entry["n"] += 1
            for side, run in (("surrogate", s_run), ("ns3", n_run)):
                entry[side].append([run["means"][arm][d] - run["means"][info["against"]][d] for d in DIMENSIONS])
    table: dict[str, dict] = {}
    lo, hi = RATIO_TARGET
    for arm, entry in effects.items():
        s_mean = np.mean(entry["surrogate"], axis=0)
        n_mean = np.mean(entry["ns3"], axis=0)
        dims = {}
        for j, d in enumerate(DIMENSIONS):
            shows = bool(abs(n_mean[j]) >= MIN_EFFECT[d])
            ratio = float(s_mean[j] / n_mean[j]) if n_mean[j] != 0 else None
            dims[d] = {
                "surrogate": float(s_mean[j]),
                "ns3": float(n_mean[j]),
                "ratio": ratio,
                "ns3_shows_effect": shows,
                "within_target": (lo <= ratio <= hi) if shows and ratio is not None else None,
            }
        table[arm] = {"kind": entry["kind"], "against": entry["against"], "n": entry["n"], "dimensions": dims}
    return table


def format_effects(table: dict) -> str:
    """Markdown: per event/action, surrogate / ns-3 mean change (ratio) per dimension; '*' marks a
    dimension where ns-3 shows an effect and the ratio misses the target."""
    lines = [
        "| event or action (vs) | n | " + " | ".join(f"{d}: surrogate / ns-3 (ratio)" for d in DIMENSIONS) + " |",
        "|---|---|" + "---|" * len(DIMENSIONS),
    ]
    for arm, e in table.items():
        cells = []
        for d in DIMENSIONS:
            v = e["dimensions"][d]
            if v["ns3_shows_effect"]:
                mark = "" if v["within_target"] else " *"
                ratio = f"{v['ratio']:.2f}{mark}"
            else:
                ratio = "no ns-3 effect"
            cells.append(f"{v['surrogate']:+.3g} / {v['ns3']:+.3g} ({ratio})")
        lines.append(f"| {arm} (vs {e['against']}) | {e['n']} | " + " | ".join(cells) + " |")
    lo, hi = RATIO_TARGET
    judged = [(a, d) for a, e in table.items() for d, v in e["dimensions"].items() if v["ns3_shows_effect"]]
    met = sum(1 for a, d in judged if table[a]["dimensions"][d]["within_target"])
    lines += [
        "",
        f"effect = mean over the measured windows with the event/action minus without it (same scenario, seed, windows); "
        f"ratio target {lo}-{hi} where ns-3 shows an effect (|change| >= {', '.join(f'{k} {v:g}' for k, v in MIN_EFFECT.items())}); "
        f"met in {met} of {len(judged)}; '*' = missed",
    ]
    return "\n".join(lines)
