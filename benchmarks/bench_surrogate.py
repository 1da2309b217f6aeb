"""Speed of the Experiment Model against live ns-3, measured in the same run on the same windows.

    python benchmarks/bench_surrogate.py [--windows 40] [--seeds 51,52,53] [--repeats 3] [--no-ns3] [--json out.json]

For each scenario the same action script (a congestion surge, a slice switch, an edge
offload, a recovery) is run window by window on ns-3 and on the surrogate backend; the
wall time of each ``step`` is recorded. The whole comparison is repeated ``--repeats``
times (ns-3 and the surrogate alternate, so both see the same machine load) and each
repeat gives its own ratio of medians; the median of those ratios is the result. Then
the model alone predicts held-out transitions, one window at a time and in batches
(encoding excluded, sampling included), one thread.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
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


def predict_and_sample(model, xb: np.ndarray, rng: np.random.Generator) -> None:
    from sixg.backends.surrogate import sample_quantiles

    pred = model.predict(xb)
    sample_quantiles(pred.quantiles, rng.uniform(size=pred.quantiles.shape[:-1]))


def one_window_s(model, X: np.ndarray, n: int = 2000) -> float:
    """Median wall time of the model alone for one window (one row, sampling included)."""
    rng = np.random.default_rng(0)
    rows = X[rng.integers(0, len(X), size=n)]
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        predict_and_sample(model, rows[i : i + 1], rng)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def batched(model, X: np.ndarray, batch: int, repeats: int = 5) -> float:
    rng = np.random.default_rng(0)
    xb = X[rng.integers(0, len(X), size=batch)]
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict_and_sample(model, xb, rng)
        best = min(best, time.perf_counter() - t0)
    return batch / best


def summary(ns3_s: float, sur_s: float, model_s: float) -> str:
    if math.isnan(ns3_s):
        return f"surrogate backend {1000 * sur_s:.3f} ms; model alone {1000 * model_s:.3f} ms"
    return f"ns-3 {1000 * ns3_s:.1f} ms, surrogate backend {1000 * sur_s:.3f} ms -> {ns3_s / sur_s:.0f}x; model alone {1000 * model_s:.3f} ms -> {ns3_s / model_s:.0f}x"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--windows", type=int, default=40)
    p.add_argument("--seeds", default="51,52,53")
    p.add_argument("--repeats", type=int, default=3, help="whole comparisons, each giving its own ratio (default 3)")
    p.add_argument("--no-ns3", action="store_true", help="time the surrogate alone (to compare two versions of it)")
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    from sixg.surrogate.features import encode_corpus
    from sixg.traces.io import load_windows

    held = encode_corpus(load_windows("data/traces", split="benchmark", seeds=seeds))
    repeats = []
    with contextlib.nullcontext() if a.no_ns3 else make_backend("ns3") as ns3, make_backend("surrogate") as sur:
        for r in range(a.repeats):
            ns3_times, sur_times = [], []
            for seed in seeds:
                sc = generate(seed, split="benchmark")
                ns3_times += time_backend(ns3, sc, a.windows) if ns3 is not None else [float("nan")]
                sur_times += time_backend(sur, sc, a.windows)
                sur_times += time_backend(sur, sc, a.windows)  # once more, warm
            model_s = one_window_s(sur.model, held.X)
            ns3_med, sur_med = statistics.median(ns3_times), statistics.median(sur_times)
            load = os.getloadavg()[0]
            repeats.append({"ns3_step_s_median": ns3_med, "surrogate_step_s_median": sur_med, "model_window_s_median": model_s, "single_step_speedup": ns3_med / sur_med, "model_speedup": ns3_med / model_s, "load_average_1min": load})
            print(f"repeat {r + 1} (load {load:.1f}): {summary(ns3_med, sur_med, model_s)}", flush=True)
        model = sur.model
    rates = {b: batched(model, held.X, b) for b in (1, 64, 1024, 8192)}

    def med(key: str) -> float:
        return statistics.median(r[key] for r in repeats)

    out = {
        "repeats": repeats,
        "windows_per_repeat": {"ns3": len(seeds) * a.windows, "surrogate": 2 * len(seeds) * a.windows},
        "ns3_step_s_median": med("ns3_step_s_median"),
        "surrogate_step_s_median": med("surrogate_step_s_median"),
        "model_window_s_median": med("model_window_s_median"),
        "single_step_speedup_median": med("single_step_speedup"),
        "single_step_speedup_range": [min(r["single_step_speedup"] for r in repeats), max(r["single_step_speedup"] for r in repeats)],
        "model_speedup_median": med("model_speedup"),
        "batched_transitions_per_s": rates,
        "threads": torch.get_num_threads(),
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(), "python": platform.python_version()},
    }
    s = out["single_step_speedup_range"]
    print(f"one 0.5 s window, median of {a.repeats} repeats: {summary(out['ns3_step_s_median'], out['surrogate_step_s_median'], out['model_window_s_median'])}" + ("" if a.no_ns3 else f" (speedup over repeats {s[0]:.0f}x-{s[1]:.0f}x)"))
    for b, r in rates.items():
        print(f"model alone, batch {b:>5}: {r:,.0f} transitions/s on one thread")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
