"""``python -m sixg.bench``: run agents on 6GAgentBench, inspect it, rebuild it.

    python -m sixg.bench run --agent mapek --backend surrogate [--tier L1] [--out DIR]
    python -m sixg.bench run --agent react-openai --agent-arg model=gpt-4.1-mini --backend surrogate
    python -m sixg.bench report runs/bench/*-surrogate --plot runs/bench/tiers.png
    python -m sixg.bench show
    python -m sixg.bench build --verify surrogate,ns3 --workers 2
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sixg.agents.base import agent_ids
from sixg.bench.scoring import DOMAINS, TIERS
from sixg.cli import add_cluster_option, agent_args, cluster_of, positive_int, run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.bench", description="6GAgentBench: tiered tasks for network-management agents.")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run an agent on the benchmark (resumable: rerun the same command to continue)")
    r.add_argument("--agent", required=True, help=f"agent id: {', '.join(agent_ids())}")
    r.add_argument("--agent-arg", action="append", default=[], metavar="KEY=VALUE", help="constructor argument for the agent (repeatable), e.g. model=/path/to/model")
    r.add_argument("--backend", default="surrogate", choices=["surrogate", "ns3", "dual"], help="network backend (default: the shipped surrogate)")
    r.add_argument("--tier", choices=TIERS, help="only this tier")
    r.add_argument("--domain", choices=DOMAINS, help="only this domain")
    r.add_argument("--subset", choices=["all", "validation"], default="all", help="all tasks or the 120-task validation subset")
    r.add_argument("--limit", type=positive_int, help="at most this many tasks (for a quick look)")
    r.add_argument("--trials", type=positive_int, default=1, help="repeats per task with other episode seeds (pass^k)")
    r.add_argument("--workers", type=positive_int, default=1, help="episodes run in parallel (each with its own backend)")
    r.add_argument("--out", type=Path, help="output directory (default runs/bench/AGENT-BACKEND)")
    r.add_argument("--benchmark", type=Path, help="benchmark file (default: the one shipped with sixg)")
    r.add_argument(
        "--auto-handover",
        action="store_true",
        help="surrogate backend only: a UE whose cell stays below ns-3's radio-link-failure threshold moves onto the strongest "
        "cell, as on ns-3 (off by default: the benchmark was built and verified without it)",
    )
    add_cluster_option(r)
    rp = sub.add_parser("report", help="one table and one plot comparing finished runs")
    rp.add_argument("runs", nargs="+", type=Path, help="run directories (each with a summary.json written by `run`)")
    rp.add_argument("--plot", type=Path, help="write the per-tier plot of all runs here")
    rp.add_argument("--json", type=Path, help="write the rows as JSON here")
    s = sub.add_parser("show", help="what the benchmark holds")
    s.add_argument("--benchmark", type=Path, help="benchmark file (default: the shipped one)")
    s.add_argument("--json", action="store_true", help="print only JSON: the counts and the whole build report (de-duplication, probe, verification)")
    b = sub.add_parser(
        "build",
        help="draw, de-duplicate and verify the benchmark, and write its file (resumable: rerun the same command to continue)",
        description="Draw candidate tasks, re-word those too close to training intents, and keep a task only if its reference "
        "solution succeeds and the null and verify-only agents fail it on every backend of --verify. Finished verifications "
        "are kept next to the output file until it is written, so rerunning an interrupted build continues it.",
    )
    b.add_argument("--variants", type=positive_int, default=2, help="tasks per family and seed")
    b.add_argument("--verify", default="surrogate,ns3", help="backends on which every reference must succeed")
    b.add_argument("--workers", type=positive_int, default=2, help="parallel ns-3 workers for verification")
    b.add_argument("--out", type=Path, help="benchmark file to write (default: the shipped one)")
    args = parser.parse_args(argv)
    commands = {"run": _run, "show": _show, "report": _report, "build": _build}
    resumable = "finished episodes are saved; rerun the same command to resume"
    return run_command(lambda: commands[args.command](args), interrupted={"run": resumable, "build": "finished verifications are kept; rerun the same command to continue"}.get(args.command, "nothing was written"))


def _run(args) -> int:
    from tqdm import tqdm

    from sixg.agents import make_agent
    from sixg.bench.build import load_benchmark
    from sixg.bench.report import TABLE_LEGEND, plot_tiers, table
    from sixg.bench.run import Selection, progress_hooks, run, summarise
    from sixg.errors import UserError
    from sixg.parallel import RunStats
    from sixg.sim.env import NetOpsEnv

    bench = load_benchmark(args.benchmark)
    selection = Selection(subset=args.subset, tier=args.tier, domain=args.domain, limit=args.limit, trials=args.trials)
    tasks = selection.tasks(bench)
    if not tasks:
        raise UserError(f"no tasks match the selection ({selection.describe()})")
    kwargs = agent_args(args.agent_arg)
    make_agent(args.agent, **kwargs)  # fail fast on a bad id or argument, before any episode
    if args.auto_handover and args.backend != "surrogate":
        raise UserError(f"--auto-handover is a rule of the surrogate backend (ns-3 hands over by itself): drop it or use --backend surrogate, not {args.backend}")
    backend_kwargs = {"auto_handover": True} if args.auto_handover else {}
    out = args.out or Path("runs") / "bench" / f"{args.agent}-{args.backend}{'-rlf' if args.auto_handover else ''}{selection.suffix()}"
    meta = {
        "agent": args.agent,
        "agent_args": kwargs,
        "backend": args.backend,
        "benchmark_version": bench.version,
        "benchmark_fingerprint": bench.meta.get("fingerprint"),
        "selection": selection.record(tasks),
    }
    if backend_kwargs:
        meta["backend_options"] = backend_kwargs  # only when set: runs without it keep the record they always had
    bar = tqdm(total=len(tasks) * args.trials, unit="episode", desc=f"{args.agent} on {args.backend}")
    cluster = cluster_of(args)
    placement = RunStats()
    try:
        episodes = run(
            tasks,
            make_agent=lambda: make_agent(args.agent, **kwargs),
            make_env=lambda: NetOpsEnv(backend=args.backend, backend_kwargs=backend_kwargs),
            out=out,
            meta=meta,
            trials=args.trials,
            workers=args.workers,
            cluster=cluster,
            stateful=args.backend != "surrogate",
            on_stats=placement.add,
            **progress_hooks(bar, out=out),
        )
    finally:
        bar.close()
    summary = summarise(episodes, ks=tuple(range(1, args.trials + 1)))
    summary.update(meta)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if not summary["episodes"]:
        print(f"every episode ended in an error ({summary['errors']}), so there is nothing to score; the errors are in {out / 'results.jsonl'}; fix the cause and rerun the same command", file=sys.stderr)
        return 1
    plot = plot_tiers({args.agent: summary}, out / "tiers.png", title=f"6GAgentBench v{bench.version}: {args.agent} on {args.backend}")
    covered = "" if selection.everything else f" ({selection.describe()})"
    print(f"\n6GAgentBench v{bench.version}, {len(tasks)} task(s) x {args.trials} trial(s){covered}, backend {args.backend}")
    print(table({args.agent: summary}))
    if args.trials > 1:
        print("SR and SPL from the first trial of each task; pass^k over all trials: " + ", ".join(f"k={k} {100 * v:.1f}" for k, v in summary["pass_k"].items()))
    print(f"\n{TABLE_LEGEND}")
    if cluster is not None:
        print(placement.summary())
    print(f"\nwrote {out / 'results.jsonl'}, {out / 'summary.json'} and {plot}")
    if summary["errors"]:
        print(f"\n{summary['errors']} episode(s) ended in an error and were not scored; rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


def _report(args) -> int:
    from sixg.bench.report import TABLE_LEGEND, plot_tiers, read_summaries, table

    rows, notes = read_summaries(args.runs)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    print(table(rows))
    print(f"\n{TABLE_LEGEND}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"wrote {args.json}")
    if args.plot:
        versions = sorted({str(s.get("benchmark_version")) for s in rows.values()})
        backends = sorted({str(s.get("backend")) for s in rows.values()})
        title = f"6GAgentBench v{'/'.join(versions)} on {'/'.join(backends)}"
        print(f"wrote {plot_tiers(rows, args.plot, title=title)}")
    return 0


def _show(args) -> int:
    from sixg.bench.build import load_benchmark
    from sixg.bench.report import benchmark_contents, describe_benchmark

    bench = load_benchmark(args.benchmark)
    print(json.dumps(benchmark_contents(bench), indent=2) if args.json else describe_benchmark(bench))
    return 0


def _build(args) -> int:
    from tqdm import tqdm

    from sixg.agents.sanity import SANITY_AGENTS
    from sixg.backends import make_backend
    from sixg.bench.build import benchmark_path, dedupe, draw_tasks, separability_probe, validation_subset, verify_all, write_benchmark
    from sixg.errors import UserError
    from sixg.scenario import SPLIT_SEEDS, Split

    backends = [b.strip() for b in args.verify.split(",") if b.strip()]
    if not backends:
        raise UserError("--verify names no backend: a benchmark is verified on at least one, e.g. --verify surrogate,ns3")
    for backend in backends:
        make_backend(backend)  # an unknown name stops here, before any drawing (cheap: nothing starts)
    train = draw_tasks(Split.TRAIN, SPLIT_SEEDS[Split.TRAIN], variants=args.variants)
    bench = draw_tasks(Split.BENCHMARK, SPLIT_SEEDS[Split.BENCHMARK], variants=args.variants)
    print(f"drew {len(train)} training and {len(bench)} benchmark candidate tasks", file=sys.stderr)
    bar = tqdm(total=len(bench), desc="de-duplicating intents")
    bench, report = dedupe(bench, train, variants=args.variants, progress=lambda: bar.update(1))
    bar.close()
    probe = separability_probe(train, bench)
    probe_masked = separability_probe(train, bench, mask_numbers=True)
    print(
        f"ROUGE-L >= {report.threshold}: {report.reworded} re-worded, {report.still_close} still close; "
        f"TF-IDF probe accuracy {probe['accuracy']:.3f} ({probe_masked['accuracy']:.3f} with numbers masked)",
        file=sys.stderr,
    )
    verification: dict = {}
    keep = list(bench)
    path = args.out or benchmark_path()
    cache = path.with_name(path.name + ".verification.jsonl")
    for backend in backends:
        bar = tqdm(total=len(keep), desc=f"verifying references on {backend}")
        res = verify_all(
            keep,
            backend,
            workers=args.workers if backend == "ns3" else 1,
            on_done=lambda v: bar.update(1),
            sanity_on_actions=backend == backends[0],
            cache=cache,
        )
        bar.close()
        crashed = [v for v in res.values() if v.crashed]
        if crashed:
            print(
                f"{len(crashed)} verification(s) on {backend} failed to run (the first: {crashed[0].task_id}: {crashed[0].detail[:300]}); "
                f"nothing was written, the finished ones are kept in {cache}: fix the cause and rerun the same command",
                file=sys.stderr,
            )
            return 1
        failed = {k: v.detail for k, v in res.items() if not v.keep}
        sanity = {name: sum(name in v.passed_by for v in res.values()) for name in SANITY_AGENTS}
        verification[backend] = {
            "verified": len(keep) - len(failed),
            "dropped": len(failed),
            "reference_failed": sum(not v.success for v in res.values()),
            "passed_by_sanity_agents": sanity,
            "dropped_examples": dict(list(failed.items())[:20]),
        }
        keep = [t for t in keep if res[t.id].keep]
        print(f"{backend}: {len(keep)} of {len(res)} kept (references that failed: {verification[backend]['reference_failed']}; passed by " + ", ".join(f"{k} {n}" for k, n in sanity.items()) + ")", file=sys.stderr)
    meta = {
        "dedup": report.__dict__,
        "separability_probe": probe,
        "separability_probe_numbers_masked": probe_masked,
        "verification": verification,
        "validation_ids": validation_subset(keep),
        "training_tasks_compared": len(train),
    }
    write_benchmark(path, keep, meta)
    cache.unlink(missing_ok=True)
    print(f"wrote {len(keep)} tasks to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
