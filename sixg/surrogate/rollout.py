"""Open-loop rollouts: the Experiment Model run the way episodes run it, on its own predictions.

One-step evaluation gives the model ns-3's history every window. An episode on the
surrogate gives it only its own: each window's prediction becomes the next window's
current state and history. Here, from every window of every held-out ns-3 episode, the
model is rolled forward on its own predicted states (median, slice by the most likely
class) while everything else -- the actions, the degradation events, the service's
host, shares, shaping, cell and position -- comes from the trace, through the one
context builder (:func:`sixg.surrogate.features.episode_contexts`). The predicted state
``h`` windows ahead is compared with what ns-3 measured then, against persistence (the
state at the start of the rollout held for ``h`` windows). Each state handed to the model
is marked as the episode would mark it (ns-3's measured, the model's own predicted), which
a model trained with provenance inputs reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sixg.errors import UserError
from sixg.scenario import generate, split_of
from sixg.surrogate.features import (
    DIMENSIONS,
    HISTORY,
    INPUT_NAMES,
    PROVENANCE_INPUTS,
    SLICE_NAMES,
    Context,
    ScenarioFeatures,
    State,
    TransitionSet,
    encode_inputs,
    episode_contexts,
    from_model_space_many,
    input_state_of,
)
from sixg.surrogate.model import MEDIAN, QUANTILES, SLICE_COLUMNS, STATE_COLUMNS, ExperimentModel

__all__ = ["HORIZONS", "EpisodeTrace", "open_loop", "format_open_loop", "open_loop_targets", "successors", "own_state_inputs"]

#: Windows ahead at which a rollout is scored.
HORIZONS = (1, 5, 10, 20, 40)
#: The target: the error 10 windows ahead within this factor of the one-step error, per dimension.
OPEN_LOOP_TARGET = (10, 1.5)


@dataclass
class EpisodeTrace:
    """One recorded episode as the rollout needs it: its contexts and ns-3's state per window."""

    key: tuple[int, int]
    sf: ScenarioFeatures
    contexts: list[Context]  # contexts[i]: the transition from window i to window i + 1
    states: list[State]  # ns-3's state of every window

    @classmethod
    def of(cls, key: tuple[int, int], rows: pd.DataFrame) -> EpisodeTrace:
        rows = rows.sort_values("t")
        sc = generate(int(key[0]), split=split_of(int(key[0])))
        sf = ScenarioFeatures.of(sc)
        states = [
            (r.slice, r.latency_ms, r.jitter_ms, r.loss_rate, r.throughput_mbps, r.edge_load)
            for r in rows[["slice", *DIMENSIONS]].itertuples(index=False)
        ]
        return cls(key=key, sf=sf, contexts=episode_contexts(rows, sc, sf), states=states)


def traces_of(windows: pd.DataFrame) -> list[EpisodeTrace]:
    """Every episode of a corpus's window rows, grouped by seed and episode."""
    return [EpisodeTrace.of((int(s), int(e)), ep) for (s, e), ep in windows.groupby(["seed", "episode"], sort=True)]


def rollout_predictions(model: ExperimentModel, traces: list[EpisodeTrace], *, horizon: int) -> dict:
    """Roll the model forward from every window of every episode for up to ``horizon`` windows.

    Returns, per horizon step ``h`` (1-based), arrays over the rollouts that reach it:
    ``pred`` (n, 5) and ``pred_slice`` (n,) the model's state ``h`` windows ahead, ``true``
    and ``true_slice`` ns-3's, ``start`` and ``start_slice`` the state the rollout started from.
    """
    # Each rollout: (trace index, start window, its own state history, newest first).
    rollouts = [
        (k, i, [tr.states[i - j] for j in range(HISTORY + 1) if i - j >= 0])
        for k, tr in enumerate(traces)
        for i in range(len(tr.contexts))
    ]
    median = len(QUANTILES) // 2
    features = model.features
    out: dict[int, dict[str, np.ndarray]] = {}
    for h in range(1, horizon + 1):
        live = [(n, r) for n, r in enumerate(rollouts) if r[1] + h - 1 < len(traces[r[0]].contexts)]
        if not live:
            break
        by_trace: dict[int, list[int]] = {}
        for n, (k, _, _) in live:
            by_trace.setdefault(k, []).append(n)
        blocks, order, spans = [], [], []
        for k, members in by_trace.items():
            tr = traces[k]
            # The trace's context for this window, with the rollout's own states in place of ns-3's
            # (the newest h - 1 of them its own predictions, the rest measured).
            ctxs = [replace(tr.contexts[rollouts[n][1] + h - 1], states=rollouts[n][2], own=tuple(j < h - 1 for j in range(len(rollouts[n][2])))) for n in members]
            blocks.append(encode_inputs(ctxs, tr.sf, features))
            spans.append((len(order), len(order) + len(members), tr.sf.offered_mbps))
            order += members
        pred = model.predict(np.concatenate(blocks))
        values = pred.quantiles[:, :, median]
        slices = pred.slice_probs.argmax(1)
        natural = np.concatenate([from_model_space_many(DIMENSIONS, values[a:b], offered) for a, b, offered in spans])
        rows = {"pred": [], "pred_slice": [], "true": [], "true_slice": [], "start": [], "start_slice": []}
        for j, n in enumerate(order):
            k, i, history = rollouts[n]
            tr = traces[k]
            state = (SLICE_NAMES[int(slices[j])], *map(float, natural[j]))
            rollouts[n] = (k, i, [state, *history][: HISTORY + 1])
            truth, start = tr.states[i + h], tr.states[i]
            rows["pred"].append(natural[j])
            rows["pred_slice"].append(state[0])
            rows["true"].append(truth[1:])
            rows["true_slice"].append(truth[0])
            rows["start"].append(start[1:])
            rows["start_slice"].append(start[0])
        out[h] = {key: np.asarray(v) for key, v in rows.items()}
    return out


_STATE_IDX, _SLICE_IDX = np.array(STATE_COLUMNS), np.array(SLICE_COLUMNS)
_DIFF_IDX = tuple(np.array([INPUT_NAMES.index(f"d{k}_{n}") for n in (INPUT_NAMES[i] for i in STATE_COLUMNS)]) for k in range(1, HISTORY + 1))


def successors(ts: TransitionSet) -> np.ndarray:
    """For each transition, the row of the next one in the same episode (window i+1 -> i+2), or -1 at the end."""
    n = len(ts.X)
    nxt = np.full(n, -1, dtype=np.int64)
    same = (ts.seed[1:] == ts.seed[:-1]) & (ts.episode[1:] == ts.episode[:-1]) & (ts.t[1:] > ts.t[:-1])
    nxt[:-1][same] = np.arange(1, n)[same]
    return nxt


def own_state_inputs(model: ExperimentModel, X: np.ndarray, nxt: np.ndarray, *, horizon: int, starts: np.ndarray | None = None):
    """Open-loop rollouts over encoded transitions, for training on the model's own contexts.

    From each start row the model is run forward as :func:`rollout_predictions` runs it
    (median fed back as the next window's state and history, slice by the most likely
    class, everything else from the trace), but on the encoded rows directly: only the
    state, history and slice columns of the next transition's inputs are replaced, so
    each step is one batched prediction.

    Yields, for h = 2 .. ``horizon``, ``(rows, inputs)``: the transitions reached ``h``
    windows after the start (their targets are ns-3's next windows) and their inputs
    with the model's own states in place of ns-3's.
    """
    live = np.arange(len(X)) if starts is None else np.asarray(starts, dtype=np.int64)
    own = [len(INPUT_NAMES) + k for k in range(len(PROVENANCE_INPUTS))] if model.features.provenance else []
    cur = X[live].astype(np.float32)
    # The state history in input space, newest first.
    hist = [cur[:, _STATE_IDX].astype(np.float64)]
    for d in _DIFF_IDX:
        hist.append(hist[-1] - cur[:, d])
    for h in range(2, horizon + 1):
        rows = nxt[live]
        keep = rows >= 0
        if not keep.any():
            return
        pred = model.predict(cur[keep])
        state = input_state_of(pred.quantiles[:, :, MEDIAN])
        live = rows[keep]
        hist = [state, *(v[keep] for v in hist[:-1])]
        cur = X[live].astype(np.float32, copy=True)
        cur[:, _STATE_IDX] = hist[0]
        for k, d in enumerate(_DIFF_IDX):
            cur[:, d] = hist[k] - hist[k + 1]
        cur[:, _SLICE_IDX] = np.eye(len(SLICE_NAMES), dtype=np.float32)[pred.slice_probs.argmax(1)]
        for k, col in enumerate(own[: h - 1]):
            # The newest h - 1 states are the model's own; the rest (and a padded history's oldest) stay measured.
            cur[:, col] = 1.0
        yield live, cur


def open_loop(model: ExperimentModel, windows: pd.DataFrame, *, horizons: tuple[int, ...] = HORIZONS) -> dict:
    """Open-loop error of the model and of persistence at each horizon, per dimension (MAE), and
    slice accuracy; ``ratio_to_one_step`` divides each horizon's model MAE by the one-step MAE."""
    if not horizons or min(horizons) < 1:
        raise UserError(f"horizons must be positive window counts, got {horizons}")
    traces = traces_of(windows)
    by_h = rollout_predictions(model, traces, horizon=max(horizons))
    result: dict = {"episodes": len(traces), "horizons": {}, "mode": "median, own predictions fed back"}
    for h in sorted(horizons):
        if h not in by_h:
            continue
        r = by_h[h]
        err = np.abs(r["pred"] - r["true"]).mean(0)
        pers = np.abs(r["start"] - r["true"]).mean(0)
        result["horizons"][str(h)] = {
            "n": int(len(r["true"])),
            "model_mae": dict(zip(DIMENSIONS, map(float, err))),
            "persistence_mae": dict(zip(DIMENSIONS, map(float, pers))),
            "model_slice_accuracy": float((r["pred_slice"] == r["true_slice"]).mean()),
            "persistence_slice_accuracy": float((r["start_slice"] == r["true_slice"]).mean()),
        }
    one = result["horizons"].get("1")
    if one is not None:
        for entry in result["horizons"].values():
            entry["ratio_to_one_step"] = {
                d: entry["model_mae"][d] / one["model_mae"][d] if one["model_mae"][d] > 0 else float("nan") for d in DIMENSIONS
            }
    return result


def open_loop_targets(result: dict) -> dict[str, bool]:
    """Per dimension: whether the error ``OPEN_LOOP_TARGET[0]`` windows ahead is within the factor of the one-step error."""
    h, factor = OPEN_LOOP_TARGET
    entry = result["horizons"].get(str(h))
    if entry is None or "ratio_to_one_step" not in entry:
        return {}
    return {d: bool(entry["ratio_to_one_step"][d] <= factor) for d in DIMENSIONS}


def format_open_loop(result: dict) -> str:
    """Markdown: model and persistence MAE per horizon and dimension, the ratio to one step, slice accuracy."""
    hs = list(result["horizons"])
    lines = [
        f"open-loop rollouts ({result['mode']}) from every window of {result['episodes']} held-out episode(s)",
        "",
        "| dimension | " + " | ".join(f"{h} win: model / persistence (x one-step)" for h in hs) + " |",
        "|---|" + "---|" * len(hs),
    ]
    for d in DIMENSIONS:
        cells = []
        for h in hs:
            e = result["horizons"][h]
            ratio = e.get("ratio_to_one_step", {}).get(d, float("nan"))
            cells.append(f"{e['model_mae'][d]:.4g} / {e['persistence_mae'][d]:.4g} (x{ratio:.2f})")
        lines.append(f"| {d} MAE | " + " | ".join(cells) + " |")
    lines.append(
        "| slice accuracy | "
        + " | ".join(
            f"{100 * result['horizons'][h]['model_slice_accuracy']:.1f}% / {100 * result['horizons'][h]['persistence_slice_accuracy']:.1f}%"
            for h in hs
        )
        + " |"
    )
    lines.append("| rollouts | " + " | ".join(str(result["horizons"][h]["n"]) for h in hs) + " |")
    ok = open_loop_targets(result)
    if ok:
        h, factor = OPEN_LOOP_TARGET
        met = [d for d, v in ok.items() if v]
        missed = [d for d, v in ok.items() if not v]
        lines += ["", f"target ({h}-window error within {factor}x the one-step error): met on {', '.join(met) or 'none'}; missed on {', '.join(missed) or 'none'}"]
    return "\n".join(lines)
