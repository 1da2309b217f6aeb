"""The surrogate backend serves the model what it was trained on, and its episodes do not change silently."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from sixg.backends.surrogate import SurrogateBackend
from sixg.scenario import generate, split_of
from sixg.surrogate.features import HISTORY, INPUT_NAMES, encode_inputs, episode_contexts
from sixg.schedule import random_schedule
from sixg.traces.generate import EpisodeRecorder
from sixg.traces.policy import ExploringPolicy

#: Columns that say what happened (actions, events, where jobs run): equal, not merely close.
DISCRETE = [i for i, n in enumerate(INPUT_NAMES) if n.startswith(("slice_", "act_", "switch_to_", "realloc_", "degrade_", "onset_", "recovery_", "offload_dir", "host_edge", "handover_service", "uav_plan_service"))]


@pytest.fixture(scope="module")
def backend():
    return SurrogateBackend()


def explore(backend, seed: int, episode: int, *, windows: int = 40):
    """A seeded episode with an action in about half the windows and random degradations; its trace rows
    (written as ns-3 traces are) and every context the backend built live."""
    sc = generate(seed, split=split_of(seed))
    rng = random.Random(f"explore-{seed}-{episode}")
    snap = backend.reset(sc, seed=episode)
    pending = list(random_schedule(sc, rng, duration_s=windows * backend.window_s, service_gnb=snap.ue(sc.service.ue).gnb).events)
    policy = ExploringPolicy(sc, rng, act_probability=0.5)
    rec = EpisodeRecorder(sc, episode)
    rec.record(snap)
    live = []
    for _ in range(windows):
        events = []
        while pending and pending[0].t < backend.now + backend.window_s - 1e-9:
            events.append(pending.pop(0).action)
        action = policy(snap)
        out = backend.step([*events, *([action] if action is not None else [])])
        snap = out.snapshot
        rec.record(snap, action=action, result=out.results[-1] if action is not None else None, events=events)
        live.append(backend.last_context)
    return sc, pd.DataFrame(rec.windows), live


@pytest.mark.parametrize(("seed", "episode"), [(9, 3), (54, 1), (11, 0)])
def test_context_from_a_trace_row_equals_the_one_built_live(backend, seed, episode):
    """The surrogate's own episode, written as trace rows and read back the training way, gives the contexts it built live."""
    sc, rows, live = explore(backend, seed, episode)
    from_rows = episode_contexts(rows, sc)
    assert len(from_rows) == len(live) == 40
    for i, (a, b) in enumerate(zip(from_rows, live)):
        assert a.action == b.action and a.onsets == b.onsets and a.recoveries == b.recoveries, i
        assert a.here.keys() == b.here.keys() and a.other.keys() == b.other.keys(), i
        assert (a.host_edge, a.shaped, a.edge_overload, a.drift_service, a.drift_other) == (b.host_edge, b.shaped, b.edge_overload, b.drift_service, b.drift_other), i
    # Trace rows round KPIs (1e-4) and positions (1 cm), and the live history starts from the warm-up.
    xa = encode_inputs(from_rows[HISTORY:], backend._sf)
    xb = encode_inputs(live[HISTORY:], backend._sf)
    assert np.array_equal(xa[:, DISCRETE], xb[:, DISCRETE])
    np.testing.assert_allclose(xa, xb, atol=2e-3)


def test_the_parity_episodes_cover_handovers_and_cell_degradations(backend):
    """The parity episodes include a handover of the service UE and a degradation on its cell, where serving once differed."""
    seen = set()
    for seed, episode in [(9, 3), (54, 1), (11, 0)]:
        sc, _, live = explore(backend, seed, episode)
        for c in live:
            if c.handover_service:
                seen.add("service handover")
            seen.update(f"{k} here" for k in c.here)
    assert {"service handover", "interference_dbm here"} <= seen, seen
