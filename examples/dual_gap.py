"""The surrogate and live ns-3 side by side: the same degradation and remedy on both, the gap per window.

    python examples/dual_gap.py [--seed 1] [--duration 6] [--out runs/dual_gap]

The dual backend applies every action at the same simulated time to the surrogate and
to ns-3 and returns both windows and their difference with each step (``StepOutput.dual``). A congestion surge floods the
service's cell at 2 s; at 4 s the operator moves the service to the URLLC slice.
Writes the per-window table as CSV and a plot of both backends and the gap. The
notebook ``examples/dual_gap.ipynb`` runs the same experiment cell by cell.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sixg.cli import positive_float, positive_int, run_command
from sixg.domain import DIMENSION_LABELS

SURGE_AT, REMEDY_AT = 2.0, 4.0
DIMENSIONS = list(DIMENSION_LABELS.items())


def script(cell: str, *, surge_at: float = SURGE_AT, remedy_at: float = REMEDY_AT):
    """(time, actions): the surge on ``cell`` and the operator's slice switch."""
    from sixg.actions import CongestionSurge, DegradationOnset, SwitchSlice

    return [(surge_at, [DegradationOnset(degradation=CongestionSurge(gnb=cell, rate_mbps=20.0))]), (remedy_at, [SwitchSlice(slice="URLLC")])]


def run(*, seed: int = 1, duration: float = 6.0) -> pd.DataFrame:
    """Run the experiment on the dual backend; one row per window and dimension: surrogate, ns-3, gap."""
    from sixg.backends import make_backend
    from sixg.scenario import generate

    scenario = generate(seed, split="train")
    with make_backend("dual") as backend:
        first = backend.reset(scenario, seed=seed)
        plan = script(first.ue(scenario.service.ue).gnb)
        windows = [backend.last_gap]  # episode time 0
        while backend.now < duration - 1e-9:
            actions = []
            while plan and plan[0][0] <= backend.now + 1e-9:
                actions += plan.pop(0)[1]
            windows.append(backend.step(actions).dual)
    rows = [
        {"t": w.t, "dimension": key, "surrogate": getattr(w.surrogate, key), "ns3": getattr(w.ns3, key), "gap": w.gap[key]}
        for w in windows
        for key, _ in DIMENSIONS
    ]
    return pd.DataFrame(rows)


def plot(frame: pd.DataFrame, path: Path | None = None):
    """Both backends per dimension (top) and their gap (bottom); saved to ``path`` if given."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(DIMENSIONS), figsize=(3.2 * len(DIMENSIONS), 5.5), sharex=True)
    for col, (key, label) in enumerate(DIMENSIONS):
        part = frame[frame["dimension"] == key]
        axes[0][col].plot(part["t"], part["surrogate"], marker=".", label="surrogate")
        axes[0][col].plot(part["t"], part["ns3"], marker=".", label="ns-3")
        axes[0][col].set_title(label, fontsize=9)
        axes[1][col].bar(part["t"], part["gap"], width=0.4, color="tab:grey")
        axes[1][col].axhline(0, color="black", lw=0.5)
        axes[1][col].set_xlabel("simulated time (s)")
        for ax in axes[:, col]:
            for when, what in ((SURGE_AT, "surge"), (REMEDY_AT, "URLLC")):
                ax.axvline(when, color="tab:red" if what == "surge" else "tab:green", ls=":", lw=1)
    axes[0][0].legend(fontsize=8)
    axes[1][0].set_ylabel("gap (surrogate - ns-3)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=positive_int, default=1, help="training topology seed (1-50)")
    p.add_argument("--duration", type=positive_float, default=6.0, help="simulated seconds (default 6)")
    p.add_argument("--out", type=Path, default=Path("runs/dual_gap"))
    a = p.parse_args(argv)

    def work() -> int:
        frame = run(seed=a.seed, duration=a.duration)
        a.out.mkdir(parents=True, exist_ok=True)
        frame.to_csv(a.out / "windows.csv", index=False)
        plot(frame, a.out / "gap.png")
        mean_abs = frame.assign(gap=frame["gap"].abs()).groupby("dimension")["gap"].mean()
        print("mean |surrogate - ns-3| per window:")
        for key, label in DIMENSIONS:
            print(f"  {label:>20}: {mean_abs[key]:.4g}")
        print(f"wrote {a.out / 'windows.csv'} and {a.out / 'gap.png'}")
        return 0

    return run_command(work)


if __name__ == "__main__":
    sys.exit(main())
