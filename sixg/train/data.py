"""The training rows: a Forge corpus read through its own reader, filtered, in trl's conversational form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from sixg.agents.llm.hf import _template_messages
from sixg.agents.llm.prompt import ToolView, present_tools
from sixg.errors import DataError, DependencyNotInstalled, UserError
from sixg.forge.records import Corpus, ForgeRecord, tools_digest

__all__ = ["Selection", "fingerprint", "select_records", "sft_dataset", "sft_rows", "template_messages"]


class EmptySelectionError(DataError):
    """The filters leave no record of the corpus to train on."""


class UnmaskedTemplateError(UserError):
    """The model's chat template does not mark the assistant's tokens, so assistant-only loss is impossible."""


_UNMASKED = (
    "the chat template does not mark the assistant's tokens: use a model whose template trl knows "
    "(Qwen2.5/3, Llama 3, ... -- trl.chat_template_utils) or one with {% generation %} blocks around the assistant's turns"
)


@dataclass(frozen=True)
class Selection:
    """Which records of a corpus to train on (an empty tuple keeps every value)."""

    sources: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    limit: int | None = None

    def keeps(self, record: ForgeRecord) -> bool:
        m = record.meta
        return (
            (not self.sources or m.source in self.sources)
            and (not self.tiers or m.tier in self.tiers)
            and (not self.domains or m.domain in self.domains)
        )

    def as_dict(self) -> dict[str, Any]:
        return {"sources": list(self.sources), "tiers": list(self.tiers), "domains": list(self.domains), "limit": self.limit}


@dataclass(frozen=True)
class Selected:
    """The records kept, the corpora's tool schemas and what identifies the data."""

    records: list[ForgeRecord]
    tools: tuple[dict[str, Any], ...]
    corpora: tuple[Path, ...]
    selection: Selection = field(default_factory=Selection)

    def fingerprint(self) -> str:
        return fingerprint(self.records, self.tools)


def select_records(corpus: str | Path | Sequence[str | Path], selection: Selection = Selection()) -> Selected:
    """The records of the Forge corpus (or corpora, read in the order given) that ``selection`` keeps.

    Several corpora train one model only if they offer the model the same tools (equal schemas):
    the shipped ns-3 seed pool beside a synthetic corpus, say. A record already read from an earlier
    corpus (same id: a corpus opened by that pool holds its records) is read once. ``selection.limit``
    counts over all of them.
    """
    paths = (corpus,) if isinstance(corpus, (str, Path)) else tuple(corpus)
    if not paths:
        raise UserError("no corpus given: pass --corpus DIR (repeatable)")
    corpora = [Corpus(p) for p in paths]
    tools = corpora[0].tools()
    digest = tools_digest(tools)
    for path, c in zip(paths[1:], corpora[1:]):
        if tools_digest(c.tools()) != digest:
            raise DataError(
                f"the corpus at {path} offers other tools than the one at {paths[0]} (tool schemas differ): "
                "train on corpora written by the same sixg version, or on one at a time"
            )
    kept: list[ForgeRecord] = []
    seen: set[str] = set()
    for record in chain.from_iterable(c.records() for c in corpora):  # a corpus is opened only when reached
        if selection.limit is not None and len(kept) >= selection.limit:
            break
        if record.id not in seen and selection.keeps(record):
            kept.append(record)
            seen.add(record.id)
    if not kept:
        held = ", ".join(f"{p}: {c.count()}" for p, c in zip(paths, corpora))
        raise EmptySelectionError(
            f"no record of the corpus at {', '.join(map(str, paths))} matches {selection.as_dict()}: "
            f"widen --source/--tier/--domain (record(s) held -- {held}; `python -m sixg.forge stats DIR` lists them)"
        )
    return Selected(kept, tools, tuple(Path(p) for p in paths), selection)


def fingerprint(records: Sequence[ForgeRecord], tools: Sequence[dict[str, Any]]) -> str:
    """sha256 over the records' content and the tool schemas: equal iff the model saw the same data."""
    h = hashlib.sha256()
    h.update(json.dumps(list(tools), sort_keys=True).encode())
    for r in records:
        h.update(json.dumps(r.model_dump(mode="json", exclude={"tools"}), sort_keys=True).encode())
    return h.hexdigest()


def template_messages(messages) -> list[dict[str, Any]]:
    """A record's messages as chat templates take them (a deep copy; call arguments as dicts)."""
    return _template_messages(json.loads(json.dumps(list(messages))))


def sft_rows(selected: Selected, view: ToolView) -> list[dict[str, Any]]:
    """One row per record in trl's conversational form: ``messages`` and ``tools`` (a JSON string in ``view``)."""
    tools = json.dumps(present_tools(selected.tools, view))
    return [{"messages": template_messages(r.messages), "tools": tools} for r in selected.records]


def sft_dataset(selected: Selected, view: ToolView, tokenizer, *, max_length: int | None = None):
    """The selected records tokenized for trl's SFTTrainer: ``input_ids`` and ``assistant_masks``.

    Tokenized here, from the records as Python objects, because a ``datasets`` column of
    tool-call arguments (heterogeneous dicts, stored as JSON by ``on_mixed_types="use_json"``)
    does not round-trip floats: 1.95 came back as 1.9500000000000002 and 0.32108473450313113
    as 0.3210847345, so the model would be trained on numbers the environment never wrote.
    The rendering is the one SFTTrainer itself would use: the tokenizer's chat template, or
    trl's generation-tagged twin of it, which marks the assistant's tokens.

    Raises:
        UserError: ``max_length`` (the length examples are cut at) ends every example before the
            assistant's first token, so nothing would be learned.
    """
    try:
        from datasets import Dataset
        from trl.chat_template_utils import get_training_chat_template
    except ModuleNotFoundError as exc:
        raise DependencyNotInstalled(f"training needs `datasets` and `trl` ({exc}): pip install sixg") from None
    try:
        template = get_training_chat_template(tokenizer) or tokenizer.chat_template
    except ValueError as exc:
        raise UnmaskedTemplateError(f"{_UNMASKED} ({exc})") from None
    tools = present_tools(selected.tools, view)
    rows = []
    for r in selected.records:
        out = tokenizer.apply_chat_template(
            template_messages(r.messages), tools=tools, chat_template=template, return_dict=True, return_assistant_tokens_mask=True
        )
        if 1 not in out["assistant_masks"]:
            raise UnmaskedTemplateError(f"{_UNMASKED}; record {r.id} would have nothing to learn")
        rows.append({"input_ids": list(out["input_ids"]), "assistant_masks": list(out["assistant_masks"])})
    if max_length is not None:
        first = min(row["assistant_masks"].index(1) for row in rows)
        if first >= max_length:
            raise UserError(
                f"--max-length {max_length} cuts every example before the assistant's first token "
                f"(the prompt, with the tool list, takes {first} tokens or more): raise --max-length, or use a shorter --tool-view"
            )
    return Dataset.from_list(rows)
