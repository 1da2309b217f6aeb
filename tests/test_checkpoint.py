"""Checkpoints: one safetensors + JSON + hash format for every trained artefact, bad files refused by kind."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sixg import checkpoint
from sixg.agents.drl import POLICY_FORMAT, POLICY_VERSION, default_policy_path, load_policy
from sixg.errors import CheckpointCorrupt, CheckpointError, CheckpointMismatch, CheckpointMissing
from sixg.surrogate.model import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, default_checkpoint, read_checkpoint

KIND = dict(format="sixg-test", version=2, what="test model", create_hint="make-it")


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "m.safetensors"
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([0.5, -1.0])}
    checkpoint.write(path, arrays, {"note": "x"}, format="sixg-test", version=2)
    return path, arrays


def test_round_trip_keeps_arrays_and_config(saved):
    """What is written reads back array for array, with the config, kind, version and hash."""
    path, arrays = saved
    tensors, cfg = checkpoint.read(path, **KIND)
    assert set(tensors) == set(arrays)
    for k, v in arrays.items():
        assert tensors[k].dtype == v.dtype and np.array_equal(tensors[k], v)
    assert cfg["note"] == "x" and cfg["format"] == "sixg-test" and cfg["version"] == 2 and len(cfg["tensors_sha256"]) == 64


def test_changed_or_truncated_tensors_are_refused(saved):
    """One flipped byte or a cut file fails the hash check, naming the file."""
    path, _ = saved
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.raises(CheckpointCorrupt, match="m.safetensors does not match the hash"):
        checkpoint.read(path, **KIND)
    path.write_bytes(bytes(blob[:20]))
    with pytest.raises(CheckpointCorrupt, match="does not match the hash"):
        checkpoint.read(path, **KIND)


def test_the_hash_is_mandatory(saved):
    """A config without a hash is refused: nothing is loaded unverified."""
    path, _ = saved
    cfg_path = checkpoint.config_path(path)
    cfg = json.loads(cfg_path.read_text())
    del cfg["tensors_sha256"]
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(CheckpointCorrupt, match="no tensors_sha256"):
        checkpoint.read(path, **KIND)


def test_missing_files_and_broken_config_are_refused(saved, tmp_path):
    """A missing tensors file or config, and a config that is not JSON, each get their own typed error."""
    path, _ = saved
    with pytest.raises(CheckpointMissing, match="does not exist; make one with `make-it`"):
        checkpoint.read(tmp_path / "nowhere.safetensors", **KIND)
    cfg_path = checkpoint.config_path(path)
    text = cfg_path.read_text()
    cfg_path.write_text("{not json")
    with pytest.raises(CheckpointCorrupt, match="not valid JSON"):
        checkpoint.read(path, **KIND)
    cfg_path.unlink()
    with pytest.raises(CheckpointMissing, match="has no config m.json"):
        checkpoint.read(path, **KIND)
    cfg_path.write_text(text)
    checkpoint.read(path, **KIND)


def test_other_kind_or_version_is_a_mismatch(saved):
    """A sound checkpoint of another kind or version is refused as a mismatch, saying how to make the right one."""
    path, _ = saved
    with pytest.raises(CheckpointMismatch, match="not a sixg other config"):
        checkpoint.read(path, **dict(KIND, format="sixg-other", what="other"))
    with pytest.raises(CheckpointMismatch, match="version 2, this sixg reads version 3.*make-it"):
        checkpoint.read(path, **dict(KIND, version=3))


def test_the_legacy_version_key_still_reads(saved):
    """A config written under the older ``checkpoint_version`` key reads as ``version``."""
    path, _ = saved
    cfg_path = checkpoint.config_path(path)
    cfg = json.loads(cfg_path.read_text())
    cfg["checkpoint_version"] = cfg.pop("version")
    cfg_path.write_text(json.dumps(cfg))
    assert checkpoint.read(path, **KIND)[1]["version"] == 2


def test_wrong_shapes_are_a_mismatch(saved):
    """Arrays that are not the ones the config describes are refused by name."""
    path, arrays = saved
    checkpoint.check_shapes(path, arrays, {"w": (2, 3)})
    with pytest.raises(CheckpointMismatch, match=r"w: \(2, 3\), expected \(3, 2\)"):
        checkpoint.check_shapes(path, arrays, {"w": (3, 2)})
    with pytest.raises(CheckpointMismatch, match="missing"):
        checkpoint.check_shapes(path, arrays, {"v": (1,)})


def test_both_shipped_checkpoints_are_in_the_one_format():
    """The shipped Experiment Model and DRL policy both read through the shared format, hash verified."""
    _, cfg = read_checkpoint(default_checkpoint())
    assert cfg["format"] == CHECKPOINT_FORMAT and cfg["version"] == CHECKPOINT_VERSION
    raw = json.loads(checkpoint.config_path(default_checkpoint()).read_text())
    assert "checkpoint_version" not in raw, "the shipped config is migrated to the shared keys"
    policy = load_policy()
    assert policy.config["format"] == POLICY_FORMAT and policy.config["version"] == POLICY_VERSION
    with pytest.raises(CheckpointError):
        checkpoint.read(default_policy_path(), format=CHECKPOINT_FORMAT, version=CHECKPOINT_VERSION, what="Experiment Model", create_hint="x")
