"""A random agent: the floor every other agent's success rate is read against.

Each step it picks a tool uniformly from the catalog it was given and fills in
arguments drawn from the tool's JSON schema (enums, ranges, nullable fields, nested
objects; ids from the episode's briefing), so most calls bind and some change the
network. It stops after a random number of steps. Everything it draws comes from one
generator seeded by the episode seed, so the same seed gives the same calls.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from typing import Any

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.agents.calls import Briefing, briefing_of

__all__ = ["RandomAgent"]


class RandomAgent(Agent):
    """Random tools with random, mostly schema-valid arguments; stops after 1 to ``max_calls`` calls.

    Args:
        max_calls: The most calls it makes in an episode.
        seed: Used when ``reset`` is given no seed (default 0), so runs are always reproducible.
    """

    id = "random"

    def __init__(self, *, max_calls: int = 8, seed: int = 0):
        if max_calls < 1:
            from sixg.errors import UserError

            raise UserError(f"max_calls must be at least 1, got {max_calls}")
        self.max_calls = max_calls
        self.default_seed = seed
        self._rng = random.Random(seed)
        self._tools: list[dict] = []
        self._budget = 0
        self._briefing = Briefing()

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        self._rng = random.Random(self.default_seed if seed is None else seed)
        self._tools = [t["function"] for t in tools if "function" in t]
        self._budget = self._rng.randint(1, self.max_calls)
        self._briefing = Briefing(intent=intent)

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.step == 0:
            self._briefing = briefing_of(observation, self._briefing.intent)
        if observation.step >= self._budget or not self._tools:
            return None
        spec = self._rng.choice(self._tools)
        args = self._value(spec.get("parameters", {"type": "object", "properties": {}}), "")
        return ToolCall(name=spec["name"], arguments=json.dumps(args))

    # --- drawing a value for a JSON schema ---
    def _value(self, schema: dict, name: str) -> Any:
        rng = self._rng
        if "anyOf" in schema:
            return self._value(rng.choice(schema["anyOf"]), name)
        if "enum" in schema:
            return rng.choice(schema["enum"])
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            return {k: self._value(v, k) for k, v in props.items()}
        if kind == "array":
            lo = schema.get("minItems", 0)
            hi = min(schema.get("maxItems", lo + 3), lo + 3)
            return [self._value(schema.get("items", {}), name) for _ in range(rng.randint(lo, max(lo, hi)))]
        if kind == "null":
            return None
        if kind == "boolean":
            return rng.random() < 0.5
        area = self._briefing.area
        if kind == "number" and area is not None and name in ("x", "y"):
            # Over the area to the whole metre (its bounds as the episode's text states them).
            lo, hi = (round(area[0]), round(area[2])) if name == "x" else (round(area[1]), round(area[3]))
            return round(rng.uniform(lo, hi), 1)
        if kind == "number" and name == "z":
            return round(rng.uniform(10.0, 150.0), 1)
        if kind in ("number", "integer"):
            lo = schema.get("minimum", schema.get("exclusiveMinimum", 0.0))
            hi = schema.get("maximum", schema.get("exclusiveMaximum", lo + 200.0))
            # Positions span +-1e5 m in the schema; stay near the operating area instead.
            lo, hi = max(lo, -500.0), min(hi, max(lo, -500.0) + 1000.0)
            v = rng.uniform(lo, hi)
            return round(v) if kind == "integer" else round(v, 2)
        if kind == "string":
            return self._string(schema, name)
        return None

    def _string(self, schema: dict, name: str) -> str:
        rng, b = self._rng, self._briefing
        pattern = schema.get("pattern", "")
        pools = {"uav": b.uavs, "gnb": b.gnbs, "ue": tuple(filter(None, (b.service_ue,))) + b.uavs}
        for key, pool in pools.items():
            if (name in (key, "first", "second") or key in pattern) and pool:
                if name in ("first", "second"):
                    pool = b.uavs or pool
                return rng.choice(pool)
        tools = [t["name"] for t in self._tools if re.fullmatch(pattern or ".*", t["name"])]
        if pattern and tools:  # a field naming tools (e.g. the tools a decision used)
            return rng.choice(tools)
        if pattern.startswith("^[A-Za-z0-9]"):
            return f"item-{rng.randrange(1000)}"
        words = ["hold", "check", "move", "status", "ok", "now"]
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))

    def describe(self) -> dict[str, object]:
        return {"agent": self.id, "max_calls": self.max_calls, "seed": self.default_seed}
