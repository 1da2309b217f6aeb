"""Cost of the ns-3 backend: wall seconds per simulated second, lock-step overhead, start-up.

    python benchmarks/bench_ns3_backend.py [--sim-seconds 10] [--seed 4] [--json out.json]

Measures, on this machine, in one run:
  * wall s per simulated s at 5, 10 and 20 UEs (lock-step, 0.5 s windows, via a worker);
  * the lock-step overhead: the same scenario advanced in 0.5 s windows (Stop/Run + KPI
    sampling each window) against one uninterrupted Run() over the same span, both
    in-process; and the worker (IPC + validation) against in-process stepping;
  * worker start-up (spawn + loading ns-3 and sixg's module) and the first reset.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from ns3_bridge import Ns3Worker
from sixg.scenario import generate


def per_sim_second(seed: int, ues: int, sim_seconds: float, window: float) -> float:
    scenario = generate(seed, split="train", ue_count=ues)
    with Ns3Worker(window_s=window) as w:
        w.reset(scenario, run=1)
        t0 = time.perf_counter()
        for _ in range(int(round(sim_seconds / window))):
            w.step()
        return (time.perf_counter() - t0) / sim_seconds


def lockstep_overhead(seed: int, sim_seconds: float, window: float) -> dict:
    """In-process: windows vs one Run(); and the worker round trip vs in-process windows."""
    from ns3_bridge.network import Ns3Network

    scenario = generate(seed, split="train")
    out = {}
    for label, step in (("uninterrupted", sim_seconds), ("lockstep", window)):
        times = []
        for rep in range(2):
            net = Ns3Network(scenario, run=1, window_s=window)
            net.build()
            net.warm_up(1.5)
            t0 = time.perf_counter()
            t = 0.0
            while t < sim_seconds - 1e-9:
                t = round(t + step, 9)
                net.advance(t)
            times.append(time.perf_counter() - t0)
            net.destroy()
        out[label] = min(times)
    with Ns3Worker(window_s=window) as w:
        w.reset(scenario, run=1)
        t0 = time.perf_counter()
        for _ in range(int(round(sim_seconds / window))):
            w.step()
        out["worker"] = time.perf_counter() - t0
    return out


def startup(seed: int) -> dict:
    scenario = generate(seed, split="train")
    w = Ns3Worker()
    t0 = time.perf_counter()
    w.start()
    started = time.perf_counter() - t0
    t1 = time.perf_counter()
    w.reset(scenario, run=1)
    first_reset = time.perf_counter() - t1
    t2 = time.perf_counter()
    w.reset(scenario, run=2)
    second_reset = time.perf_counter() - t2
    w.close()
    return {"start_s": started, "first_reset_s": first_reset, "reuse_reset_s": second_reset}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim-seconds", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--window", type=float, default=0.5)
    p.add_argument("--json", help="also write the figures to this file")
    a = p.parse_args()
    results = {"machine": f"{platform.node()} {platform.machine()} ({platform.processor() or 'cpu'}), python {platform.python_version()}"}
    results["startup"] = startup(a.seed)
    print(f"worker start-up {results['startup']['start_s']:.2f} s, first reset {results['startup']['first_reset_s']:.2f} s, reset of a reused worker {results['startup']['reuse_reset_s']:.2f} s")
    results["wall_per_sim_s"] = {}
    for ues in (5, 10, 20):
        v = per_sim_second(a.seed, ues, a.sim_seconds, a.window)
        results["wall_per_sim_s"][ues] = v
        print(f"{ues:>2} UEs: {v:.3f} wall s per simulated s")
    o = lockstep_overhead(a.seed, a.sim_seconds, a.window)
    results["lockstep"] = o
    print(
        f"{a.sim_seconds:.0f} simulated s: one Run() {o['uninterrupted']:.2f} s, {a.window} s windows in-process {o['lockstep']:.2f} s "
        f"(x{o['lockstep'] / o['uninterrupted']:.3f}), through the worker {o['worker']:.2f} s (x{o['worker'] / o['uninterrupted']:.3f})"
    )
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
