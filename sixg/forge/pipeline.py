"""The Forge loop: propose, verify (and correct), de-duplicate, grow the pool, until the target size.

Each round proposes a batch of programs from demonstrations drawn from the pool, verifies
them on worker environments, keeps the verified ones that are not near-duplicates and
writes them as one shard. A round is drawn from the run's seed and the round number and is
committed whole, so an interrupted run resumes at the next round with no trajectory lost or
written twice.
"""

from __future__ import annotations

import json
import pickle
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sixg.bench.scoring import tier_of
from sixg.bench.tasks import RefStep, judge, settle
from sixg.errors import SixgError, UserError
from sixg.forge import phrasing
from sixg.forge.dedup import DEFAULT_THRESHOLD, DedupIndex, dedup_text
from sixg.forge.programs import Program, Unfit, check_train_seed, render
from sixg.forge.records import Corpus, ForgeRecord, RecordMeta, Recovery
from sixg.forge.teacher import Demo, OfflineTeacher, Teacher, TeacherOutputError, TeacherUnavailable
from sixg.forge.verify import Execution, execute
from sixg.tools.catalog import default_catalog

#: Corrections a teacher may make to one program before it is rejected.
MAX_CORRECTIONS = 3
#: Rounds in a row that keep nothing before a run gives up (its teacher's proposals all fail).
STALL_ROUNDS = 10


class ForgeStalled(SixgError):
    """A run kept nothing for :data:`STALL_ROUNDS` rounds in a row: its teacher's proposals all fail."""


@dataclass(frozen=True)
class Outcome:
    """What verification made of one proposal: a record, or the reason it was rejected."""

    record: ForgeRecord | None
    reason: str | None = None


def surrogate_checkpoint_hash() -> str:
    """sha256 of the shipped surrogate's tensors (as its checkpoint config records it)."""
    from sixg.surrogate.model import default_checkpoint

    cfg = json.loads(default_checkpoint().with_suffix(".json").read_text())
    return cfg["tensors_sha256"]


def shipped_pool() -> Path | None:
    """The seed pool shipped with sixg: decision points of the committed ns-3 trace corpus whose seed
    trajectories reached their goal on live ns-3 (None if this installation has none)."""
    path = Path(__file__).resolve().parent.parent / "data" / "forge" / "ns3-seed-pool"
    return path if (path / "manifest.json").is_file() else None


def _chat(messages: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The ReAct history with each call's arguments as a JSON object (what chat templates render)."""
    out = []
    for m in messages:
        m = dict(m)
        if m.get("tool_calls"):
            m["tool_calls"] = [
                {**c, "function": {"name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"]) if isinstance(c["function"]["arguments"], str) else c["function"]["arguments"]}}
                for c in m["tool_calls"]
            ]
        out.append(m)
    return tuple(out)


def _record(program: Program, ex: Execution, *, source: str, teacher: str, backend: str, checkpoint: str | None, recovery: Recovery | None) -> ForgeRecord:
    calls = len(ex.steps)
    task = ex.task
    return ForgeRecord(
        id=f"{task.id}-e{ex.episode_seed}",
        intent=task.intent,
        messages=_chat(ex.messages),
        meta=RecordMeta(
            source=source,
            teacher=teacher,
            domain=task.domain,
            tier=tier_of(calls),
            topology_seed=task.seed,
            backend=backend,
            checkpoint=checkpoint,
            episode_seed=ex.episode_seed,
            scene=program.blueprint.scene,
            calls=calls,
        ),
        options=task.env_options(),
        task=task.model_dump(mode="json"),
        blueprint=program.blueprint.model_dump(mode="json"),
        recovery=recovery,
        outcome=ex.verdict.checks,
    )


def verify_program(program: Program, env, teacher: Teacher, *, episode_seed: int, backend: str, checkpoint: str | None, source_ok: str = "golden", source_recovered: str = "error-recovery") -> Outcome:
    """Run ``program`` through ``env``; golden if it reaches its goal with no failed step, else let
    the teacher correct the first unhandled failure (up to :data:`MAX_CORRECTIONS` times) and keep a
    corrected run that reaches the goal as an error-recovery trace."""
    rng = random.Random(f"sixg-forge-correct:{program.task.id}:{episode_seed}")
    final = phrasing.final_answer(program.task.intent, rng)
    task = program.task
    steps, thoughts = list(task.reference), list(program.thoughts)
    intended: list[RefStep | None] = list(steps)
    if program.blueprint.fault is not None:
        intended = list(render(program.blueprint.model_copy(update={"fault": None})).steps)
    ex = execute(task, thoughts, env, episode_seed=episode_seed, final=final)
    handled = -1
    recovery: Recovery | None = None
    for _ in range(MAX_CORRECTIONS + 1):
        pending = [(i, s) for i, s in ex.failures if i > handled]
        if ex.verdict.success and not pending:
            if recovery is None and not ex.failures:
                return Outcome(_record(program, ex, source=source_ok, teacher=teacher.name, backend=backend, checkpoint=checkpoint, recovery=None))
            if recovery is not None:
                return Outcome(_record(program, ex, source=source_recovered, teacher=teacher.name, backend=backend, checkpoint=checkpoint, recovery=recovery))
            return Outcome(None, "verification: a failed call was left uncorrected")
        if not pending:
            failed = [c for c, ok, _ in ex.verdict.checks if not ok]
            return Outcome(None, "verification: goal not reached (" + ", ".join(failed or ["not confirmed"]) + ")")
        if len(steps) > 40:
            return Outcome(None, "correction: program grew past 40 calls")
        i, srec = pending[0]
        if i >= len(steps):
            return Outcome(None, "verification: failure after the program's last step")
        error = srec["result"].get("error")
        if error is not None:
            fixed = teacher.correct(steps[i], error, intended[i])
            if fixed is None:
                return Outcome(None, f"correction: no fix for a {error.get('kind')} error from {steps[i].tool}")
            args = re.search(r"argument '(\w+)'", error.get("message", ""))
            new = [fixed]
            new_thoughts = [phrasing.correction(error.get("kind", "error"), args.group(1) if args else None, rng)]
            if recovery is None:
                recovery = Recovery(step=i, tool=steps[i].tool, error_kind=error.get("kind", ""), error_message=error.get("message", ""), correction={"name": fixed.tool, "arguments": fixed.model_dump(mode="json")["args"]})
        else:
            new = teacher.wait_and_recheck(steps[i], rng)
            new_thoughts = [phrasing.thought(s, rng) for s in new]
            if recovery is None:
                out = srec["result"].get("output") or {}
                recovery = Recovery(step=i, tool=steps[i].tool, error_kind="sla_not_met", error_message="verify_sla_compliance: not compliant (" + ", ".join(out.get("violations", [])) + ")", correction={"name": "verify_sla_compliance", "arguments": {}, "after": [s.tool for s in new[:-1]]})
        steps[i + 1 : i + 1] = new
        thoughts[i + 1 : i + 1] = new_thoughts
        intended[i + 1 : i + 1] = [None] * len(new)
        task = task.model_copy(update={"reference": tuple(steps), "max_steps": max(task.max_steps, 2 * len(steps) + 6)})
        ex = execute(task, thoughts, env, episode_seed=episode_seed, final=final)
        handled = i  # the failed call stays in the trace; what follows it is new
    return Outcome(None, "correction: still failing after the allowed corrections")


def _verify_job(env, job: tuple[int, Program, int], *, teacher: Teacher, backend: str, checkpoint: str | None) -> Outcome:
    """One verification job of a round: (its index, the program, its episode seed) on a worker's environment."""
    _, program, episode_seed = job
    return guarded(verify_program, program, env, teacher, episode_seed=episode_seed, backend=backend, checkpoint=checkpoint)


def guarded(verify: Callable[..., Outcome], *args, **kwargs) -> Outcome:
    """``verify(...)``, with a typed sixg error (a backend that refused the situation, a call the
    catalog would not build, a teacher's unusable correction) turned into a counted rejection
    instead of ending the run; a teacher that cannot work at all still ends it."""
    try:
        return verify(*args, **kwargs)
    except TeacherUnavailable:
        raise
    except TeacherOutputError as exc:
        return Outcome(None, exc.reason)
    except SixgError as exc:
        return Outcome(None, f"verification: {type(exc).__name__}")


@dataclass
class Counters:
    """What each stage did, kept in the manifest so a resumed run goes on counting."""

    proposed: int = 0
    rejected: Counter = field(default_factory=Counter)
    verified: Counter = field(default_factory=Counter)
    duplicates: int = 0
    kept: int = 0
    exact_rouge: int = 0
    seconds: Counter = field(default_factory=Counter)

    pool: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"pool": self.pool, "proposed": self.proposed, "rejected": dict(self.rejected), "verified": dict(self.verified), "duplicates": self.duplicates, "kept": self.kept, "exact_rouge": self.exact_rouge, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Counters:
        return cls(d.get("proposed", 0), Counter(d.get("rejected", {})), Counter(d.get("verified", {})), d.get("duplicates", 0), d.get("kept", 0), d.get("exact_rouge", 0), Counter(d.get("seconds", {})), d.get("pool", 0))


Progress = Callable[[str, int, int], None]


def run_forge(
    out: str | Path,
    *,
    seeds: Sequence[int],
    target: int,
    teacher: Teacher | None = None,
    workers: int = 1,
    batch: int = 64,
    demos: int = 4,
    seed: int = 0,
    pool: str | Path | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    backend: str = "surrogate",
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    max_rounds: int | None = None,
) -> dict[str, Any]:
    """Grow the corpus at ``out`` to ``target`` records; returns the manifest.

    Args:
        seeds: Training topology seeds (any benchmark seed is refused).
        teacher: Proposes and corrects programs (a :class:`~sixg.forge.teacher.Teacher`); the
            offline teacher by default.
        workers: Verification workers, one environment each: worker processes kept for the run when
            the teacher is local (the offline one), else threads.
        batch: Proposals per round (one shard per round).
        demos: Demonstrations drawn from the pool for each proposal (k).
        pool: A corpus whose records seed the pool (e.g. the ns-3 annotated one).
        progress: Called as ``progress(stage, done, total)``.
        max_rounds: Stop after this many rounds of this call even short of ``target`` (rerun to go on).

    Raises:
        ForgeStalled: :data:`STALL_ROUNDS` rounds in a row kept nothing (what was kept is committed).
        TeacherUnavailable: The teacher cannot work (e.g. its endpoint is unreachable).
    """
    import time

    from sixg.parallel import ProcessWorkers, run_jobs
    from sixg.sim.env import NetOpsEnv

    seeds = [check_train_seed(s) for s in seeds]
    if not seeds:
        raise UserError("no topology seeds: pass --seeds, e.g. 1-50")
    teacher = teacher or OfflineTeacher(seeds)
    in_processes = workers > 1 and getattr(teacher, "local", False)
    if in_processes:
        try:
            pickle.dumps(teacher, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # whatever its pickling raises (TypeError, PicklingError, AttributeError, ...)
            raise UserError(
                f"teacher {teacher.name!r} says local = True, so with workers={workers} it is sent to worker processes, "
                f"but it cannot be pickled ({type(exc).__name__}: {exc}); make it picklable, set its local = False "
                "(verification then runs in threads), or use one worker"
            ) from exc
    corpus = Corpus(out)
    config = {"seeds": seeds, "teacher": teacher.name, "seed": seed, "batch": batch, "demos": demos, "threshold": threshold, "backend": backend, "pool": str(pool) if pool else None}
    if corpus.exists():
        manifest = corpus.manifest()
        if manifest["config"] != config:
            raise UserError(f"{out} was made with other settings ({manifest['config']}); resume it with the same ones, or write to a new --out")
    else:
        manifest = corpus.create(default_catalog().schemas(), config=config)
    counters = Counters.from_json(manifest.get("counters", {}))
    checkpoint = surrogate_checkpoint_hash() if backend == "surrogate" else None
    index = DedupIndex(threshold=threshold)
    demonstrations: list[Demo] = []
    if pool is not None and not manifest["shards"]:
        # The seed pool (e.g. the ns-3 annotated trajectories) opens the corpus as its first shard.
        seeded = [r for r in Corpus(pool).records() if r.meta.topology_seed in seeds]
        counters.pool = len(seeded)
        manifest = corpus.append_shard(seeded, counters=counters.as_json())
    have = 0
    tiers: Counter[str] = Counter()
    for rec in corpus.records():
        tiers[rec.meta.tier] += 1
        index.add(dedup_text(rec.intent, rec.tool_sequence()))
        if rec.blueprint:
            demonstrations.append(Demo.of(rec))
        have += 1
    stop = stop or threading.Event()
    rounds = empty = 0
    # A teacher that computes here keeps verification CPU-bound: worker processes, kept for the run
    # (they start at the first job, so a run with nothing left to do starts none).
    with ProcessWorkers(partial(NetOpsEnv, backend=backend), workers) if in_processes else nullcontext() as processes:
        while have < target and not stop.is_set() and (max_rounds is None or rounds < max_rounds):
            rnd = len(corpus.manifest()["shards"])
            rng = random.Random(f"sixg-forge-round:{seed}:{rnd}")
            t0 = time.perf_counter()
            proposals: list[tuple[Program, int]] = []
            attempts = 0
            # The last rounds propose only about what the target still needs (a few spare for rejections).
            size = min(batch, int((target - have) * 1.5) + 2)
            while len(proposals) < size and attempts < 4 * size:
                attempts += 1
                try:
                    program = teacher.propose(rng.sample(demonstrations, min(demos, len(demonstrations))), rng, kept=tiers)
                except Unfit:
                    counters.rejected["proposal: scene does not fit the topology"] += 1
                    continue
                except TeacherOutputError as exc:
                    counters.rejected[exc.reason] += 1
                    continue
                proposals.append((program, rng.randrange(2**31 - 1)))
                if progress:
                    progress("propose", len(proposals), size)
            counters.proposed += len(proposals)
            counters.seconds["propose"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            results: dict[int, Outcome] = {}

            def on_result(job, outcome, node, results=results) -> None:
                results[job[0]] = outcome
                if progress:
                    progress("verify", len(results), len(proposals))

            jobs = [(j, program, episode_seed) for j, (program, episode_seed) in enumerate(proposals)]
            work = partial(_verify_job, teacher=teacher, backend=backend, checkpoint=checkpoint)
            if processes is not None:
                processes.run(jobs, work, on_result)
            else:
                run_jobs(jobs, setup=lambda: NetOpsEnv(backend=backend), work=work, on_result=on_result, workers=workers, stop=threading.Event(), teardown=lambda env: env.close(), name="forge-verify")
            counters.seconds["verify"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            kept: list[ForgeRecord] = []
            seen_ids = set()
            for j in range(len(proposals)):
                o = results[j]
                if o.record is None:
                    counters.rejected[o.reason] += 1
                    continue
                counters.verified[o.record.meta.source] += 1
                if have + len(kept) >= target:
                    counters.rejected["growth: surplus past the target"] += 1
                    continue
                ok, _ = (False, 1.0) if o.record.id in seen_ids else index.admit(dedup_text(o.record.intent, o.record.tool_sequence()))
                if progress:
                    progress("dedup", j + 1, len(proposals))
                if not ok:
                    counters.duplicates += 1
                    continue
                seen_ids.add(o.record.id)
                kept.append(o.record)
            counters.exact_rouge = index.exact_comparisons + counters.exact_rouge
            index.exact_comparisons = 0
            counters.seconds["dedup"] += time.perf_counter() - t0
            counters.kept += len(kept)
            manifest = corpus.append_shard(kept, counters=counters.as_json())
            demonstrations += [Demo.of(r) for r in kept if r.blueprint]
            tiers.update(r.meta.tier for r in kept)
            have += len(kept)
            rounds += 1
            empty = 0 if kept else empty + 1
            if progress:
                progress("grow", have, target)
            if empty >= STALL_ROUNDS:
                raise ForgeStalled(
                    f"{out}: {empty} rounds in a row kept nothing ({counters.proposed} proposals so far; rejected: {dict(counters.rejected)}); "
                    f"the teacher {teacher.name!r} writes nothing that verifies -- try a stronger model, or --teacher offline"
                )
    return manifest


def replay_record(record: ForgeRecord, env) -> list[str]:
    """Run a record's calls again through ``env`` and list every difference from what it recorded
    (the first observation, each tool result the agent read, the goal checks once the network settled); empty when identical."""
    from sixg.bench.tasks import TASK_ADAPTER
    from sixg.tools.boundary import ToolCall
    from sixg.tools.references import Recall

    text, info = env.reset(seed=record.meta.episode_seed, options=record.options)
    recall = Recall()  # the calls refer to earlier results as the agent wrote them: fill them as it did
    recall.observe(tool=None, output=None, error=None, state=info["state"])
    diffs = []
    first_user = next(m for m in record.messages if m["role"] == "user")
    if first_user["content"] != text:
        diffs.append("first observation differs")
    msgs = list(record.messages)
    for k, m in enumerate(msgs):
        for c in m.get("tool_calls") or ():
            out = env.step(ToolCall(name=c["function"]["name"], arguments=recall.fill(json.dumps(c["function"]["arguments"])), id=c["id"]))
            recall.observe(tool=out.result.tool, output=out.result.output, error=out.result.error, state=out.state)
            answer = next((x for x in msgs[k + 1 :] if x.get("role") == "tool" and x.get("tool_call_id") == c["id"]), None)
            if answer is None or answer["content"] != out.observation:
                diffs.append(f"result of {c['id']} ({c['function']['name']}) differs")
            if out.terminated or out.truncated:
                break
    task = TASK_ADAPTER.validate_python(record.task)
    settle(task, env)
    verdict = judge(task, env.sim.world, verified=bool(env.trajectory.steps and env.trajectory.steps[-1]["terminated"]))
    if tuple(tuple(c) for c in verdict.checks) != tuple(tuple(c) for c in record.outcome):
        diffs.append("goal checks differ")
    return diffs
