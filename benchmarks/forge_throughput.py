"""What 6G-Forge's three stages cost, each against the straightforward way, in one run.

    python benchmarks/forge_throughput.py [--corpus DIR] [--pool 20000] [--queries 500] [--programs 128] [--json out.json]

Reads the trajectories of a Forge corpus (``--corpus``; one is generated first when absent)
and times, on this machine, in this run:

  * exact ROUGE-L: ``rouge-score``'s scorer against :func:`sixg.rouge.rouge_l` on the same
    pairs (and checks every float is the same);
  * the de-duplication prefilter at a pool of ``--pool`` texts: the similarity of a query to
    every pool text as one sparse row-by-row product, against :class:`sixg.rouge.RougeIndex`'s
    column blocks (and checks both give the same floats);
  * verification of ``--programs`` proposals with two workers: threads (what a served teacher
    uses) against worker processes (the offline teacher's), both producing the same outcomes.

CPU seconds are reported where the work is in this process, wall seconds where it is spread
over workers; on a shared machine read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np


def _texts(corpus: Path, n: int) -> list[str]:
    from sixg.forge.dedup import dedup_text
    from sixg.forge.records import Corpus

    out = []
    for rec in Corpus(corpus).records():
        out.append(dedup_text(rec.intent, rec.tool_sequence()))
        if len(out) >= n:
            break
    return out


def rouge(texts: list[str], pairs: int) -> dict:
    from rouge_score import rouge_scorer

    from sixg.rouge import rouge_l

    rng = random.Random(0)
    sample = [(rng.choice(texts), rng.choice(texts)) for _ in range(pairs)]
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    t0 = time.process_time()
    lib = [scorer.score(a, b)["rougeL"].fmeasure for a, b in sample]
    t1 = time.process_time()
    ours = [rouge_l(a, b) for a, b in sample]
    t2 = time.process_time()
    return {"pairs": pairs, "rouge_score_ms": (t1 - t0) / pairs * 1e3, "sixg_ms": (t2 - t1) / pairs * 1e3, "speedup": (t1 - t0) / (t2 - t1), "identical": lib == ours}


def prefilter(texts: list[str], pool: int, queries: int) -> dict:
    import scipy.sparse as sp

    from sixg.rouge import _Hashing

    base, asked = texts[:pool], texts[pool : pool + queries]
    filt = _Hashing()
    for t in base:
        filt.add(t)
    rows = sp.vstack([filt._vec.transform([t]) for t in base]).tocsr()
    t0 = time.process_time()
    naive = [(rows @ filt._vec.transform([q]).T).toarray().ravel() for q in asked]
    t1 = time.process_time()
    cols = [filt.similarities(q) for q in asked]
    t2 = time.process_time()
    return {
        "pool": len(base),
        "queries": len(asked),
        "row_product_ms": (t1 - t0) / len(asked) * 1e3,
        "column_blocks_ms": (t2 - t1) / len(asked) * 1e3,
        "speedup": (t1 - t0) / (t2 - t1),
        "identical": all(np.array_equal(a, b) for a, b in zip(naive, cols)),
    }


def verification(programs: int) -> dict:
    from functools import partial

    from sixg.forge.pipeline import _verify_job, surrogate_checkpoint_hash
    from sixg.forge.programs import Unfit
    from sixg.forge.teacher import OfflineTeacher
    from sixg.parallel import ProcessWorkers, run_jobs
    from sixg.sim.env import NetOpsEnv

    teacher = OfflineTeacher(list(range(1, 51)))
    rng = random.Random(0)
    jobs = []
    while len(jobs) < programs:
        try:
            jobs.append((len(jobs), teacher.propose([], rng), rng.randrange(2**31 - 1)))
        except Unfit:
            pass
    work = partial(_verify_job, teacher=teacher, backend="surrogate", checkpoint=surrogate_checkpoint_hash())
    threaded: dict = {}
    t0 = time.perf_counter()
    run_jobs(jobs, setup=lambda: NetOpsEnv(backend="surrogate"), work=work, on_result=lambda j, o, n: threaded.__setitem__(j[0], o), workers=2, stop=threading.Event(), teardown=lambda e: e.close())
    t1 = time.perf_counter()
    spread: dict = {}
    with ProcessWorkers(partial(NetOpsEnv, backend="surrogate"), 2) as pool:
        pool.run(jobs[:2], work, lambda j, o, n: None)  # start-up (a fresh interpreter each) is paid once per run
        t2 = time.perf_counter()
        pool.run(jobs, work, lambda j, o, n: spread.__setitem__(j[0], o))
        t3 = time.perf_counter()

    def same(a, b) -> bool:
        return (a.record.model_dump_json() if a.record else a.reason) == (b.record.model_dump_json() if b.record else b.reason)

    return {
        "programs": programs,
        "threads_s": t1 - t0,
        "processes_s": t3 - t2,
        "process_startup_s": t2 - t1,
        "speedup": (t1 - t0) / (t3 - t2),
        "identical": all(same(threaded[j], spread[j]) for j in threaded),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", type=Path, default=Path("runs/forge-bench-25k"), help="a Forge corpus to read texts from (generated if absent)")
    p.add_argument("--pool", type=int, default=20000, help="pool size for the prefilter comparison")
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--pairs", type=int, default=3000, help="pairs for the ROUGE-L comparison")
    p.add_argument("--programs", type=int, default=128, help="proposals verified in each mode")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if not (args.corpus / "manifest.json").is_file():
        from sixg.forge.pipeline import run_forge

        print(f"generating {args.corpus} ({args.pool + args.queries} trajectories) ...", file=sys.stderr)
        run_forge(args.corpus, seeds=range(1, 51), target=args.pool + args.queries, workers=2)
    texts = _texts(args.corpus, args.pool + args.queries)
    if len(texts) < args.pool + args.queries:
        p.error(f"{args.corpus} holds {len(texts)} trajectories; --pool + --queries needs {args.pool + args.queries}")
    out = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "rouge_l": rouge(texts, args.pairs),
        "prefilter": prefilter(texts, args.pool, args.queries),
        "verification": verification(args.programs),
    }
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
