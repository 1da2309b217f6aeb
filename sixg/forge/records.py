"""The corpus Forge writes, and what the training stage reads.

One :class:`ForgeRecord` per trajectory: the chat messages exactly as trl's ``SFTTrainer``
takes them (system prompt, the operator's intent with the first observation, assistant turns
with OpenAI-style ``tool_calls`` whose ``arguments`` are JSON objects, ``role: tool``
results as the environment rendered them for the agent), the tools' JSON schemas, the
program and situation it ran (so it replays), and metadata.

On disk a corpus is a directory::

    manifest.json        format, version, shards (records, sha256), tools digest, run counters
    tools.json           the 42 tools' strict JSON schemas (once; every record refers to them)
    shards/NNNNN.jsonl   one record per line

:func:`load_records` checks every shard against the manifest and raises
:class:`CorruptShardError` naming the file and line; :func:`to_dataset` gives a
``datasets.Dataset`` with ``messages`` and a ``tools`` JSON-string column.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from sixg.bench.scoring import Domain, Tier
from sixg.domain import Frozen
from sixg.errors import DataError, UserError
from sixg import jsontext

CORPUS_FORMAT = 1
Source = Literal["ns3-real", "golden", "error-recovery"]
SOURCES: tuple[Source, ...] = ("ns3-real", "golden", "error-recovery")


class CorruptShardError(DataError, ValueError):
    """A corpus shard or its manifest cannot be read, or does not match what the manifest records."""


class RecordMeta(Frozen):
    """Where a trajectory came from and how it was verified."""

    source: Source
    teacher: str
    domain: Domain
    tier: Tier
    topology_seed: int = Field(ge=1, le=50, description="Training topology seeds only")
    backend: str
    checkpoint: str | None = Field(description="sha256 of the surrogate's tensors that verified it (None on ns-3)")
    episode_seed: int
    scene: str
    calls: int = Field(ge=1)


class Recovery(Frozen):
    """The failed call of an error-recovery trace, the typed error the agent read, and the correction."""

    step: int = Field(ge=0, description="Index of the failed call among the episode's calls")
    tool: str
    error_kind: str
    error_message: str
    correction: dict[str, Any] = Field(description="The corrected call: name and arguments")


class ForgeRecord(Frozen):
    """One verified trajectory."""

    id: str
    intent: str
    messages: tuple[dict[str, Any], ...]
    tools: tuple[dict[str, Any], ...] = Field(default=(), repr=False, description="Filled from tools.json on load")
    meta: RecordMeta
    options: dict[str, Any] = Field(description="The environment's reset options: the situation it ran in")
    task: dict[str, Any] = Field(description="The program as a training-split task (goal checks, steps)")
    blueprint: dict[str, Any] | None = None
    recovery: Recovery | None = None
    outcome: tuple[tuple[str, bool, str], ...] = Field(description="Each goal check on the final state")

    def tool_sequence(self) -> list[str]:
        return [c["function"]["name"] for m in self.messages for c in m.get("tool_calls") or ()]


def tools_digest(tools: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(list(tools), sort_keys=True).encode()).hexdigest()


def _line(record: ForgeRecord) -> str:
    return json.dumps(record.model_dump(mode="json", exclude={"tools"}), sort_keys=True, separators=(",", ":"))


class Corpus:
    """A corpus directory: its manifest, tools and shards (append-only, one shard at a time)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def create(self, tools: Sequence[dict[str, Any]], *, config: dict[str, Any]) -> dict[str, Any]:
        """Start an empty corpus (refusing a directory that holds something else)."""
        if self.root.exists() and any(self.root.iterdir()) and not self.exists():
            raise UserError(f"{self.root} exists and is not a Forge corpus; pick an empty or new directory for --out")
        (self.root / "shards").mkdir(parents=True, exist_ok=True)
        (self.root / "tools.json").write_text(json.dumps(list(tools), indent=1) + "\n")
        manifest = {"kind": "sixg-forge-corpus", "format": CORPUS_FORMAT, "tools_sha256": tools_digest(tools), "config": config, "shards": [], "counters": {}}
        self.write_manifest(manifest)
        return manifest

    def manifest(self) -> dict[str, Any]:
        try:
            doc = jsontext.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise DataError(f"{self.root} is not a Forge corpus (no manifest.json); create one with `python -m sixg.forge run --out {self.root}`") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise CorruptShardError(f"{self.manifest_path}: cannot read the manifest ({exc})") from None
        if doc.get("kind") != "sixg-forge-corpus" or doc.get("format") != CORPUS_FORMAT:
            raise CorruptShardError(f"{self.manifest_path}: not a Forge corpus of format {CORPUS_FORMAT} (found {doc.get('kind')!r}, format {doc.get('format')!r})")
        return doc

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.manifest_path.with_name("manifest.json.tmp")
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, self.manifest_path)

    def tools(self) -> tuple[dict[str, Any], ...]:
        manifest = self.manifest()
        try:
            tools = jsontext.loads((self.root / "tools.json").read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CorruptShardError(f"{self.root / 'tools.json'}: cannot read the tool schemas ({exc})") from None
        if tools_digest(tools) != manifest["tools_sha256"]:
            raise CorruptShardError(f"{self.root / 'tools.json'} does not match the digest in the manifest: it was changed after the corpus was written")
        return tuple(tools)

    def append_shard(self, records: Sequence[ForgeRecord], *, counters: dict[str, Any]) -> dict[str, Any]:
        """Write ``records`` as the next shard and record it (with the run's counters) in the manifest.

        The shard is written under a temporary name and renamed, then the manifest is replaced:
        an interruption leaves either the old corpus or the new one, never half a shard.
        """
        manifest = self.manifest()
        name = f"shards/{len(manifest['shards']):05d}.jsonl"
        path = self.root / name
        data = "".join(_line(r) + "\n" for r in records).encode()
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        manifest["shards"].append({"name": name, "records": len(records), "sha256": hashlib.sha256(data).hexdigest()})
        manifest["counters"] = counters
        self.write_manifest(manifest)
        return manifest

    def records(self) -> Iterator[ForgeRecord]:
        """Every record, shard by shard, checked against the manifest."""
        manifest = self.manifest()
        tools = self.tools()
        for shard in manifest["shards"]:
            path = self.root / shard["name"]
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CorruptShardError(f"{path}: cannot read the shard the manifest lists ({exc})") from None
            if hashlib.sha256(data).hexdigest() != shard["sha256"]:
                raise CorruptShardError(f"{path} does not match the sha256 in the manifest: it is truncated or was edited; delete the corpus or restore the shard")
            lines = data.decode("utf-8", errors="replace").splitlines()
            if len(lines) != shard["records"]:
                raise CorruptShardError(f"{path}: {len(lines)} line(s), the manifest records {shard['records']}")
            for i, line in enumerate(lines, start=1):
                try:
                    rec = ForgeRecord.model_validate({**jsontext.loads(line), "tools": tools})
                except (json.JSONDecodeError, ValidationError) as exc:
                    raise CorruptShardError(f"{path}, line {i}: not a Forge record ({str(exc)[:300]})") from None
                yield rec

    def count(self) -> int:
        return sum(s["records"] for s in self.manifest()["shards"])


def load_records(root: str | Path) -> list[ForgeRecord]:
    """Every record of the corpus at ``root`` (:class:`CorruptShardError` if a shard is damaged)."""
    return list(Corpus(root).records())


def to_dataset(root: str | Path):
    """The corpus as a ``datasets.Dataset`` for trl's SFTTrainer: ``messages``, ``tools`` (a JSON
    string, as SFTTrainer takes it) and the metadata as flat columns. Tool-call arguments differ in
    shape from call to call, so they are stored as JSON (``on_mixed_types="use_json"``)."""
    try:
        from datasets import Dataset
    except ModuleNotFoundError:
        from sixg.errors import DependencyNotInstalled

        raise DependencyNotInstalled("exporting a corpus needs `datasets`: pip install 'datasets>=5.2,<5.3'") from None
    corpus = Corpus(root)
    tools = json.dumps(list(corpus.tools()))
    rows = [
        {"id": r.id, "messages": [dict(m) for m in r.messages], "tools": tools, **r.meta.model_dump(mode="json")}
        for r in corpus.records()
    ]
    return Dataset.from_list(rows, on_mixed_types="use_json")
