"""Environment steps per second of vector environments on the surrogate, N = 1, 8, 64, in one run.

    python benchmarks/bench_vector_env.py [--sizes 1,8,64] [--repeats 5] [--steps 1280] [--json out.json]

Two vectorisers are timed on the same episodes and calls: sixg's own (``make_vec``'s
default: the N episodes' surrogate windows predicted in one forward pass per round) and
Gymnasium's sync vectoriser (N environments stepped in turn, one forward pass per
window). Each repeat resets with seed 0 and steps ``--steps / N`` vector steps of seeded
random calls (``action_space.sample()``: every tool, arguments drawn from its schema;
finished episodes restart on the next step); only the steps are timed. The figure is the
median over repeats, after one untimed warm-up repeat; ratios are against N = 1 of the
same vectoriser in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import gymnasium  # noqa: E402

import sixg  # noqa: E402,F401 -- registers the environment

OPTIONS = {"scenario_seed": 3, "schedule": "random", "max_steps": 30}


def steps_per_second(mode: str, n: int, steps: int, repeats: int) -> tuple[float, list[float], float]:
    """Median env steps/s over ``repeats`` (after a warm-up), every repeat's figure, and the mean batch."""
    kwargs = {} if mode == "batched" else {"vectorization_mode": mode}
    envs = gymnasium.make_vec("sixg/NetOps-v0", num_envs=n, options=OPTIONS, **kwargs)
    envs.action_space.seed(1)
    vector_steps = max(1, steps // n)
    actions = [envs.action_space.sample() for _ in range(vector_steps)]
    figures = []
    for r in range(repeats + 1):
        envs.reset(seed=0)
        t0 = time.perf_counter()
        for action in actions:
            envs.step(action)
        elapsed = time.perf_counter() - t0
        if r > 0:
            figures.append(vector_steps * n / elapsed)
    batch = envs.unwrapped.batch if mode == "batched" else None
    mean_batch = batch.windows / batch.forward_passes if batch is not None else 1.0
    envs.close()
    return statistics.median(figures), figures, mean_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,8,64", help="numbers of environments, comma-separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure (median reported)")
    parser.add_argument("--steps", type=int, default=1280, help="environment steps per repeat")
    parser.add_argument("--modes", default="batched,sync", help="vectorisers: batched (sixg's), sync, async")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    load_before = os.getloadavg()
    rows = []
    for mode in modes:
        base = None
        for n in sizes:
            median, figures, mean_batch = steps_per_second(mode, n, args.steps, args.repeats)
            base = base or median
            rows.append({"mode": mode, "n": n, "steps_per_s": median, "repeats": figures, "vs_n1": median / base, "mean_batch": mean_batch})
            print(f"{mode:8s} N={n:3d}: {median:8.0f} env steps/s ({median / base:.2f}x N=1), mean batch {mean_batch:.1f}", flush=True)
    load_after = os.getloadavg()
    print(f"\nload average before {load_before[0]:.1f}, after {load_after[0]:.1f}; {os.cpu_count()} CPU(s); {platform.python_implementation()} {platform.python_version()}")
    print("\n| vectoriser | N | env steps/s (median) | vs N=1 | mean windows per forward pass |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['mode']} | {r['n']} | {r['steps_per_s']:.0f} | {r['vs_n1']:.2f}x | {r['mean_batch']:.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "load_before": load_before, "load_after": load_after, "options": OPTIONS, "steps": args.steps, "repeats": args.repeats}, f, indent=2)


if __name__ == "__main__":
    main()
