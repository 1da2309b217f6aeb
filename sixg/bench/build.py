"""Building 6GAgentBench: draw tasks, keep benchmark intents apart from training ones,
verify every reference solution on both backends, and write the versioned file.

Training tasks come from seeds 1-50 and benchmark tasks from seeds 51-80 (the paper's
holdout). A benchmark intent whose ROUGE-L against any training intent reaches the
threshold is re-worded (drawn again) until it falls below it. A TF-IDF probe reports
how well a classifier can tell training from benchmark intents (near 50 % means the
wording gives nothing away).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from sixg.agents.sanity import SANITY_AGENTS
from sixg.bench.families import FAMILIES
from sixg.bench.scoring import TIERS
from sixg.bench.tasks import BENCHMARK_VERSION, CHANGELOG, TASK_ADAPTER, Task
from sixg.errors import DataError, SixgError, UserError
from sixg.scenario import SCENARIO_VERSION, SPLIT_SEEDS, Split, generate
from sixg import jsontext

ROUGE_THRESHOLD = 0.8
MAX_REWORDINGS = 12


def benchmark_path() -> Path:
    """The benchmark file shipped with sixg."""
    return Path(__file__).resolve().parent.parent / "data" / "bench" / f"6gagentbench-v{BENCHMARK_VERSION}.json"


def draw_tasks(split: Split | str, seeds: Iterable[int], *, variants: int = 1, attempt: int = 0) -> list[Task]:
    """One task per family (where it applies) per seed and variant."""
    split = Split(split)
    tasks = []
    for seed in seeds:
        sc = generate(seed, split=split)
        for name, family in FAMILIES.items():
            for v in range(variants):
                rng = random.Random(f"sixg-task-{split.value}-{seed}-{name}-{v}-{attempt}")
                task = family(sc, rng)
                if task is None:
                    continue
                if variants > 1:
                    task = task.model_copy(update={"id": f"{task.id}-{v}"})
                tasks.append(task)
    return tasks


def redraw(task: Task, attempt: int, *, variants: int) -> Task:
    """The same task drawn with another wording (and fresh parameters)."""
    sc = generate(task.seed, split=task.split)
    v = int(task.id.rsplit("-", 1)[1]) if variants > 1 else 0
    rng = random.Random(f"sixg-task-{task.split}-{task.seed}-{task.family}-{v}-{attempt}")
    new = FAMILIES[task.family](sc, rng)
    return new.model_copy(update={"id": task.id})


@dataclass
class DedupReport:
    threshold: float
    candidates: int
    reworded: int
    still_close: int
    max_rouge_before: float
    max_rouge_after: float


def rouge_l_max(texts: Sequence[str], against: Sequence[str], *, candidates: int = 25) -> list[float]:
    """For each text, its highest ROUGE-L F1 against any of ``against``.

    A :class:`sixg.rouge.RougeIndex` over ``against`` with the TF-IDF prefilter: only the
    ``candidates`` texts nearest by TF-IDF cosine are scored exactly.
    """
    from sixg.rouge import RougeIndex

    return [found.score for found in RougeIndex(against, prefilter="tfidf", candidates=candidates).nearest_many(texts)]


def dedupe(bench: list[Task], train: list[Task], *, variants: int, threshold: float = ROUGE_THRESHOLD, progress: Callable[[], None] | None = None) -> tuple[list[Task], DedupReport]:
    """Re-word benchmark tasks whose intent is a near-duplicate of a training intent."""
    train_texts = [t.intent for t in train]
    by_family: dict[str, list[str]] = {}
    for t in train:
        by_family.setdefault(t.family, []).append(t.intent)
    # Re-wordings are checked against their own family's training intents (near-duplicates
    # come from the same templates); the before/after figures are against every intent.
    scores = rouge_l_max([t.intent for t in bench], train_texts)
    before = max(scores, default=0.0)
    out, reworded, still = [], 0, 0
    for task, score in zip(bench, scores):
        best, best_score = task, score
        attempt = 1
        while best_score >= threshold and attempt <= MAX_REWORDINGS:
            cand = redraw(task, attempt, variants=variants)
            s = rouge_l_max([cand.intent], by_family.get(task.family, train_texts))[0]
            if s < best_score:
                best, best_score = cand, s
            attempt += 1
        if best is not task:
            reworded += 1
        if best_score >= threshold:
            still += 1
        out.append(best)
        if progress is not None:
            progress()
    after = max(rouge_l_max([t.intent for t in out], train_texts), default=0.0)
    return out, DedupReport(threshold, len(bench), reworded, still, before, after)


def separability_probe(train: Sequence[Task], bench: Sequence[Task], *, seed: int = 0, mask_numbers: bool = False) -> dict:
    """Cross-validated accuracy of a TF-IDF + logistic regression train-vs-benchmark classifier
    on balanced samples (50 % is chance). With ``mask_numbers`` every number is replaced by
    one token, so only the wording is compared (each seed's SLA figures and ids are unique)."""
    import re

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    rng = random.Random(seed)
    n = min(len(train), len(bench))
    texts = rng.sample([t.intent for t in train], n) + rng.sample([t.intent for t in bench], n)
    if mask_numbers:
        texts = [re.sub(r"\d+(?:\.\d+)?", " NUM ", t) for t in texts]
    labels = [0] * n + [1] * n
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2), LogisticRegression(max_iter=2000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    acc = cross_val_score(pipe, texts, labels, cv=folds, scoring="accuracy")
    return {"accuracy": float(acc.mean()), "folds": [float(a) for a in acc], "n_per_class": n, "numbers_masked": mask_numbers}


# --- verification -----------------------------------------------------------------------------


@dataclass
class Verification:
    task_id: str
    backend: str
    success: bool
    steps: int
    detail: str
    #: Sanity agents that passed the task or reached its outcome checks (any one disqualifies it).
    passed_by: tuple[str, ...] = ()
    #: The verification itself failed (an agent or the backend died): nothing is known about the task.
    crashed: bool = False

    @property
    def keep(self) -> bool:
        return self.success and not self.passed_by


def verify_reference(task: Task, env, *, sanity: Sequence[str] = SANITY_AGENTS) -> Verification:
    """Run ``task``'s reference solution on ``env``'s backend and judge it, then run each
    ``sanity`` agent on it, each episode as the benchmark runner plays the task's first
    trial (:func:`sixg.bench.run.play_task`: its episode seed, the settling, the verdict).
    The task is fit for the benchmark when the reference succeeds and no sanity agent
    reaches its outcome (:attr:`Verification.keep`).

    Raises:
        SixgError: an episode failed (the agent or the backend died): nothing is known then.
    """
    from sixg.agents import make_agent
    from sixg.bench.reference import ReferenceAgent
    from sixg.bench.run import play_task

    def play(agent, name: str):
        ep, trajectory = play_task(task, agent, env)
        if ep.error is not None:
            raise SixgError(f"the {name} agent's episode of {task.id} failed: {ep.error}")
        return ep, trajectory

    ref, trajectory = play(ReferenceAgent(), "reference")
    errors = [s["result"]["error"]["message"] for s in trajectory.steps if s["result"]["error"] is not None]
    failed = [d for _, ok, d in ref.checks if not ok]
    detail = "ok" if ref.success else "; ".join(failed + ([] if ref.verified or not task.requires_verification else ["not confirmed by verification"]) + errors[:2])
    backend = env.sim.world.snapshot.backend
    passed_by = []
    if ref.success:
        for name in sanity:
            ep, _ = play(make_agent(name), name)
            outcomes = [ok for c, (_, ok, _) in zip(task.goal, ep.checks) if c.judges == "outcome"]
            # On a task judged on what the network reaches, doing nothing must leave it short of that,
            # not just fail an action check alongside an outcome it reached by itself.
            if ep.success or (outcomes and all(outcomes)):
                passed_by.append(name)
        if passed_by:
            detail = f"the {' and '.join(passed_by)} agent(s) reached the goal's outcome without managing anything"
    return Verification(task.id, backend, ref.success, ref.steps, detail, tuple(passed_by))


def verify_all(
    tasks: Sequence[Task],
    backend: str,
    *,
    workers: int = 1,
    backend_kwargs: dict | None = None,
    on_done: Callable[[Verification], None] | None = None,
    sanity_on_actions: bool = True,
    cache: Path | None = None,
) -> dict[str, Verification]:
    """:func:`verify_reference` for every task on ``backend`` (threads, one environment each).

    Args:
        sanity_on_actions: Also run the sanity agents on tasks judged on actions only. Their
            verdict there depends on the control state, not on the backend's physics, so a
            build checks them on one backend and skips them on the others.
        cache: A JSONL file of finished verifications: each one is appended as it finishes
            and a rerun takes those of unchanged tasks from it, so an interrupted build
            resumes where it stopped. Failures of the backend itself are not kept.
    """
    import queue
    import threading

    from sixg.sim.env import NetOpsEnv

    results: dict[str, Verification] = dict(_cached(cache, tasks, backend)) if cache is not None else {}
    for v in results.values():
        if on_done is not None:
            on_done(v)
    jobs: queue.Queue = queue.Queue()
    for t in tasks:
        if t.id not in results:
            jobs.put(t)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work() -> None:
        env = NetOpsEnv(backend=backend, backend_kwargs=backend_kwargs or {})
        try:
            while True:
                try:
                    task = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    sanity = SANITY_AGENTS if (sanity_on_actions or task.outcome_graded) else ()
                    v = verify_reference(task, env, sanity=sanity)
                except Exception as exc:  # a crashed worker fails this task, not the build
                    v = Verification(task.id, backend, False, 0, f"{type(exc).__name__}: {exc}", crashed=True)
                with lock:
                    results[task.id] = v
                    if cache is not None and not v.crashed:
                        _append(cache, task, v)
                if on_done is not None:
                    on_done(v)
        except BaseException as exc:  # keep the build alive; re-raised below
            failures.append(exc)
        finally:
            env.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, workers))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if failures:
        raise failures[0]
    return results


@dataclass(frozen=True)
class _CacheEntry:
    """One line of a build's verification cache: a verification and the digest of the task it judged."""

    digest: str
    verification: Verification


_CACHE_ENTRY = TypeAdapter(_CacheEntry)


def _append(cache: Path, task: Task, v: Verification) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("ab") as fh:
        fh.write(_CACHE_ENTRY.dump_json(_CacheEntry(fingerprint([task]), v)) + b"\n")


def _cached(cache: Path, tasks: Sequence[Task], backend: str) -> dict[str, Verification]:
    """Finished verifications of these very tasks on ``backend``; lines that are not a well-typed
    entry (torn by an interruption, edited by hand) are skipped, so their tasks are verified again."""
    if not cache.is_file():
        return {}
    digests = {t.id: fingerprint([t]) for t in tasks}
    found: dict[str, Verification] = {}
    for line in cache.read_bytes().splitlines():
        try:
            entry = _CACHE_ENTRY.validate_json(line, strict=True)
        except ValidationError:
            continue
        v = entry.verification
        if v.backend == backend and digests.get(v.task_id) == entry.digest:
            found[v.task_id] = v
    return found


# --- the file -----------------------------------------------------------------------------------


def validation_subset(tasks: Sequence[Task], *, per_tier: int = 40, seed: int = 0) -> list[str]:
    """Ids of a held-out subset with ``per_tier`` tasks per tier, spread over domains."""
    rng = random.Random(f"sixg-validation-{seed}")
    chosen = []
    for tier in TIERS:
        pool = [t for t in tasks if t.tier == tier]
        by_domain: dict[str, list[Task]] = {}
        for t in sorted(pool, key=lambda t: t.id):
            by_domain.setdefault(t.domain, []).append(t)
        for lst in by_domain.values():
            rng.shuffle(lst)
        picked: list[Task] = []
        while len(picked) < min(per_tier, len(pool)):
            for d in sorted(by_domain):
                if by_domain[d] and len(picked) < per_tier:
                    picked.append(by_domain[d].pop())
        chosen += [t.id for t in picked]
    return chosen


def fingerprint(tasks: Sequence[Task]) -> str:
    h = hashlib.sha256()
    for t in tasks:
        h.update(json.dumps(t.model_dump(mode="json"), sort_keys=True).encode())
    return h.hexdigest()[:16]


def write_benchmark(path: Path, tasks: Sequence[Task], meta: dict) -> None:
    doc = {
        "name": "6GAgentBench",
        "version": BENCHMARK_VERSION,
        "scenario_version": SCENARIO_VERSION,
        "fingerprint": fingerprint(tasks),
        "changelog": {v: list(lines) for v, lines in CHANGELOG.items()},
        **meta,
        "tasks": [t.model_dump(mode="json") for t in tasks],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(path)


@dataclass
class Benchmark:
    """A loaded benchmark file."""

    version: str
    tasks: list[Task]
    validation_ids: list[str]
    meta: dict = field(default_factory=dict)

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)


def load_benchmark(path: Path | None = None) -> Benchmark:
    """Load (and validate) a benchmark file; the shipped one by default."""
    path = Path(path) if path else benchmark_path()
    if not path.is_file():
        raise DataError(f"no benchmark file at {path}; build one with `python -m sixg.bench build`")
    try:
        doc = jsontext.loads(path.read_text())
        tasks = [TASK_ADAPTER.validate_python(t) for t in doc["tasks"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path} is not a valid benchmark file: {str(exc)[:300]}") from None
    if doc.get("fingerprint") != fingerprint(tasks):
        raise DataError(f"{path} has been altered: its tasks do not match the fingerprint it records; rebuild it or bump the version")
    wrong = sorted({t.seed for t in tasks if t.seed not in SPLIT_SEEDS[Split.BENCHMARK]})
    if wrong:
        raise DataError(f"{path} holds tasks on non-benchmark seeds {wrong}")
    meta = {k: v for k, v in doc.items() if k != "tasks"}
    return Benchmark(version=doc["version"], tasks=tasks, validation_ids=list(doc.get("validation_ids", [])), meta=meta)


def require_versions_match(bench: Benchmark) -> None:
    if bench.version != BENCHMARK_VERSION:
        raise UserError(f"benchmark file version {bench.version} does not match this sixg's task format {BENCHMARK_VERSION}")
