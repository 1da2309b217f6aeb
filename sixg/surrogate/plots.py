"""Predicted-vs-ns-3 figures for the Experiment Model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sixg.domain import DIMENSION_LABELS as LABELS
from sixg.plotting import pyplot, save
from sixg.surrogate.evaluate import natural_quantiles
from sixg.surrogate.features import DIMENSIONS, TransitionSet
from sixg.surrogate.model import ExperimentModel

def predicted_vs_ns3(model: ExperimentModel, held: TransitionSet, out: Path, *, episode: tuple[int, int] | None = None) -> Path:
    """Top row: one held-out episode, ns-3 against the one-step prediction and its 90 % band.
    Bottom row: predicted median against ns-3 over every held-out transition."""
    plt = pyplot()

    pred = model.predict(held.X)
    q = natural_quantiles(pred.quantiles, held.offered)
    if episode is None:
        # The held-out episode with the most going on (actions and degradation events).
        keys = list(zip(held.seed.tolist(), held.episode.tolist()))
        busy = {}
        for k, tool in zip(keys, held.tool):
            busy[k] = busy.get(k, 0) + (tool != "none")
        episode = max(busy, key=busy.get)
    m = (held.seed == episode[0]) & (held.episode == episode[1])
    fig, axes = plt.subplots(2, len(DIMENSIONS), figsize=(4 * len(DIMENSIONS), 7.5))
    t = held.t[m]
    for j, d in enumerate(DIMENSIONS):
        ax = axes[0][j]
        ax.fill_between(t, q[m, j, 0], q[m, j, -1], color="tab:orange", alpha=0.25, lw=0, label="surrogate 90% interval")
        ax.plot(t, q[m, j, 2], color="tab:orange", lw=1.2, label="surrogate median")
        ax.plot(t, held.target[m, j], color="k", lw=1.0, label="ns-3")
        for tt, tool in zip(t, held.tool[m]):
            if tool != "none":
                ax.axvline(tt, color="grey", lw=0.5, ls=":")
        ax.set_title(LABELS[d], fontsize=10)
        ax.set_xlabel("simulated time (s)")
        ax2 = axes[1][j]
        y, p = held.target[:, j], q[:, j, 2]
        ax2.scatter(y, p, s=3, alpha=0.25)
        lo, hi = float(min(y.min(), p.min())), float(np.percentile(np.concatenate([y, p]), 99.5))
        ax2.plot([lo, hi], [lo, hi], color="k", lw=0.8)
        ax2.set_xlim(lo, hi)
        ax2.set_ylim(lo, hi)
        ax2.set_xlabel(f"ns-3 {LABELS[d]}")
        ax2.set_ylabel("surrogate median")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Experiment Model vs ns-3 on held-out seeds (episode shown: seed {episode[0]}, episode {episode[1]}; dotted: actions and degradation events)", fontsize=10)
    return save(fig, out)


def open_loop_errors(result: dict, out: Path, *, effects: dict | None = None) -> Path:
    """Model and persistence MAE against the rollout horizon, one panel per dimension (from
    :func:`sixg.surrogate.rollout.open_loop`); with ``effects``, a last panel of the surrogate
    against ns-3 mean change per event or action (latency)."""
    plt = pyplot()

    hs = [int(h) for h in result["horizons"]]
    panels = len(DIMENSIONS) + (1 if effects else 0)
    fig, axes = plt.subplots(1, panels, figsize=(3.2 * panels, 3.2))
    for ax, d in zip(axes, DIMENSIONS):
        ax.plot(hs, [result["horizons"][str(h)]["model_mae"][d] for h in hs], marker="o", label="model, open loop")
        ax.plot(hs, [result["horizons"][str(h)]["persistence_mae"][d] for h in hs], marker="s", ls="--", label="persistence")
        one = result["horizons"].get("1", {}).get("model_mae", {}).get(d)
        if one is not None:
            ax.axhline(1.5 * one, color="grey", lw=0.8, ls=":", label="1.5 x one-step")
        ax.set_xscale("log")
        ax.set_xticks(hs, [str(h) for h in hs])
        ax.set_title(LABELS[d], fontsize=9)
        ax.set_xlabel("windows ahead")
    axes[0].set_ylabel("MAE")
    axes[0].legend(fontsize=7)
    if effects:
        ax = axes[-1]
        d = "latency_ms"
        xs = [e["dimensions"][d]["ns3"] for e in effects.values()]
        ys = [e["dimensions"][d]["surrogate"] for e in effects.values()]
        ax.scatter(xs, ys)
        for name, x, y in zip(effects, xs, ys):
            ax.annotate(name.replace("_", " "), (x, y), fontsize=6)
        lim = max([abs(v) for v in xs + ys] + [1.0]) * 1.1
        ax.plot([-lim, lim], [-lim, lim], color="grey", lw=0.8, ls=":")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("ns-3 mean change (ms)")
        ax.set_ylabel("surrogate mean change (ms)")
        ax.set_title("latency effect of each event / action", fontsize=9)
    return save(fig, out, dpi=100)
