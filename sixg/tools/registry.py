"""Declaring a tool: one typed function, from which everything else is derived.

A tool is a plain function whose first parameter is the :class:`ToolContext` and
whose other parameters are what the model passes. Its type hints give the argument
model (validation) and the output type; its Google-style docstring gives the
description the model reads and each parameter's text; :func:`tool` adds the effect
class and, for tools that only compute, a simulated latency::

    @tool(Effect.OBSERVATION, latency_s=0.05)
    def get_battery_level(ctx: ToolContext, uav: UavRef) -> BatteryLevel:
        \"\"\"Read a UAV's battery.

        Args:
            uav: The UAV, e.g. "uav-0".
        \"\"\"

A tool that makes the network act is a generator, like a SimPy process: it yields
the :mod:`sixg.actions` it wants applied, receives each one's
:class:`~sixg.snapshot.ActionResult` once the window that applied it has passed, and
returns its output. Everything it does before its first ``yield`` must leave the world
alone, so a refusal (:class:`~sixg.errors.ToolRefusedError`) costs nothing::

    @tool(Effect.CONFIGURATION)
    def switch_network_slice(ctx, from_slice: SliceType, to_slice: SliceType) -> Generator[Action, ActionResult, NetworkState]:
        ...
        result = yield SwitchSlice(slice=to_slice)
        return ctx.world.state
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model

from sixg.errors import UserError
from sixg.tools.schema import defaulted_fields, parse_docstring, strict_json_schema
from sixg.world import World


class Effect(str, Enum):
    """What a tool does to the network state (paper, Eq. 1)."""

    #: Reads the network state; changes nothing.
    OBSERVATION = "observation"
    #: Computes from its inputs (and the static layout). A few UAV commands also make
    #: the network act; they are generators and say so in their docstrings.
    REASONING = "reasoning"
    #: Changes the network; takes effect at the next window boundary.
    CONFIGURATION = "configuration"


@dataclass(frozen=True)
class ToolContext:
    """What a running tool may see: the world, and the simulated time the call completes at."""

    world: World
    now: float


class _Arguments(BaseModel):
    # Frozen and closed, like the domain types; non-finite numbers have no JSON form.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True, eq=False)
class ToolSpec:
    """One declared tool. Call it like the function it wraps."""

    name: str
    effect: Effect
    description: str
    fn: Callable[..., Any]
    arguments: type[BaseModel]
    output: Any
    #: Simulated seconds the tool takes; None for tools that act (they wait for the network).
    latency_s: float | None
    #: Whether it yields actions for the backend (every Configuration tool, and the UAV commands).
    acts: bool
    schema: dict[str, Any] = field(repr=False)

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(self.arguments.model_fields)

    def invoke(self, ctx: ToolContext, args: BaseModel) -> Any:
        """Run on validated ``args``: the output, or for an acting tool its generator."""
        return self.fn(ctx, **{name: getattr(args, name) for name in self.parameters})

    def __call__(self, ctx: ToolContext, /, *args: Any, **kwargs: Any) -> Any:
        return self.fn(ctx, *args, **kwargs)


def tool(effect: Effect, *, latency_s: float | None = None) -> Callable[[Callable[..., Any]], ToolSpec]:
    """Declare a tool (see the module docstring). Misdeclarations raise :class:`UserError` at import."""

    def declare(fn: Callable[..., Any]) -> ToolSpec:
        name = fn.__name__
        try:
            hints = typing.get_type_hints(fn, include_extras=True)
        except NameError as exc:
            raise UserError(
                f"tool {name}: its type hints do not resolve ({exc}); import the types at module level"
            ) from None
        params = list(inspect.signature(fn).parameters.values())
        if not params or params[0].name != "ctx":
            raise UserError(f"tool {name}: the first parameter must be `ctx: ToolContext`")
        acts = inspect.isgeneratorfunction(fn)
        if effect is Effect.OBSERVATION and acts:
            raise UserError(f"tool {name}: an Observation tool cannot act on the network")
        if effect is Effect.CONFIGURATION and not acts:
            raise UserError(f"tool {name}: a Configuration tool must yield the actions it applies")
        if acts == (latency_s is not None):
            raise UserError(
                f"tool {name}: give latency_s exactly when the tool does not act (acting tools wait for the network)"
            )
        if "return" not in hints:
            raise UserError(f"tool {name}: annotate the return type")
        output = hints["return"]
        if acts:
            if get_origin(output) not in (collections.abc.Generator,):
                raise UserError(f"tool {name}: an acting tool returns Generator[Action, ActionResult, Output]")
            output = get_args(output)[2]

        doc = parse_docstring(fn.__doc__)
        if not doc.description:
            raise UserError(f"tool {name}: write a docstring; it is what the model reads")
        fields: dict[str, Any] = {}
        for p in params[1:]:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                raise UserError(f"tool {name}: parameter {p.name} must be a plain named parameter")
            if p.name not in hints:
                raise UserError(f"tool {name}: annotate parameter {p.name}")
            if p.name not in doc.params:
                raise UserError(f"tool {name}: document parameter {p.name} under Args:")
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[p.name] = (hints[p.name], Field(default, description=doc.params[p.name]))
        extra = set(doc.params) - set(fields)
        if extra:
            raise UserError(f"tool {name}: Args: documents parameters it does not have: {sorted(extra)}")
        arguments = create_model(f"{name}_arguments", __base__=_Arguments, **fields)
        description = doc.description + (f"\n\nReturns: {doc.returns}" if doc.returns else "")
        defaulted = defaulted_fields(arguments.model_json_schema())
        if defaulted:
            raise UserError(
                f"tool {name}: {', '.join(defaulted)} {'has a default' if len(defaulted) == 1 else 'have defaults'}, "
                "so validation would accept it absent while the strict schema requires it; require it, or declare it "
                "`T | None` with no default (null when not given)"
            )
        parameters = strict_json_schema(arguments.model_json_schema())
        schema = {
            "type": "function",
            "function": {"name": name, "description": description, "parameters": parameters, "strict": True},
        }
        return ToolSpec(
            name=name,
            effect=effect,
            description=description,
            fn=fn,
            arguments=arguments,
            output=output,
            latency_s=latency_s,
            acts=acts,
            schema=schema,
        )

    return declare
