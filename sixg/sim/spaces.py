"""The Gymnasium spaces of :class:`~sixg.sim.env.NetOpsEnv`: what ``step`` takes and what it returns.

* An **action** is one tool call in the shape a model emits it:
  ``{"name": "check_network_state", "arguments": "{}"}``, the arguments a JSON object as
  text (:class:`ToolCallSpace`). ``step`` also takes the other shapes the tool boundary
  reads (a :class:`~sixg.tools.boundary.ToolCall`, arguments as a dict, OpenAI's
  ``{"type": "function", "function": ...}``, JSON text); the space declares the canonical one.
  Its :meth:`~ToolCallSpace.sample` is a seeded random policy over the catalog: a real tool
  with arguments drawn from that tool's JSON schema. Ids and free text are drawn at random,
  so the boundary binds some samples and refuses the others with a typed error result,
  as it would a model's call.
* An **observation** is the text a language model reads, printable ASCII of at most
  :data:`MAX_OBSERVATION_CHARS` characters (:func:`bounded_observation` makes it so: other
  characters are escaped and longer texts cut with a note).
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Mapping
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector.utils import batch_space

from sixg.tools.boundary import plain
from sixg.tools.catalog import Catalog

#: Longest observation text before the cut note (the longest seen across the benchmark is under 3,000).
OBSERVATION_BODY_CHARS = 8000
#: Longest observation ``step`` or ``reset`` returns, the cut note included.
MAX_OBSERVATION_CHARS = len(plain("x" * (OBSERVATION_BODY_CHARS + 1), OBSERVATION_BODY_CHARS))
#: Longest tool name the action space holds (the catalog's longest is 27 characters).
MAX_NAME_CHARS = 64
#: Longest arguments text the action space holds.
MAX_ARGUMENTS_CHARS = 1 << 16
NAME_CHARSET = string.ascii_lowercase + string.digits + "_"


def bounded_observation(text: str) -> str:
    """``text`` as the observation space holds it: printable ASCII, at most :data:`MAX_OBSERVATION_CHARS`."""
    return plain(text, OBSERVATION_BODY_CHARS)


def observation_space() -> spaces.Text:
    """The observation space: printable ASCII text up to :data:`MAX_OBSERVATION_CHARS` characters."""
    return spaces.Text(max_length=MAX_OBSERVATION_CHARS, min_length=1, charset=string.printable)


class JsonText(spaces.Text):
    """Text of JSON: any characters (JSON strings may hold any), at most ``max_length`` of them.

    Samples are drawn from printable ASCII like a plain :class:`~gymnasium.spaces.Text`;
    membership only asks for a string of the right length, as the tool boundary does.
    """

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"JsonText({self.min_length}, {self.max_length})"


class ToolCallSpace(spaces.Dict):
    """One tool call: ``{"name": str, "arguments": str}`` (the arguments a JSON object as text).

    Args:
        catalog: The tools :meth:`sample` draws from.
        seed: Seeds the sampler (see :meth:`~gymnasium.spaces.Space.seed`).

    ``sample(mask=...)`` takes a 0/1 array over :attr:`tool_names` (which tools may be
    drawn), the way Gymnasium's discrete spaces take action masks.
    """

    def __init__(self, catalog: Catalog, *, seed: int | np.random.Generator | None = None):
        # Plain data only (names and schemas), so the space pickles into worker processes.
        self.tool_names: tuple[str, ...] = tuple(catalog)
        self._parameters = {name: catalog[name].schema["function"]["parameters"] for name in self.tool_names}
        super().__init__(
            {
                "name": spaces.Text(max_length=MAX_NAME_CHARS, min_length=1, charset=NAME_CHARSET),
                "arguments": JsonText(max_length=MAX_ARGUMENTS_CHARS, min_length=0, charset=string.printable),
            },
            seed=seed,
        )

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, str]:
        """A call of a catalog tool (uniformly, or among ``mask``'s ones) with schema-drawn arguments."""
        if probability is not None:
            raise ValueError("ToolCallSpace.sample takes a mask over tool_names, not probabilities")
        choices = self._choices(mask)
        return self._draw_call(self.np_random, choices)

    def _draw_call(self, rng: np.random.Generator, choices: np.ndarray) -> dict[str, str]:
        name = self.tool_names[int(rng.choice(choices))]
        arguments = _draw(self._parameters[name], rng)
        return {"name": name, "arguments": json.dumps(arguments, separators=(",", ":"))}

    def _choices(self, mask: Any) -> np.ndarray:
        choices = np.arange(len(self.tool_names))
        if mask is None:
            return choices
        mask = np.asarray(mask)
        if mask.shape != choices.shape or not np.isin(mask, (0, 1)).all():
            raise ValueError(f"the mask must be {len(self.tool_names)} zeros and ones, one per tool in tool_names")
        choices = choices[mask.astype(bool)]
        if choices.size == 0:
            raise ValueError("the mask allows no tool")
        return choices

    def __repr__(self) -> str:
        return f"ToolCallSpace({len(self.tool_names)} tools)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolCallSpace) and self.tool_names == other.tool_names and super().__eq__(other)

    __hash__ = None  # a mutable container, like gymnasium.spaces.Dict


class ToolCallBatchSpace(spaces.Dict):
    """``n`` tool calls in Gymnasium's batched layout: ``{"name": (n names), "arguments": (n texts)}``.

    What :func:`gymnasium.vector.utils.batch_space` makes of a :class:`ToolCallSpace`, so
    vector environments (sixg's and Gymnasium's sync and async ones) sample real calls too;
    ``sample(mask=...)`` takes one mask row per environment.
    """

    def __init__(self, single: ToolCallSpace, n: int, *, seed: int | np.random.Generator | None = None):
        self.single = single
        self.n = n
        super().__init__(
            {"name": batch_space(single["name"], n), "arguments": batch_space(single["arguments"], n)}, seed=seed
        )

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, tuple[str, ...]]:
        """``n`` calls drawn as :meth:`ToolCallSpace.sample` draws one."""
        if probability is not None:
            raise ValueError("ToolCallBatchSpace.sample takes masks over tool_names, not probabilities")
        masks = [None] * self.n if mask is None else list(mask)
        if len(masks) != self.n:
            raise ValueError(f"give one mask per environment ({self.n}), got {len(masks)}")
        calls = [self.single._draw_call(self.np_random, self.single._choices(m)) for m in masks]
        return {"name": tuple(c["name"] for c in calls), "arguments": tuple(c["arguments"] for c in calls)}

    def __repr__(self) -> str:
        return f"ToolCallBatchSpace({self.n} x {self.single!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ToolCallBatchSpace) and self.n == other.n and self.single == other.single

    __hash__ = None


@batch_space.register(ToolCallSpace)
def _batch_tool_calls(space: ToolCallSpace, n: int = 1) -> ToolCallBatchSpace:
    return ToolCallBatchSpace(space, n, seed=copy.deepcopy(space.np_random))


def _draw(schema: Mapping[str, Any], rng: np.random.Generator) -> Any:
    """A value shaped by the JSON schema ``schema`` (the strict subset the catalog publishes)."""
    if "enum" in schema:
        return schema["enum"][int(rng.integers(len(schema["enum"])))]
    if "anyOf" in schema:
        options = schema["anyOf"]
        return _draw(options[int(rng.integers(len(options)))], rng)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[int(rng.integers(len(kind)))]
    if kind == "object":
        return {key: _draw(sub, rng) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + 3))
        n = int(rng.integers(low, max(low, min(high, low + 3)) + 1))
        return [_draw(schema.get("items", {}), rng) for _ in range(n)]
    if kind in ("number", "integer"):
        return _number(schema, rng, integer=kind == "integer")
    if kind == "boolean":
        return bool(rng.integers(2))
    if kind == "null":
        return None
    if kind == "string":
        letters = rng.choice(list(string.ascii_lowercase + "-0123456789"), size=int(rng.integers(1, 9)))
        return "".join(letters)
    return {}


def _number(schema: Mapping[str, Any], rng: np.random.Generator, *, integer: bool) -> float | int:
    """A number inside the schema's bounds (a span of 100 where a side is open)."""
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    low = float(low) if low is not None else (float(high) - 100.0 if high is not None else -100.0)
    high = float(high) if high is not None else low + 100.0
    if integer:
        lo = int(np.floor(low)) + 1 if "exclusiveMinimum" in schema else int(np.ceil(low))
        hi = int(np.ceil(high)) - 1 if "exclusiveMaximum" in schema else int(np.floor(high))
        return int(rng.integers(lo, max(lo, hi) + 1))
    value = round(float(rng.uniform(low, high)), 3)
    if ("exclusiveMinimum" in schema and value <= low) or ("exclusiveMaximum" in schema and value >= high):
        value = (low + high) / 2
    return value
