"""A scripted co-simulation: a congestion surge hits the managed service, an operator recovers it.

    python examples/degradation_recovery.py [--seed 1] [--backend ns3] [--out runs/degradation_recovery]

Timeline (simulated seconds): 0-5 s normal operation; at 5 s a congestion surge floods
the service's cell; at 10 s the operator moves the service to the URLLC slice and shapes
(slows down) 80% of the eMBB background load; at 20 s the surge ends and at 22 s the
shaping is lifted. Writes the windows as CSV and a plot of the six state dimensions over time.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sixg.actions import CongestionSurge, DegradationOnset, DegradationRecovery, GracefulDegradation, SwitchSlice, describe  # noqa: E402
from sixg.backends import make_backend  # noqa: E402
from sixg.cli import run_command  # noqa: E402
from sixg.domain import DIMENSION_LABELS, NetworkState  # noqa: E402
from sixg.scenario import generate  # noqa: E402

DIMENSIONS = list(DIMENSION_LABELS.items())


def script(cell: str):
    """(time, actions) pairs: the degradation and the operator's recovery."""
    return [
        (5.0, [DegradationOnset(degradation=CongestionSurge(gnb=cell, rate_mbps=20.0))]),
        (10.0, [SwitchSlice(slice="URLLC"), GracefulDegradation(slice="eMBB", fraction=0.8, mode="shape")]),
        (20.0, [DegradationRecovery(degradation_kind="congestion")]),
        (22.0, [GracefulDegradation(slice="eMBB", fraction=0.0, mode="shape")]),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1, help="training topology seed (1-50)")
    p.add_argument("--backend", default="ns3", help="backend id (default ns3)")
    p.add_argument("--duration", type=float, default=30.0, help="simulated seconds")
    p.add_argument("--out", type=Path, default=Path("runs/degradation_recovery"))
    a = p.parse_args(argv)
    return run_command(lambda: _run(a))


def _run(a) -> int:
    scenario = generate(a.seed, split="train")
    print(scenario.summary())
    rows, marks = [], []
    with make_backend(a.backend) as backend:
        first = backend.reset(scenario, seed=1)
        cell = first.ue(scenario.service.ue).gnb
        plan = script(cell)
        rows.append(first)
        while backend.now < a.duration - 1e-9:
            actions = []
            while plan and plan[0][0] <= backend.now + 1e-9:
                _, due = plan.pop(0)
                actions += due
                marks.append((backend.now, " + ".join(describe(x) for x in due)))
            out = backend.step(actions)
            rows.append(out.snapshot)
            for r in out.results:
                if not r.ok:
                    print(f"t={backend.now:.1f}s {r.action} refused: {r.reason}")
    a.out.mkdir(parents=True, exist_ok=True)
    with open(a.out / "windows.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t", "slice", *NetworkState.NUMERIC, "degradations"])
        for s in rows:
            w.writerow([s.t, s.state.slice.value, *(round(v, 5) for v in s.state.numeric()), "+".join(s.degradations)])

    fig, axes = plt.subplots(2, 3, figsize=(14, 7), sharex=True)
    t = [s.t for s in rows]
    slice_code = {"eMBB": 0, "URLLC": 1, "mMTC": 2}
    axes[0][0].step(t, [slice_code[s.state.slice.value] for s in rows], where="post")
    axes[0][0].set_yticks([0, 1, 2], ["eMBB", "URLLC", "mMTC"])
    axes[0][0].set_title("active slice")
    for ax, (key, label) in zip(axes.flat[1:], DIMENSIONS):
        ax.plot(t, [getattr(s.state, key) for s in rows], marker=".", lw=1)
        ax.set_title(label)
    for ax in axes.flat:
        degraded = [s.t for s in rows if s.degradations]
        if degraded:
            ax.axvspan(min(degraded) - rows[0].window_s, max(degraded), color="tab:red", alpha=0.08, label="congestion surge")
        for when, _ in marks:
            ax.axvline(when, color="grey", ls=":", lw=1)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("simulated time (s)")
    fig.suptitle(f"{scenario.summary()}\n{rows[-1].ran} - backend {a.backend}", fontsize=9)
    fig.tight_layout()
    fig.savefig(a.out / "six_dimensions.png", dpi=110)
    for when, what in marks:
        print(f"t={when:5.1f}s  {what}")
    before = [s for s in rows if 2 <= s.t <= 5]
    during = [s for s in rows if 7 <= s.t <= 10]
    after = [s for s in rows if 13 <= s.t <= 20]
    for name, part in (("normal", before), ("degraded", during), ("recovered", after)):
        lat = sum(s.state.latency_ms for s in part) / len(part)
        thr = sum(s.state.throughput_mbps for s in part) / len(part)
        print(f"{name:>9}: latency {lat:7.1f} ms, throughput {thr:5.2f} Mbit/s")
    print(f"wrote {a.out / 'windows.csv'} and {a.out / 'six_dimensions.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
