"""Checkpoints: named arrays in a safetensors file, a JSON config beside it, tied by a hash.

Every trained artefact sixg ships or writes (the Experiment Model, the DRL slicing
policy) is the pair ``<name>.safetensors`` + ``<name>.json``. The tensors file holds only
arrays, so loading never unpickles anything; the config says what the arrays are
(``format``, ``version``, whatever the kind adds) and carries the SHA-256 of the tensors
file, which :func:`read` always checks: a truncated or edited file is refused before a
byte of it is parsed. Both files are written to temporary names and renamed into place,
so an interrupted write never leaves a half-written checkpoint under the real name.

Arrays are NumPy here; a caller that trains with torch converts at its own edge, so
reading a policy does not import torch.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from sixg.errors import CheckpointCorrupt, CheckpointMismatch, CheckpointMissing
from sixg import jsontext

#: Config keys older sixg wrote under another name, mapped to today's (the tensors are unchanged).
_RENAMED_KEYS = {"checkpoint_version": "version"}


def config_path(path: str | Path) -> Path:
    """The JSON config that belongs to the tensors file ``path``."""
    return Path(path).with_suffix(".json")


def write(path: str | Path, tensors: Mapping[str, np.ndarray], config: Mapping, *, format: str, version: int) -> dict:
    """Write ``path`` (.safetensors) and its config beside it, each atomically; return the config written.

    ``format`` and ``version`` name what the arrays are; the tensors' hash is added.
    """
    from safetensors.numpy import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp))
    cfg = dict(config, format=format, version=version, tensors_sha256=hashlib.sha256(tmp.read_bytes()).hexdigest())
    cfg_path = config_path(path)
    cfg_tmp = cfg_path.with_name(cfg_path.name + ".tmp")
    cfg_tmp.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    os.replace(cfg_tmp, cfg_path)
    return cfg


def read_config(path: str | Path, *, format: str, what: str, create_hint: str) -> dict:
    """The config of checkpoint ``path``, checked to be JSON of kind ``format`` (tensors not read).

    Args:
        path: The tensors file (.safetensors); its config is :func:`config_path` of it.
        format: The kind the caller expects (the config's ``format``).
        what: How to name this kind in messages ("Experiment Model", "DRL policy").
        create_hint: The command that makes one, for the message when the file is missing.
    """
    path = Path(path)
    cfg_path = config_path(path)
    if not path.is_file():
        raise CheckpointMissing(f"{what} {path} does not exist; make one with `{create_hint}`")
    if not cfg_path.is_file():
        raise CheckpointMissing(f"{what} {path} has no config {cfg_path.name} beside it; a checkpoint is the pair <name>.safetensors + <name>.json")
    try:
        cfg = jsontext.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointCorrupt(f"{cfg_path} is not valid JSON ({exc}); the checkpoint is corrupt") from None
    if not isinstance(cfg, dict):
        raise CheckpointCorrupt(f"{cfg_path} does not hold a JSON object; the checkpoint is corrupt")
    for old, new in _RENAMED_KEYS.items():
        if old in cfg and new not in cfg:
            cfg[new] = cfg.pop(old)
    if cfg.get("format") != format:
        raise CheckpointMismatch(f"{cfg_path} is not a sixg {what} config (format {cfg.get('format')!r}, expected {format!r})")
    return cfg


def read(path: str | Path, *, format: str, version: int, what: str, create_hint: str) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and config of checkpoint ``path``, every check passed.

    Raises:
        CheckpointMissing: either file is absent.
        CheckpointCorrupt: the config is not JSON or has no hash, the tensors do not match
            the hash, or they are not safetensors.
        CheckpointMismatch: the config is for another kind or version (retrain with ``create_hint``).
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    path = Path(path)
    cfg = read_config(path, format=format, what=what, create_hint=create_hint)
    if cfg.get("version") != version:
        raise CheckpointMismatch(f"{what} {path} is version {cfg.get('version')}, this sixg reads version {version}; retrain it with `{create_hint}`")
    digest = cfg.get("tensors_sha256")
    if not isinstance(digest, str) or len(digest) != 64:
        raise CheckpointCorrupt(f"{config_path(path).name} records no tensors_sha256 for {path}; the checkpoint cannot be verified (rewrite it with `{create_hint}`)")
    blob = path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != digest:
        raise CheckpointCorrupt(f"{path} does not match the hash recorded in {config_path(path).name}: it is truncated or was changed")
    try:
        tensors = load(blob)
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointCorrupt(f"{path} cannot be read as safetensors ({exc}); the checkpoint is corrupt") from None
    return tensors, cfg


def check_shapes(path: str | Path, tensors: Mapping[str, np.ndarray], shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Refuse a checkpoint whose arrays are not the ones its config describes."""
    for name, shape in shapes.items():
        got = tuple(tensors[name].shape) if name in tensors else "missing"
        if got != tuple(shape):
            raise CheckpointMismatch(f"{path} does not hold the network its config describes ({name}: {got}, expected {tuple(shape)})")
