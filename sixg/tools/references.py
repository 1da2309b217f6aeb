"""References to earlier results in a tool call's arguments.

A caller may pass, as the value of an argument, what it saw earlier in the episode instead of
copying it: ``{"$": "state"}`` (the network state of the latest observation), ``{"$": "slice"}``
(the service's slice in it) or ``{"$": "out", "tool": NAME}`` (what the last successful call of
``NAME`` returned). Benchmark reference solutions and 6G-Forge programs are written with them,
and the ReAct agent accepts them from a model: :class:`Recall` remembers what can be referred
to and fills the references in before the call reaches the tool boundary, which then validates
the filled values like any others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_serializer, model_validator
from pydantic_core import to_jsonable_python

from sixg.domain import Frozen, NetworkState
from sixg.errors import MalformedCallError
from sixg.tools.boundary import read_arguments

__all__ = ["Earlier", "Recall", "STATE", "SLICE", "output_of", "REFERENCE_RULE"]

#: How a model is told it may use references (one line of the ReAct system prompt).
REFERENCE_RULE = (
    'To pass what you saw earlier, give an argument the value {"$": "state"} (the latest network state), '
    '{"$": "slice"} (the service\'s slice) or {"$": "out", "tool": NAME} (what NAME last returned).'
)


class Earlier(Frozen):
    """An argument taken from the episode when the call is made: the network state the caller
    last observed, the service's slice in it, or what the last call of ``tool`` returned.

    Written ``{"$": "state"}``, ``{"$": "slice"}`` or ``{"$": "out", "tool": NAME}`` in files
    and in a model's tool calls.
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    what: Literal["state", "slice", "out"] = Field(alias="$")
    tool: str | None = None

    @model_validator(mode="after")
    def _tool_iff_output(self) -> Earlier:
        if (self.what == "out") != (self.tool is not None):
            raise ValueError('an earlier output names its tool ({"$": "out", "tool": NAME}); state and slice name none')
        return self

    @model_serializer
    def _as_written(self) -> dict[str, str]:
        return {"$": self.what, **({"tool": self.tool} if self.tool is not None else {})}

    def value(self, outputs: Mapping[str, Any], state: NetworkState | None) -> Any:
        if self.what == "out":
            return outputs.get(self.tool)
        if state is None:
            return None
        return state if self.what == "state" else state.slice


#: The references reference programs use.
STATE = Earlier(what="state")
SLICE = Earlier(what="slice")


def output_of(tool: str) -> Earlier:
    return Earlier(what="out", tool=tool)


def as_reference(value: Any) -> Earlier | None:
    """``value`` as a reference when it is one written out (a JSON object with a ``"$"`` key), else None."""
    if not isinstance(value, Mapping) or "$" not in value:
        return None
    try:
        return Earlier.model_validate(value)
    except ValidationError:
        return None


class Recall:
    """What a caller can refer to in an episode: the last output of each tool and the latest state."""

    def __init__(self) -> None:
        self.outputs: dict[str, Any] = {}
        self.state: NetworkState | None = None

    def reset(self) -> None:
        self.outputs, self.state = {}, None

    def observe(self, *, tool: str | None, output: Any, error: Any, state: NetworkState | None) -> None:
        """Remember a step's result (a failed call leaves the tool's last output as it was)."""
        if tool and error is None:
            self.outputs[tool] = to_jsonable_python(output)
        if state is not None:
            self.state = state

    def fill(self, arguments: str) -> str:
        """``arguments`` (a call's JSON text) with every top-level reference replaced by its value.

        Text the tool boundary would not read (not a JSON object, a duplicate key, a non-finite
        number, nesting past its limit: it is read by the boundary's own reader), and a reference to
        something not seen yet, are left as written: the boundary then rejects the call with a
        typed error the caller can read.
        """
        try:
            args = read_arguments(arguments)
        except MalformedCallError:
            return arguments
        filled, changed = {}, False
        for k, v in args.items():
            ref = as_reference(v)
            value = ref.value(self.outputs, self.state) if ref is not None else None
            if value is not None:
                filled[k], changed = to_jsonable_python(value), True
            else:
                filled[k] = v
        return json.dumps(filled, ensure_ascii=False) if changed else arguments
