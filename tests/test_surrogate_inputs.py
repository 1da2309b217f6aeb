"""Optional inputs of the Experiment Model: where each state came from, and the service's cell changes."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from sixg.actions import Handover
from sixg.backends import make_backend
from sixg.errors import CheckpointMismatch, UserError
from sixg.scenario import generate, split_of
from sixg.surrogate.features import (
    BASE,
    HANDOVER_INPUTS,
    HISTORY,
    INPUT_NAMES,
    PROVENANCE_INPUTS,
    SINCE_CHANGE_CAP,
    SLICE_NAMES,
    FeatureSet,
    encode_corpus,
    schema_fingerprint,
)
from sixg.surrogate.model import QUANTILES, default_checkpoint, load
from sixg.surrogate.rollout import open_loop, own_state_inputs, rollout_predictions, successors, traces_of
from sixg.surrogate.train import TrainConfig, load_training_transitions, train
from sixg.traces.io import load_windows

SAMPLE = Path(__file__).parent / "data" / "traces-sample"
BOTH = FeatureSet(provenance=True, handover=True)
OWN = [len(INPUT_NAMES) + k for k in range(len(PROVENANCE_INPUTS))]


class ConstantModel:
    """A stand-in model with the given optional inputs: it predicts one fixed state and keeps every input it was given."""

    def __init__(self, features: FeatureSet):
        self.features, self.inputs = features, []

    def predict(self, X):
        self.inputs.append(np.array(X))
        n = len(X)
        values = np.array([math.log1p(40.0), math.log1p(2.0), 0.01, 0.9, 0.3])
        slice_probs = np.zeros((n, len(SLICE_NAMES)))
        slice_probs[:, 0] = 1.0
        return SimpleNamespace(quantiles=np.repeat(values[None, :, None], len(QUANTILES), axis=2).repeat(n, axis=0), slice_probs=slice_probs)


@pytest.fixture(scope="module")
def held_windows():
    return load_windows(SAMPLE, split="benchmark")


@pytest.fixture(scope="module")
def featured(tmp_path_factory):
    """A small model trained with provenance and handover inputs on the trace sample (5-window rollouts), saved."""
    torch.set_num_threads(1)
    config = TrainConfig(epochs=6, members=2, hidden=32, seed=0, rollout_horizon=5, rollout_warmup=2, provenance=True, handover_features=True)
    fit, cal = load_training_transitions(SAMPLE, calibration_seeds=[5], features=config.features)
    model = train(fit, cal, config=config, meta={"corpus_fingerprint": "sample"})
    path = tmp_path_factory.mktemp("featured") / "featured.safetensors"
    model.save(path)
    return path, model, cal


def test_without_options_the_inputs_and_schema_are_the_shipped_ones(held_windows):
    """Options off: the inputs are INPUT_NAMES and nothing else, hashed as the shipped checkpoint's schema; the
    optional inputs only append columns, leaving the others as they were."""
    cfg = json.loads(default_checkpoint().with_suffix(".json").read_text())
    assert TrainConfig().features == BASE and BASE.names == INPUT_NAMES
    assert schema_fingerprint() == schema_fingerprint(BASE) == cfg["feature_schema"] and tuple(cfg["inputs"]) == INPUT_NAMES
    assert schema_fingerprint(BOTH) != cfg["feature_schema"]
    base, both = encode_corpus(held_windows), encode_corpus(held_windows, features=BOTH)
    assert base.X.shape[1] == len(INPUT_NAMES) and both.X.shape[1] == len(INPUT_NAMES) + len(PROVENANCE_INPUTS) + len(HANDOVER_INPUTS)
    assert np.array_equal(base.X, both.X[:, : len(INPUT_NAMES)])
    assert (both.X[:, OWN] == 0).all()  # a trace's states are all measured


def test_the_shipped_checkpoint_loads_as_before():
    """A checkpoint that records no feature set (made before they existed) loads with none and encodes as before."""
    model = load(default_checkpoint())
    assert "features" not in model.config and model.features == BASE
    assert model.net.weights[0].shape[1] == len(INPUT_NAMES)


def test_open_loop_marks_its_own_states_predicted_and_the_first_window_measured(held_windows):
    """One window ahead every state is ns-3's (measured); h windows ahead the newest h - 1 are the model's own."""
    model = ConstantModel(BOTH)
    open_loop(model, held_windows, horizons=(1, 2, 3, 5))
    own = [batch[:, OWN] for batch in model.inputs]
    assert len(own) == 5
    assert (own[0] == 0).all()
    assert (own[1][:, 0] == 1).all() and (own[1][:, 1:] == 0).all()
    assert (own[2][:, :2] == 1).all() and (own[2][:, 2] == 0).all()
    assert (own[3] == 1).all() and (own[4] == 1).all()
    # Without the option the same rollout hands the model no such columns.
    plain = ConstantModel(BASE)
    open_loop(plain, held_windows, horizons=(1, 2))
    assert all(batch.shape[1] == len(INPUT_NAMES) for batch in plain.inputs)


def test_training_rollouts_mark_provenance_as_the_evaluation_does(held_windows):
    """The rollouts made for training hand a provenance model the same inputs, marks included, as the open-loop evaluation."""
    reference = ConstantModel(BOTH)
    rollout_predictions(reference, traces_of(held_windows), horizon=5)
    ts = encode_corpus(held_windows, features=BOTH)
    steps = list(own_state_inputs(ConstantModel(BOTH), ts.X, successors(ts), horizon=5))
    assert len(steps) == 4
    for h, (_, inputs) in enumerate(steps, start=2):
        assert np.allclose(inputs, reference.inputs[h - 1], atol=1e-5)
        assert (inputs[:, OWN[: h - 1]] == 1).all()


def test_provenance_without_own_rollouts_is_refused(tmp_path, capsys):
    """Provenance inputs with one-step training would only ever read 'measured': train() and the CLI refuse it."""
    from sixg.surrogate.__main__ import main

    fit, cal = load_training_transitions(SAMPLE, calibration_seeds=[5], features=FeatureSet(provenance=True))
    with pytest.raises(UserError, match="rollout horizon above 1"):
        train(fit, cal, config=TrainConfig(epochs=1, members=1, hidden=8, provenance=True))
    assert main(["train", "--traces", str(SAMPLE), "--out", str(tmp_path / "m.safetensors"), "--provenance"]) == 2
    assert "--provenance needs the model's own rollouts" in capsys.readouterr().err
    with pytest.raises(UserError, match="feature set"):
        train(fit, cal, config=TrainConfig(epochs=1, members=1, hidden=8))


def test_a_featured_checkpoint_round_trips(featured):
    """Saved and loaded, a model trained with optional inputs records them, rebuilds the same network and predicts the same."""
    path, model, cal = featured
    again = load(path)
    assert again.features == BOTH and again.config["features"] == {"provenance": True, "handover": True}
    assert tuple(again.config["inputs"]) == BOTH.names and again.config["feature_schema"] == schema_fingerprint(BOTH)
    assert again.config["training"]["provenance"] is True and again.config["training"]["handover_features"] is True
    a, b = model.predict(cal.X[:40]), again.predict(cal.X[:40])
    assert np.allclose(a.quantiles, b.quantiles) and np.allclose(a.slice_probs, b.slice_probs)


def test_a_featured_checkpoint_with_a_bad_feature_record_is_refused(featured, tmp_path):
    """A config whose feature set is not booleans, or differs from the one the tensors were made for, is refused."""
    path = featured[0]
    for entry, match in (({"provenance": "yes"}, "not a feature set"), ({"provenance": True, "handover": False}, "feature schema")):
        dst = tmp_path / "bad.safetensors"
        shutil.copy(path, dst)
        cfg = json.loads(path.with_suffix(".json").read_text())
        cfg["features"] = entry
        dst.with_suffix(".json").write_text(json.dumps(cfg))
        with pytest.raises(CheckpointMismatch, match=match):
            load(dst)


def test_a_featured_checkpoint_runs_an_episode_on_the_surrogate_backend(featured):
    """On the surrogate backend the featured model's states are all its own, a service handover restarts the
    count of windows since the cell changed, and a state resynced from another backend is marked measured."""
    path = featured[0]
    seed = 54
    sc = generate(seed, split=split_of(seed))
    backend = make_backend("surrogate", checkpoint=path)
    snap = backend.reset(sc, seed=1)
    since = len(INPUT_NAMES) + len(PROVENANCE_INPUTS) + 1
    service = sc.service.ue
    here = snap.ue(service).gnb
    target = next(g.id for g in sc.gnbs if g.id != here)
    out = backend.step([])
    assert backend.last_inputs.shape == (1, len(BOTH.names)) and (backend.last_inputs[0, OWN] == 1).all()
    assert backend.last_inputs[0, since] == pytest.approx(1.0)
    out = backend.step([Handover(ue=service, target_gnb=target)])
    assert backend.last_inputs[0, since] == 0.0
    out = backend.step([])
    assert backend.last_inputs[0, since] == pytest.approx(1 / SINCE_CHANGE_CAP)
    backend.resync(out.snapshot)
    backend.step([])
    assert backend.last_inputs[0, OWN].tolist() == [0.0, 1.0, 1.0]
    for _ in range(HISTORY + 1):
        out = backend.step([])
    assert (backend.last_inputs[0, OWN] == 1).all() and np.isfinite(out.snapshot.state.latency_ms)


def test_a_featured_checkpoint_serves_a_batch_of_episodes(featured):
    """Backends sharing a featured model through a batch encode its inputs and step side by side."""
    from sixg.backends.batched import SurrogateBatch

    batch = SurrogateBatch(2, checkpoint=featured[0])
    scenarios = [generate(s, split=split_of(s)) for s in (51, 54)]

    def episode(backend, sc):
        backend.reset(sc, seed=0)
        for _ in range(3):
            backend.step([])
        return backend.last_inputs

    inputs = batch.run([lambda b=b, sc=sc: episode(b, sc) for b, sc in zip(batch.backends, scenarios)])
    assert all(x.shape == (1, len(BOTH.names)) and (x[0, OWN] == 1).all() for x in inputs)
    assert batch.forward_passes > 0 and batch.windows >= 2 * 3
