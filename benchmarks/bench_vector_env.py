"""Environment steps per second of vector environments on the surrogate, N = 1, 8, 64, in one run.

    python benchmarks/bench_vector_env.py [--sizes 1,8,64] [--repeats 5] [--steps 1280] [--policy sampled|state]
                                          [--json out.json]

Two vectorisers are timed on the same episodes and calls: sixg's own (``make_vec``'s
default: the N episodes' surrogate windows predicted in one forward pass per round) and
Gymnasium's sync vectoriser (N environments stepped in turn, one forward pass per
window). Each repeat resets with seed 0 and steps ``--steps / N`` vector steps of seeded
random calls (``action_space.sample()``: every tool, arguments drawn from its schema;
finished episodes restart on the next step; ``--policy state``: every call reads the network
state, so each step is one window and little else); only the steps are timed. The figure is the
median over repeats (interleaved across configurations, after one untimed warm-up round);
ratios are against N = 1 of the same vectoriser in the same run. Last, one forward pass
of the model alone is timed for 1, 2, 8 and 64 rows.
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
import numpy as np  # noqa: E402

import sixg  # noqa: E402,F401 -- registers the environment

OPTIONS = {"scenario_seed": 3, "schedule": "random", "max_steps": 30}


def make(mode: str, n: int):
    kwargs = {} if mode == "batched" else {"vectorization_mode": mode}
    envs = gymnasium.make_vec("sixg/NetOps-v0", num_envs=n, options=OPTIONS, **kwargs)
    envs.action_space.seed(1)
    return envs


def time_once(envs, actions) -> float:
    """Env steps per second of one repeat: reset with seed 0 (untimed), then the vector steps."""
    envs.reset(seed=0)
    t0 = time.perf_counter()
    for action in actions:
        envs.step(action)
    return len(actions) * envs.num_envs / (time.perf_counter() - t0)


def forward_pass_us(model, rows: int, repeats: int = 200) -> float:
    """Median microseconds of one Experiment Model forward pass over ``rows`` input rows."""
    rng = np.random.default_rng(0)
    X = (model._x_mean + rng.normal(size=(rows, len(model.features.names))) * model._x_std).astype(np.float32)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.predict(X)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,8,64", help="numbers of environments, comma-separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure (median reported)")
    parser.add_argument("--steps", type=int, default=1280, help="environment steps per repeat")
    parser.add_argument("--modes", default="batched,sync", help="vectorisers: batched (sixg's), sync, async")
    parser.add_argument(
        "--policy",
        choices=["sampled", "state"],
        default="sampled",
        help="sampled: action_space.sample(); state: every call is check_network_state (one window per step)",
    )
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    load_before = os.getloadavg()
    configs = [(mode, n) for mode in modes for n in sizes]
    envs = {c: make(*c) for c in configs}
    state = {"name": ("check_network_state",), "arguments": ("{}",)}

    def draw(c):
        if args.policy == "state":
            return {k: v * c[1] for k, v in state.items()}
        return envs[c].action_space.sample()

    actions = {c: [draw(c) for _ in range(max(1, args.steps // c[1]))] for c in configs}
    figures: dict[tuple[str, int], list[float]] = {c: [] for c in configs}
    # Repeats interleave the configurations, so a change in the machine's load hits all alike.
    for r in range(args.repeats + 1):
        for c in configs:
            value = time_once(envs[c], actions[c])
            if r > 0:
                figures[c].append(value)
    rows = []
    for mode in modes:
        base = statistics.median(figures[mode, sizes[0]])
        for n in sizes:
            batch = envs[mode, n].unwrapped.batch if mode == "batched" else None
            median = statistics.median(figures[mode, n])
            rows.append(
                {
                    "mode": mode,
                    "n": n,
                    "steps_per_s": median,
                    "repeats": figures[mode, n],
                    "vs_n1": median / base,
                    "mean_batch": batch.windows / batch.forward_passes if batch is not None else 1.0,
                }
            )
    for e in envs.values():
        e.close()
    from sixg.surrogate.model import default_checkpoint, load

    model = load(default_checkpoint())
    passes = {k: forward_pass_us(model, k) for k in (1, 2, 8, 64)}
    load_after = os.getloadavg()
    machine = f"{os.cpu_count()} CPU(s); {platform.python_implementation()} {platform.python_version()}"
    print(f"\nload average before {load_before[0]:.1f}, after {load_after[0]:.1f}; {machine}")
    print("\n| vectoriser | N | env steps/s (median) | repeats (min-max) | vs N=1 | windows per forward pass |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        spread = f"{min(r['repeats']):.0f}-{max(r['repeats']):.0f}"
        print(
            f"| {r['mode']} | {r['n']} | {r['steps_per_s']:.0f} | {spread} | {r['vs_n1']:.2f}x | {r['mean_batch']:.1f} |"
        )
    print("\nOne forward pass of the Experiment Model (median of 200, µs): " + ", ".join(
        f"{k} row(s) {v:.0f} ({v / k:.1f} per row)" for k, v in passes.items()))
    if args.json:
        with open(args.json, "w") as f:
            record = {"rows": rows, "load_before": load_before, "load_after": load_after, "forward_pass_us": passes}
            json.dump({**record, "options": OPTIONS, "policy": args.policy, "steps": args.steps, "repeats": args.repeats}, f, indent=2)


if __name__ == "__main__":
    main()
