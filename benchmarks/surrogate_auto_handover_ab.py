"""After a handover of the service's UE to a weak cell: its cell and latency window by window, on live ns-3
and on the surrogate without and with the radio-link-failure rule (``auto_handover``), in matched A/B arms.

    python benchmarks/surrogate_auto_handover_ab.py [--seeds 54,70,72,77,68] [--windows 14] [--backends ns3,surrogate,surrogate+rule] [--checkpoint CKPT] [--out FILE]

Per scenario seed (backend seed 1, as :mod:`sixg.surrogate.effects`) every backend runs two arms from
the same start: quiet, and a handover of the service's UE at 1.0 s to the cell whose control SINR at
its position is lowest. Prints, per backend, the service's cell per window in the handover arm ("B": the
strongest cell, "w": another) and the latency per window with the handover minus quiet, averaged over the
seeds whose target is below Qout; writes every window to ``--out`` (JSON). One backend at a time; ns-3
runs in its worker process.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from sixg.actions import Handover
from sixg.backends import make_backend
from sixg.backends.surrogate import RLF_QOUT_DB
from sixg.domain import Position
from sixg.radio import cell_signals
from sixg.scenario import generate, parse_seeds, split_of

HANDOVER_AT = 1.0
BACKENDS = {
    "ns3": lambda checkpoint: make_backend("ns3"),
    "surrogate": lambda checkpoint: make_backend("surrogate", checkpoint=checkpoint),
    "surrogate+rule": lambda checkpoint: make_backend("surrogate", checkpoint=checkpoint, auto_handover=True),
}


def _cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(backend, sc, seed: int, target: str | None, windows: int) -> list[dict]:
    """One arm: each window's service cell, latency, loss and throughput (and the handover's result)."""
    snap = backend.reset(sc, seed=seed)
    ue = sc.service.ue
    out = []
    for _ in range(windows):
        now = backend.now
        due = [Handover(ue=ue, target_gnb=target)] if target is not None and now - 1e-9 <= HANDOVER_AT < now + backend.window_s - 1e-9 else []
        step = backend.step(due)
        snap = step.snapshot
        s = snap.state
        row = {"t": snap.t, "gnb": snap.ue(ue).gnb, "latency_ms": s.latency_ms, "loss_rate": s.loss_rate, "throughput_mbps": s.throughput_mbps}
        if due:
            row["handover_ok"] = step.results[0].ok
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="54,70,72,77,68")
    parser.add_argument("--windows", type=int, default=14)
    parser.add_argument("--backend-seed", type=int, default=1)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--checkpoint", type=Path, default=None, help="the surrogate's checkpoint (default: the shipped one)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    situations = {}
    for s in seeds:
        sc = generate(s, split=split_of(s))
        ue = next(u for u in sc.ues if u.id == sc.service.ue)
        cells = cell_signals(sc, ue.position)
        situations[s] = (sc, cells[0].gnb, cells[-1].gnb, cells[-1].loaded_sinr_db)
    result: dict = {"seeds": seeds, "backend_seed": args.backend_seed, "handover_at": HANDOVER_AT, "situations": {s: {"best": b, "target": t, "target_control_sinr_db": x} for s, (_, b, t, x) in situations.items()}, "runs": {}, "cost": {}}
    for name in args.backends.split(","):
        t0, c0 = time.perf_counter(), _cpu_s()
        backend = BACKENDS[name](args.checkpoint)
        try:
            for s, (sc, best, target, _) in situations.items():
                result["runs"].setdefault(name, {})[s] = {"quiet": run(backend, sc, args.backend_seed, None, args.windows), "handover": run(backend, sc, args.backend_seed, target, args.windows)}
        finally:
            backend.close()
        result["cost"][name] = {"wall_s": time.perf_counter() - t0, "cpu_s": _cpu_s() - c0, "arms": 2 * len(situations)}
    first = int(round(HANDOVER_AT / 0.5))
    weak = [s for s, v in situations.items() if v[3] < RLF_QOUT_DB]
    print(f"handover at {HANDOVER_AT} s (window {first}, windows of 0.5 s); weak targets (control SINR < {RLF_QOUT_DB} dB): {weak}")
    for name, runs in result["runs"].items():
        print(f"\n{name}  ({result['cost'][name]['wall_s']:.1f} s wall, {result['cost'][name]['cpu_s']:.1f} s CPU)")
        for s, arms in runs.items():
            best = situations[s][1]
            cells = "".join("B" if r["gnb"] == best else ("-" if r["gnb"] is None else "w") for r in arms["handover"])
            lat = " ".join(f"{r['latency_ms']:.0f}" for r in arms["handover"][first:])
            print(f"  seed {s} -> {situations[s][2]} ({situations[s][3]:.1f} dB): cells {cells}  latency from the handover window: {lat}")
        if weak:
            diff = np.array([[h["latency_ms"] - q["latency_ms"] for h, q in zip(runs[s]["handover"], runs[s]["quiet"])] for s in weak])
            print("  latency, handover minus quiet, mean over the weak seeds, per window from the handover window: " + " ".join(f"{d:+.0f}" for d in diff.mean(axis=0)[first:]))
            result.setdefault("mean_latency_effect", {})[name] = diff.mean(axis=0).tolist()
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
