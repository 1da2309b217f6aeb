"""The tool catalog: every declared tool, checked once, looked up by name."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sixg.errors import UnknownToolError, UserError, did_you_mean, echo, validation_problems
from sixg.tools.registry import Effect, ToolSpec

if TYPE_CHECKING:
    from sixg.tools.boundary import ToolCall

_EFFECT_ORDER = {Effect.OBSERVATION: 0, Effect.REASONING: 1, Effect.CONFIGURATION: 2}


class Catalog(Mapping[str, ToolSpec]):
    """An ordered, read-only set of tools (Observation first, then Reasoning, then Configuration)."""

    def __init__(self, tools: Iterable[ToolSpec]):
        tools = list(tools)
        names = [t.name for t in tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise UserError(f"tools declared twice: {duplicates}")
        self._tools = {t.name: t for t in sorted(tools, key=lambda t: _EFFECT_ORDER[t.effect])}

    @classmethod
    def from_modules(cls, *modules: ModuleType) -> Catalog:
        """Every tool declared in ``modules``, in declaration order."""
        return cls(
            v for m in modules for v in vars(m).values() if isinstance(v, ToolSpec) and v.fn.__module__ == m.__name__
        )

    def __getitem__(self, name: str) -> ToolSpec:
        return self._tools[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def __len__(self) -> int:
        return len(self._tools)

    def lookup(self, name: str) -> ToolSpec:
        """The tool called ``name``, or :class:`UnknownToolError` with the closest name."""
        try:
            return self._tools[name]
        except (KeyError, TypeError):
            raise UnknownToolError(
                f"unknown tool {echo(str(name))}.{did_you_mean(str(name), self._tools)} The catalog has {len(self)} tools; call one of them by its exact name."
            ) from None

    def by_effect(self, effect: Effect) -> list[ToolSpec]:
        return [t for t in self._tools.values() if t.effect is effect]

    def counts(self) -> dict[Effect, int]:
        return {e: len(self.by_effect(e)) for e in Effect}

    def call(self, name: str, /, **arguments: Any) -> ToolCall:
        """A call of tool ``name`` built in code from typed values (enums, models, numbers),
        checked against the tool's own argument model, with every argument written out.

        Ids and positions are checked against a scenario only at the boundary, as for any
        call. A value the declaration refuses is a bug in the calling code: :class:`UserError`.
        """
        from sixg.tools.boundary import ToolCall  # the boundary builds on the catalog

        spec = self.lookup(name)
        try:
            args = spec.arguments.model_validate(arguments)
        except ValidationError as exc:
            problems = validation_problems(exc, whole="arguments")
            raise UserError(f"a call of {name} built in code does not fit its declaration: {problems}") from None
        return ToolCall(name=name, arguments=json.dumps(args.model_dump(mode="json"), separators=(",", ":")))

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's strict function-calling schema, for a model's ``tools`` parameter."""
        return [t.schema for t in self._tools.values()]


@functools.cache
def default_catalog() -> Catalog:
    """The 42 tools of the paper's Table IV."""
    from sixg.tools import analysis, configuration, flight, mission, observation

    return Catalog.from_modules(observation, analysis, flight, mission, configuration)
