"""The agent contract: whatever decides the next tool call (an LLM, a rule, an RL policy).

An agent sees an :class:`~sixg.sim.briefing.Observation` after every step and answers with a raw
:class:`ToolCall` -- exactly what a model would emit: a tool name and its arguments as
JSON text, unvalidated. The tool boundary validates it; a malformed call is a failed
step that costs the agent one step, never a crash. Returning ``None`` means the agent
has nothing more to do and ends its episode.
"""

from __future__ import annotations

import abc
import importlib
import inspect
import json
import reprlib
from collections.abc import Sequence
from typing import ClassVar

from pydantic import PydanticSchemaGenerationError, TypeAdapter, ValidationError

from sixg.errors import SixgError, UnknownIdError, UserError, did_you_mean
from sixg.sim.briefing import Observation
from sixg.tools.boundary import ToolCall

#: How a rejected argument value is quoted back: short, whatever was passed.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80

__all__ = ["Agent", "Observation", "ToolCall", "agent_ids", "make_agent", "register_agent"]


class Agent(abc.ABC):
    """Decides the next tool call. Constructors are cheap; models load in :meth:`reset`."""

    id: ClassVar[str]

    @abc.abstractmethod
    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        """Start an episode: the operator's intent and the tools' JSON schemas (OpenAI function format)."""

    @abc.abstractmethod
    def act(self, observation: Observation) -> ToolCall | None:
        """The next call, or None to stop."""

    def prepare(self, task) -> None:
        """Called by the benchmark before each task's episode. Only an oracle (the
        reference replayer) looks at the task; every other agent ignores it."""

    def close(self) -> None:
        """Release models, connections and processes."""

    def describe(self) -> dict[str, object]:
        return {"agent": self.id}


_REGISTRY: dict[str, str] = {}


def register_agent(agent_id: str, entry_point: str) -> None:
    """Register ``"module:Class"`` under ``agent_id`` (imported on first use)."""
    _REGISTRY[agent_id] = entry_point


def agent_ids() -> list[str]:
    return sorted(_REGISTRY)


def make_agent(agent_id: str, **kwargs) -> Agent:
    """Construct the agent registered as ``agent_id``."""
    try:
        entry = _REGISTRY[agent_id]
    except KeyError:
        raise UnknownIdError(f"no agent {agent_id!r}; registered agents are {agent_ids()}." + did_you_mean(agent_id, _REGISTRY)) from None
    module, _, name = entry.partition(":")
    cls = getattr(importlib.import_module(module), name)
    signature = _signature(cls)
    params = signature.parameters
    takes = ", ".join(f"{p.name}=" + ("..." if p.default is p.empty else repr(p.default)) for p in params.values() if p.kind is not p.VAR_KEYWORD) or "no arguments"
    unknown = [] if any(p.kind is p.VAR_KEYWORD for p in params.values()) else sorted(kwargs.keys() - params.keys())
    if unknown:
        raise UserError(f"agent {agent_id!r} has no argument {unknown[0]!r}." + did_you_mean(unknown[0], params) + f" It takes {takes}")
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        raise UserError(f"agent {agent_id!r}: {exc}; it takes {takes}") from None
    kwargs = {k: _checked_value(agent_id, params[k], v) for k, v in kwargs.items()}
    try:
        return cls(**kwargs)
    except SixgError:
        raise
    except (TypeError, ValueError) as exc:
        raise UserError(f"agent {agent_id!r} cannot be made with {kwargs}: {exc}; it takes {takes}") from None


def _signature(cls) -> inspect.Signature:
    try:
        return inspect.signature(cls, eval_str=True)
    except (NameError, TypeError, SyntaxError):  # an annotation that cannot be resolved at run time
        return inspect.signature(cls)


def _checked_value(agent_id: str, param: inspect.Parameter, value):
    """``value`` checked (and coerced, e.g. 3 -> 3.0) against the parameter's annotation by pydantic,
    where the annotation is one pydantic understands; arguments typed by our own classes pass as they are."""
    if param.annotation is inspect.Parameter.empty or isinstance(param.annotation, str):
        return value
    try:
        adapter = TypeAdapter(param.annotation)
    except PydanticSchemaGenerationError:
        return value
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        if not isinstance(value, str):
            try:  # text that happened to read as JSON, e.g. a model directory named 123
                return adapter.validate_python(json.dumps(value))
            except ValidationError:
                pass
        why = "; ".join(e["msg"] for e in exc.errors()[:2])
        raise UserError(f"agent {agent_id!r}: {param.name}={_SHORT.repr(value)} is not valid ({why})") from None
