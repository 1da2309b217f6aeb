"""The lock-step bridge: determinism, reuse, clear errors for bad actions, recovery from a dead worker."""

from __future__ import annotations

import pytest

from ns3_bridge import Ns3Worker
from sixg.actions import Handover, SwitchSlice
from sixg.errors import InvalidActionError, ResetNeeded, WorkerCrashed
from sixg.scenario import generate

pytestmark = pytest.mark.ns3

SCENARIO = generate(2, split="train")


def _run(worker, scenario, run, windows=3):
    worker.reset(scenario, run=run)
    return [worker.step()[0].model_dump() for _ in range(windows)]


def test_same_seed_same_trace_in_a_reused_worker_and_others_differ(ns3_worker):
    """The same scenario and run give identical windows after other episodes in between; another random run or
    another topology seed gives another trace. (A fresh worker's trace: the dead-worker test below.)"""
    first = _run(ns3_worker, SCENARIO, 1)
    assert _run(ns3_worker, SCENARIO, 2) != first
    assert _run(ns3_worker, generate(5, split="train"), 1) != first
    assert _run(ns3_worker, SCENARIO, 1) == first


def test_metadata_names_the_ran(ns3_worker):
    """Every window says which RAN produced it (LTE/EPC: the ns-3 wheel has no NR)."""
    ns3_worker.reset(SCENARIO, run=1)
    snap, _ = ns3_worker.step()
    assert snap.ran.startswith("LTE/EPC") and "NR" in snap.ran
    assert snap.backend == "ns3"


BAD_ACTIONS = [
    (Handover(ue="ue-99", target_gnb="gnb-0"), "unknown UE 'ue-99'"),
    (Handover(ue="ue-1", target_gnb="gnb-7"), "unknown base station 'gnb-7'"),
    ({"kind": "switch_slice", "slice": "eMMB"}, "malformed action"),
    ({"kind": "onset", "degradation": {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": -5}}, "greater than 0"),
]


def test_bad_actions_get_clear_errors_and_the_worker_survives(ns3_worker):
    """Unknown UE, unknown cell, wrong slice name, negative rate: each a clear error, and the same worker
    carries on with the episode after each (one episode for all four, as a run would meet them)."""
    ns3_worker.reset(SCENARIO, run=1)
    pid = ns3_worker.pid
    for i, (action, message) in enumerate(BAD_ACTIONS):
        with pytest.raises(InvalidActionError, match=message):
            ns3_worker.step([action])
        target = ("URLLC", "eMBB")[i % 2]
        snap, _ = ns3_worker.step([SwitchSlice(slice=target)])
        assert ns3_worker.pid == pid and snap.state.slice.value == target


def test_worker_side_validation_without_the_client_checks(ns3_worker):
    """Even an action that skips the client's checks is refused by the worker, which stays up."""
    ns3_worker.reset(SCENARIO, run=1)
    pid = ns3_worker.pid
    bad = {"kind": "handover", "ue": "ue-99", "target_gnb": "gnb-0"}
    with pytest.raises(InvalidActionError, match="unknown UE"):
        ns3_worker._request(("advance", 0.5, [bad]), action="handover(ue-99)")
    assert ns3_worker.alive and ns3_worker.pid == pid


def test_time_cannot_go_backwards(ns3_worker):
    """Advancing to a time already passed is refused."""
    ns3_worker.reset(SCENARIO, run=1)
    ns3_worker.step()
    ns3_worker.step()
    with pytest.raises(InvalidActionError, match="time must move forward"):
        ns3_worker.advance(0.5)
    assert ns3_worker.step()[0].t == pytest.approx(1.5)


def test_a_dead_worker_is_reported_and_restarted(ns3_worker):
    """A fresh worker gives the same windows as a reused one. If ns-3 aborts, the error names the action in
    flight; earlier windows are kept; reset restarts it, and the restarted worker repeats the same windows."""
    with Ns3Worker() as w:
        w.reset(SCENARIO, run=1)
        kept = [w.step()[0] for _ in range(3)]
        assert [k.model_dump() for k in kept] == _run(ns3_worker, SCENARIO, 1)
        w.kill()
        with pytest.raises(WorkerCrashed, match=r"died while applying switch_slice\(slice=URLLC\)"):
            w.step([SwitchSlice(slice="URLLC")])
        with pytest.raises(ResetNeeded):
            w.step()
        w.reset(SCENARIO, run=1)
        assert w.restarts == 1
        assert w.step()[0] == kept[0]
