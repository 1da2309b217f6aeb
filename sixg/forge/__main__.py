"""``python -m sixg.forge``: grow a corpus of verified trajectories, and inspect it.

    python -m sixg.forge run --seeds 1-50 --target 2000 --teacher offline --workers 2 --out runs/forge
    python -m sixg.forge stats runs/forge [--json]
    python -m sixg.forge decontaminate runs/forge [--json]
    python -m sixg.forge annotate --traces data/traces --out runs/forge-ns3 --workers 2
    python -m sixg.forge run --target 100 --teacher openai --model Qwen/Qwen2.5-7B-Instruct --base-url http://127.0.0.1:8000/v1 --out runs/forge-llm
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sixg.cli import positive_int, run_command


def _bars():
    """A tqdm bar per stage, made on first use; returns (progress callback, close)."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:8s}", position=len(bars), leave=stage == "grow", unit="traj")
        if bar.total != total:
            bar.reset(total=total)
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close


def _teacher(args, seeds):
    """The teacher the flags ask for (the model flags only with ``--teacher openai``)."""
    from sixg.errors import UserError

    if args.teacher == "offline":
        given = [flag for flag, value in (("--model", args.model), ("--base-url", args.base_url)) if value is not None]
        if given:
            raise UserError(f"{' and '.join(given)} {'go' if len(given) > 1 else 'goes'} only with --teacher openai (the offline teacher uses no model)")
        from sixg.forge.teacher import OfflineTeacher

        return OfflineTeacher(seeds, p_degrade=getattr(args, "p_degrade", 0.3), p_fault=getattr(args, "p_fault", 0.35))
    if not args.model:
        raise UserError("--teacher openai needs --model NAME: the model name the endpoint serves (and --base-url URL for a server other than OpenAI's)")
    from sixg.forge.openai_teacher import OpenAITeacher

    return OpenAITeacher(args.model, seeds=seeds, base_url=args.base_url, api_key_env=args.api_key_env, p_degrade=getattr(args, "p_degrade", 0.3), temperature=args.temperature, max_tokens=args.max_tokens)


def _run(args) -> int:
    from sixg.forge.pipeline import run_forge
    from sixg.scenario import parse_seeds

    seeds = parse_seeds(args.seeds)
    from sixg.forge.programs import check_train_seed

    for s in seeds:
        check_train_seed(s)
    teacher = _teacher(args, seeds)
    from sixg.forge.pipeline import shipped_pool

    pool = None if args.no_pool else (args.pool or shipped_pool())
    progress, close = _bars()
    try:
        manifest = run_forge(args.out, seeds=seeds, target=args.target, teacher=teacher, workers=args.workers, batch=args.batch, demos=args.demos, seed=args.seed, pool=pool, progress=progress, max_rounds=args.max_rounds)
    finally:
        close()
    total = sum(s["records"] for s in manifest["shards"])
    print(f"{args.out}: {total} trajectories in {len(manifest['shards'])} shard(s); counters: {json.dumps(manifest['counters'])}")
    if total < args.target:
        print(f"{args.out}: {args.target - total} short of --target {args.target} after --max-rounds {args.max_rounds}; rerun the same command to go on")
    return 0


def _stats(args) -> int:
    from sixg.forge.report import corpus_stats, plot_stats

    stats = corpus_stats(args.corpus)
    plot = plot_stats(stats, args.plot or Path(args.corpus) / "stats.png")
    if args.json:
        print(json.dumps({**stats, "plot": str(plot)}, indent=1))
        return 0
    print(f"{args.corpus}: {stats['records']} trajectories, {stats['shards']} shard(s), {stats['topology_seeds']} topology seeds")
    for key in ("by_source", "by_tier", "by_domain", "by_scene", "length_histogram"):
        print(f"  {key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
    print("  tools used: " + ", ".join(f"{k} {v}" for k, v in list(stats["tools_used"].items())[:12]) + (" ..." if len(stats["tools_used"]) > 12 else ""))
    print(f"  proposed {stats['proposed']}, verified {stats['verified']}, duplicates dropped {stats['duplicates_dropped']}")
    for stage, reasons in stats["rejected_by_stage"].items():
        print(f"  rejected at {stage}: " + "; ".join(f"{r} ({n})" for r, n in reasons.items()))
    print(f"  seconds per stage: {stats['seconds']}")
    print(f"  plot: {plot}")
    return 0


def _decontaminate(args) -> int:
    from sixg.forge.report import decontamination

    rep = decontamination(args.corpus, benchmark=args.benchmark, sample=args.sample)
    if args.json:
        print(json.dumps(rep, indent=1))
        return 0
    print(f"6GAgentBench v{rep['benchmark_version']}: {rep['benchmark_intents']} intents against {rep['corpus_intents_compared']} corpus intents")
    print(f"  highest ROUGE-L {rep['max_rouge_l']:.3f} (mean of each intent's highest {rep['mean_max_rouge_l']:.3f}); {rep['over_threshold']} at or above the benchmark's threshold {rep['threshold']}")
    sep, masked = rep["separability"], rep["separability_numbers_masked"]
    print(f"  separability probe (TF-IDF + logistic regression, {sep['n_per_class']} intents per class, 50 % = chance): {sep['accuracy']:.1%}; numbers masked: {masked['accuracy']:.1%}")
    base = rep["separability_baseline"]
    if base is not None:
        print(f"  the probe on two halves of the corpus ({base['raw']['n_per_class']} per class; its chance level here): {base['raw']['accuracy']:.1%}; numbers masked: {base['numbers_masked']['accuracy']:.1%}")
    return 0


def _annotate(args) -> int:
    from sixg.forge.annotate import annotate
    from sixg.scenario import parse_seeds

    seeds = parse_seeds(args.seeds) if args.seeds else None
    # The offline teacher of annotation draws on the decision points' own seeds (annotate's default).
    teacher = None if args.teacher == "offline" and args.model is None and args.base_url is None else _teacher(args, list(seeds or range(1, 51)))
    progress, close = _bars()
    try:
        manifest = annotate(args.traces, args.out, seeds=seeds, limit=args.limit, backend=args.backend, workers=args.workers, batch=args.batch, progress=progress, teacher=teacher)
    finally:
        close()
    c = manifest["counters"]
    print(f"{args.out}: {c.get('points', 0)} of {c.get('points_found', 0)} decision points handled ({c.get('points_by_kind', {})}); kept {c.get('kept', 0)}; rejected {c.get('rejected', {})}")
    return 0


def _teacher_flags(parser: argparse.ArgumentParser, does: str) -> None:
    parser.add_argument(
        "--teacher",
        choices=["offline", "openai"],
        default="offline",
        help=f"who {does}: offline (programmatic, no model) or openai (a model behind any OpenAI-compatible endpoint: vLLM, transformers serve, a hosted API; needs --model)",
    )
    parser.add_argument("--model", help="with --teacher openai: the model name the endpoint serves")
    parser.add_argument("--base-url", help="with --teacher openai: the endpoint's base URL up to and including /v1 (default $OPENAI_BASE_URL, then OpenAI's)")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY", help="with --teacher openai: environment variable holding the API key (local servers need none)")
    parser.add_argument("--temperature", type=float, default=0.7, help="with --teacher openai: sampling temperature")
    parser.add_argument("--max-tokens", type=positive_int, default=1024, help="with --teacher openai: token limit of one reply")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.forge", description="6G-Forge: verified training trajectories (training seeds 1-50 only).")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="grow a corpus to --target trajectories (resumable: rerun the same command)")
    r.add_argument("--seeds", default="1-50", help="training topology seeds, e.g. 1-50 (benchmark seeds are refused)")
    r.add_argument("--target", type=positive_int, required=True, help="trajectories the corpus should hold")
    _teacher_flags(r, "proposes and corrects programs")
    r.add_argument("--workers", type=positive_int, default=1, help="verification workers, one environment each (processes with the offline teacher, threads with a served one)")
    r.add_argument("--out", type=Path, required=True, help="corpus directory (created, or resumed if it exists)")
    r.add_argument("--pool", type=Path, help="a corpus whose trajectories open the corpus and seed the pool (default: the ns-3 seed pool shipped with sixg)")
    r.add_argument("--no-pool", action="store_true", help="start from the teacher's own plain programs instead of a seed pool")
    r.add_argument("--batch", type=positive_int, default=64, help="proposals per round (one shard each)")
    r.add_argument("--demos", type=positive_int, default=4, help="demonstrations per proposal (k)")
    r.add_argument("--p-degrade", type=float, default=0.3, help="probability a proposal schedules a degradation and must recover from it")
    r.add_argument("--p-fault", type=float, default=0.35, help="offline teacher: probability a proposal carries a wrong argument to correct")
    r.add_argument("--seed", type=int, default=0, help="seeds every random choice of the run")
    r.add_argument("--max-rounds", type=positive_int, help="stop after this many rounds even short of --target (rerun to go on)")
    s = sub.add_parser("stats", help="what a corpus holds, with a plot")
    s.add_argument("corpus", type=Path)
    s.add_argument("--json", action="store_true", help="print only JSON")
    s.add_argument("--plot", type=Path, help="where the plot goes (default CORPUS/stats.png)")
    d = sub.add_parser("decontaminate", help="the corpus against 6GAgentBench: ROUGE-L per benchmark intent and the separability probe")
    d.add_argument("corpus", type=Path)
    d.add_argument("--benchmark", type=Path, help="benchmark file (default: the shipped one)")
    d.add_argument("--sample", type=positive_int, default=5000, help="corpus intents compared (seeded sample)")
    d.add_argument("--json", action="store_true", help="print only JSON")
    a = sub.add_parser("annotate", help="decision points of the ns-3 trace corpus, a seed trajectory each, run on live ns-3 (resumable)")
    a.add_argument("--traces", type=Path, default=Path("data/traces"), help="trace corpus (its train split is read)")
    a.add_argument("--out", type=Path, required=True, help="corpus directory for the trajectories that reach their goal")
    a.add_argument("--seeds", help="only these training seeds, e.g. 1-10")
    a.add_argument("--limit", type=positive_int, help="at most this many decision points, spread over the corpus")
    a.add_argument("--backend", default="ns3", choices=["ns3", "surrogate"], help="where the seed trajectories run (ns3: the real ones)")
    a.add_argument("--workers", type=positive_int, default=1, help="parallel episodes (one ns-3 process each)")
    a.add_argument("--batch", type=positive_int, default=16, help="decision points per shard")
    _teacher_flags(a, "writes the seed trajectories and corrects their failed steps")
    args = parser.parse_args(argv)
    commands = {"annotate": _annotate, "run": _run, "stats": _stats, "decontaminate": _decontaminate}
    return run_command(lambda: commands[args.command](args), interrupted="rerun the same command to resume")


if __name__ == "__main__":
    raise SystemExit(main())
