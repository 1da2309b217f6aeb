"""Files nested past the JSON decoder's depth are refused as damaged, never a RecursionError."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from sixg import jsontext
from sixg.errors import CorruptTraceError
from sixg.forge.records import Corpus, CorruptShardError
from sixg.sim.trajectory import Trajectory

DEEP = "[" * 100_000
SAMPLE = Path(__file__).parent / "data" / "forge-sample"


def test_deep_nesting_is_a_decode_error():
    """The reader's usual JSONDecodeError, not a RecursionError; ordinary JSON reads as json.loads does."""
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        jsontext.loads(DEEP)
    assert jsontext.loads('{"a": [1, 2.5]}') == {"a": [1, 2.5]}


def test_a_trajectory_line_nested_too_deep_is_a_corrupt_trace(tmp_path):
    """Trajectory.load names the file instead of crashing."""
    path = tmp_path / "t.jsonl"
    path.write_text(DEEP + "\n")
    with pytest.raises(CorruptTraceError, match="nested too deeply"):
        Trajectory.load(path)


def test_a_forge_shard_nested_too_deep_is_a_corrupt_shard(tmp_path):
    """Even when the manifest's digest matches the damaged shard, the reader refuses it with file and line."""
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLE, root)
    manifest = json.loads((root / "manifest.json").read_text())
    shard = root / manifest["shards"][0]["name"]
    lines = shard.read_text().splitlines()
    lines[0] = DEEP
    shard.write_text("\n".join(lines) + "\n")
    manifest["shards"][0]["sha256"] = hashlib.sha256(shard.read_bytes()).hexdigest()
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorruptShardError, match="line 1: not a Forge record"):
        list(Corpus(root).records())
