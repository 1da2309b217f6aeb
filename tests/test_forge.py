"""6G-Forge: programs, execution verification with correction, de-duplication, the corpus format, the run loop."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from sixg.errors import SeedSplitError
from sixg.forge.dedup import DedupIndex, dedup_text
from sixg.forge.pipeline import replay_record, run_forge, verify_program
from sixg.forge.programs import Blueprint, Fault, check_train_seed, render
from sixg.forge.records import Corpus, CorruptShardError, load_records, to_dataset
from sixg.forge.teacher import OfflineTeacher
from sixg.sim.env import NetOpsEnv

SAMPLE = Path(__file__).parent / "data" / "forge-sample"


@pytest.fixture(scope="module")
def env():
    e = NetOpsEnv(backend="surrogate")
    yield e
    e.close()


@pytest.fixture(scope="module")
def teacher():
    return OfflineTeacher(list(range(1, 51)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("forge") / "corpus"
    run_forge(out, seeds=range(1, 21), target=16, batch=8, seed=3)
    return out


def _uav_blueprint(**kw) -> Blueprint:
    seed = next(s for s in range(1, 51) if render_ok(Blueprint(scene="uav_reposition", seed=s, variant=0)))
    return Blueprint(scene="uav_reposition", seed=seed, variant=0, detail=1, **kw)


def render_ok(bp: Blueprint) -> bool:
    try:
        render(bp)
        return True
    except Exception:
        return False


def test_benchmark_seeds_are_refused_everywhere(tmp_path):
    """No benchmark topology seed (51-80) can enter a program, a run or the command line."""
    with pytest.raises(SeedSplitError, match="not a training seed"):
        check_train_seed(51)
    with pytest.raises(ValueError):
        Blueprint(scene="slice_rescue", seed=60, variant=0)
    with pytest.raises(SeedSplitError):
        run_forge(tmp_path / "c", seeds=[3, 52], target=1)
    from sixg.forge.__main__ import main

    assert main(["run", "--seeds", "49-51", "--target", "1", "--out", str(tmp_path / "d")]) == 2
    assert not (tmp_path / "d").exists()


class _LockedTeacher(OfflineTeacher):
    """An offline teacher holding something pickle cannot take (a lock)."""

    def __init__(self, seeds):
        super().__init__(seeds)
        self.lock = threading.Lock()


def test_a_local_teacher_that_cannot_be_pickled_is_refused_before_the_run(tmp_path):
    """A teacher that says it is local but cannot reach worker processes is a typed error saying what to do, and no corpus is started."""
    from sixg.errors import UserError

    with pytest.raises(UserError, match="cannot be pickled.*local = False"):
        run_forge(tmp_path / "c", seeds=[1, 2], target=2, batch=2, teacher=_LockedTeacher([1, 2]), workers=2)
    assert not (tmp_path / "c").exists()

def test_golden_program_reaches_its_outcome(env, teacher):
    """A program that applies the remedy is golden, its goal checks all hold on the final state."""
    program = render(Blueprint(scene="slice_rescue", seed=3, variant=1, detail=0))
    out = verify_program(program, env, teacher, episode_seed=5, backend="surrogate", checkpoint=None)
    assert out.record is not None and out.record.meta.source == "golden"
    assert all(ok for _, ok, _ in out.record.outcome)
    assert ("slice_is", True) in [(c, ok) for c, ok, _ in out.record.outcome]


def test_saying_the_right_words_is_not_golden(env, teacher):
    """Verifying without the remedy leaves the outcome unreached: rejected, never golden."""
    program = render(Blueprint(scene="slice_rescue", seed=3, variant=1, detail=0))
    words_only = program.model_copy(update={"task": program.task.model_copy(update={"reference": tuple(s for s in program.steps if s.tool != "switch_network_slice")}), "thoughts": program.thoughts[1:]})
    out = verify_program(words_only, env, teacher, episode_seed=5, backend="surrogate", checkpoint=None)
    assert out.record is None
    assert "slice_is" in out.reason or "correction" in out.reason


def test_wrong_argument_yields_error_recovery_trace(env, teacher):
    """A wrong UAV id fails at the boundary; the corrected run keeps the failed call, the boundary's error text and the fix."""
    base = _uav_blueprint()
    program = render(base)
    i = next(k for k, s in enumerate(program.steps) if "uav" in s.args)
    faulty = render(base.model_copy(update={"fault": Fault(step=i, argument="uav", value="uav-9")}))
    out = verify_program(faulty, env, teacher, episode_seed=2, backend="surrogate", checkpoint=None)
    rec = out.record
    assert rec is not None and rec.meta.source == "error-recovery"
    assert rec.recovery.error_kind == "invalid_arguments" and "no UAV 'uav-9'" in rec.recovery.error_message
    calls = [c for m in rec.messages for c in m.get("tool_calls") or ()]
    assert calls[i]["function"]["arguments"]["uav"] == "uav-9"
    assert calls[i + 1]["function"]["arguments"]["uav"] == program.steps[i].args["uav"]
    answer = next(m for m in rec.messages if m.get("tool_call_id") == calls[i]["id"])
    assert rec.recovery.error_message in answer["content"]


def test_refused_slice_switch_is_corrected_from_the_error(teacher):
    """A refused switch names the slice the service is on; the teacher's fix takes it from there."""
    from sixg.bench.tasks import RefStep

    step = RefStep(tool="switch_network_slice", args={"from_slice": "mMTC", "to_slice": "URLLC"})
    fixed = teacher.correct(step, {"kind": "refused", "message": "the service is on eMBB, not mMTC; check_network_state and try again"}, None)
    assert fixed.args["from_slice"] == "eMBB"
    assert teacher.correct(step, {"kind": "timeout", "message": "?"}, None) is None


def test_planted_near_duplicate_is_dropped():
    """A near-copy of a pool item (one figure changed) is refused; a different trajectory is admitted."""
    index = DedupIndex(threshold=0.7)
    for k in range(30):
        index.add(dedup_text(f"Put uav-{k % 3} at {40 + k} m and report filler{k} words", ["read_uav_position", "adjust_altitude"]))
    text = dedup_text("Put uav-1 at 55 m and report filler15 words", ["read_uav_position", "adjust_altitude"])
    assert index.admit(text) == (False, pytest.approx(index.nearest(text)[0]))
    ok, score = index.admit(dedup_text("Raise a battery alert for uav-2 and broadcast that it is holding", ["heartbeat", "send_alert", "broadcast_status"]))
    assert ok and score < 0.7


def test_corpus_records_are_chat_ready(corpus):
    """Records carry trl-style messages (system, user intent, tool_calls with object arguments, tool results) and metadata."""
    recs = load_records(corpus)
    assert len(recs) == 16
    from sixg.agents.llm import SYSTEM_PROMPT

    for r in recs:
        assert r.messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
        assert r.messages[1]["role"] == "user" and r.intent in r.messages[1]["content"]
        assert r.messages[-1]["role"] == "assistant" and r.messages[-1]["content"].startswith("Final Answer:")
        for m in r.messages:
            for c in m.get("tool_calls") or ():
                assert isinstance(c["function"]["arguments"], dict)
        assert 1 <= r.meta.topology_seed <= 20 and r.meta.backend == "surrogate" and len(r.meta.checkpoint) == 64
        assert len(r.tools) == 42
    assert len({r.id for r in recs}) == len(recs)


def test_every_kept_trajectory_replays_identically(corpus, env):
    """Each record's calls, sent again through the environment, give the same texts and the same goal checks."""
    for r in load_records(corpus):
        assert replay_record(r, env) == [], r.id


def test_corpus_loads_as_a_datasets_dataset(corpus):
    """The corpus becomes a datasets.Dataset with messages, a tools JSON column and metadata."""
    ds = to_dataset(corpus)
    assert ds.num_rows == 16
    row = ds[0]
    assert {"messages", "tools", "source", "tier", "domain"} <= set(ds.column_names)
    assert len(json.loads(row["tools"])) == 42
    assert row["messages"][0]["role"] == "system"


def test_corrupt_shard_is_a_typed_error(corpus, tmp_path):
    """A changed byte in a shard, or a shard that is not records, raises CorruptShardError naming the file."""
    bad = tmp_path / "bad"
    shutil.copytree(corpus, bad)
    shard = bad / "shards" / "00000.jsonl"
    data = shard.read_bytes()
    shard.write_bytes(data[:100] + b"X" + data[101:])
    with pytest.raises(CorruptShardError, match="00000.jsonl does not match the sha256"):
        load_records(bad)
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(CorruptShardError, match="manifest"):
        load_records(bad)


def test_interrupted_run_resumes_without_loss_or_duplicates(tmp_path):
    """Stopped after its first round and rerun, a run ends with exactly the records of an uninterrupted one."""
    straight = tmp_path / "straight"
    run_forge(straight, seeds=range(1, 11), target=10, batch=5, seed=1)
    stop = threading.Event()
    resumed = tmp_path / "resumed"
    run_forge(resumed, seeds=range(1, 11), target=10, batch=5, seed=1, stop=stop, progress=lambda stage, done, total: stop.set() if stage == "grow" else None)
    assert 0 < Corpus(resumed).count() < 10
    run_forge(resumed, seeds=range(1, 11), target=10, batch=5, seed=1)
    a, b = [r.id for r in load_records(straight)], [r.id for r in load_records(resumed)]
    assert a == b and len(set(b)) == 10


def test_worker_processes_write_the_same_corpus_as_one_worker(corpus, tmp_path):
    """Verification in two worker processes (the offline teacher's path) writes byte-identical shards to one in-process worker."""
    out = tmp_path / "two"
    run_forge(out, seeds=range(1, 21), target=16, batch=8, seed=3, workers=2)
    one, two = sorted((corpus / "shards").glob("*.jsonl")), sorted((out / "shards").glob("*.jsonl"))
    assert [p.name for p in one] == [p.name for p in two] and len(one) >= 2
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two))


def test_stats_and_decontaminate_commands(capsys, tmp_path):
    """stats --json counts the shipped sample by source, tier and domain (its plot goes to a folder it creates); decontaminate reports ROUGE-L and the probe."""
    from sixg.forge.__main__ import main

    plot = tmp_path / "new" / "dir" / "stats.png"
    assert main(["stats", str(SAMPLE), "--json", "--plot", str(plot)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert plot.stat().st_size > 0
    assert stats["records"] == sum(stats["by_source"].values()) == sum(stats["by_tier"].values())
    assert set(stats["by_domain"]) <= {"network_slicing", "edge_offloading", "uav_control", "degradation_recovery", "multi_agent_coordination"}
    assert main(["decontaminate", str(SAMPLE), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["benchmark_intents"] > 0 and 0.0 <= rep["max_rouge_l"] <= 1.0
    assert 0.0 <= rep["separability"]["accuracy"] <= 1.0


def test_seed_pool_opens_the_corpus(tmp_path):
    """A run from a seed pool starts with the pool's trajectories (its first shard) and grows past them from their blueprints."""
    pool = load_records(SAMPLE)
    out = tmp_path / "grown"
    run_forge(out, seeds=range(1, 51), target=len(pool) + 4, batch=6, pool=SAMPLE, seed=2)
    recs = load_records(out)
    assert [r.id for r in recs[: len(pool)]] == [r.id for r in pool]
    assert len(recs) == len(pool) + 4 and len({r.id for r in recs}) == len(recs)


def test_shipped_seed_pool_is_real_ns3():
    """The shipped seed pool holds only ns3-real trajectories from training seeds, verified on ns-3 (no surrogate checkpoint)."""
    from sixg.forge.pipeline import shipped_pool

    recs = load_records(shipped_pool())
    assert recs and all(r.meta.source == "ns3-real" and r.meta.backend == "ns3" and r.meta.checkpoint is None for r in recs)
    assert all(1 <= r.meta.topology_seed <= 50 and all(ok for _, ok, _ in r.outcome) for r in recs)


def test_forge_has_its_own_generator_and_wording():
    """No module of sixg.forge imports the benchmark's task families or its intent wording."""
    import ast

    banned = {"sixg.bench.families", "sixg.bench.wording"}
    for path in (Path(__file__).parents[1] / "sixg" / "forge").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                names = {a.name for a in node.names}
            else:
                continue
            assert not names & banned, f"{path.name} imports {names & banned}"


def test_teacher_steers_proposals_toward_the_tiers_the_corpus_lacks(teacher):
    """With no corpus yet it aims at 30/45/25; a tier short in the kept corpus is proposed more often, one in excess less."""
    from sixg.forge.teacher import TIER_MIX

    assert teacher.aim({}) == TIER_MIX
    aim = teacher.aim({"L1": 18, "L2": 41, "L3": 41})
    assert aim["L1"] > TIER_MIX["L1"] and aim["L3"] < TIER_MIX["L3"]
    assert abs(sum(aim.values()) - 1.0) < 1e-9
    on_target = teacher.aim({"L1": 30, "L2": 45, "L3": 25})
    assert all(abs(on_target[t] - TIER_MIX[t]) < 1e-9 for t in TIER_MIX)


def test_intents_vary_in_how_they_name_the_service():
    """The offline teacher's intents for one situation are worded in many ways, most not naming the service's UE."""
    bp = next(Blueprint(scene="slice_rescue", seed=s, variant=0) for s in range(1, 51) if render_ok(Blueprint(scene="slice_rescue", seed=s, variant=0)))
    texts = {render(bp.model_copy(update={"variant": v})).task.intent for v in range(40)}
    assert len(texts) >= 35
    assert sum("ue-" in t for t in texts) < len(texts) / 2


def test_steering_pulls_harder_as_the_corpus_grows(teacher):
    """The same shortfall in share asks for more of the short tier in a large corpus than in a small one, and a tier far in excess is still proposed now and then."""
    small = teacher.aim({"L1": 27, "L2": 45, "L3": 28})
    large = teacher.aim({"L1": 2700, "L2": 4500, "L3": 2800})
    assert large["L1"] > small["L1"] > 0.30
    assert 0 < large["L3"] < small["L3"] < 0.25


def test_a_run_keeps_the_target_tier_mix(tmp_path):
    """A seeded 200-trajectory run (no seed pool) keeps tiers within 5 points of 30 % L1, 45 % L2, 25 % L3."""
    from sixg.forge.teacher import TIER_MIX

    run_forge(tmp_path / "c", seeds=range(1, 51), target=200, batch=25, seed=4)
    recs = load_records(tmp_path / "c")
    share = {t: sum(r.meta.tier == t for r in recs) / len(recs) for t in TIER_MIX}
    assert len(recs) == 200
    assert all(abs(share[t] - TIER_MIX[t]) <= 0.05 for t in TIER_MIX), share


def _intents(seeds, n: int, seed: int) -> list[str]:
    import random

    from sixg.forge.programs import SCENES, Unfit

    rng, out = random.Random(seed), []
    while len(out) < n:
        try:
            out.append(render(Blueprint(scene=rng.choice(SCENES), seed=rng.choice(seeds), variant=rng.randrange(10**6), detail=rng.randint(0, 2), degrade=rng.random() < 0.3, diagnose=rng.random() < 0.3)).task.intent)
        except Unfit:
            continue
    return out


def test_separability_probe_is_at_chance_within_one_generator():
    """The probe cannot tell two disjoint samples of the teacher's intents apart (raw or numbers masked): it is balanced and measures wording, not sample size."""
    from types import SimpleNamespace

    from sixg.bench.build import separability_probe

    a = [SimpleNamespace(intent=i) for i in _intents(range(1, 26), 150, seed=1)]
    b = [SimpleNamespace(intent=i) for i in _intents(range(26, 51), 200, seed=2)]
    for masked in (False, True):
        rep = separability_probe(a, b, seed=0, mask_numbers=masked)
        assert rep["n_per_class"] == 150
        assert rep["accuracy"] < 0.65, rep


def test_every_wording_carries_what_the_program_needs():
    """Whatever register an intent is worded in, it names the UAV and its target figure, the alert and status to send, and the SLA's latency bound."""
    from sixg.forge.programs import SCENES, Unfit

    seen = 0
    for seed in range(1, 51):
        for scene in SCENES:
            for variant in range(6):
                try:
                    program = render(Blueprint(scene=scene, seed=seed, variant=variant, detail=1))
                except Unfit:
                    continue
                seen += 1
                text, task = program.task.intent, program.task
                if task.env_goal.sla is not None:
                    assert f"{task.env_goal.sla.max_latency_ms:g}" in text, text
                for step in program.steps:
                    args = step.model_dump(mode="json")["args"]
                    if step.tool in ("set_waypoint", "adjust_altitude", "adjust_speed", "send_alert"):
                        assert args["uav"] in text, text
                    if step.tool == "adjust_altitude":
                        assert f"{args['altitude']:g}" in text, text
                    if step.tool == "adjust_speed":
                        assert f"{args['speed']:g}" in text, text
                    if step.tool == "set_waypoint":
                        assert all(f"{args['position'][k]:g}" in text for k in "xyz"), text
                    if step.tool == "send_alert":
                        assert args["alert"].replace("_", " ") in text, text
                    if step.tool == "broadcast_status":
                        assert args["message"]["status"] in text, text
                    if step.tool == "trigger_slice_reallocation":
                        assert args["slice"] in text and f"{args['resources']['share'] * 100:g}" in text, text
                    if step.tool == "assign_task":
                        assert args["task"]["name"] in text and args["uav"] in text, text
                    if step.tool == "update_mission_plan":
                        assert args["mission"]["mission_id"] in text and all(f"{p[k]:g}" in text for p in args["mission"]["targets"] for k in "xy"), text
    assert seen > 1000


def test_entity_ids_keep_their_case_at_the_start_of_a_sentence():
    """An intent never capitalises a UAV, cell or UE id (the tools take uav-0, not Uav-0)."""
    import re

    from sixg.forge.programs import SCENES, Unfit

    for seed in range(1, 51):
        for scene in SCENES:
            for variant in range(4):
                try:
                    text = render(Blueprint(scene=scene, seed=seed, variant=variant)).task.intent
                except Unfit:
                    continue
                assert not re.search(r"\b(Uav|Gnb|Ue)-\d", text), text


def test_programs_call_every_tool_the_benchmark_references_call():
    """A model trained on Forge's programs has seen every tool that 6GAgentBench's reference solutions use (read from the shipped benchmark file)."""
    from sixg.bench.build import load_benchmark
    from sixg.forge.programs import SCENES, Unfit

    needed = {s.tool for t in load_benchmark().tasks for s in t.reference}
    seen: set[str] = set()
    for scene in SCENES:
        for seed in range(1, 51, 3):
            for variant in range(4):
                try:
                    program = render(Blueprint(scene=scene, seed=seed, variant=variant, detail=2, diagnose=variant == 1, degrade=variant == 2))
                except Unfit:
                    continue
                seen |= {s.tool for s in program.steps}
    assert needed - seen == set()


@pytest.mark.parametrize("scene", ["share_grant", "coverage_route", "fleet_tasking"])
def test_new_scenes_verify_and_doing_nothing_fails_them(scene, env):
    """Programs of the slice-share, coverage-route and fleet-tasking scenes reach their goal on the surrogate, and the same situation with no calls does not."""
    import random

    from sixg.forge.pipeline import verify_program
    from sixg.forge.programs import Unfit
    from sixg.forge.teacher import OfflineTeacher
    from sixg.forge.verify import execute

    rng, teacher = random.Random(5), OfflineTeacher(range(1, 51))
    kept = tried = 0
    while tried < 8:
        try:
            program = render(Blueprint(scene=scene, seed=rng.randint(1, 50), variant=rng.randrange(10**6), detail=rng.randint(0, 2)))
        except Unfit:
            continue
        tried += 1
        kept += verify_program(program, env, teacher, episode_seed=tried, backend="surrogate", checkpoint=None).record is not None
        idle = execute(program.task.model_copy(update={"reference": ()}), (), env, episode_seed=tried, final="Final Answer: done")
        assert not idle.verdict.success, program.task.intent
    assert kept >= 6
