"""``python -m sixg.validate``: how far is the surrogate from ns-3, judged by agents' success?

    python -m sixg.validate --backend ns3                  # the paper's Table III on our system
    python -m sixg.validate --backend ns3 --per-tier 4     # a quick look
    python -m sixg.validate --backend surrogate            # the surrogate alone

Every agent runs the benchmark's validation subset (40 tasks per tier). With
``--backend ns3`` each episode runs on the dual backend: the agent's calls are answered
by the surrogate and applied at the same simulated times to live ns-3; the episode is
judged on both. Results are written as they finish (rerun the command to resume).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sixg.cli import agent_args, positive_int, run_command

DEFAULT_AGENTS = "reference,threshold,mapek,drl,random"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sixg.validate", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=["ns3", "surrogate"], default="ns3", help="ns3: dual runs judged on both; surrogate: the surrogate alone")
    p.add_argument("--agents", default=DEFAULT_AGENTS, help=f"comma-separated agent ids (default {DEFAULT_AGENTS})")
    p.add_argument("--agent-arg", action="append", default=[], metavar="AGENT:KEY=VALUE", help="constructor argument for one agent, e.g. react-openai:model=gpt-4.1-mini")
    p.add_argument("--per-tier", type=positive_int, default=40, help="tasks per tier from the validation subset (default 40 = 120 tasks)")
    p.add_argument("--workers", type=positive_int, default=max(1, (os.cpu_count() or 2)), help="episodes in parallel (each with its own ns-3 worker)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default runs/validate-BACKEND)")
    p.add_argument("--benchmark", type=Path, help="benchmark file (default: the shipped one)")
    a = p.parse_args(argv)
    return run_command(lambda: _validate(a), interrupted="finished episodes are saved; rerun the same command to resume")


def _validate(a) -> int:
    from tqdm import tqdm

    from sixg.agents import make_agent
    from sixg.backends import register_backend
    from sixg.bench.build import load_benchmark
    from sixg.bench.run import progress_hooks, run
    from sixg.bench.scoring import TIERS
    from sixg.errors import UserError
    from sixg.sim.env import NetOpsEnv
    from sixg.validate import ns3_verdict, pearson

    register_backend("dual-shadowed", "sixg.validate:ShadowedDual")
    bench = load_benchmark(a.benchmark)
    ids = set(bench.validation_ids)
    subset = [t for t in bench.tasks if t.id in ids]
    tasks = []
    for tier in TIERS:
        tasks += [t for t in subset if t.tier == tier][: a.per_tier]
    if not tasks:
        raise UserError("the benchmark file has no validation subset")
    agents = [x for x in a.agents.split(",") if x]
    per_agent_args: dict[str, list[str]] = {}
    for spec in a.agent_arg:
        agent, sep, kv = spec.partition(":")
        if not sep:
            raise UserError(f"--agent-arg takes AGENT:KEY=VALUE, got {spec!r}")
        per_agent_args.setdefault(agent, []).append(kv)
    for agent in agents:
        make_agent(agent, **agent_args(per_agent_args.get(agent, [])))  # fail fast
    out = a.out or Path("runs") / f"validate-{a.backend}"
    backend_id = "dual-shadowed" if a.backend == "ns3" else "surrogate"

    def on_world(task, env, verified: bool) -> dict:
        if a.backend != "ns3":
            return {}
        v = ns3_verdict(task, env, verified=verified)
        gaps = env.sim.backend.gaps
        mean_gap = {k: sum(abs(g[k]) for g in gaps) / len(gaps) for k in gaps[0]} if gaps else {}
        return {"ns3_success": v.success, "ns3_goal_met": v.goal_met, "ns3_checks": [list(c) for c in v.checks], "mean_abs_gap": mean_gap}

    t0 = time.perf_counter()
    rows: dict[str, dict] = {}
    for agent in agents:
        kwargs = agent_args(per_agent_args.get(agent, []))
        bar = tqdm(total=len(tasks), unit="episode", desc=f"{agent} ({a.backend})")

        def make_env():
            return NetOpsEnv(backend=backend_id)

        meta = {"agent": agent, "agent_args": kwargs, "backend": backend_id, "benchmark_version": bench.version, "benchmark_fingerprint": bench.meta.get("fingerprint")}
        try:
            episodes = run(tasks, make_agent=lambda agent=agent, kwargs=kwargs: make_agent(agent, **kwargs), make_env=make_env, out=out / agent, meta=meta, workers=a.workers, on_world=on_world, **progress_hooks(bar))
        finally:
            bar.close()
        rows[agent] = _row(episodes, a.backend)
    wall = time.perf_counter() - t0
    result = {"benchmark_version": bench.version, "backend": a.backend, "tasks": len(tasks), "per_tier": a.per_tier, "wall_seconds": wall, "agents": rows}
    if a.backend == "ns3":
        xs = [r["sr_surrogate"] for r in rows.values()]
        ys = [r["sr_ns3"] for r in rows.values()]
        result["pearson_r"] = pearson(xs, ys)
        result["mean_abs_sr_gap"] = sum(abs(x - y) for x, y in zip(xs, ys)) / len(xs)
    (out).mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(json.dumps(result, indent=2) + "\n")
    print(_table(result))
    if a.backend == "ns3":
        plot = _scatter(result, out / "sr_scatter.png")
        print(f"\nwrote {out / 'validation.json'} and {plot}")
    else:
        print(f"\nwrote {out / 'validation.json'}")
    return 0


def _row(episodes, backend: str) -> dict:
    from sixg.bench.scoring import TIERS

    eps = [e for e in episodes if e.error is None]
    n = len(eps)
    row = {"episodes": n, "errors": sum(1 for e in episodes if e.error is not None)}
    row["sr_surrogate"] = sum(e.success for e in eps) / n if n else 0.0
    row["tiers_surrogate"] = {t: _rate([e.success for e in eps if e.tier == t]) for t in TIERS}
    if backend == "ns3":
        row["sr_ns3"] = sum(bool(e.extra.get("ns3_success")) for e in eps) / n if n else 0.0
        row["tiers_ns3"] = {t: _rate([bool(e.extra.get("ns3_success")) for e in eps if e.tier == t]) for t in TIERS}
        row["gap"] = row["sr_surrogate"] - row["sr_ns3"]
        row["gap_tiers"] = {t: (row["tiers_surrogate"][t] - row["tiers_ns3"][t]) if row["tiers_surrogate"][t] is not None else None for t in TIERS}
        agree = [e.success == bool(e.extra.get("ns3_success")) for e in eps]
        row["episode_agreement"] = sum(agree) / n if n else 0.0
    return row


def _rate(xs: list[bool]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _table(result: dict) -> str:
    rows = result["agents"]
    if result["backend"] != "ns3":
        lines = ["| agent | SR (surrogate) | L1 | L2 | L3 |", "|---|---|---|---|---|"]
        for name, r in rows.items():
            t = r["tiers_surrogate"]
            lines.append(f"| {name} | {100 * r['sr_surrogate']:.1f} | " + " | ".join(f"{100 * t[k]:.1f}" if t[k] is not None else "-" for k in ("L1", "L2", "L3")) + " |")
        return "\n".join(lines)
    lines = [
        f"NS-3 grounded validation, 6GAgentBench v{result['benchmark_version']}: {result['tasks']} tasks ({result['per_tier']} per tier), {result['wall_seconds'] / 60:.1f} min wall",
        "",
        "| agent | SR surrogate | SR ns-3 | gap | gap L1 | gap L2 | gap L3 | same verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        g = r["gap_tiers"]
        lines.append(
            f"| {name} | {100 * r['sr_surrogate']:.1f} | {100 * r['sr_ns3']:.1f} | {100 * r['gap']:+.1f} | "
            + " | ".join(f"{100 * g[k]:+.1f}" if g[k] is not None else "-" for k in ("L1", "L2", "L3"))
            + f" | {100 * r['episode_agreement']:.0f}% |"
        )
    r = result.get("pearson_r")
    lines.append("")
    lines.append(f"Pearson r of SR across agents: {r:.3f}" if r is not None else "Pearson r: undefined (SR constant across agents)")
    lines.append(f"mean |SR gap|: {100 * result['mean_abs_sr_gap']:.1f} points")
    return "\n".join(lines)


def _scatter(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    for name, r in result["agents"].items():
        ax.scatter(100 * r["sr_surrogate"], 100 * r["sr_ns3"], s=40)
        ax.annotate(name, (100 * r["sr_surrogate"], 100 * r["sr_ns3"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.plot([0, 100], [0, 100], color="k", lw=0.8, ls="--")
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, 102)
    ax.set_xlabel("success rate judged on the surrogate (%)")
    ax.set_ylabel("success rate judged on ns-3 (%)")
    pr = result.get("pearson_r")
    ax.set_title(f"Surrogate vs ns-3, {result['tasks']} tasks" + (f", r = {pr:.2f}" if pr is not None else ""), fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    sys.exit(main())
