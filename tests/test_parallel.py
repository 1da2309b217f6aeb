"""The local execution layer: each job once, state reused per worker, errors surface, Ray never loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sixg.cli import add_cluster_option, cluster_of
from sixg.parallel import Cluster, run_jobs

ROOT = Path(__file__).resolve().parent.parent


def test_every_job_is_handed_over_once_and_state_is_reused():
    """Two workers share 20 jobs: each result arrives once, each worker makes its state once and releases it."""
    made, released, seen = [], [], []

    def setup():
        state = {"jobs": 0}
        made.append(state)
        return state

    def work(state, job):
        state["jobs"] += 1
        return job * job

    stats = run_jobs(
        range(20),
        setup=setup,
        work=work,
        on_result=lambda job, result, node: seen.append((job, result)),
        teardown=released.append,
        workers=2,
        stop=threading.Event(),
    )
    assert sorted(seen) == [(j, j * j) for j in range(20)]
    assert 1 <= len(made) <= 2 and sorted(map(id, released)) == sorted(map(id, made))
    assert sum(s["jobs"] for s in made) == 20
    assert stats.per_node == {"local": 20} and not stats.retried


def test_an_error_in_a_job_stops_the_run_and_is_raised():
    """A bug in the work stops the other workers and reaches the caller, state released."""
    released = []

    def work(state, job):
        if job == 3:
            raise ValueError("job 3 is broken")
        return job

    with pytest.raises(ValueError, match="job 3 is broken"):
        run_jobs(range(50), setup=object, work=work, on_result=lambda *a: None, teardown=released.append, workers=2, stop=threading.Event())
    assert len(released) >= 1


def test_ray_option_parses_to_a_cluster():
    """`--ray` alone means a local runtime (or RAY_ADDRESS), `--ray ADDRESS` that cluster, no flag runs here."""
    import argparse

    p = argparse.ArgumentParser()
    add_cluster_option(p)
    assert cluster_of(p.parse_args([])) is None
    assert cluster_of(p.parse_args(["--ray"])) == Cluster(address=None)
    assert cluster_of(p.parse_args(["--ray", "10.0.0.5:6379"])) == Cluster(address="10.0.0.5:6379")
    assert Cluster(address=None).resolved_address() in (None, os.environ.get("RAY_ADDRESS"))


def test_the_local_path_never_imports_ray(tmp_path):
    """Importing sixg and running a benchmark run on local workers leaves Ray unloaded."""
    code = (
        "import sys, sixg, sixg.parallel\n"
        "from sixg.bench.__main__ import main\n"
        f"rc = main(['run', '--agent', 'random', '--limit', '2', '--workers', '2', '--out', {str(tmp_path)!r}])\n"
        "assert rc == 0, rc\n"
        "loaded = sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.'))\n"
        "print('RAY-MODULES', loaded)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "RAY-MODULES []" in proc.stdout


def test_an_address_where_no_cluster_listens_is_refused_at_once(tmp_path):
    """`--ray HOST:PORT` with nothing listening there is one error line naming the fix, not a wait."""
    code = f"from sixg.bench.__main__ import main; raise SystemExit(main(['run', '--agent', 'reference', '--limit', '1', '--out', {str(tmp_path)!r}, '--ray', '127.0.0.1:1']))"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    # In a process of its own: importing Ray here would fix its settings for the loopback-only runtime of other tests.
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "no Ray cluster answers at 127.0.0.1:1" in proc.stderr and "ray start --head" in proc.stderr


def _process_state():
    return {"pid": os.getpid(), "jobs": 0}


def _square_in_process(state, job):
    if job == "boom":
        raise ValueError("job failed")
    state["jobs"] += 1
    return job * job, state["pid"], state["jobs"]


def test_worker_processes_run_each_job_once_with_their_own_state():
    """Two worker processes share 12 jobs over two runs: every result arrives once, computed away from this process, each state made once per process and reused."""
    from sixg.parallel import ProcessWorkers

    seen = {}
    with ProcessWorkers(_process_state, 2) as pool:
        pool.run(list(range(6)), _square_in_process, lambda job, result, node: seen.setdefault(job, result))
        stats = pool.run(list(range(6, 12)), _square_in_process, lambda job, result, node: seen.setdefault(job, result))
    assert sorted(seen) == list(range(12)) and all(seen[j][0] == j * j for j in seen)
    pids = {r[1] for r in seen.values()}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    # a state is kept across runs: each process's job counts run 1..n without restarting
    for pid in pids:
        counts = sorted(r[2] for r in seen.values() if r[1] == pid)
        assert counts == list(range(1, len(counts) + 1))
    assert stats.per_node["local"] == 6


def test_a_failing_job_in_a_worker_process_surfaces_here():
    """An exception raised by a job in a worker process is re-raised in the caller, with its message."""
    from sixg.parallel import ProcessWorkers

    with ProcessWorkers(_process_state, 1) as pool, pytest.raises(ValueError, match="job failed"):
        pool.run([1, "boom", 2], _square_in_process, lambda job, result, node: None)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # ended, waiting only to be reaped


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_worker_processes_leave_when_their_parent_is_killed(tmp_path):
    """Worker processes whose parent is killed outright (no chance to stop them) leave instead of waiting forever."""
    import signal
    import time

    code = (
        "import os, signal\n"
        "from sixg.parallel import ProcessWorkers\n"
        "from tests.test_parallel import _process_state, _square_in_process\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessWorkers(_process_state, 2)\n"
        "    pool.run(list(range(8)), _square_in_process, lambda job, result, node: None)\n"
        "    stat = lambda pid: open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()\n"
        "    kids = [p for p in os.listdir('/proc') if p.isdigit() and stat(p)[1] == str(os.getpid())]\n"
        f"    open({str(tmp_path / 'pids')!r}, 'w').write(' '.join(kids))\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the workers' output goes to a file: a pipe would stay open while any of them lives
    with open(tmp_path / "log", "w") as log:
        proc = subprocess.run([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "log").read_text()[-2000:]
    children = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(children) >= 2  # the two workers (and the resource tracker of multiprocessing)
    deadline = time.monotonic() + 60
    while not all(_gone(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in children if not _gone(p)]
    for p in left:  # do not leave them behind when the test fails
        os.kill(p, signal.SIGKILL)
    assert not left, f"worker processes {left} outlived their killed parent"


def _die_on_two(state, job):
    if job == 2:
        os._exit(3)
    return job


def test_a_worker_process_that_dies_is_a_typed_error():
    """A worker process killed mid-job ends the run with WorkerProcessDied saying how to go on, not a raw pool error."""
    from sixg.errors import WorkerProcessDied
    from sixg.parallel import ProcessWorkers

    with ProcessWorkers(_process_state, 1) as pool, pytest.raises(WorkerProcessDied, match="run the command again"):
        pool.run([1, 2, 3], _die_on_two, lambda job, result, node: None)
