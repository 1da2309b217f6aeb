"""The surrogate's optional radio-link-failure rule moves a UE off a weak cell the way ns-3 does, and only when asked."""

from __future__ import annotations

import gzip
import json

import pytest

from sixg.actions import Handover
from sixg.backends.surrogate import SurrogateBackend
from sixg.scenario import generate, split_of

from tests.test_surrogate_backend import REFERENCE, explore

#: Windows from a handover onto a cell below Qout until the UE is back on the strongest cell:
#: the move falls in the window in which RLF_AFTER_S (2.2 s) of being out of sync ends.
RETURN_WINDOW = 4


@pytest.fixture(scope="module")
def model():
    return SurrogateBackend().model


def _cells_after_handover(model, seed: int, target: str, *, auto: bool, windows: int = 10) -> tuple[str, list[str]]:
    """Hand the service UE over to ``target`` in the first window; the service's cell after each window."""
    sc = generate(seed, split=split_of(seed))
    b = SurrogateBackend(model=model, sample=False, auto_handover=auto)
    snap = b.reset(sc, seed=0)
    start = snap.ue(sc.service.ue).gnb
    out = b.step([Handover(ue=sc.service.ue, target_gnb=target)])
    assert out.results[0].ok, out.results[0]
    cells = [out.snapshot.ue(sc.service.ue).gnb]
    for _ in range(windows - 1):
        cells.append(b.step().snapshot.ue(sc.service.ue).gnb)
    return start, cells


def test_the_rule_off_reproduces_the_recorded_episodes(model):
    """With auto_handover=False given explicitly, a recorded reference episode (with a service handover) replays float for float."""
    with gzip.open(REFERENCE, "rt") as fh:
        want = json.load(fh)["9-3-sampled"]
    got = explore(SurrogateBackend(model=model, auto_handover=False), 9, 3)[3]
    assert got == want


def test_after_a_handover_to_a_far_weaker_cell_the_ue_returns_to_the_best_cell_in_time_and_not_before(model):
    """Seed 2: gnb-0's control SINR at the service UE is -12.7 dB (12.6 dB below gnb-1); with the rule the UE is
    back on gnb-1 in the fourth window after the handover window, not earlier; without it, it stays on gnb-0."""
    start, on = _cells_after_handover(model, 2, "gnb-0", auto=True)
    assert start == "gnb-1"
    assert on[:RETURN_WINDOW] == ["gnb-0"] * RETURN_WINDOW
    assert on[RETURN_WINDOW:] == ["gnb-1"] * (len(on) - RETURN_WINDOW)
    _, off = _cells_after_handover(model, 2, "gnb-0", auto=False)
    assert off == ["gnb-0"] * len(off)


def test_a_weaker_cell_above_qout_keeps_the_ue(model):
    """Seed 39: gnb-1 is 3.5 dB below gnb-0 (control SINR -3.6 dB, above Qout): ns-3 keeps the UE there, and so does the rule."""
    start, on = _cells_after_handover(model, 39, "gnb-1", auto=True)
    assert start == "gnb-0"
    assert on == ["gnb-1"] * len(on)


@pytest.mark.parametrize("seed", [2, 9, 13])
def test_a_ue_on_the_best_cell_is_never_moved(model, seed):
    """Without handover actions every UE stays on the cell it attached to (the strongest), with the rule on;
    seed 9's service UE sits at 2.1 dB control SINR, seed 13's is a UAV."""
    sc = generate(seed, split=split_of(seed))
    b = SurrogateBackend(model=model, sample=False, auto_handover=True)
    first = b.reset(sc, seed=0)
    cells = {u: first.ue(u).gnb for u in sc.ue_ids}
    for _ in range(12):
        snap = b.step().snapshot
        assert {u: snap.ue(u).gnb for u in sc.ue_ids} == cells


def test_the_control_sinr_is_the_loaded_sinr_of_the_link_budget():
    """Geometry.control_sinr_db equals cell_signals' loaded SINR of the serving cell (the other cells count as interference)."""
    import numpy as np

    from sixg.radio import Geometry, cell_signals

    sc = generate(9, split=split_of(9))
    ue = next(u for u in sc.ues if u.id == sc.service.ue)
    cells = cell_signals(sc, ue.position)
    got = Geometry(sc).control_sinr_db(np.array([[ue.position.x, ue.position.y, ue.position.z]] * len(cells)), [c.gnb for c in cells])
    assert got.tolist() == pytest.approx([c.loaded_sinr_db for c in cells], abs=1e-9)


def _latency_after_handover(model, seed: int, target: str | None, *, windows: int = 12) -> list[float]:
    """The service's latency per window from a handover to ``target`` in the first window (None: no handover)."""
    sc = generate(seed, split=split_of(seed))
    b = SurrogateBackend(model=model, sample=False, auto_handover=True)
    b.reset(sc, seed=0)
    lat = [b.step([Handover(ue=sc.service.ue, target_gnb=target)] if target else []).snapshot.state.latency_ms]
    lat += [b.step().snapshot.state.latency_ms for _ in range(windows - 1)]
    return lat


def test_after_the_return_the_latency_is_back_where_it_was_without_the_handover(model):
    """Seed 2: on the weak cell the service is in outage; from the window after the move back on, its latency is
    within 25 ms of the run without the handover, as on ns-3 (the link is re-established, the failed link's queues dropped)."""
    quiet = _latency_after_handover(model, 2, None)
    moved = _latency_after_handover(model, 2, "gnb-0")
    assert min(moved[:RETURN_WINDOW]) > quiet[0] + 200
    after = [m - q for m, q in zip(moved[RETURN_WINDOW + 1 :], quiet[RETURN_WINDOW + 1 :])]
    assert max(abs(x) for x in after) < 25, after


def test_a_measured_window_cancels_the_return_to_the_kept_history(model):
    """resync (dual mode: ns-3 answered a window) puts the measured state in the history; the history kept from
    before the link failure is then not restored over it."""
    sc = generate(2, split=split_of(2))
    b = SurrogateBackend(model=model, sample=False, auto_handover=True)
    b.reset(sc, seed=0)
    b.step([Handover(ue=sc.service.ue, target_gnb="gnb-0")])
    for _ in range(RETURN_WINDOW):
        snap = b.step().snapshot
    assert snap.ue(sc.service.ue).gnb == "gnb-1" and b._restore is not None
    b.resync(snap)
    assert b._restore is None and b._history[0][1] == snap.state.latency_ms
