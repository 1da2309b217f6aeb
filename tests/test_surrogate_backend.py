"""The surrogate backend serves the model what it was trained on, and its episodes do not change silently."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sixg.backends.surrogate import SurrogateBackend
from sixg.scenario import generate, split_of
from sixg.surrogate.features import HISTORY, INPUT_NAMES, ScenarioFeatures, encode_inputs, episode_contexts
from sixg.schedule import random_schedule
from sixg.traces.generate import EpisodeRecorder
from sixg.traces.policy import ExploringPolicy

REFERENCE = Path(__file__).parent / "data" / "surrogate-episodes.json.gz"
#: Episodes (seed, episode seed, sampled?) whose every window is kept in REFERENCE.
REFERENCE_EPISODES = ((54, 1, True), (9, 3, True), (11, 0, True), (53, 0, True), (57, 2, True), (58, 2, False))
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
    dumps = [{"snapshot": snap.model_dump(mode="json")}]
    for _ in range(windows):
        events = []
        while pending and pending[0].t < backend.now + backend.window_s - 1e-9:
            events.append(pending.pop(0).action)
        action = policy(snap)
        out = backend.step([*events, *([action] if action is not None else [])])
        snap = out.snapshot
        rec.record(snap, action=action, result=out.results[-1] if action is not None else None, events=events)
        live.append(backend.last_context)
        dumps.append({"results": [r.model_dump(mode="json") for r in out.results], "snapshot": snap.model_dump(mode="json")})
    return sc, pd.DataFrame(rec.windows), live, dumps


@pytest.mark.parametrize(("seed", "episode"), [(9, 3), (54, 1), (11, 0)])
def test_context_from_a_trace_row_equals_the_one_built_live(backend, seed, episode):
    """The surrogate's own episode, written as trace rows and read back the training way, gives the contexts it built
    live (the handover inputs included: windows since the service's cell changed, its margin to the best cell)."""
    sc, rows, live, _ = explore(backend, seed, episode)
    from_rows = episode_contexts(rows, sc)
    assert len(from_rows) == len(live) == 40
    for i, (a, b) in enumerate(zip(from_rows, live)):
        assert a.action == b.action and a.onsets == b.onsets and a.recoveries == b.recoveries, i
        assert a.here.keys() == b.here.keys() and a.other.keys() == b.other.keys(), i
        assert (a.host_edge, a.shaped, a.edge_overload, a.drift_service, a.drift_other) == (b.host_edge, b.shaped, b.edge_overload, b.drift_service, b.drift_other), i
        assert a.since_cell_change == b.since_cell_change and a.serving_margin_db == pytest.approx(b.serving_margin_db, abs=0.05), i
    # Trace rows round KPIs (1e-4) and positions (1 cm), and the live history starts from the warm-up.
    xa = encode_inputs(from_rows[HISTORY:], backend._sf)
    xb = encode_inputs(live[HISTORY:], backend._sf)
    assert np.array_equal(xa[:, DISCRETE], xb[:, DISCRETE])
    np.testing.assert_allclose(xa, xb, atol=2e-3)


def test_the_parity_episodes_cover_handovers_and_cell_degradations(backend):
    """The parity episodes include a handover of the service UE and a degradation on its cell, where serving once differed."""
    seen = set()
    for seed, episode in [(9, 3), (54, 1), (11, 0)]:
        sc, _, live, _ = explore(backend, seed, episode)
        for c in live:
            if c.handover_service:
                seen.add("service handover")
            seen.update(f"{k} here" for k in c.here)
    assert {"service handover", "interference_dbm here"} <= seen, seen


def record_reference(backend: SurrogateBackend) -> dict:
    """Every window of the reference episodes, as the snapshots and action results dump to JSON."""
    out = {}
    for seed, episode, sample in REFERENCE_EPISODES:
        runner = SurrogateBackend(sample=sample, model=backend.model)
        out[f"{seed}-{episode}-{'sampled' if sample else 'median'}"] = explore(runner, seed, episode)[3]
    return out


def test_episodes_are_bit_identical_to_the_recorded_reference(backend):
    """Reference episodes (sampled and median, handovers, UAV plans, every degradation kind) reproduce the
    recorded snapshots and action results float for float: a faster backend must not change an outcome."""
    with gzip.open(REFERENCE, "rt") as fh:
        want = json.load(fh)
    got = record_reference(backend)
    assert got.keys() == want.keys()
    for name in want:
        assert len(got[name]) == len(want[name]) == 41, name
        for i, (g, w) in enumerate(zip(got[name], want[name])):
            assert g == w, f"{name}: window {i} differs"


def test_rows_of_a_batch_prediction_are_what_the_batch_says(backend):
    """Taking a scenario's rows out of a batched prediction keeps every part of them, the lazily computed ones too."""
    sc, _, live, _ = explore(backend, 9, 0, windows=8)
    whole = backend.model.predict(encode_inputs(live, ScenarioFeatures.of(sc)))
    part = whole.rows(2, 5)
    for name in ("quantiles", "slice_probs", "extras", "ok_prob", "spread", "ood"):
        assert np.array_equal(getattr(part, name), getattr(whole, name)[2:5]), name
