"""On a real local Ray runtime (loopback only): the same records as the local pool, and a killed worker's job retried once."""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import threading
import time

# Read by Ray when it starts: keep every Ray process on 127.0.0.1 and report nothing.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"

import psutil  # noqa: E402
import pytest  # noqa: E402
import ray  # noqa: E402

from sixg.agents import make_agent  # noqa: E402
from sixg.bench.build import draw_tasks  # noqa: E402
from sixg.bench.run import read_results, run  # noqa: E402
from sixg.parallel import Cluster  # noqa: E402
from sixg.scenario import Split  # noqa: E402
from sixg.sim.env import NetOpsEnv  # noqa: E402
from sixg.traces.generate import episode_paths, generate  # noqa: E402

pytestmark = [pytest.mark.ns3, pytest.mark.timeout(900)]

SEEDS = [4]
DURATION = 2.0  # four 0.5 s windows per ns-3 episode


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray runtime with two CPUs, stopped (every process) when the module ends."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # its own runtime, never one found running
    try:
        yield Cluster()
    finally:
        ray.shutdown()


def _episode_files(out) -> dict[str, bytes]:
    """Every trace file under ``out``, decompressed (gzip headers hold a time stamp)."""
    return {str(p.relative_to(out)): gzip.decompress(p.read_bytes()) for p in sorted(out.rglob("*.csv.gz"))}


def _records(out) -> dict[tuple[str, int], str]:
    """results.jsonl by (task, trial), without the wall-clock time, which is the one field that differs."""
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(lines) == len({(r["task_id"], r["trial"]) for r in lines}), "a record was written twice"
    return {(r["task_id"], r["trial"]): json.dumps({k: v for k, v in r.items() if k != "wall_s"}, sort_keys=True) for r in lines}


@pytest.fixture(scope="module")
def local_traces(tmp_path_factory):
    """The short trace generation on the local pool (two ns-3 workers)."""
    out = tmp_path_factory.mktemp("traces-local")
    report = generate(SEEDS, episodes=3, duration_s=DURATION, out=out, workers=2)
    assert report.episodes_run == 3 and not report.failures
    return out


def test_trace_generation_on_ray_writes_the_local_pools_files(local_ray, local_traces, tmp_path):
    """ns-3 episodes run as Ray actors give byte-identical trace contents to the local pool, written here."""
    report = generate(SEEDS, episodes=3, duration_s=DURATION, out=tmp_path, cluster=local_ray)
    assert report.episodes_run == 3 and not report.failures and not report.stats.retried
    assert report.stats.per_node == {"127.0.0.1": 3}
    assert _episode_files(tmp_path) == _episode_files(local_traces)


BENCH_META = {"agent": "mapek", "backend": "surrogate", "benchmark_version": "test", "benchmark_fingerprint": "x"}


def _bench(**kwargs):
    """The short benchmark run: six L1/L2 tasks, MAPE-K on the surrogate."""
    tasks = [t for t in draw_tasks(Split.BENCHMARK, [52, 61]) if t.tier in ("L1", "L2")][:6]
    return tasks, run(tasks, make_agent=lambda: make_agent("mapek"), make_env=lambda: NetOpsEnv(backend="surrogate"), meta=BENCH_META, **kwargs)


@pytest.fixture(scope="module")
def local_bench(tmp_path_factory):
    """The short benchmark run on two local workers."""
    out = tmp_path_factory.mktemp("bench-local")
    _bench(out=out, workers=2)
    return out


def test_benchmark_run_on_ray_gives_the_local_pools_records(local_ray, local_bench, tmp_path):
    """Surrogate episodes run as Ray tasks give the same records and trajectories as local workers."""
    stats = []
    tasks, episodes = _bench(out=tmp_path, cluster=local_ray, stateful=False, on_stats=stats.append)
    assert len(episodes) == len(tasks) and stats[0].per_node == {"127.0.0.1": len(tasks)}
    assert _records(tmp_path) == _records(local_bench)
    for t in tasks:
        name = f"trajectories/{t.id}-t0.jsonl"
        assert (tmp_path / name).read_bytes() == (local_bench / name).read_bytes()


def test_an_interrupted_ray_run_resumes_without_losing_or_repeating_a_record(local_ray, local_bench, tmp_path):
    """Stopped after two episodes, the rerun does only the rest: every record once, as the local pool wrote it."""
    stop = threading.Event()
    first: list[str] = []

    def on_episode(ep) -> None:
        first.append(ep.task_id)
        if len(first) == 2:
            stop.set()

    _bench(out=tmp_path, cluster=local_ray, stateful=False, on_episode=on_episode, stop=stop)
    assert 2 <= len(read_results(tmp_path)) < 6
    second: list[str] = []
    _bench(out=tmp_path, cluster=local_ray, stateful=False, on_episode=lambda ep: second.append(ep.task_id))
    assert not set(first) & set(second) and len(first) + len(second) == 6
    assert _records(tmp_path) == _records(local_bench)


def test_bench_command_with_ray_counts_episodes_per_node(local_ray, tmp_path, capsys):
    """`bench run --ray` runs on the cluster it finds and ends its report with the episodes per node."""
    from sixg.bench.__main__ import main

    assert main(["run", "--agent", "reference", "--limit", "2", "--out", str(tmp_path), "--ray"]) == 0
    out = capsys.readouterr().out
    assert "episodes per node: 127.0.0.1 2" in out and "| reference |" in out
    assert len(read_results(tmp_path)) == 2


def test_validate_command_with_ray_writes_what_the_local_pool_writes(local_ray, tmp_path, capsys):
    """`sixg.validate --ray` on the surrogate: the same records as without it, and the episodes per node."""
    from sixg.validate.__main__ import main

    argv = ["--backend", "surrogate", "--agents", "reference,mapek", "--per-tier", "1"]
    assert main([*argv, "--workers", "2", "--out", str(tmp_path / "local")]) == 0
    assert main([*argv, "--out", str(tmp_path / "ray"), "--ray"]) == 0
    assert "episodes per node: 127.0.0.1 6" in capsys.readouterr().out
    for agent in ("reference", "mapek"):
        assert _records(tmp_path / "ray" / agent) == _records(tmp_path / "local" / agent)


def test_an_error_inside_a_ray_worker_reaches_the_caller_as_itself(local_ray):
    """A bug in the work on a Ray worker is raised here with its own type and message, not a Ray wrapper."""
    from sixg.parallel import run_jobs

    def work(state, job):
        if job == 2:
            raise KeyError(f"job {job} is broken")
        return job

    with pytest.raises(KeyError, match="job 2 is broken"):
        run_jobs(range(4), setup=dict, work=work, on_result=lambda *a: None, workers=2, stop=threading.Event(), cluster=local_ray, stateful=False)


def _kill_a_busy_ns3_actor(killed: list[int], ns3_children: list[psutil.Process], done: threading.Event) -> None:
    """Wait until an actor is running an episode on its own ns-3 process, then SIGKILL the actor's process."""
    while not done.is_set():
        for p in psutil.Process().children(recursive=True):
            try:
                if p.cmdline()[:1] == ["ray::SixgWorker.run"]:
                    kids = [c for c in p.children() if "ns3_bridge.worker" in " ".join(c.cmdline())]
                    if kids:
                        ns3_children.extend(kids)
                        p.kill()
                        killed.append(p.pid)
                        return
            except psutil.Error:
                continue
        time.sleep(0.05)


def test_a_killed_ns3_actor_is_replaced_and_every_episode_written_once(local_ray, local_traces, tmp_path):
    """Killing a Ray worker mid-episode: the episode is retried on a new actor, said so, and written once, unchanged."""
    killed: list[int] = []
    ns3_children: list[psutil.Process] = []
    done = threading.Event()
    killer = threading.Thread(target=_kill_a_busy_ns3_actor, args=(killed, ns3_children, done), daemon=True)
    retries: list[str] = []
    finished: list[tuple[int, int, str]] = []
    killer.start()
    try:
        report = generate(
            SEEDS,
            episodes=3,
            duration_s=DURATION,
            out=tmp_path,
            cluster=local_ray,
            on_retry=retries.append,
            on_episode=lambda seed, ep, status: finished.append((seed, ep, status)),
        )
    finally:
        done.set()
        killer.join()
    assert len(killed) == 1, "no actor was caught running an episode"
    assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == psutil.STATUS_ZOMBIE
    assert len(retries) == 1 and "its worker died" in retries[0] and report.stats.retried
    assert sorted(finished) == [(4, ep, "done") for ep in range(3)]
    assert report.episodes_run == 3 and not report.failures
    assert _episode_files(tmp_path) == _episode_files(local_traces)
    assert not list(tmp_path.rglob("*.tmp"))
    assert all(episode_paths(tmp_path, "train", 4, ep)[0].is_file() for ep in range(3))
    # The dead actor's ns-3 process sees its pipe close and ends too.
    gone, alive = psutil.wait_procs(ns3_children, timeout=60)
    assert not alive


def test_a_task_whose_process_dies_once_is_run_again_and_counted_once(local_ray, tmp_path):
    """A surrogate-style task whose worker process exits mid-job is retried, said so, and its result arrives once."""
    from sixg.parallel import run_jobs

    marker = tmp_path / "died-once"

    def work(state, job):
        if job == 1 and not marker.exists():
            marker.write_text("x")
            os._exit(1)  # the Ray worker process dies in the middle of this job
        return job * 10

    seen, retries = [], []
    stats = run_jobs(range(4), setup=dict, work=work, on_result=lambda job, r, node: seen.append(r), workers=2, stop=threading.Event(), cluster=local_ray, stateful=False, on_retry=retries.append, label=lambda j: f"job {j}")
    assert sorted(seen) == [0, 10, 20, 30]
    assert retries == ["job 1: its worker died (WorkerCrashedError); running it again on another worker"]
    assert stats.retried == ["job 1"] and sum(stats.per_node.values()) == 4


def test_a_job_that_kills_every_worker_ends_the_run_with_a_typed_error(local_ray):
    """After three workers died on the same job the run stops with WorkerLost naming the job, not a retry loop."""
    from sixg.errors import WorkerLost
    from sixg.parallel import run_jobs

    def work(state, job):
        if job == 0:
            os._exit(1)
        return job

    retries = []
    with pytest.raises(WorkerLost, match="job 0: its worker died 3 times"):
        run_jobs([0], setup=dict, work=work, on_result=lambda *a: None, workers=1, stop=threading.Event(), cluster=local_ray, stateful=False, on_retry=retries.append, label=lambda j: f"job {j}")
    assert len(retries) == 2


def _is_loopback(ip: str) -> bool:
    addr = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def test_ray_listens_on_and_talks_to_loopback_only(local_ray):
    """Every Ray process this runtime started (and the driver) binds and connects to loopback addresses only."""
    from sixg.parallel_ray import connect

    connect(local_ray)
    procs = [psutil.Process(), *psutil.Process().children(recursive=True)]
    names = {p.name() for p in procs if p.is_running()}
    assert {"gcs_server", "raylet"} <= names, names
    seen = 0
    for p in procs:
        try:
            conns = p.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        for c in conns:
            seen += 1
            assert _is_loopback(c.laddr.ip), (p.name(), c)
            if c.raddr:
                assert _is_loopback(c.raddr.ip), (p.name(), c)
    assert seen > 0
