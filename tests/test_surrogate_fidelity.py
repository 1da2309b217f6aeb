"""Episode-level fidelity of the Experiment Model: open-loop rollouts on its own predictions, and A/B effect sizes."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from toynet import ToyBackend

from sixg.domain import SliceType
from sixg.surrogate.effects import Situation, effect_table, format_effects, measure
from sixg.surrogate.evaluate import ChangeTable, evaluate
from sixg.surrogate.features import BASE, DIMENSIONS, INPUT_NAMES, SLICE_NAMES, encode_corpus
from sixg.surrogate.model import QUANTILES, default_checkpoint, load
from sixg.surrogate.rollout import format_open_loop, open_loop, open_loop_targets, own_state_inputs, rollout_predictions, successors, traces_of
from sixg.surrogate.train import TrainConfig, load_training_transitions, train
from sixg.traces.io import load_windows

SAMPLE = Path(__file__).parent / "data" / "traces-sample"
LATENCY = INPUT_NAMES.index("log_latency")
URLLC_COL = INPUT_NAMES.index("slice_URLLC")


class ConstantModel:
    """A tiny stand-in model: every window it predicts 777 ms latency on URLLC, and it keeps every input it was given."""

    features = BASE

    def __init__(self):
        self.inputs: list[np.ndarray] = []

    def predict(self, X):
        self.inputs.append(np.array(X))
        n = len(X)
        values = np.array([math.log1p(777.0), math.log1p(5.0), 0.5, 0.5, 0.5])
        quantiles = np.repeat(values[None, :, None], len(QUANTILES), axis=2).repeat(n, axis=0)
        slice_probs = np.zeros((n, len(SLICE_NAMES)))
        slice_probs[:, SLICE_NAMES.index("URLLC")] = 1.0
        return SimpleNamespace(quantiles=quantiles, slice_probs=slice_probs)


@pytest.fixture(scope="module")
def held_windows():
    return load_windows(SAMPLE, split="benchmark")


def test_the_rollout_feeds_back_its_own_predictions(held_windows):
    """From the second window on, the state the model is given is its own last prediction, not the trace's;
    the first window starts from the trace; the error h windows ahead is against ns-3's state then."""
    model = ConstantModel()
    result = open_loop(model, held_windows, horizons=(1, 2, 5))
    first, second = model.inputs[0], model.inputs[1]
    assert np.unique(first[:, LATENCY]).size > 1 and not np.allclose(first[:, LATENCY], math.log1p(777.0))
    assert np.allclose(second[:, LATENCY], math.log1p(777.0)) and (second[:, URLLC_COL] == 1.0).all()
    lat = held_windows["latency_ms"].to_numpy()
    assert result["horizons"]["1"]["model_mae"]["latency_ms"] == pytest.approx(np.abs(777.0 - lat[lat == lat]).mean(), rel=0.05)
    assert len(model.inputs) == 5 and result["horizons"]["5"]["n"] < result["horizons"]["1"]["n"]


def test_one_window_ahead_is_the_one_step_evaluation(held_windows):
    """The rollout's first window is exactly what the one-step evaluation scores (same model, same transitions)."""
    model = load(default_checkpoint())
    held = encode_corpus(held_windows)
    one_step = evaluate(model, held, ChangeTable.fit(held))
    rolled = open_loop(model, held_windows, horizons=(1, 10))
    for d in DIMENSIONS:
        assert rolled["horizons"]["1"]["model_mae"][d] == pytest.approx(one_step["dimensions"][d]["model"]["mae"], rel=1e-5)
        assert rolled["horizons"]["1"]["persistence_mae"][d] == pytest.approx(one_step["dimensions"][d]["persistence"]["mae"], rel=1e-9)
    assert set(open_loop_targets(rolled)) == set(DIMENSIONS)
    assert "10 win: model / persistence" in format_open_loop(rolled)


class Recording:
    """Wraps a model and keeps every batch of inputs it was asked to predict."""

    def __init__(self, model):
        self.model, self.inputs, self.features = model, [], model.features

    def predict(self, X):
        self.inputs.append(np.array(X))
        return self.model.predict(X)


def test_training_rollouts_give_the_model_the_inputs_the_open_loop_evaluation_gives_it(held_windows):
    """The rollouts made for training feed the model, h windows ahead, the same inputs as the open-loop
    evaluation does (its own states through the context builder), in the same order."""
    model = load(default_checkpoint())
    reference = Recording(model)
    rollout_predictions(reference, traces_of(held_windows), horizon=6)
    ts = encode_corpus(held_windows)
    steps = list(own_state_inputs(Recording(model), ts.X, successors(ts), horizon=6))
    assert len(steps) == 5
    for h, (rows, inputs) in enumerate(steps, start=2):
        assert np.allclose(inputs, reference.inputs[h - 1], atol=1e-5)
        assert (ts.t[rows] > ts.t[rows - (h - 1)]).all() and (ts.episode[rows] == ts.episode[rows - (h - 1)]).all()


def test_rollout_training_is_deterministic_and_resumes_to_the_same_model(tmp_path):
    """Same seed, same tensors; a training interrupted after a few epochs of rollouts and resumed ends
    with the same tensors as one that ran through."""
    fit, cal = load_training_transitions(SAMPLE, calibration_seeds=[5])
    config = TrainConfig(epochs=9, members=2, hidden=32, seed=3, rollout_horizon=5, rollout_warmup=2, patience=100)
    first, second = train(fit, cal, config=config), train(fit, cal, config=config)
    for name, tensor in first.net.state_dict().items():
        assert torch.equal(tensor, second.net.state_dict()[name]), name

    class Stop(Exception):
        pass

    def stop_after_five(epoch, *_):
        if epoch == 5:
            raise Stop

    partial = tmp_path / "model.partial.safetensors"
    with pytest.raises(Stop):
        train(fit, cal, config=config, partial=partial, on_epoch=stop_after_five)
    resumed = train(fit, cal, config=config, partial=partial)
    for name, tensor in first.net.state_dict().items():
        assert torch.equal(tensor, resumed.net.state_dict()[name]), name
    assert np.array_equal(first.stats["calibration"], resumed.stats["calibration"])


class LoudToy(ToyBackend):
    """The toy network where congestion on the service's eMBB cell costs twice the latency: a planted 2x effect."""

    def _snapshot(self):
        snap = super()._snapshot()
        c = self.control
        ev = c.active.get("congestion")
        if ev is not None and ev.gnb == c.serving[self.scenario.service.ue] and c.slice is SliceType.EMBB:
            relief = c.shaped(SliceType.EMBB)
            state = snap.state.model_copy(update={"latency_ms": snap.state.latency_ms + 80.0 * (1 - relief)})
            snap = snap.model_copy(update={"state": state})
        return snap


def test_effect_sizes_have_the_planted_signs_and_ratios():
    """Congestion raises latency and the URLLC switch and shaping lower it on both sides; where the reference
    doubles the congestion cost the ratio is 0.5 and misses the target, elsewhere it is 1 and meets it."""
    runs = measure({"surrogate": ToyBackend, "ns3": LoudToy}, [Situation(51, 1), Situation(53, 1)])
    table = effect_table(runs)
    lat = {arm: e["dimensions"]["latency_ms"] for arm, e in table.items()}
    assert table["congestion"]["n"] == 2
    assert lat["congestion"]["surrogate"] > 50 and lat["congestion"]["ns3"] > 100
    assert lat["congestion"]["ratio"] == pytest.approx(0.5, abs=0.05) and lat["congestion"]["within_target"] is False
    for remedy in ("switch_network_slice", "graceful_degradation"):
        assert lat[remedy]["surrogate"] < 0 and lat[remedy]["ns3"] < 0
    assert lat["backhaul"]["ratio"] == pytest.approx(1.0, abs=0.05) and lat["backhaul"]["within_target"] is True
    assert table["edge_overload"]["dimensions"]["edge_load"]["surrogate"] > 0
    assert table["trigger_slice_reallocation"]["dimensions"]["latency_ms"]["ns3_shows_effect"] is False
    text = format_effects(table)
    assert "| congestion (vs quiet) | 2 |" in text and "0.50 *" in text


def test_evaluate_command_writes_the_open_loop_tables(tmp_path, capsys):
    """`python -m sixg.surrogate evaluate --horizons ... --out DIR` prints and writes the open-loop table
    beside the one-step one (JSON, markdown, plot); a bad horizon list is a usage error."""
    from sixg.surrogate.__main__ import main

    out = tmp_path / "fidelity"
    assert main(["evaluate", "--traces", str(SAMPLE), "--seeds", "51", "--horizons", "1,5", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "open-loop rollouts" in printed and "5 win: model / persistence" in printed
    import json

    saved = json.loads((out / "fidelity.json").read_text())
    assert set(saved["open_loop"]["horizons"]) == {"1", "5"} and "effects" not in saved
    assert "open-loop rollouts" in (out / "fidelity.md").read_text() and (out / "open_loop.png").stat().st_size > 0
    assert main(["evaluate", "--traces", str(SAMPLE), "--seeds", "51", "--horizons", "one"]) == 2
    assert "--horizons takes window counts" in capsys.readouterr().err
