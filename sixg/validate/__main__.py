"""``python -m sixg.validate``: how far is the surrogate from ns-3, judged by agents' success?

    python -m sixg.validate --backend ns3                  # the paper's Table III on our system
    python -m sixg.validate --backend ns3 --per-tier 4     # a quick look
    python -m sixg.validate --backend surrogate            # the surrogate alone

Every agent runs the benchmark's validation subset (40 tasks per tier); ``null`` and
``verify-only``, which change nothing, are sanity rows. With
``--backend ns3`` each episode runs on the dual backend: the agent's calls are answered
by the surrogate and applied at the same simulated times to live ns-3; the episode is
judged twice, each backend on its own measurements. Results are written as they finish
(rerun the command to resume).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sixg.bench.scoring import TIERS
from sixg.cli import add_cluster_option, agent_args, cluster_of, positive_int, run_command

DEFAULT_AGENTS = "reference,threshold,mapek,drl,random,null,verify-only"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sixg.validate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["ns3", "surrogate"], default="ns3", help="ns3: dual runs judged on both; surrogate: the surrogate alone")
    p.add_argument("--agents", default=DEFAULT_AGENTS, help=f"comma-separated agent ids (default {DEFAULT_AGENTS})")
    p.add_argument("--agent-arg", action="append", default=[], metavar="AGENT:KEY=VALUE", help="constructor argument for one agent, e.g. react-openai:model=gpt-4.1-mini")
    p.add_argument("--per-tier", type=positive_int, default=40, help="tasks per tier from the validation subset (default 40 = 120 tasks)")
    p.add_argument("--tier", choices=TIERS, help="only this tier")
    p.add_argument("--workers", type=positive_int, default=max(1, (os.cpu_count() or 2)), help="episodes in parallel (each with its own ns-3 worker)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/validate-BACKEND, with the selection in the name when it is not the whole subset)")
    p.add_argument("--benchmark", type=Path, help="benchmark file (default: the shipped one)")
    add_cluster_option(p)
    a = p.parse_args(argv)
    return run_command(lambda: _validate(a), interrupted="finished episodes are saved; rerun the same command to resume")


def _validate(a) -> int:
    from tqdm import tqdm

    from sixg.agents import make_agent
    from sixg.backends import register_backend
    from sixg.bench.build import load_benchmark
    from sixg.bench.run import progress_hooks, run
    from sixg.errors import UserError
    from sixg.parallel import RunStats
    from sixg.sim.env import NetOpsEnv
    from sixg.validate import agent_row, judge_both, scatter, summarise, table

    bench = load_benchmark(a.benchmark)
    ids = set(bench.validation_ids)
    subset = [t for t in bench.tasks if t.id in ids]
    tasks = []
    for tier in [a.tier] if a.tier else TIERS:
        tasks += [t for t in subset if t.tier == tier][: a.per_tier]
    if not tasks:
        raise UserError("the benchmark file has no validation subset" if not subset else f"the validation subset has no {a.tier} task")
    agents = [x for x in a.agents.split(",") if x]
    per_agent_args: dict[str, list[str]] = {}
    for spec in a.agent_arg:
        agent, sep, kv = spec.partition(":")
        if not sep:
            raise UserError(f"--agent-arg takes AGENT:KEY=VALUE, got {spec!r}")
        per_agent_args.setdefault(agent, []).append(kv)
    for agent in agents:
        make_agent(agent, **agent_args(per_agent_args.get(agent, [])))  # fail fast
    dual = a.backend == "ns3"
    selection = ("" if a.tier is None else f"-{a.tier}") + ("" if a.per_tier == 40 else f"-{a.per_tier}per-tier")
    out = a.out or Path("runs") / f"validate-{a.backend}{selection}"
    backend_id = "dual-shadowed" if dual else "surrogate"

    def on_world(task, env, verified: bool) -> dict:
        return judge_both(task, env, confirmed=verified).record(task) if dual else {}

    cluster = cluster_of(a)
    placement = RunStats()
    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    errors = 0
    for agent in agents:
        kwargs = agent_args(per_agent_args.get(agent, []))
        bar = tqdm(total=len(tasks), unit="episode", desc=f"{agent} ({a.backend})")

        def make_env():
            if dual:  # here, so that a cluster's worker processes, which did not run _validate, know it too
                register_backend("dual-shadowed", "sixg.validate.shadow:ShadowedDual")
            return NetOpsEnv(backend=backend_id)

        meta = {"agent": agent, "agent_args": kwargs, "backend": backend_id, "benchmark_version": bench.version, "benchmark_fingerprint": bench.meta.get("fingerprint")}
        try:
            episodes = run(tasks, make_agent=lambda agent=agent, kwargs=kwargs: make_agent(agent, **kwargs), make_env=make_env, out=out / agent, meta=meta, workers=a.workers, on_world=on_world, cluster=cluster, stateful=dual, on_stats=placement.add, **progress_hooks(bar, out=out / agent))
        finally:
            bar.close()
        rows[agent] = agent_row(episodes, dual=dual)
        errors += rows[agent]["errors"]
    result = summarise(rows, dual=dual, benchmark_version=bench.version, tasks=len(tasks), per_tier=a.per_tier, tier=a.tier, wall_seconds=time.perf_counter() - t0)
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    if cluster is not None:
        print(placement.summary())
    written = [out / "validation.json"]
    if dual:
        written.append(scatter(result, out / "sr_scatter.png"))
    print(f"\nwrote {' and '.join(map(str, written))}")
    if errors:
        print(f"{errors} episode(s) ended in an error and were not scored; rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
