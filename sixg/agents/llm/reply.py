"""Reading a model's reply: the tool call in it, the reasoning around it, or the final answer.

The rule (the same for every back-end) is stated in :mod:`sixg.agents.llm`. A reply is
untrusted text: whatever it holds -- broken JSON, thousands of unclosed brackets, arguments
nested past any sensible depth -- :func:`parse_reply` returns calls or nothing and never
raises.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sixg.agents.base import ToolCall

__all__ = ["ModelReply", "arguments_text", "is_final_answer", "json_objects", "parse_reply"]

_FINAL_ANSWER = re.compile(r"^[\s*#>_`]*final\s+answer\b", re.IGNORECASE | re.MULTILINE)
# Reasoning models (Qwen3, DeepSeek-R1) think aloud first; what they think is not what they do.
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL)
_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_SPACE = re.compile(r"\s*")
_TOOL_CALL_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_RECOVER_NAME = re.compile(r'"name"\s*:\s*"([^"\\]{1,128})"')


@dataclass(frozen=True)
class ModelReply:
    """One assistant turn as a back-end produced it, before the ReAct core reads it.

    Attributes:
        text: The reply's text (for a local model, everything it generated up to its end token).
        tool_calls: Calls an endpoint returned in structured form, first one first.
        truncated: The reply was cut off by the token limit.
    """

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    truncated: bool = False


@dataclass(frozen=True)
class _Candidate:
    """A call found in a reply; ``ok`` when its name is a string and its arguments a JSON object."""

    name: str
    arguments: str
    id: str | None
    ok: bool


#: Failed JSON decodes in one reply before the rest is treated as prose: bounds the work a
#: degenerate reply (thousands of unclosed brackets) can cause.
MAX_FAILED_DECODES = 256


def arguments_text(value: Any) -> tuple[str, bool]:
    """The arguments as JSON text, and whether they are a JSON object.

    Arguments too deeply nested to encode or decode are not a JSON object here: they come
    back as text (or ``repr``) and the tool boundary rejects the call.
    """
    if value is None:
        return "{}", True
    if isinstance(value, str):
        # Some models (and every OpenAI-style endpoint) send the arguments as JSON text.
        try:
            return value, isinstance(json.loads(value), dict)
        except (ValueError, RecursionError):
            return value, False
    try:
        return json.dumps(value, ensure_ascii=False), isinstance(value, dict)
    except (ValueError, TypeError, RecursionError):
        return repr(value)[:1000], False


def _candidate(obj: Any, raw: str) -> _Candidate | None:
    """Read one decoded JSON value as a call, or None if it does not look like one."""
    if isinstance(obj, list):
        # Mistral-style ``[{"name": ..., "arguments": ...}, ...]``: the first call counts. One
        # level only: a list of lists is not a call (and unwrapping it must not recurse).
        obj = obj[0] if obj else None
    if not isinstance(obj, dict):
        return None
    body = obj["function"] if isinstance(obj.get("function"), dict) else obj
    name = body.get("name")
    if not isinstance(name, str):
        return None
    # Llama 3.x templates call the arguments "parameters".
    args = body["arguments"] if "arguments" in body else body.get("parameters")
    text, ok = arguments_text(args)
    call_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    return _Candidate(name=name, arguments=text if ok else raw, id=call_id, ok=ok and bool(name))


def _json_values(text: str) -> list[tuple[Any, int, int]]:
    """Every JSON object or array that starts at a ``{``/``[`` in ``text``, with its span, left to right.

    Stops looking after :data:`MAX_FAILED_DECODES` openings that start no JSON value.
    """
    decoder = json.JSONDecoder()
    found = []
    failed = 0
    i = 0
    while failed < MAX_FAILED_DECODES:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return found
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):  # nested past the decoder's depth limit is not a call either
            failed += 1
            i = start + 1
            continue
        found.append((value, start, end))
        i = end
    return found


def json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object in a model's ``text``, left to right, outside ``<think>...</think>``
    (a top-level array counts by the objects it holds); never raises, and bounds its work as
    :func:`parse_reply` does."""
    out: list[dict[str, Any]] = []
    for value, _, _ in _json_values(_THINK.sub("", text)):
        out += [value] if isinstance(value, dict) else [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
    return out


def _block_spans(text: str) -> list[tuple[int, int, str, Any]]:
    """Each ``<tool_call>`` block of ``text``: (start, end, its inner text, the JSON value it opens
    with or None). A block that opens with a JSON value ends after it -- so a ``</tool_call>``
    written inside a string argument does not cut the call short -- and its closing marker;
    any other block ends at the next ``</tool_call>`` (or the end of the text). Gives up reading
    blocks as JSON after :data:`MAX_FAILED_DECODES` failures, as :func:`_json_values` does."""
    decoder = json.JSONDecoder()
    spans = []
    pos = failed = 0
    while (start := text.find(_OPEN, pos)) >= 0:
        body = start + len(_OPEN)
        first = _SPACE.match(text, body).end()
        if failed < MAX_FAILED_DECODES and text[first : first + 1] in ("{", "["):
            try:
                value, end = decoder.raw_decode(text, first)
            except (ValueError, RecursionError):
                failed += 1
            else:
                close = text.find(_CLOSE, end)
                stop = close + len(_CLOSE) if close >= 0 and not text[end:close].strip() else end
                spans.append((start, stop, text[first:end], value))
                pos = stop
                continue
        close = text.find(_CLOSE, body)
        stop = close + len(_CLOSE) if close >= 0 else len(text)
        inner = text[body : close if close >= 0 else len(text)].strip()
        values = _json_values(inner)
        spans.append((start, stop, inner, values[0][0] if values else None))
        pos = stop
    return spans


def parse_reply(text: str) -> tuple[list[ToolCall], str | None, bool]:
    """Find the tool calls in a model's text reply.

    Args:
        text: What the model produced.

    Returns:
        ``(calls, thought, well_formed)``: the calls found, first one first; the text around
        them (the model's reasoning) or None; and whether the first call has a name and a JSON
        object as arguments. When no call can be read but the text looks like an attempt at
        one, ``calls`` holds one call with the recovered name (or ``""``) and the raw text as
        arguments, and ``well_formed`` is False. Plain text gives no calls. Anything inside
        ``<think>...</think>`` is reasoning and never read as a call.
    """
    raw, text = text, _THINK.sub("", text)
    blocks = _block_spans(text)
    if blocks:
        calls: list[ToolCall] = []
        first_ok = False
        for k, (_, _, inner, value) in enumerate(blocks):
            cand = _candidate(value, inner) if value is not None else None
            if cand is None:
                name = _RECOVER_NAME.search(inner)
                cand = _Candidate(name=name.group(1) if name else "", arguments=raw, id=None, ok=False)
            elif not cand.ok:
                cand = _Candidate(name=cand.name, arguments=raw, id=cand.id, ok=False)
            if k == 0:
                first_ok = cand.ok
            calls.append(ToolCall(name=cand.name, arguments=cand.arguments, id=cand.id))
        if raw != text:  # reasoning inside <think> stays in the thought, blocks and all removed
            thought = _TOOL_CALL_BLOCK.sub("", raw)
        else:
            ends = [0] + [stop for _, stop, _, _ in blocks]
            thought = "".join(text[a:b] for a, b in zip(ends, [start for start, _, _, _ in blocks] + [len(text)]))
        return calls, thought.strip() or None, first_ok
    for value, start, end in _json_values(text):
        cand = _candidate(value, raw)
        if cand is not None:
            if not cand.ok:
                return [ToolCall(name=cand.name, arguments=raw)], None, False
            thought = raw.replace(text[start:end], "", 1).strip().strip("`").strip() or None
            return [ToolCall(name=cand.name, arguments=cand.arguments, id=cand.id)], thought, True
    # No readable call. Text that still names a tool or opens a call is a failed attempt,
    # not an answer; plain prose is left for the caller to judge (final answer or not).
    name = _RECOVER_NAME.search(text)
    if name or "<tool_call>" in text:
        return [ToolCall(name=name.group(1) if name else "", arguments=raw)], None, False
    return [], raw.strip() or None, False


def is_final_answer(text: str) -> bool:
    """Whether ``text`` declares the episode finished (a line starting with ``Final Answer:``, outside ``<think>``)."""
    return bool(_FINAL_ANSWER.search(_THINK.sub("", text)))


