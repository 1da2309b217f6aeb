"""Every backend gives an action the same meaning: one control state checks and records it."""

from __future__ import annotations

import pytest

from sixg.actions import (
    CongestionSurge,
    DegradationOnset,
    DegradationRecovery,
    EdgeOffload,
    GracefulDegradation,
    Handover,
    InterferenceSurge,
    ReallocateSlices,
    SetUavPlan,
    SwitchSlice,
    UavDrift,
)
from sixg.control import ControlState
from sixg.domain import Position, SliceType
from sixg.errors import InvalidActionError
from sixg.scenario import generate
from toynet import ToyBackend

SCENARIO = generate(1, split="train")  # one cell, so a handover has nowhere to go

WINDOWS = [
    [SwitchSlice(slice="URLLC"), ReallocateSlices(slice="URLLC", share=0.4), EdgeOffload(host="edge"), GracefulDegradation(slice="eMBB", fraction=0.5, mode="shed")],
    [Handover(ue="ue-1", target_gnb="gnb-0")],
    [DegradationRecovery(degradation_kind="congestion")],
    [DegradationOnset(degradation=CongestionSurge(gnb="gnb-0", rate_mbps=10)), DegradationOnset(degradation=UavDrift(uav="uav-0", speed_mps=5))],
    [DegradationOnset(degradation=CongestionSurge(gnb="gnb-0", rate_mbps=5)), DegradationRecovery(degradation_kind="uav_drift")],
    [SetUavPlan(uav="uav-0", waypoints=(Position(x=0.0, y=0.0, z=60.0),), speed_mps=10), DegradationRecovery(degradation_kind="congestion")],
]
BAD_WINDOWS = [
    [SwitchSlice(slice="eMBB"), Handover(ue="ue-99", target_gnb="gnb-0")],
    [DegradationOnset(degradation=InterferenceSurge(gnb="gnb-7", power_dbm=20))],
    [SetUavPlan(uav="uav-9", waypoints=(Position(x=0.0, y=0.0, z=60.0),), speed_mps=10)],
]


def _run(backend) -> tuple[list, list[str]]:
    """Results of WINDOWS and the errors of BAD_WINDOWS on ``backend``."""
    backend.reset(SCENARIO, seed=1)
    results = [[r.model_dump(mode="json") for r in backend.step(w).results] for w in WINDOWS]
    errors = []
    for w in BAD_WINDOWS:
        with pytest.raises(InvalidActionError) as err:
            backend.step(w)
        errors.append(str(err.value))
    return results, errors


def _ns3(request):
    from sixg.backends.ns3 import Ns3Backend

    return Ns3Backend(worker=request.getfixturevalue("ns3_worker"))


def _surrogate(request):
    from sixg.backends.surrogate import SurrogateBackend

    return SurrogateBackend(sample=False)


@pytest.mark.parametrize("make", [pytest.param(_ns3, marks=pytest.mark.ns3, id="ns3"), pytest.param(_surrogate, id="surrogate")])
def test_backends_accept_and_refuse_actions_alike(make, request):
    """The same actions get the same results, refusals and error messages on ns-3, the surrogate and the toy."""
    assert _run(make(request)) == _run(ToyBackend())


def test_expected_results_of_the_parity_actions():
    """The shared actions mean what they say: refusals for a handover to the serving cell and an idle recovery."""
    results, errors = _run(ToyBackend())
    assert all(r["ok"] for r in results[0]) and results[0][1]["details"]["shares"]["URLLC"] == 0.4
    assert results[1] == [{"action": "handover(ue=ue-1, target_gnb=gnb-0)", "ok": False, "reason": "ue-1 is already served by gnb-0", "details": {}}]
    assert results[2][0]["reason"] == "no congestion degradation is active"
    assert [r["ok"] for w in results[3:] for r in w] == [True] * 6
    assert errors[0].startswith("handover: unknown UE 'ue-99'; this scenario has")
    assert errors[1].startswith("interference: unknown base station 'gnb-7'") and "Did you mean 'gnb-0'?" in errors[1]
    assert errors[2].startswith("uav_plan: unknown UAV 'uav-9'") and "Did you mean 'uav-0'?" in errors[2]


def test_a_window_with_one_bad_action_applies_none():
    """Validation covers the whole window before anything is applied."""
    backend = ToyBackend()
    backend.reset(SCENARIO, seed=1)
    with pytest.raises(InvalidActionError, match="unknown UE"):
        backend.step([SwitchSlice(slice="URLLC"), Handover(ue="ue-99", target_gnb="gnb-0")])
    assert backend.control.slice is SCENARIO.service.initial_slice


def test_a_new_onset_of_an_active_kind_ends_the_old_one():
    """A second onset of a kind replaces the first and reports it as ended, so a backend undoes its physics."""
    control = ControlState(SCENARIO)
    first = CongestionSurge(gnb="gnb-0", rate_mbps=10)
    assert control.apply(DegradationOnset(degradation=first)).ended is None
    assert control.apply(DegradationOnset(degradation=CongestionSurge(gnb="gnb-0", rate_mbps=5))).ended == first
    assert control.apply(DegradationRecovery(degradation_kind="congestion")).ended.rate_mbps == 5
    assert control.active == {}


def test_graceful_degradation_sets_the_whole_policy_of_a_slice():
    """The last graceful degradation of a slice is the one in force; fraction 0 undoes it."""
    control = ControlState(SCENARIO)
    control.apply(GracefulDegradation(slice="eMBB", fraction=0.5, mode="shape"))
    assert control.shaped(SliceType.EMBB) == 0.5 and control.shaped(SliceType.URLLC) == 0.0
    control.apply(GracefulDegradation(slice="eMBB", fraction=0.0, mode="shed"))
    assert control.shaped(SliceType.EMBB) == 0.0 and control.degraded[SliceType.EMBB].mode == "shed"


def test_an_enormous_unknown_name_is_echoed_short():
    """An unknown name of any length comes back in the error cut short, with the names that exist."""
    backend = ToyBackend()
    backend.reset(SCENARIO, seed=1)
    with pytest.raises(InvalidActionError) as err:
        backend.step([Handover(ue="ue-" + "9" * 100_000, target_gnb="gnb-0")])
    assert len(str(err.value)) < 1_000 and "'ue-0'" in str(err.value)
