"""The Experiment Model: it learns from ns-3 traces, refuses bad checkpoints, and runs as a backend."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from sixg.actions import EdgeOffload, SwitchSlice
from sixg.backends import make_backend
from sixg.errors import CheckpointError, CorruptTraceError, SeedSplitError
from sixg.scenario import generate
from sixg.surrogate.evaluate import ChangeTable, evaluate
from sixg.surrogate.features import encode_corpus
from sixg.surrogate.model import EnsembleNet, base_inputs, default_checkpoint, load
from sixg.surrogate.train import TrainConfig, corpus_fingerprint, load_training_transitions, train
from sixg.traces.io import load_windows

SAMPLE = Path(__file__).parent / "data" / "traces-sample"
CALIBRATION = [5]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A small model trained on the committed trace sample (seeds 1-4 fit, 5 calibrates)."""
    torch.set_num_threads(1)
    fit, cal = load_training_transitions(SAMPLE, calibration_seeds=CALIBRATION)
    meta = {"corpus_fingerprint": corpus_fingerprint(SAMPLE)}
    model = train(fit, cal, config=TrainConfig(epochs=25, members=3, hidden=64, seed=0), meta=meta)
    path = tmp_path_factory.mktemp("model") / "tiny.safetensors"
    model.save(path)
    return path, model, fit, cal


def test_tiny_model_beats_persistence_on_held_out_seed(tiny):
    """Trained on a few seeds, the model's error on an unseen benchmark seed is below persistence's."""
    _, model, fit, cal = tiny
    held = encode_corpus(load_windows(SAMPLE, split="benchmark"))
    result = evaluate(model, held, ChangeTable.fit(fit))
    total_model = sum(m["model"]["mae_rel"] for m in result["dimensions"].values())
    total_persist = sum(m["persistence"]["mae_rel"] for m in result["dimensions"].values())
    assert total_model < total_persist
    assert result["dimensions"]["edge_load"]["model"]["mae"] < result["dimensions"]["edge_load"]["persistence"]["mae"]
    assert result["slice_accuracy"]["model"] >= result["slice_accuracy"]["persistence"]


def test_checkpoint_round_trip(tiny):
    """A saved checkpoint loads back to the same predictions and the same record of what it was trained on."""
    path, model, _, cal = tiny
    again = load(path)
    a, b = model.predict(cal.X[:50]), again.predict(cal.X[:50])
    assert np.allclose(a.quantiles, b.quantiles) and np.allclose(a.slice_probs, b.slice_probs)
    assert again.config["corpus_fingerprint"] == corpus_fingerprint(SAMPLE)
    assert {k: again.config[k] for k in model.config} == json.loads(json.dumps(model.config))


def test_numpy_inference_matches_the_trained_network(tiny):
    """The NumPy forward used at inference agrees with the torch network it was trained as."""
    _, model, _, cal = tiny
    X = cal.X[:64].astype(np.float32)
    base, cur = base_inputs(X.astype(np.float64), model._y_mean, model._y_std)
    with torch.no_grad():
        ref = model.net(torch.as_tensor(model.normalise(X)), base, cur)
    out = model.forward(model.normalise(X), base.numpy(), cur.numpy())
    for key in ref:
        assert np.allclose(ref[key].numpy(), out[key], atol=1e-4)


def test_intervals_are_calibrated_on_the_calibration_seeds(tiny):
    """After conformal calibration the 90% interval covers about 90% of the calibration set."""
    _, model, _, cal = tiny
    q = model.predict(cal.X).quantiles
    covered = ((cal.Y >= q[..., 0]) & (cal.Y <= q[..., -1])).mean(0)
    assert np.all(covered >= 0.88)


def _corrupt(path: Path, tmp_path: Path, name: str) -> Path:
    dst = tmp_path / f"{name}.safetensors"
    shutil.copy(path, dst)
    shutil.copy(path.with_suffix(".json"), dst.with_suffix(".json"))
    return dst


def test_truncated_checkpoint_is_refused(tiny, tmp_path):
    """A checkpoint cut short is refused, naming the file."""
    dst = _corrupt(tiny[0], tmp_path, "cut")
    dst.write_bytes(dst.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="cut.safetensors does not match the hash"):
        load(dst)


def test_checkpoint_for_another_schema_is_refused(tiny, tmp_path):
    """A checkpoint made for another feature schema is refused with how to fix it."""
    dst = _corrupt(tiny[0], tmp_path, "other")
    cfg = json.loads(dst.with_suffix(".json").read_text())
    cfg["feature_schema"] = "0123456789abcdef"
    dst.with_suffix(".json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="feature schema 0123456789abcdef.*retrain"):
        load(dst)


def test_corrupt_config_and_missing_pieces_are_refused(tiny, tmp_path):
    """Broken JSON, a missing config, or a file that is not safetensors each get a clear error."""
    dst = _corrupt(tiny[0], tmp_path, "json")
    dst.with_suffix(".json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load(dst)
    lone = tmp_path / "lone.safetensors"
    shutil.copy(tiny[0], lone)
    with pytest.raises(CheckpointError, match="has no config lone.json"):
        load(lone)
    junk = _corrupt(tiny[0], tmp_path, "junk")
    junk.write_bytes(b"\x00" * 64)
    cfg = json.loads(junk.with_suffix(".json").read_text())
    cfg["tensors_sha256"] = hashlib.sha256(junk.read_bytes()).hexdigest()
    junk.with_suffix(".json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="cannot be read as safetensors"):
        load(junk)
    with pytest.raises(CheckpointError, match="does not exist"):
        load(tmp_path / "nowhere.safetensors")


def test_corrupt_traces_are_refused(tmp_path):
    """Training on a corpus with a damaged episode fails with the file named."""
    shutil.copytree(SAMPLE, tmp_path / "t")
    victim = sorted((tmp_path / "t" / "train").rglob("episode-000.csv.gz"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(CorruptTraceError, match="episode-000.csv.gz cannot be read"):
        load_training_transitions(tmp_path / "t", calibration_seeds=CALIBRATION)


def test_benchmark_rows_in_the_training_split_are_refused(tmp_path):
    """A corpus whose training folder holds a benchmark seed is refused (no leakage into training)."""
    shutil.copytree(SAMPLE, tmp_path / "t")
    src = next((tmp_path / "t" / "benchmark").iterdir())
    shutil.copytree(src, tmp_path / "t" / "train" / src.name)
    with pytest.raises(SeedSplitError, match="benchmark seeds"):
        load_training_transitions(tmp_path / "t", calibration_seeds=CALIBRATION)


def test_same_seed_same_rollout(tiny):
    """The surrogate backend draws every window from a seeded generator: same seed, same episode."""
    scenario = generate(3, split="train")

    def rollout(seed):
        b = make_backend("surrogate", checkpoint=tiny[0])
        first = b.reset(scenario, seed=seed)
        out = [first.state]
        for k in range(12):
            acts = [SwitchSlice(slice="URLLC")] if k == 3 else []
            out.append(b.step(acts).snapshot.state)
        return out

    assert rollout(1) == rollout(1)
    assert rollout(1) != rollout(2)


def test_surrogate_backend_snapshot_is_complete(tiny):
    """A surrogate window has every part an ns-3 window has, geometry computed from the scenario."""
    scenario = generate(12, split="train")
    b = make_backend("surrogate", checkpoint=tiny[0])
    first = b.reset(scenario, seed=1)
    out = b.step([EdgeOffload(host="edge")])
    snap = out.snapshot
    assert snap.backend == "surrogate" and snap.service.host == "edge" and out.results[0].ok
    assert {u.id for u in snap.ues} == set(scenario.ue_ids)
    uav = scenario.uavs[0].id
    assert snap.ue(uav).position != first.ue(uav).position  # it flies its waypoints
    assert snap.uavs[uav].battery_wh < scenario.uav(uav).battery_wh
    assert set(snap.slices) == {s for s in scenario.slice_shares}


def test_default_checkpoint_ships_and_predicts_within_its_evaluated_error():
    """The shipped model loads, and on held-out rows its error is in line with its evaluation."""
    path = default_checkpoint()
    model = load(path)
    report = json.loads((path.parent / "evaluation.json").read_text())
    held = encode_corpus(load_windows(SAMPLE, split="benchmark"))
    pred = model.predict(held.X)
    from sixg.surrogate.evaluate import natural_quantiles

    q = natural_quantiles(pred.quantiles, held.offered)
    for j, name in enumerate(report["dimensions"]):
        mae = np.abs(q[:, j, 2] - held.target[:, j]).mean()
        assert mae <= 2.5 * report["dimensions"][name]["model"]["mae"] + 1e-6, name
        inside = ((held.target[:, j] >= q[:, j, 0]) & (held.target[:, j] <= q[:, j, -1])).mean()
        assert inside >= 0.75, name


def test_the_net_shape_is_what_the_config_says(tiny):
    """The network in a checkpoint has the architecture its config records."""
    model = tiny[1]
    arch = model.config["architecture"]
    assert isinstance(model.net, EnsembleNet) and model.net.members == arch["members"]


def test_model_space_round_trip_row_at_once():
    """Quantities leave model space in their own units and valid ranges, row-wise exactly as one by one."""
    from sixg.surrogate.features import DIMENSIONS, EXTRAS, from_model_space, from_model_space_many, to_model_space

    rng = np.random.default_rng(3)
    names = DIMENSIONS + EXTRAS
    natural = {n: rng.uniform(0.0, 1.0 if n.endswith(("loss_rate", "edge_load")) else 80.0, size=7) for n in names}
    offered = 12.5
    model = np.stack([to_model_space(n, natural[n], offered) for n in names], -1)
    back = from_model_space_many(names, model, offered)
    for j, n in enumerate(names):
        np.testing.assert_allclose(back[:, j], natural[n], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(back[:, j], from_model_space(n, model[:, j], offered))
    wild = from_model_space_many(names, np.full(len(names), -5.0), offered)
    assert (wild >= 0.0).all()
