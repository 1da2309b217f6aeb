"""Fidelity of the Experiment Model on held-out seeds, against two baselines from the same run.

Per dimension: MAE, MAE relative to the dimension's spread (its standard deviation),
R^2, and coverage of the 90 % predictive interval; slice accuracy; tool-result
accuracy. Baselines: persistence (next = current) and a per-tool average-change table
(the mean change each tool, or degradation event, caused in the training data,
whatever its arguments).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from sixg.surrogate.features import DIMENSIONS, SLICE_NAMES, TransitionSet, from_model_space
from sixg.surrogate.model import ExperimentModel


@dataclass
class ChangeTable:
    """Mean change per tool (actions by kind, degradation events by name), from training data."""

    delta: dict[str, np.ndarray]
    slice_next: dict[tuple[str, int], int]

    @classmethod
    def fit(cls, ts: TransitionSet) -> ChangeTable:
        delta = {}
        for tool in np.unique(ts.tool):
            m = ts.tool == tool
            delta[str(tool)] = (ts.target[m] - ts.current[m]).mean(0)
        counts: dict[tuple[str, int], Counter] = defaultdict(Counter)
        for tool, cur, nxt in zip(ts.tool, ts.slice_current, ts.slice_next):
            counts[(str(tool), int(cur))][int(nxt)] += 1
        return cls(delta=delta, slice_next={k: c.most_common(1)[0][0] for k, c in counts.items()})

    def predict(self, ts: TransitionSet) -> tuple[np.ndarray, np.ndarray]:
        zero = np.zeros(len(DIMENSIONS))
        d = np.stack([self.delta.get(str(t), self.delta.get("none", zero)) for t in ts.tool])
        pred = ts.current + d
        pred[:, DIMENSIONS.index("loss_rate")] = np.clip(pred[:, DIMENSIONS.index("loss_rate")], 0, 1)
        pred[:, DIMENSIONS.index("edge_load")] = np.clip(pred[:, DIMENSIONS.index("edge_load")], 0, 1)
        pred = np.maximum(pred, 0.0)
        slices = np.array([self.slice_next.get((str(t), int(c)), int(c)) for t, c in zip(ts.tool, ts.slice_current)])
        return pred, slices


def _metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    err = pred - target
    mae = float(np.abs(err).mean())
    spread = float(target.std())
    ss_res = float((err**2).sum())
    ss_tot = float(((target - target.mean()) ** 2).sum())
    return {"mae": mae, "mae_rel": mae / spread if spread > 0 else float("nan"), "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")}


def natural_quantiles(model_q: np.ndarray, offered: np.ndarray) -> np.ndarray:
    """(n, dims, q) model-space quantiles -> natural units (monotone maps keep quantiles)."""
    out = np.empty_like(model_q)
    for j, d in enumerate(DIMENSIONS):
        out[:, j, :] = from_model_space(d, model_q[:, j, :], offered[:, None])
    return out


def evaluate(model: ExperimentModel, held_out: TransitionSet, table: ChangeTable) -> dict:
    """All metrics for the model and both baselines on ``held_out``."""
    pred = model.predict(held_out.X)
    q = natural_quantiles(pred.quantiles, held_out.offered)
    median = q[..., q.shape[-1] // 2]
    tab_pred, tab_slice = table.predict(held_out)
    result: dict = {"n": int(len(held_out.X)), "seeds": sorted({int(s) for s in held_out.seed}), "dimensions": {}}
    for j, d in enumerate(DIMENSIONS):
        y = held_out.target[:, j]
        lo, hi = q[:, j, 0], q[:, j, -1]
        result["dimensions"][d] = {
            "model": {**_metrics(median[:, j], y), "coverage90": float(((y >= lo) & (y <= hi)).mean())},
            "persistence": _metrics(held_out.current[:, j], y),
            "tool_table": _metrics(tab_pred[:, j], y),
            "std": float(y.std()),
        }
    slice_pred = pred.slice_probs.argmax(1)
    result["slice_accuracy"] = {
        "model": float((slice_pred == held_out.slice_next).mean()),
        "persistence": float((held_out.slice_current == held_out.slice_next).mean()),
        "tool_table": float((tab_slice == held_out.slice_next).mean()),
    }
    acted = held_out.ok >= 0
    if acted.any():
        result["tool_result_accuracy"] = {
            "model": float(((pred.ok_prob[acted] > 0.5) == (held_out.ok[acted] == 1)).mean()),
            "always_ok": float((held_out.ok[acted] == 1).mean()),
            "n": int(acted.sum()),
        }
    result["ood_mean"] = float(pred.ood.mean())
    return result


def beats_baselines(result: dict) -> list[str]:
    """Names of the dimensions where the model does not beat both baselines (empty = all good)."""
    failing = []
    for d, m in result["dimensions"].items():
        if not (m["model"]["mae"] < m["persistence"]["mae"] and m["model"]["mae"] < m["tool_table"]["mae"]):
            failing.append(d)
    s = result["slice_accuracy"]
    if not (s["model"] > s["persistence"] and s["model"] > s["tool_table"]):
        failing.append("slice")
    return failing


def format_table(result: dict) -> str:
    lines = [
        f"held-out transitions: {result['n']} (seeds {result['seeds'][0]}-{result['seeds'][-1]})",
        "",
        "| dimension | model MAE | persistence MAE | per-tool table MAE | model MAE / spread | model R^2 | persistence R^2 | 90% interval coverage |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d, m in result["dimensions"].items():
        lines.append(
            f"| {d} | {m['model']['mae']:.4g} | {m['persistence']['mae']:.4g} | {m['tool_table']['mae']:.4g} | "
            f"{m['model']['mae_rel']:.3f} | {m['model']['r2']:.3f} | {m['persistence']['r2']:.3f} | {m['model']['coverage90'] * 100:.1f}% |"
        )
    s = result["slice_accuracy"]
    lines.append(f"| slice (accuracy) | {s['model'] * 100:.2f}% | {s['persistence'] * 100:.2f}% | {s['tool_table'] * 100:.2f}% | | | | |")
    if "tool_result_accuracy" in result:
        t = result["tool_result_accuracy"]
        lines += ["", f"tool result (action accepted) accuracy: model {t['model'] * 100:.1f}% vs always-accepted {t['always_ok'] * 100:.1f}% over {t['n']} actions"]
    return "\n".join(lines)


del SLICE_NAMES
