"""6GAgentBench: task generation, judging on state, the shipped file, and resumable runs."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest

from sixg.agents import make_agent
from sixg.bench.build import benchmark_path, draw_tasks, load_benchmark, rouge_l_max, separability_probe, validation_subset, write_benchmark
from sixg.bench.families import FAMILIES
from sixg.bench.report import table
from sixg.bench.run import read_results, run, summarise
from sixg.bench.scoring import DOMAINS, tier_of
from sixg.bench.tasks import STATE, Earlier, RefStep, SlaMet, SliceIs, Task, judge, output_of
from sixg.errors import DataError
from sixg.scenario import SPLIT_SEEDS, Split, generate
from sixg.sim.env import NetOpsEnv


def test_families_cover_every_domain_and_tier():
    """The families draw tasks in all five domains and all three tiers, tier set by reference length."""
    tasks = draw_tasks(Split.BENCHMARK, range(51, 61))
    assert {t.domain for t in tasks} == set(DOMAINS)
    assert {t.tier for t in tasks} == {"L1", "L2", "L3"}
    for t in tasks:
        assert t.tier == tier_of(len(t.reference))
        assert t.max_steps >= len(t.reference)
        assert t.split == "benchmark" and 51 <= t.seed <= 80


def test_drawing_is_seeded():
    """The same seeds draw the same tasks."""
    assert draw_tasks(Split.TRAIN, [3, 4]) == draw_tasks(Split.TRAIN, [3, 4])


def test_intents_vary_in_wording():
    """Intents of one family are not one template: most pairs differ substantially."""
    tasks = [t for t in draw_tasks(Split.BENCHMARK, SPLIT_SEEDS[Split.BENCHMARK]) if t.family == "ns_urllc_congestion"]
    texts = [t.intent for t in tasks]
    scores = rouge_l_max(texts[:10], texts[10:])
    assert sum(s < 0.8 for s in scores) >= 5
    assert len({t.split(".")[0] for t in texts}) >= 5


def test_probe_is_near_chance_on_wording():
    """With numbers masked, a TF-IDF classifier cannot tell training from benchmark intents well."""
    train = draw_tasks(Split.TRAIN, range(1, 31))
    bench = draw_tasks(Split.BENCHMARK, range(51, 81))
    assert separability_probe(train, bench, mask_numbers=True)["accuracy"] < 0.62


def test_judge_on_hand_made_worlds():
    """Success needs every goal check on the final state, and verification when the task requires it."""
    from sixg.world import World

    sc = generate(51, split="benchmark")
    task = FAMILIES["ns_urllc_congestion"](sc, random.Random(0))
    env = NetOpsEnv(backend="surrogate")
    env.reset(seed=1, options=task.env_options())
    world: World = env.sim.world
    v = judge(task, world, verified=True)
    assert not v.success  # the service is still on eMBB
    assert any(name == "slice_is" and not ok for name, ok, _ in v.checks)
    good = task.model_copy(update={"requires_verification": True, "goal": (SliceIs(slice=world.state.slice), SlaMet(sla=world.scenario.sla.model_copy(update={"max_latency_ms": 1e6, "max_loss_rate": 1.0, "min_throughput_mbps": 0.0, "max_jitter_ms": 1e6})))})
    assert judge(good, world, verified=True).success
    assert not judge(good, world, verified=False).success  # verification required but not done
    env.close()


def test_shipped_benchmark_file_validates():
    """The shipped benchmark loads, is versioned, holds benchmark seeds only, and has a validation subset of up to 40 per tier."""
    bench = load_benchmark()
    assert bench.version and bench.meta["fingerprint"]
    assert all(51 <= t.seed <= 80 for t in bench.tasks)
    assert len({t.id for t in bench.tasks}) == len(bench.tasks)
    val = [bench.task(i) for i in bench.validation_ids]
    assert {tier: sum(t.tier == tier for t in val) for tier in ("L1", "L2", "L3")} == {tier: min(40, sum(t.tier == tier for t in bench.tasks)) for tier in ("L1", "L2", "L3")}
    assert bench.meta["verification"]["surrogate"]["verified"] > 0 and bench.meta["verification"]["ns3"]["verified"] > 0


def test_altered_benchmark_file_is_refused(tmp_path):
    """A benchmark whose tasks were edited without a new fingerprint, or with a training seed, is refused."""
    doc = json.loads(benchmark_path().read_text())
    doc["tasks"][0]["intent"] = "something else"
    p = tmp_path / "b.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="altered"):
        load_benchmark(p)
    tasks = draw_tasks(Split.TRAIN, [2])
    write_benchmark(tmp_path / "t.json", tasks, {"validation_ids": []})
    with pytest.raises(DataError, match="non-benchmark seeds"):
        load_benchmark(tmp_path / "t.json")


def test_reference_steps_are_typed_and_keep_the_file_format():
    """A step takes earlier outputs as typed references, writes them as {"$": ...}, and must fit its tool."""
    step = RefStep.model_validate(
        {"tool": "select_recovery_strategy", "args": {"state": {"$": "state"}, "risk": {"$": "out", "tool": "risk_assessment"}}}
    )
    assert step.args == {"state": STATE, "risk": output_of("risk_assessment")}
    assert step.model_dump(mode="json")["args"]["risk"] == {"$": "out", "tool": "risk_assessment"}
    assert step.call({}, None) is None  # the output it needs is missing: nothing to send
    with pytest.raises(ValueError, match="names its tool"):
        Earlier.model_validate({"$": "out"})
    with pytest.raises(ValueError, match="adjust_speed argument 'speed'"):
        RefStep(tool="adjust_speed", args={"uav": "uav-0", "speed": 400.0})
    with pytest.raises(ValueError, match="has no argument 'sped'"):
        RefStep(tool="adjust_speed", args={"uav": "uav-0", "sped": 4.0})


def test_validation_subset_is_stratified():
    """The validation subset takes 40 tasks per tier, spread over domains."""
    tasks = draw_tasks(Split.BENCHMARK, SPLIT_SEEDS[Split.BENCHMARK], variants=2)
    ids = validation_subset(tasks)
    chosen = [t for t in tasks if t.id in set(ids)]
    for tier in ("L1", "L2", "L3"):
        in_tier = [t for t in chosen if t.tier == tier]
        assert len(in_tier) == 40
        assert len({t.domain for t in in_tier}) >= 2


def _small(n=4) -> list[Task]:
    return [t for t in draw_tasks(Split.BENCHMARK, [52, 53]) if t.tier == "L1"][:n]


def test_reference_agent_runs_and_results_are_written(tmp_path):
    """A run writes one result per episode and a summary; the reference replayer succeeds on L1 tasks."""
    tasks = _small()
    meta = {"agent": "reference", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
    eps = run(tasks, make_agent=lambda: make_agent("reference"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=meta)
    assert len(eps) == len(tasks) and len(read_results(tmp_path)) == len(tasks)
    assert sum(e.success for e in eps) >= len(tasks) - 1
    s = summarise(eps)
    assert "| reference |" in table({"reference": s})
    assert all((tmp_path / "trajectories" / f"{t.id}-t0.jsonl").is_file() for t in tasks)


def test_an_interrupted_run_resumes_without_redoing_or_losing_work(tmp_path):
    """Stopping mid-run keeps the finished episodes; the rerun does only the rest."""
    tasks = _small(4)
    meta = {"agent": "random", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
    stop = threading.Event()
    seen = []

    def on_episode(ep):
        seen.append(ep.task_id)
        if len(seen) == 2:
            stop.set()

    run(tasks, make_agent=lambda: make_agent("random"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=meta, on_episode=on_episode, stop=stop)
    first = read_results(tmp_path)
    assert len(first) == 2
    # A line cut short by a crash is ignored, its episode runs again.
    with open(tmp_path / "results.jsonl", "a") as fh:
        fh.write('{"task_id": "broken"')
    heard = []
    assert len(read_results(tmp_path, on_unreadable=heard.append)) == 2 and heard == [1]
    again = []
    run(tasks, make_agent=lambda: make_agent("random"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=meta, on_episode=lambda ep: again.append(ep.task_id))
    assert sorted(again) == sorted(t.id for t in tasks if t.id not in set(seen))
    final = read_results(tmp_path)
    assert sorted(e.task_id for e in final) == sorted(t.id for t in tasks)


def test_a_run_with_other_settings_is_refused(tmp_path):
    """Resuming into a directory made by another agent is refused instead of mixing results."""
    tasks = _small(1)
    meta = {"agent": "random", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
    run(tasks, make_agent=lambda: make_agent("random"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=meta)
    from sixg.errors import UserError

    with pytest.raises(UserError, match="other settings"):
        run(tasks, make_agent=lambda: make_agent("threshold"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=dict(meta, agent="threshold"))


def test_malformed_model_output_is_a_failed_step_not_a_crash():
    """An agent emitting garbage costs steps; the episode ends at its budget and is judged a failure."""
    from sixg.agents.base import Agent
    from sixg.tools.boundary import ToolCall

    class Garbage(Agent):
        id = "garbage"

        def reset(self, *, intent, tools, seed=None):
            self.n = 0

        def act(self, observation):
            self.n += 1
            return [ToolCall(name="", arguments="<tool_call>{oops"), ToolCall(name="switch_netwrok_slice", arguments="{}"), ToolCall(name="check_network_state", arguments="[1, 2]")][self.n % 3]

    from sixg.bench.run import run_task

    task = _small(1)[0]
    env = NetOpsEnv(backend="surrogate")
    ep = run_task(task, Garbage(), env)
    assert not ep.success and ep.error is None
    assert ep.steps == task.max_steps and ep.invalid_calls == task.max_steps
    env.close()


def test_report_compares_finished_runs(tmp_path, capsys):
    """`python -m sixg.bench report` puts finished runs in one Table-I table and one plot, warns when
    they were scored on different benchmarks, and names the command that fixes a missing summary."""
    from sixg.bench.__main__ import main

    tasks = _small(3)
    rows = {}
    for agent in ("reference", "random"):
        out = tmp_path / agent
        meta = {"agent": agent, "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
        eps = run(tasks, make_agent=lambda a=agent: make_agent(a), make_env=lambda: NetOpsEnv(backend="surrogate"), out=out, meta=meta)
        rows[agent] = dict(summarise(eps), **meta)
        (out / "summary.json").write_text(json.dumps(rows[agent]))
    assert main(["report", str(tmp_path / "reference"), str(tmp_path / "random"), "--plot", str(tmp_path / "all.png"), "--json", str(tmp_path / "rows.json")]) == 0
    printed = capsys.readouterr()
    assert table(rows) in printed.out and "warning" not in printed.err
    assert (tmp_path / "all.png").stat().st_size > 0
    back = json.loads((tmp_path / "rows.json").read_text())
    assert back["reference"]["overall"]["sr"] == 1.0 and back["reference"]["overall"]["sr"] >= back["random"]["overall"]["sr"]

    other = dict(rows["random"], benchmark_fingerprint="y")
    (tmp_path / "random" / "summary.json").write_text(json.dumps(other))
    assert main(["report", str(tmp_path / "reference"), str(tmp_path / "random")]) == 0
    assert "different benchmark fingerprints" in capsys.readouterr().err

    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "python -m sixg.bench run" in capsys.readouterr().err
    (tmp_path / "random" / "summary.json").write_text("{not json")
    assert main(["report", str(tmp_path / "random")]) == 2
    assert "not a run summary" in capsys.readouterr().err


def test_show_tabulates_the_shipped_benchmark(capsys):
    """`python -m sixg.bench show` prints a domain x tier table whose cells add up to the task count."""
    from collections import Counter

    from sixg.bench.__main__ import main
    from sixg.bench.build import load_benchmark

    bench = load_benchmark()
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("domain"))
    rows = {}
    for line in lines[header + 1 :]:
        parts = line.split()
        if not parts or not parts[-1].isdigit():
            break
        rows[parts[0]] = [int(x) for x in parts[1:]]
    domains = Counter(t.domain for t in bench.tasks)
    assert {d: r[-1] for d, r in rows.items() if d != "all"} == dict(domains)
    assert rows["all"][-1] == len(bench.tasks) == sum(rows["all"][:-1])
    assert "verified on ns3" in out and "{" not in out  # readable, not a JSON dump
    assert main(["show", "--json"]) == 0
    assert '"verification"' in capsys.readouterr().out


@pytest.mark.parametrize("n_tasks", [0, 2])
def test_show_reads_a_benchmark_without_a_build_report(tmp_path, capsys, n_tasks):
    """A benchmark file with few or no tasks and no de-duplication or verification report still shows."""
    from sixg.bench.__main__ import main
    from sixg.bench.build import fingerprint, load_benchmark

    shipped = load_benchmark()
    tasks = [t.model_dump(mode="json") for t in shipped.tasks[:n_tasks]]
    doc = {"version": shipped.version, "tasks": tasks, "fingerprint": fingerprint(shipped.tasks[:n_tasks])}
    path = tmp_path / "small.json"
    path.write_text(json.dumps(doc))
    assert main(["show", "--benchmark", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{n_tasks} tasks" in out and "verified on" not in out


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--agent", "mapek", "--limit", "-3"],
        ["run", "--agent", "mapek", "--limit", "0"],
        ["run", "--agent", "mapek", "--trials", "two"],
        ["run", "--agent", "mapek", "--workers", "0"],
    ],
)
def test_bad_counts_are_refused_before_anything_runs(argv, tmp_path, capsys):
    """A count that is not a whole number >= 1 stops the command with a usage error naming the flag."""
    from sixg.bench.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out", str(tmp_path / "run")])
    assert exc.value.code == 2
    assert f"argument {argv[3]}" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_run_whose_first_episodes_all_fail_stops_and_keeps_them(tmp_path):
    """An agent that cannot work at all (here: no endpoint answers) stops the run after a few episodes
    with one clear error, instead of failing every task; the failed episodes are kept and rerun later."""
    from sixg.bench.run import GIVE_UP_AFTER
    from sixg.errors import UserError

    tasks = _small(GIVE_UP_AFTER + 3)
    meta = {"agent": "react-openai", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
    agent = lambda: make_agent("react-openai", model="m", base_url="http://127.0.0.1:9/v1", max_retries=0)  # noqa: E731
    with pytest.raises(UserError, match=rf"first {GIVE_UP_AFTER} episodes all ended in an error.*EndpointError.*rerun"):
        run(tasks, make_agent=agent, make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta=meta)
    kept = read_results(tmp_path)
    assert len(kept) == GIVE_UP_AFTER and all(e.error and "could not reach" in e.error for e in kept)

    # One working episode first, then failures: the run goes on and reports them per episode.
    from sixg.agents.random_agent import RandomAgent

    class FailsAfterOne(RandomAgent):
        resets = 0

        def reset(self, **kw):
            FailsAfterOne.resets += 1
            if FailsAfterOne.resets > 1:
                raise UserError("broken after the first episode")
            return super().reset(**kw)

    eps = run(tasks, make_agent=FailsAfterOne, make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path / "ok", meta=dict(meta, agent="random"))
    assert len(eps) == len(tasks) and sum(e.error is None for e in eps) == 1
    assert sum("broken after the first episode" in (e.error or "") for e in eps) == len(tasks) - 1


def test_a_crashing_model_is_an_errored_episode_not_a_stopped_run(tmp_path):
    """A ReAct agent whose model replies with 5,000 unclosed brackets, and an agent that raises a bug
    (not a SixgError), each end only their own episode: the run records every episode and goes on."""
    from sixg.agents.llm import ModelReply, ReActAgent
    from sixg.agents.random_agent import RandomAgent

    class Brackets(ReActAgent):
        def _complete(self, messages, tools, *, seed, turn):
            return ModelReply(text="[" * 5000)

    tasks = _small(2)
    meta = {"agent": "react", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}
    eps = run(tasks, make_agent=Brackets, make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path / "brackets", meta=meta)
    assert len(eps) == 2 and all(e.error is None and not e.success for e in eps)
    assert all(e.invalid_calls == e.steps >= 1 for e in eps)

    class Buggy(RandomAgent):
        episodes = 0

        def act(self, observation):
            Buggy.episodes += 1
            if Buggy.episodes % 2:
                raise RecursionError("maximum recursion depth exceeded")
            return None

    eps = run(tasks * 1, make_agent=Buggy, make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path / "buggy", meta=dict(meta, agent="random"))
    errors = [e.error for e in eps if e.error]
    assert len(eps) == 2 and len(errors) == 1
    assert errors[0].startswith("RecursionError: maximum recursion depth exceeded (at test_bench.py:")
    assert len(read_results(tmp_path / "buggy")) == 2


def _shipped_slice(tmp_path, n: int = 4):
    """A small benchmark file (the first L1 and L2 tasks of the shipped one), for runs through the command line."""
    from sixg.bench.build import fingerprint

    shipped = load_benchmark()
    tasks = [t for t in shipped.tasks if t.tier == "L1"][: n // 2] + [t for t in shipped.tasks if t.tier == "L2"][: n // 2]
    path = tmp_path / "small.json"
    path.write_text(json.dumps({"version": shipped.version, "tasks": [t.model_dump(mode="json") for t in tasks], "fingerprint": fingerprint(tasks), "validation_ids": []}))
    return path


def test_a_narrower_run_gets_its_own_folder_and_cannot_overwrite_another(tmp_path, monkeypatch, capsys):
    """`--tier`/`--limit` runs are named by what they cover; pointing one at another run's folder is refused;
    repeating a finished run says it had nothing left to run."""
    from sixg.bench.__main__ import main

    bench = _shipped_slice(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--agent", "reference", "--benchmark", str(bench)]) == 0
    assert main(["run", "--agent", "reference", "--benchmark", str(bench), "--tier", "L1", "--limit", "1"]) == 0
    full, narrow = tmp_path / "runs/bench/reference-surrogate", tmp_path / "runs/bench/reference-surrogate-L1-limit1"
    assert json.loads((full / "summary.json").read_text())["episodes"] == 4
    assert json.loads((narrow / "summary.json").read_text())["episodes"] == 1
    capsys.readouterr()

    assert main(["run", "--agent", "reference", "--benchmark", str(bench), "--tier", "L2", "--out", str(full)]) == 2
    assert "holds a run of other tasks (every task, one trial: 4 tasks) than this one (tier L2: 2 tasks)" in capsys.readouterr().err
    assert json.loads((full / "summary.json").read_text())["episodes"] == 4

    assert main(["run", "--agent", "reference", "--benchmark", str(bench)]) == 0
    printed = capsys.readouterr()
    assert f"all 4 episode(s) already finished in {Path('runs/bench/reference-surrogate')}" in printed.err
    assert "success rate in %" in printed.out and "95 % Wilson interval" in printed.out and "SPL: success weighted by path length" in printed.out
    assert '"verified": false' in printed.out


def test_report_refuses_runs_that_cover_different_tasks(tmp_path, monkeypatch, capsys):
    """`bench report` does not put a one-tier run beside a whole run: it names what each covers instead."""
    from sixg.bench.__main__ import main

    bench = _shipped_slice(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--agent", "reference", "--benchmark", str(bench)]) == 0
    assert main(["run", "--agent", "random", "--benchmark", str(bench), "--tier", "L1"]) == 0
    capsys.readouterr()
    assert main(["report", "runs/bench/reference-surrogate", "runs/bench/random-surrogate-L1"]) == 2
    err = capsys.readouterr().err
    assert "cover different tasks" in err and "4 tasks (L1 2, L2 2)" in err and "2 tasks (L1 2)" in err


def test_the_tier_plot_draws_no_bar_for_a_tier_a_run_did_not_cover(tmp_path, monkeypatch):
    """A run of L1 only shows one bar, not a 0 % bar for L2 and L3."""
    import matplotlib.pyplot as plt

    from sixg.bench.report import plot_tiers

    figures = []
    monkeypatch.setattr(plt, "close", figures.append)
    tasks = _small(2)
    eps = run(tasks, make_agent=lambda: make_agent("reference"), make_env=lambda: NetOpsEnv(backend="surrogate"), out=tmp_path, meta={"agent": "reference", "backend": "surrogate"})
    plot_tiers({"reference": summarise(eps)}, tmp_path / "t.png", title="L1 only")
    (ax,) = figures[0].axes
    assert len(ax.patches) == 1 and ax.patches[0].get_height() == pytest.approx(100.0)


def test_a_run_whose_episodes_all_errored_exits_non_zero(tmp_path, monkeypatch, capsys):
    """When no episode could be scored the command prints why and exits 1 instead of a table with SR 0."""
    from sixg.bench.__main__ import main

    bench = _shipped_slice(tmp_path, n=2)
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--agent", "react-openai", "--agent-arg", "model=m", "--agent-arg", "base_url=http://127.0.0.1:9/v1", "--agent-arg", "max_retries=0", "--benchmark", str(bench)]
    assert main(argv) == 1
    printed = capsys.readouterr()
    assert "every episode ended in an error (2)" in printed.err and "| react-openai |" not in printed.out


def test_show_json_prints_only_json(capsys):
    """`bench show --json` output parses as one JSON document with the counts and the build report."""
    from sixg.bench.__main__ import main

    assert main(["show", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["tasks"] == sum(n for tiers in doc["tasks_per_domain_and_tier"].values() for n in tiers.values())
    assert "verification" in doc


def test_auto_handover_runs_get_their_own_folder_and_only_on_the_surrogate(tmp_path, monkeypatch, capsys):
    """`run --auto-handover` records the backend option, is named for it, cannot resume a run without it, and is refused off the surrogate."""
    from sixg.bench.__main__ import main

    import sixg.sim.env as env_module

    built = []
    real = env_module.make_backend

    def recording(name, **kwargs):
        backend = real(name, **kwargs)
        built.append(getattr(backend, "auto_handover", None))
        return backend

    monkeypatch.setattr(env_module, "make_backend", recording)
    bench = _shipped_slice(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--agent", "reference", "--benchmark", str(bench), "--limit", "1", "--auto-handover"]) == 0
    assert built and all(flag is True for flag in built)  # the episodes ran with the rule, not only recorded it
    ruled = tmp_path / "runs/bench/reference-surrogate-rlf-limit1"
    summary = json.loads((ruled / "summary.json").read_text())
    assert summary["backend_options"] == {"auto_handover": True} and summary["episodes"] == 1
    capsys.readouterr()
    assert main(["run", "--agent", "reference", "--benchmark", str(bench), "--limit", "1", "--out", str(ruled)]) == 2
    assert "other settings" in capsys.readouterr().err
    assert main(["run", "--agent", "reference", "--benchmark", str(bench), "--limit", "1", "--backend", "ns3", "--auto-handover"]) == 2
    assert "--auto-handover is a rule of the surrogate backend" in capsys.readouterr().err
    assert not (tmp_path / "runs/bench/reference-ns3-rlf-limit1").exists()
