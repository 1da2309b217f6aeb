"""Guided decoding for a local model: every reply has the form a ReAct turn must have.

A small model often knows *which* tool it wants and still writes broken JSON, an argument the
tool does not take, a call without its ``<tool_call>`` marker, or pages of fragments -- and once
such a reply is in its history it tends to copy it. With guidance on, each token is masked to
those that keep the reply a prefix of one of:

* ``Final Answer: ...`` (one line), or
* an optional line of reasoning, then ``<tool_call>``, a newline, ``{"name": TOOL, "arguments":
  {...}}`` where ``arguments`` fits that tool's strict JSON schema (any top-level argument may
  instead be a reference to an earlier result, :mod:`sixg.tools.references`), a newline and
  ``</tool_call>`` -- the layout of Qwen/Hermes chat templates, which the tiny agent is trained on.

Decoding stays what it was (greedy or seeded sampling) over the tokens the grammar allows. The
grammar is compiled by `llguidance <https://github.com/guidance-ai/llguidance>`_ (the
constrained-decoding engine behind several serving stacks) from the tools' own schemas, so it
follows the catalog wherever the catalog goes. Guidance shapes a call's *form*, never its
content: a well-formed call of the wrong tool is still the model's choice, and the tool
boundary still judges every value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from sixg.errors import DependencyNotInstalled, UserError

__all__ = ["CALL_OPEN", "CALL_CLOSE", "call_schema", "CallGuide"]

#: The markers of a call block in Qwen/Hermes-style chat templates (what the tiny agent writes).
CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"


def _reference_schema(tool_names: Sequence[str]) -> dict[str, Any]:
    """A reference to an earlier result as a model writes it (see :class:`sixg.tools.references.Earlier`)."""
    return {
        "anyOf": [
            {"type": "object", "properties": {"$": {"enum": ["state", "slice"]}}, "required": ["$"], "additionalProperties": False},
            {
                "type": "object",
                "properties": {"$": {"const": "out"}, "tool": {"enum": list(tool_names)}},
                "required": ["$", "tool"],
                "additionalProperties": False,
            },
        ]
    }


def _sorted_keys(schema: Any) -> Any:
    """``schema`` with every object's properties listed in sorted order (the guide writes keys in
    the order a schema lists them, and sixg writes calls, in its corpora and prompts, with sorted keys)."""
    if isinstance(schema, list):
        return [_sorted_keys(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (v if k in ("enum", "const", "required") else _sorted_keys(v)) for k, v in schema.items()}
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _sorted_keys(schema["properties"][k]) for k in sorted(schema["properties"])}
    return out


def call_schema(tools: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The JSON schema of one call of any of ``tools`` (OpenAI function schemas):
    ``{"name": TOOL, "arguments": {...}}`` with the arguments that tool declares, each of them
    also allowed as a reference to an earlier result, and every object's keys in sorted order.

    Raises:
        UserError: a tool without a name, or two tools defining the same ``$defs`` entry differently.
    """
    names = []
    defs: dict[str, Any] = {}
    alternatives = []
    for tool in tools:
        fn = tool.get("function", tool)
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise UserError(f"a tool schema without a name cannot guide decoding: {json.dumps(tool)[:200]}")
        names.append(name)
        params = _sorted_keys(fn.get("parameters") or {"type": "object", "properties": {}})  # a new dict: the caller's stays as it is
        for key, value in params.pop("$defs", {}).items():
            if defs.setdefault(key, value) != value:
                raise UserError(f"tools define the schema {key!r} differently; guided decoding needs one definition per name")
        params["properties"] = {k: {"anyOf": [v, {"$ref": "#/$defs/_Earlier"}]} for k, v in (params.get("properties") or {}).items()}
        alternatives.append(
            {
                "type": "object",
                "properties": {"name": {"const": name}, "arguments": params},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    if "_Earlier" in defs:
        raise UserError("a tool defines the schema '_Earlier', which guided decoding reserves for references")
    defs["_Earlier"] = _reference_schema(names)
    return {"anyOf": alternatives, "$defs": defs}


#: JSON written the way the training data writes it (``json.dumps`` separators, no free whitespace:
#: with free whitespace a weak model can fill its budget with newlines inside a call).
_LAYOUT = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}
#: One line of reasoning or of a final answer: no brackets, so JSON cannot hide in it.
_LINE = r"/[^<>{}\[\]\n]+/"


@functools.lru_cache(maxsize=8)
def _grammar(tools_json: str, open_id: int, close_id: int) -> str:
    import llguidance

    tools = json.loads(tools_json)
    if not tools:  # nothing to call: the reply can only be the final answer
        return llguidance.LLMatcher.grammar_from_lark(f"start: LINE\nLINE: {_LINE}\n")
    schema = call_schema(tools)
    schema["x-guidance"] = _LAYOUT
    # A line on its own is the final answer (or prose the loop counts as a failed step); the lexer
    # takes the longest match, so the final answer is not a separate rule with a prefix of its own.
    lark = "\n".join(
        [
            "start: call | LINE \"\\n\" call | LINE",
            f"call: <[{open_id}]> \"\\n\" body \"\\n\" <[{close_id}]>",
            f"LINE: {_LINE}",
            "body: %json " + json.dumps(schema),
            "",
        ]
    )
    return llguidance.LLMatcher.grammar_from_lark(lark)


class CallGuide:
    """The tokenizer-side half of guided decoding for one model: builds the per-reply logits
    processor that keeps a reply inside the grammar.

    Args:
        tokenizer: The model's Hugging Face tokenizer; it must encode ``<tool_call>`` and
            ``</tool_call>`` as one token each (templates that mark calls with them do).

    Raises:
        DependencyNotInstalled: llguidance is missing.
        UserError: the tokenizer splits a call marker into several tokens.
    """

    def __init__(self, tokenizer: Any):
        try:
            import llguidance.hf
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise DependencyNotInstalled(f"guided decoding needs llguidance ({exc}); install it with: pip install sixg") from exc
        marks = []
        for mark in (CALL_OPEN, CALL_CLOSE):
            ids = tokenizer.encode(mark, add_special_tokens=False)
            if len(ids) != 1:
                raise UserError(
                    f"guided decoding needs {mark} as one token, and this tokenizer splits it into {len(ids)}; "
                    "use a model whose chat template marks tool calls with it, or turn guidance off"
                )
            marks.append(ids[0])
        self.open_id, self.close_id = marks
        self._lltok = llguidance.hf.from_tokenizer(tokenizer)

    def processor(self, tools: Sequence[dict[str, Any]], *, start: int):
        """A fresh logits processor for one reply: it reads the tokens generated after position
        ``start`` of the sequence and masks the next token's logits to the grammar."""
        import llguidance

        grammar = _grammar(json.dumps(list(tools), sort_keys=True), self.open_id, self.close_id)
        matcher = llguidance.LLMatcher(self._lltok, grammar)
        if matcher.is_error():
            raise UserError(f"the tools' call grammar does not compile: {matcher.get_error()}")
        return _GuideProcessor(matcher, start)


class _GuideProcessor:
    """A ``transformers`` logits processor driven by an llguidance matcher (batch of one).

    The mask is applied with plain torch operations: ``llguidance.torch`` applies it with a
    ``torch.compile`` kernel, which needs a C++ compiler on the machine (absent from slim
    installations) and seconds of compiling in every new process.
    """

    def __init__(self, matcher: Any, start: int):
        self.matcher = matcher
        self._seen = start

    def __call__(self, input_ids, scores):
        import torch

        ids = input_ids[0].tolist()
        for token in ids[self._seen :]:
            self.matcher.consume_token(token)
        self._seen = len(ids)
        # One byte per tokenizer token, 0 where the grammar forbids it; rows a model has past the
        # tokenizer's vocabulary are never allowed.
        allowed = torch.frombuffer(bytearray(self.matcher.compute_logit_bias()), dtype=torch.uint8)[: scores.shape[-1]].to(scores.device) != 0
        scores[:, : allowed.numel()].masked_fill_(~allowed, float("-inf"))
        scores[:, allowed.numel() :] = float("-inf")
        if not torch.isfinite(scores).any():
            # A processor that ran before this one (a model's generation config with min_new_tokens,
            # no_repeat_ngram_size, bad_words_ids, ...) had ruled out every token the grammar allows:
            # the grammar wins, evenly among its tokens, instead of leaving nothing to sample from.
            scores[:, : allowed.numel()].masked_fill_(allowed, 0.0)
        return scores
