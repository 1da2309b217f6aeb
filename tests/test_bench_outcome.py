"""Benchmark v2: tasks judged on the network's outcome after it runs on, and a build that drops what nobody needs to manage."""

from __future__ import annotations

import json
import random

import pytest

from sixg.actions import BackhaulDegradation, DegradationOnset
from sixg.agents.sanity import SANITY_AGENTS
from sixg.bench import build
from sixg.bench.build import draw_tasks, verify_all, verify_reference, write_benchmark
from sixg.bench.families import FAMILIES, _service_cell, step
from sixg.bench.reference import ReferenceAgent
from sixg.bench.run import play_task
from sixg.bench.tasks import BENCHMARK_VERSION, CHANGELOG, SETTLE_S, HostIs, LogHas, SlaMet, Task
from sixg.scenario import generate
from sixg.schedule import Schedule, ScheduledEvent
from sixg.sim.env import NetOpsEnv


@pytest.fixture(scope="module")
def env():
    e = NetOpsEnv(backend="surrogate")
    yield e
    e.close()


def _loose_sla(sc, **update):
    return sc.sla.model_copy(update={"max_latency_ms": 1e5, "max_loss_rate": 1.0, "min_throughput_mbps": 0.0, "max_jitter_ms": 1e5, **update})


def _task(sc, *, goal, schedule=Schedule(), settle_s=SETTLE_S, reference=None) -> Task:
    return Task(
        id=f"bench-{sc.seed:03d}-hand_made",
        domain="degradation_recovery",
        family="hand_made",
        tier="L1",
        seed=sc.seed,
        split="benchmark",
        intent="keep the service healthy",
        schedule=schedule,
        goal=tuple(goal),
        requires_verification=False,
        settle_s=settle_s,
        reference=tuple(reference or [step("check_network_state")]),
        max_steps=4,
    )


def test_a_remedy_must_hold_while_the_network_runs_on(env):
    """A goal met when the agent stops but broken a second later (a backhaul fault) passes without settling and fails with it."""
    sc = generate(53, split="benchmark")
    cell = _service_cell(sc)
    fault = Schedule(events=(ScheduledEvent(t=1.6, action=DegradationOnset(degradation=BackhaulDegradation(gnb=cell, extra_delay_ms=300.0, loss_rate=0.2))),))
    goal = [SlaMet(sla=_loose_sla(sc, max_latency_ms=90.0), over_s=SETTLE_S)]  # healthy: ~55 ms
    quick = _task(sc, goal=goal, schedule=fault, settle_s=0.0)
    ep, _ = play_task(quick, ReferenceAgent(), env)
    assert ep.success and ep.t_end < 1.6
    settled = _task(sc, goal=goal, schedule=fault)
    ep, _ = play_task(settled, ReferenceAgent(), env)
    assert not ep.success
    assert "latency" in ep.checks[0][2] and "over the last 3 s" in ep.checks[0][2]
    assert env.sim.now >= ep.t_end + SETTLE_S - 1e-9  # the network ran on after the agent stopped


def test_checks_say_whether_they_judge_outcome_or_action():
    """SLA, edge load, serving cell and missions are outcomes; slice, host, logs and UAV plans are actions."""
    sla = generate(51, split="benchmark").sla
    assert SlaMet(sla=sla).judges == "outcome"
    assert HostIs(host="edge").judges == "action" and LogHas(kind="decision").judges == "action"
    sc = generate(51, split="benchmark")
    assert _task(sc, goal=[SlaMet(sla=sla)]).outcome_graded
    assert not _task(sc, goal=[LogHas(kind="decision")]).outcome_graded


def test_the_build_drops_a_task_the_network_solves_by_itself(env):
    """A goal an idle network meets is reached by the null and verify-only agents, so the build drops it; one
    that needs the agent (the edge's latency bound, unreachable from the cloud) is kept."""
    sc = generate(51, split="benchmark")
    idle = _task(sc, goal=[SlaMet(sla=_loose_sla(sc), over_s=SETTLE_S)])
    v = verify_reference(idle, env)
    assert v.success and not v.keep and v.passed_by == SANITY_AGENTS
    assert "without managing anything" in v.detail
    needed = FAMILIES["eo_edge_latency"](sc, random.Random(0))
    v = verify_reference(needed, env)
    assert v.keep and v.passed_by == (), v.detail


def test_sanity_agents_that_only_meet_an_action_check_do_not_save_a_task(env):
    """An outcome the idle network reaches disqualifies the task even when an action check fails the sanity agents."""
    sc = generate(51, split="benchmark")
    task = _task(sc, goal=[SlaMet(sla=_loose_sla(sc), over_s=SETTLE_S), LogHas(kind="decision")], reference=[
        step("log_decision", record={"decision": "none needed", "rationale": "healthy", "tools_used": [], "confidence": 0.9}),
    ])
    v = verify_reference(task, env)
    assert v.success and v.passed_by == SANITY_AGENTS and not v.keep


def test_an_interrupted_verification_resumes_from_its_cache(tmp_path, monkeypatch):
    """Verified tasks are appended to the cache as they finish; a rerun takes them from it and verifies only changed tasks."""
    tasks = [t for t in draw_tasks("benchmark", [51]) if t.family in ("eo_edge_latency", "uav_altitude")]
    cache = tmp_path / "b.json.verification.jsonl"
    first = verify_all(tasks, "surrogate", cache=cache)
    assert len(cache.read_text().splitlines()) == 2

    def boom(*a, **k):
        raise RuntimeError("the backend died")

    monkeypatch.setattr(build, "verify_reference", boom)
    again = verify_all(tasks, "surrogate", cache=cache)
    assert again == first
    changed = [tasks[0].model_copy(update={"intent": tasks[0].intent + " Now."}), tasks[1]]
    third = verify_all(changed, "surrogate", cache=cache)
    assert not third[tasks[0].id].success and "the backend died" in third[tasks[0].id].detail
    assert third[tasks[1].id] == first[tasks[1].id]
    assert len(cache.read_text().splitlines()) == 2  # a crash is not remembered: the next run retries it
    cache.write_text(cache.read_text() + "{torn line\n")
    assert verify_all(tasks, "surrogate", cache=cache) == first


def test_show_prints_the_changelog_and_what_tasks_are_judged_on(tmp_path, capsys):
    """`bench show` says how many tasks are judged on outcomes and lists each version's changes."""
    from sixg.bench.__main__ import main

    tasks = [t for t in draw_tasks("benchmark", [51]) if t.family in ("eo_edge_latency", "uav_altitude", "dr_service_recovery")]
    path = tmp_path / "b.json"
    write_benchmark(path, tasks, {"validation_ids": [], "verification": {"ns3": {"verified": 3, "dropped": 1, "reference_failed": 0, "passed_by_sanity_agents": {"null": 1, "verify-only": 1}}}})
    assert main(["show", "--benchmark", str(path)]) == 0
    out = capsys.readouterr().out
    assert "judged on the network's outcome: 2 of 3 (1 on the outcome alone" in out
    assert f"v{BENCHMARK_VERSION}:" in out and CHANGELOG[BENCHMARK_VERSION][0][:40] in out
    assert "reached without managing by null 1, verify-only 1" in out
    assert main(["show", "--benchmark", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["judged_on"] == {"outcome_only": 1, "outcome_and_actions": 1, "actions_only": 1}
    assert list(doc["changelog"]) == list(CHANGELOG)


def test_every_family_task_of_v2_settles_and_names_no_remedy_it_does_not_prescribe():
    """v2 tasks run on after the episode; verification is required only where the intent asks to validate a mission."""
    tasks = draw_tasks("benchmark", range(51, 57))
    assert all(t.settle_s == SETTLE_S and t.version == BENCHMARK_VERSION for t in tasks)
    assert {t.family for t in tasks if t.requires_verification} == {"ma_mission"}
    open_remedy = [t for t in tasks if t.family == "dr_service_recovery"]
    assert open_remedy and all(all(c.judges == "outcome" for c in t.goal) for t in open_remedy)
    for t in tasks:
        for c in t.goal:
            if isinstance(c, SlaMet):
                assert c.over_s == SETTLE_S


def test_a_hand_edited_cache_line_is_verified_again_not_trusted(tmp_path):
    """A cache entry whose fields have the wrong types (a string "false", a name instead of a list) is skipped."""
    tasks = [t for t in draw_tasks("benchmark", [51]) if t.family == "uav_altitude"]
    cache = tmp_path / "b.json.verification.jsonl"
    first = verify_all(tasks, "surrogate", cache=cache)
    entry = json.loads(cache.read_text())
    assert entry["verification"]["success"] is True
    for bad in ({"success": "false"}, {"passed_by": "null"}, {"steps": "3"}):
        forged = {**entry, "verification": {**entry["verification"], **bad}}
        cache.write_text(json.dumps(forged) + "\n")
        assert build._cached(cache, tasks, "surrogate") == {}
    cache.write_text(json.dumps(entry) + "\n")
    assert build._cached(cache, tasks, "surrogate") == first


@pytest.mark.parametrize("verify", ["surrogate,ns4", " , "])
def test_build_refuses_an_unknown_or_empty_backend_list_before_drawing(verify, tmp_path, capsys, monkeypatch):
    """A misspelt or empty --verify stops with one line and exit 2 before any task is drawn; nothing is written."""
    from sixg.bench.__main__ import main

    monkeypatch.setattr(build, "draw_tasks", lambda *a, **k: pytest.fail("drew tasks before checking --verify"))
    assert main(["build", "--verify", verify, "--out", str(tmp_path / "b.json")]) == 2
    assert "backend" in capsys.readouterr().err and not (tmp_path / "b.json").exists()


def test_a_build_whose_verifications_crash_writes_nothing(tmp_path, capsys, monkeypatch):
    """When verifications fail to run (the backend died), the build stops without writing the file (an
    existing benchmark stays), keeps the finished verifications and says how to continue."""
    from sixg.bench.__main__ import main

    tasks = [t for t in draw_tasks("benchmark", [51]) if t.family in ("eo_edge_latency", "uav_altitude")]
    monkeypatch.setattr(build, "draw_tasks", lambda split, seeds, **k: tasks if split == "benchmark" or getattr(split, "value", "") == "benchmark" else [])
    monkeypatch.setattr(build, "separability_probe", lambda *a, **k: {"accuracy": 0.5})
    real = build.verify_reference

    def dies_on_one(task, env, **k):
        if task.family == "uav_altitude":
            raise RuntimeError("the backend died")
        return real(task, env, **k)

    monkeypatch.setattr(build, "verify_reference", dies_on_one)
    out = tmp_path / "b.json"
    out.write_text("the benchmark that was there")
    assert main(["build", "--verify", "surrogate", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 verification(s) on surrogate failed to run" in err and "the backend died" in err and "rerun the same command" in err
    assert out.read_text() == "the benchmark that was there"
    cached = [json.loads(line) for line in (tmp_path / "b.json.verification.jsonl").read_text().splitlines()]
    assert [c["verification"]["task_id"] for c in cached] == [t.id for t in tasks if t.family == "eo_edge_latency"]
