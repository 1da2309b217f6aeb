"""Speed of the Experiment Model against live ns-3, measured in the same run on the same windows.

    python benchmarks/bench_surrogate.py [--windows 40] [--seeds 51,52,53] [--json out.json]

For each scenario the same action script (a congestion surge, a slice switch, an edge
offload, a recovery) is run window by window on ns-3 and on the surrogate backend; the
wall time of each ``step`` is recorded. Then the model alone predicts held-out
transitions in batches (encoding excluded, sampling included), one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from sixg.actions import CongestionSurge, DegradationOnset, DegradationRecovery, EdgeOffload, SwitchSlice  # noqa: E402
from sixg.backends import make_backend  # noqa: E402
from sixg.scenario import generate  # noqa: E402


def script(cell: str, k: int):
    if k == 4:
        return [DegradationOnset(degradation=CongestionSurge(gnb=cell, rate_mbps=20.0))]
    if k == 10:
        return [SwitchSlice(slice="URLLC")]
    if k == 16:
        return [EdgeOffload(host="edge")]
    if k == 24:
        return [DegradationRecovery(degradation_kind="congestion")]
    return []


def time_backend(backend, scenario, windows: int) -> list[float]:
    first = backend.reset(scenario, seed=1)
    cell = first.ue(scenario.service.ue).gnb
    times = []
    for k in range(windows):
        acts = script(cell, k)
        t0 = time.perf_counter()
        backend.step(acts)
        times.append(time.perf_counter() - t0)
    return times


def batched(model, X: np.ndarray, batch: int, repeats: int = 5) -> float:
    from sixg.backends.surrogate import sample_quantiles

    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(X), size=batch)
    xb = X[idx]
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        pred = model.predict(xb)
        sample_quantiles(pred.quantiles, rng.uniform(size=pred.quantiles.shape[:-1]))
        best = min(best, time.perf_counter() - t0)
    return batch / best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--windows", type=int, default=40)
    p.add_argument("--seeds", default="51,52,53")
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    ns3_times, sur_times = [], []
    with make_backend("ns3") as ns3, make_backend("surrogate") as sur:
        for seed in seeds:
            sc = generate(seed, split="benchmark")
            ns3_times += time_backend(ns3, sc, a.windows)
            sur_times += time_backend(sur, sc, a.windows)
            sur_times += time_backend(sur, sc, a.windows)  # once more, warm
        model = sur.model
    from sixg.surrogate.features import encode_corpus
    from sixg.traces.io import load_windows

    held = encode_corpus(load_windows("data/traces", split="benchmark", seeds=seeds))
    rates = {b: batched(model, held.X, b) for b in (1, 64, 1024, 8192)}
    ns3_med = statistics.median(ns3_times)
    sur_med = statistics.median(sur_times)
    out = {
        "windows": len(ns3_times),
        "ns3_step_s_median": ns3_med,
        "surrogate_step_s_median": sur_med,
        "single_step_speedup": ns3_med / sur_med,
        "batched_transitions_per_s": rates,
        "threads": torch.get_num_threads(),
    }
    print(f"one 0.5 s window: ns-3 {1000 * ns3_med:.1f} ms, surrogate backend {1000 * sur_med:.3f} ms -> {ns3_med / sur_med:.0f}x (median of {len(ns3_times)} windows)")
    for b, r in rates.items():
        print(f"model alone, batch {b:>5}: {r:,.0f} transitions/s on one thread")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
