"""The SimPy loop: one clock; actions land at window boundaries; degradations at their own time."""

from __future__ import annotations

import pytest
from toynet import SEED, ToyBackend, onset

from sixg.actions import DegradationOnset, SwitchSlice
from sixg.backends.base import StepOutput
from sixg.errors import SimulationError
from sixg.scenario import generate
from sixg.schedule import Schedule
from sixg.sim import CoSimulation

SCENARIO = generate(SEED, split="train")
SWITCH = '{"from_slice": "eMBB", "to_slice": "URLLC"}'


def _sim(*events, think=0.5, backend=None) -> CoSimulation:
    sim = CoSimulation(
        backend or ToyBackend(),
        SCENARIO,
        seed=1,
        schedule=Schedule.model_validate({"events": list(events)}),
        think_time_s=think,
    )
    sim.start()
    return sim


def _congestion(t):
    return onset(t, {"kind": "congestion", "gnb": "gnb-0", "rate_mbps": 20.0})


def test_degradation_during_a_configuration_lands_at_its_own_time():
    """A degradation due while a configuration waits for its window is applied at the boundary after
    its own time, not held back until the agent's call completes."""
    sim = _sim(_congestion(0.8), onset(1.2, {"kind": "edge_overload", "extra_load": 0.5}), think=0.6)
    result = sim.run_call({"name": "switch_network_slice", "arguments": SWITCH})
    assert (result.t_called, result.t_done) == (0.6, 1.5)
    # The switch's result is the window [1.0, 1.5]: it has the congestion, not yet the overload.
    assert sim.world.snapshot.degradations == ("congestion",)
    sim.wait(0.5)
    applied = [
        (t, a.kind if not isinstance(a, DegradationOnset) else a.degradation.kind) for t, a in sim.backend.applied
    ]
    assert applied == [(1.0, "switch_slice"), (1.0, "congestion"), (1.5, "edge_overload")]
    assert sim.world.snapshot.degradations == ("congestion", "edge_overload")


def test_event_due_at_a_boundary_is_applied_at_that_boundary():
    """Whatever is queued at exactly a boundary instant is in that boundary's batch."""
    sim = _sim(_congestion(1.0), think=1.0)
    sim.run_call({"name": "switch_network_slice", "arguments": SWITCH})
    assert [(t, a.kind) for t, a in sim.backend.applied] == [(1.0, "onset"), (1.0, "switch_slice")]


def test_degradation_at_time_zero_affects_the_first_window():
    """An onset at t=0 is applied at the first boundary, before the first window runs."""
    sim = _sim(_congestion(0.0))
    sim.wait(0.5)
    assert sim.backend.applied[0][0] == 0.0 and sim.world.snapshot.degradations == ("congestion",)


def test_passive_tools_complete_after_their_latency_and_read_then():
    """An Observation call completes after its declared latency and reads the window measured by then
    (at a boundary instant, the window that ends there)."""
    sim = _sim(think=0.45)
    result = sim.run_call({"name": "check_network_state"})
    assert result.t_called == 0.45 and result.t_done == 0.5
    assert sim.world.t == 0.5 and result.output == sim.world.state


def test_an_agent_acting_at_a_boundary_makes_that_boundary():
    """A call issued at the instant a window is published (no thinking) is applied at that instant."""
    sim = _sim(think=0.5)
    sim.run_call({"name": "check_network_state"}, think_s=0.45)  # completes at 0.5
    sim.run_call({"name": "switch_network_slice", "arguments": SWITCH}, think_s=0.0)
    assert [t for t, _ in sim.backend.applied] == [0.5]


def test_a_slow_agent_sees_the_network_drift():
    """The same call after a long think sees a degradation that a quick agent misses."""
    quick = _sim(_congestion(2.0), think=0.2).run_call({"name": "check_network_state"})
    slow = _sim(_congestion(2.0), think=5.0).run_call({"name": "check_network_state"})
    assert slow.output.latency_ms > quick.output.latency_ms + 40


def test_windows_follow_simulated_time_only():
    """The backend advances one window per window_s of simulated time, whatever the calls."""
    sim = _sim()
    sim.run_call({"name": "check_network_state"}, think_s=2.0)
    assert sim.backend.now == 2.0 and len(sim.world.history) == 1 + 4
    sim.run_call({"name": "check_network_state"}, think_s=0.0)
    assert sim.backend.now == 2.0  # 0.05 s of latency does not reach the next boundary


def test_bad_and_refused_calls_queue_nothing():
    """A call that fails to bind, or is refused, never reaches the backend."""
    sim = _sim()
    assert not sim.run_call(
        {"name": "switch_network_slice", "arguments": '{"from_slice": "mMTC", "to_slice": "URLLC"}'}
    ).ok
    assert not sim.run_call("not json").ok
    assert sim.pending == () and sim.backend.applied == []


class _WrongResults(ToyBackend):
    def step(self, actions=()):
        out = super().step(actions)
        return StepOutput(snapshot=out.snapshot, results=())


class _WrongClock(ToyBackend):
    def step(self, actions=()):
        out = super().step(actions)
        return StepOutput(snapshot=out.snapshot.model_copy(update={"t": out.snapshot.t + 1.0}), results=out.results)


def test_backend_breaking_the_contract_raises():
    """A backend that drops results or keeps its own clock is a bug, and the loop says so."""
    sim = _sim(backend=_WrongResults())
    with pytest.raises(SimulationError, match="result"):
        sim.run_call({"name": "switch_network_slice", "arguments": SWITCH})
    sim = _sim(backend=_WrongClock())
    with pytest.raises(SimulationError, match="one window per step"):
        sim.run_call({"name": "check_network_state"})


def test_enqueue_resumes_with_the_action_result():
    """enqueue() gives an event that fires with the action's result when its window is measured."""
    sim = _sim()
    done = sim.enqueue(SwitchSlice(slice="URLLC"))
    sim.env.run(until=done)
    assert done.value.ok and sim.now == 0.5 and sim.world.state.slice.value == "URLLC"


def test_an_agent_can_be_a_simpy_process():
    """An operator written as a SimPy process yields its calls and reacts to a degradation as it lands."""
    sim = _sim(_congestion(3.0), think=0.5)
    seen = []

    def operator(sim):
        while True:
            yield sim.env.timeout(sim.think_time_s)
            state = (yield sim.call({"name": "check_network_state"}, think_s=0.0)).output
            seen.append((sim.now, state.latency_ms))
            if state.slice.value == "eMBB" and state.latency_ms > 100:
                result = yield sim.call({"name": "switch_network_slice", "arguments": SWITCH}, think_s=0.0)
                seen.append((sim.now, result.output.slice.value))

    sim.env.process(operator(sim))
    sim.env.run(until=8.0)
    switched = [t for t, v in seen if v == "URLLC"]
    assert len(switched) == 1 and 3.5 < switched[0] < 5.0
    assert seen[-1][1] < 100  # after the switch the latency is back under the threshold


def test_waiting_backwards_is_refused():
    """Negative waits are a caller's mistake."""
    from sixg.errors import UserError

    with pytest.raises(UserError, match="forward"):
        _sim().wait(-1.0)
