"""The Ray execution layer against the local worker pool, with the same number of CPUs.

    python benchmarks/ray_overhead.py [--cpus 2] [--seeds 4-5] [--episodes 2] [--duration 5]
                                      [--per-tier 1] [--bench-tasks 120] [--json out.json]

Runs, in one process, each workload first on the local pool (``--cpus`` workers) and then
on a local Ray runtime started with ``--cpus`` CPUs (loopback only):

  * trace generation: ns-3 exploring episodes (Ray: one ns-3 actor per CPU);
  * a short validation: the reference and MAPE-K agents on ``--per-tier`` tasks per tier,
    dual surrogate/ns-3 episodes judged on both (Ray: actors);
  * a surrogate benchmark run: MAPE-K on ``--bench-tasks`` tasks (Ray: tasks), twice: the
    first pays each Ray worker process's imports and model load, the second finds them done.

For each it reports wall time, episodes per second, worker-seconds per episode (CPUs x
wall / episodes), the Ray/local wall ratio, and the time the calling process spent on
results (writing files), which no cluster spreads; and it checks that both runs wrote the
same records. The Ray runtime's start-up is measured on its own.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def trace_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): gzip.decompress(p.read_bytes()) for p in sorted(out.rglob("*.csv.gz"))}


def records(out: Path) -> dict:
    found = {}
    for path in sorted(out.rglob("results.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            r.pop("wall_s")
            found[(str(path.parent.relative_to(out)), r["task_id"], r["trial"])] = json.dumps(r, sort_keys=True)
    return found


def traces(out: Path, args, cluster) -> dict:
    from sixg.scenario import parse_seeds
    from sixg.traces.generate import generate

    t0 = time.perf_counter()
    report = generate(parse_seeds(args.seeds), episodes=args.episodes, duration_s=args.duration, out=out, workers=args.cpus, cluster=cluster)
    wall = time.perf_counter() - t0
    assert not report.failures, report.failures
    return {"wall_s": wall, "episodes": report.episodes_run, "handling_s": report.stats.handling_seconds, "per_node": dict(report.stats.per_node)}


def validation(out: Path, args, ray_flag: bool) -> dict:
    from sixg.validate.__main__ import main

    argv = ["--backend", "ns3", "--agents", "reference,mapek", "--per-tier", str(args.per_tier), "--workers", str(args.cpus), "--out", str(out)]
    t0 = time.perf_counter()
    rc = main(argv + (["--ray"] if ray_flag else []))
    wall = time.perf_counter() - t0
    assert rc == 0, rc
    return {"wall_s": wall, "episodes": len(records(out))}


def bench(out: Path, args, cluster) -> dict:
    from sixg.agents import make_agent
    from sixg.bench.build import load_benchmark
    from sixg.bench.run import run
    from sixg.sim.env import NetOpsEnv

    tasks = load_benchmark().tasks[: args.bench_tasks]
    meta = {"agent": "mapek", "backend": "surrogate", "benchmark_version": "bench", "benchmark_fingerprint": "bench"}
    stats = []
    t0 = time.perf_counter()
    run(tasks, make_agent=lambda: make_agent("mapek"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=out, meta=meta, workers=args.cpus, cluster=cluster, stateful=False, on_stats=stats.append)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "episodes": len(tasks), "handling_s": stats[0].handling_seconds}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--seeds", default="4-5")
    p.add_argument("--episodes", type=int, default=2)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--per-tier", type=int, default=1)
    p.add_argument("--bench-tasks", type=int, default=120)
    p.add_argument("--json", type=Path)
    args = p.parse_args()

    from sixg.parallel import Cluster

    tmp = Path(tempfile.mkdtemp(prefix="sixg-ray-overhead-"))
    workloads = {"traces": lambda out, c: traces(out, args, c), "validation": lambda out, c: validation(out, args, c is not None), "bench": lambda out, c: bench(out, args, c), "bench_again": lambda out, c: bench(out, args, c)}
    result: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, CPython {platform.python_version()}", "args": vars(args) | {"json": None}, "runs": {}}
    for name, fn in workloads.items():
        result["runs"][name] = {"local": fn(tmp / name / "local", None) | {"load_avg": os.getloadavg()[0]}}
        print(name, "local", result["runs"][name]["local"], flush=True)

    import ray

    t0 = time.perf_counter()
    ray.init(address="local", num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    result["ray_start_s"] = time.perf_counter() - t0
    try:
        for name, fn in workloads.items():
            run = result["runs"][name]
            run["ray"] = fn(tmp / name / "ray", Cluster()) | {"load_avg": os.getloadavg()[0]}
            print(name, "ray", run["ray"], flush=True)
    finally:
        t0 = time.perf_counter()
        ray.shutdown()
        result["ray_stop_s"] = time.perf_counter() - t0
    same = {
        "traces": trace_files(tmp / "traces" / "local") == trace_files(tmp / "traces" / "ray"),
        "validation": records(tmp / "validation" / "local") == records(tmp / "validation" / "ray"),
        "bench": records(tmp / "bench" / "local") == records(tmp / "bench" / "ray"),
        "bench_again": records(tmp / "bench_again" / "local") == records(tmp / "bench_again" / "ray"),
    }
    for name, run in result["runs"].items():
        for side in ("local", "ray"):
            r = run[side]
            r["episodes_per_s"] = r["episodes"] / r["wall_s"]
            r["worker_s_per_episode"] = args.cpus * r["wall_s"] / r["episodes"]
        run["ray_over_local"] = run["ray"]["wall_s"] / run["local"]["wall_s"]
        run["same_records"] = same[name]
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
