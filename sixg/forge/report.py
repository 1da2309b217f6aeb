"""What a corpus holds (``stats``) and how far it is from 6GAgentBench (``decontaminate``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sixg.forge.records import Corpus

#: Bins of the length histogram (calls per trajectory).
LENGTH_BINS = ((1, 3), (4, 7), (8, 11), (12, 15), (16, 23), (24, 40))


def corpus_stats(root: str | Path) -> dict[str, Any]:
    """Counts by source, domain, tier and scene, a length histogram, tools used, and the run's
    counters (rejections per stage, duplicates dropped, seconds per stage)."""
    corpus = Corpus(root)
    manifest = corpus.manifest()
    by = {k: Counter() for k in ("source", "domain", "tier", "scene", "topology_seed")}
    lengths: Counter = Counter()
    tools: Counter = Counter()
    n = 0
    for rec in corpus.records():
        n += 1
        meta = rec.meta.model_dump(mode="json")
        for k in by:
            by[k][str(meta[k])] += 1
        lengths[next(f"{lo}-{hi}" for lo, hi in LENGTH_BINS if lo <= rec.meta.calls <= hi) if rec.meta.calls <= 40 else ">40"] += 1
        tools.update(rec.tool_sequence())
    counters = manifest.get("counters", {})
    rejected: dict[str, dict[str, int]] = {}
    for reason, count in (counters.get("rejected") or {}).items():
        stage, _, why = reason.partition(": ")
        rejected.setdefault(stage, {})[why or reason] = count
    return {
        "records": n,
        "shards": len(manifest["shards"]),
        "by_source": dict(by["source"]),
        "by_domain": dict(by["domain"]),
        "by_tier": dict(sorted(by["tier"].items())),
        "by_scene": dict(by["scene"]),
        "topology_seeds": len(by["topology_seed"]),
        "length_histogram": {f"{lo}-{hi}": lengths.get(f"{lo}-{hi}", 0) for lo, hi in LENGTH_BINS},
        "tools_used": dict(tools.most_common()),
        "proposed": counters.get("proposed", 0),
        "verified": counters.get("verified", {}),
        "rejected_by_stage": rejected,
        "duplicates_dropped": counters.get("duplicates", 0),
        "exact_rouge_comparisons": counters.get("exact_rouge", 0),
        "seconds": counters.get("seconds", {}),
        "config": manifest.get("config", {}),
    }


def plot_stats(stats: dict[str, Any], path: str | Path) -> Path:
    """Four panels: source, tier, domain and the length histogram."""
    from sixg.plotting import pyplot, save

    plt = pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    panels = [("source", stats["by_source"]), ("tier", stats["by_tier"]), ("domain", stats["by_domain"]), ("calls per trajectory", stats["length_histogram"])]
    for ax, (title, counts) in zip(axes, panels):
        ax.bar(range(len(counts)), list(counts.values()), color="#4c72b0")
        ax.set_xticks(range(len(counts)), [k.replace("_", "\n") for k in counts], fontsize=7)
        ax.set_title(title)
    fig.suptitle(f"6G-Forge corpus: {stats['records']} trajectories")
    return save(fig, path)


def decontamination(root: str | Path, *, benchmark: str | Path | None = None, sample: int | None = 5000, seed: int = 0) -> dict[str, Any]:
    """Against 6GAgentBench: each benchmark intent's highest ROUGE-L to the corpus, how many reach
    the benchmark's threshold, and the TF-IDF train-vs-benchmark separability probe (with and
    without numbers masked). The same measures the benchmark build uses (:mod:`sixg.bench.build`).

    The probe's own chance level is reported beside it (``separability_baseline``): the same
    probe telling two random halves of the corpus apart, with as many intents per class as the
    corpus-vs-benchmark probe had where the corpus allows (None below 20 intents).

    Args:
        sample: Corpus intents compared (a seeded sample; None for all).
    """
    import random

    from sixg.bench.build import ROUGE_THRESHOLD, load_benchmark, rouge_l_max, separability_probe

    bench = load_benchmark(benchmark)
    intents = [r.intent for r in Corpus(root).records()]
    if sample is not None and len(intents) > sample:
        intents = random.Random(seed).sample(intents, sample)
    bench_intents = [t.intent for t in bench.tasks]
    scores = rouge_l_max(bench_intents, intents)
    train = [SimpleNamespace(intent=i) for i in intents]
    held = [SimpleNamespace(intent=i) for i in bench_intents]
    halves = list(intents)
    random.Random(seed + 1).shuffle(halves)
    per_class = min(len(halves) // 2, len(bench_intents))
    baseline = None
    if per_class >= 10:
        a = [SimpleNamespace(intent=i) for i in halves[:per_class]]
        b = [SimpleNamespace(intent=i) for i in halves[per_class : 2 * per_class]]
        baseline = {"raw": separability_probe(a, b, seed=seed), "numbers_masked": separability_probe(a, b, seed=seed, mask_numbers=True)}
    return {
        "benchmark_version": bench.version,
        "benchmark_intents": len(bench_intents),
        "corpus_intents_compared": len(intents),
        "threshold": ROUGE_THRESHOLD,
        "max_rouge_l": max(scores, default=0.0),
        "mean_max_rouge_l": sum(scores) / len(scores) if scores else 0.0,
        "over_threshold": sum(s >= ROUGE_THRESHOLD for s in scores),
        "separability": separability_probe(train, held, seed=seed),
        "separability_numbers_masked": separability_probe(train, held, seed=seed, mask_numbers=True),
        "separability_baseline": baseline,
    }
