"""The one boundary between a model's raw output and a typed tool call.

Whatever a model emits (a :class:`ToolCall`, an OpenAI-style dict, JSON text) goes
through :meth:`Boundary.bind`, which either returns a :class:`BoundCall` whose
arguments are validated against the tool's declaration *and* the scenario (ids that
exist, points inside the operating area), or raises a
:class:`~sixg.errors.ModelBehaviorError` saying what is wrong and how to fix it.
:meth:`ToolError.from_error` turns that into the error result the agent reads. Past
this boundary, tools trust their arguments.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from sixg.domain import Frozen
from sixg.errors import (
    ECHO_LIMIT,
    InvalidArgumentsError,
    MalformedCallError,
    ModelBehaviorError,
    ToolRefusedError,
    UnknownToolError,
    did_you_mean,
    echo,
)
from sixg.scenario import Scenario
from sixg.tools.catalog import Catalog
from sixg.tools.registry import ToolSpec


class ToolCall(Frozen):
    """A call as a model emits it: a tool name and its arguments (a JSON object, as text or parsed).

    This is also what every agent returns (:mod:`sixg.agents`): the arguments stay
    unvalidated until they reach the boundary.
    """

    name: str
    arguments: str | dict[str, Any] = "{}"
    id: str | None = None
    #: Free text the agent produced with the call (a ReAct "thought"), kept in the trajectory.
    thought: str | None = None

    def arguments_text(self) -> str:
        """The arguments as JSON text (how they are validated, recorded and replayed)."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, allow_nan=False, separators=(",", ":"))


ErrorKind = Literal["malformed_call", "unknown_tool", "malformed_arguments", "invalid_arguments", "refused"]


#: Longest error message an agent is shown; anything past it is cut with a note.
MAX_MESSAGE = 2000
#: Most problems one error lists (a call can have thousands of stray keys).
MAX_PROBLEMS = 10
#: Deepest nesting of objects and arrays the boundary reads. The strict schemas nest at
#: most 10 objects, so no valid call comes near it; much deeper values would exhaust
#: Python's recursion limit in the JSON encoder and decoder.
MAX_NESTING = 32

_PRINTABLE = frozenset(string.printable)


def plain(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` in printable ASCII (other characters escaped), at most ``limit`` characters and a note."""
    if len(text) <= limit and _PRINTABLE.issuperset(text):
        return text
    escaped = "".join(c if c in _PRINTABLE else c.encode("unicode_escape").decode("ascii") for c in text[:limit])
    if len(escaped) <= limit and len(text) <= limit:
        return escaped
    return escaped[:limit] + f" ... (cut at {limit} characters)"


class ToolError(Frozen):
    """Why a call failed, for the agent to read (short, printable ASCII, whatever the call held)."""

    kind: ErrorKind
    message: str
    problems: tuple[str, ...] = ()

    @classmethod
    def from_error(cls, error: ModelBehaviorError) -> ToolError:
        kind: ErrorKind
        if isinstance(error, UnknownToolError):
            kind = "unknown_tool"
        elif isinstance(error, MalformedCallError):
            kind = "malformed_call" if error.whole_call else "malformed_arguments"
        elif isinstance(error, ToolRefusedError):
            kind = "refused"
        else:
            kind = "invalid_arguments"
        problems = error.problems if isinstance(error, InvalidArgumentsError) else ()
        return cls(
            kind=kind, message=plain(str(error)), problems=tuple(plain(p, 200) for p in problems[:MAX_PROBLEMS])
        )


@dataclass(frozen=True)
class BoundCall:
    """A call whose tool exists and whose arguments validated."""

    call: ToolCall
    spec: ToolSpec
    args: BaseModel


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is too large")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


class _DuplicateKey(Exception):
    def __init__(self, key: str):
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would keep the last of two equal keys; which one the model meant is unknowable.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether ``value`` nests dicts and lists more than ``limit`` deep (iteratively: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _nested_too_deeply(what: str, *, whole_call: bool = False) -> MalformedCallError:
    return MalformedCallError(
        f"{what} is nested too deeply to read (more than {MAX_NESTING} levels of objects and arrays; "
        "no tool takes arguments that deep)",
        whole_call=whole_call,
    )


def _load_object(text: str, what: str, *, whole_call: bool = False) -> dict[str, Any]:
    try:
        value = (
            json.loads(text, parse_float=_finite, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
            if text.strip()
            else {}
        )
    except RecursionError:
        raise _nested_too_deeply(what, whole_call=whole_call) from None
    except _DuplicateKey as dup:
        raise MalformedCallError(
            f"duplicate argument {echo(dup.key)} in {what}; send each name once per object", whole_call=whole_call
        ) from None
    except ValueError as exc:  # json.JSONDecodeError is a ValueError too
        raise MalformedCallError(
            f"{what} is not valid JSON ({exc}); send a JSON object", whole_call=whole_call
        ) from None
    if not isinstance(value, dict):
        raise MalformedCallError(f"{what} must be a JSON object, not {type(value).__name__}", whole_call=whole_call)
    if _too_deep(value):
        raise _nested_too_deeply(what, whole_call=whole_call)
    return value


def read_arguments(text: str) -> dict[str, Any]:
    """A call's arguments text read the way :meth:`Boundary.bind` reads it (one object, unique keys,
    finite numbers, bounded nesting); :class:`MalformedCallError` otherwise."""
    return _load_object(text, "the arguments")


def coerce_call(raw: ToolCall | Mapping[str, Any] | str) -> ToolCall:
    """Read a call in any of the shapes models emit; :class:`MalformedCallError` if it is none of them.

    Accepted: a :class:`ToolCall` (or any record with ``name`` and ``arguments``);
    ``{"name", "arguments", "id"?}``; OpenAI's ``{"id", "type": "function", "function":
    {"name", "arguments"}}``; or the JSON text of either.
    """
    if isinstance(raw, ToolCall):
        return raw
    if not isinstance(raw, (str, Mapping)) and hasattr(raw, "name") and hasattr(raw, "arguments"):
        # Another ToolCall-like record (e.g. sixg.agents.ToolCall): read it as a mapping.
        raw = {"name": raw.name, "arguments": raw.arguments, "id": getattr(raw, "id", None)}
    if isinstance(raw, str):
        raw = _load_object(raw, "the call", whole_call=True)
    if not isinstance(raw, Mapping):
        raise MalformedCallError(
            f"a tool call must be an object with a name and arguments, not {type(raw).__name__}", whole_call=True
        )
    body = raw.get("function", raw)
    call_id = raw.get("id")
    if not isinstance(body, Mapping) or not isinstance(body.get("name"), str):
        raise MalformedCallError('a tool call needs a "name" (string) and "arguments" (JSON object)', whole_call=True)
    arguments = body.get("arguments", "{}")
    if arguments is None:
        arguments = "{}"
    if not isinstance(arguments, (str, dict)):
        raise MalformedCallError(f'"arguments" must be a JSON object (or its text), not {type(arguments).__name__}')
    if isinstance(arguments, dict) and not all(isinstance(k, str) for k in arguments):
        raise MalformedCallError("argument names must be strings")
    return ToolCall(name=body["name"], arguments=arguments, id=call_id if isinstance(call_id, str) else None)


def identify(raw: Any) -> tuple[str, str | None]:
    """Name and id of a call that failed to bind, as far as they can be read.

    A name that is no plausible tool name (too long, not printable ASCII) comes back as
    :func:`~sixg.errors.echo` shows it, so a result never carries more of it than a message would.
    """
    try:
        call = coerce_call(raw)
    except ModelBehaviorError:
        return "", None
    name = call.name
    if len(name) > ECHO_LIMIT or not (name.isascii() and name.isprintable()):
        name = echo(name)
    return name, call.id


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return echo(out)


def _describe(spec: ToolSpec, errors: list[dict[str, Any]]) -> list[str]:
    problems = []
    for e in errors:
        loc = tuple(e.get("loc", ()))
        where = _where(loc)
        kind = e.get("type")
        if kind == "missing":
            problems.append(f"missing argument {where}")
        elif kind == "extra_forbidden":
            hint = did_you_mean(str(loc[-1]), spec.parameters if len(loc) == 1 else ()).strip()
            problems.append(f"unexpected argument {where}" + (f" ({hint[0].lower()}{hint[1:]})" if hint else ""))
        elif kind in _SELF_EXPLAINED:
            problems.append(f"argument {where}: {e.get('msg')}")
        else:
            got = e.get("input")
            shown = json.dumps(got)[:60] if isinstance(got, (int, float, str, bool, type(None))) else type(got).__name__
            problems.append(
                f"argument {where}: {e.get('msg')} (got {shown})" if loc else f"{e.get('msg')} (got {shown})"
            )
    return problems


#: Errors raised by sixg's own checks, whose message already shows the value.
_SELF_EXPLAINED = frozenset({"unknown_id", "unknown_tool", "outside_area", "altitude_out_of_range"})


def signature(spec: ToolSpec) -> str:
    """A one-line reminder of a tool's parameters, e.g. ``set_waypoint(uav: string, position: object)``."""
    props = spec.schema["function"]["parameters"]["properties"]

    def kind(p: dict[str, Any]) -> str:
        if "anyOf" in p:
            return " | ".join(kind(o) for o in p["anyOf"])
        if "enum" in p:
            return "|".join(json.dumps(v) for v in p["enum"])
        return str(p.get("type", "value"))

    return f"{spec.name}(" + ", ".join(f"{n}: {kind(p)}" for n, p in props.items()) + ")"


class Boundary:
    """Binds raw calls to the tools of ``catalog`` in ``scenario``."""

    def __init__(self, catalog: Catalog, scenario: Scenario):
        self.catalog = catalog
        self.scenario = scenario
        self._context = {"scenario": scenario, "tools": tuple(catalog)}

    def bind(self, raw: ToolCall | Mapping[str, Any] | str) -> BoundCall:
        """Validate ``raw`` into a call of a known tool; raise a ModelBehaviorError otherwise."""
        call = coerce_call(raw)
        spec = self.catalog.lookup(call.name)
        what = f"the arguments object of {spec.name}"
        if isinstance(call.arguments, str):
            text = call.arguments
            _load_object(text, what)
        else:
            if _too_deep(call.arguments):
                raise _nested_too_deeply(what)
            try:
                text = call.arguments_text()
            except (ValueError, TypeError) as exc:
                raise MalformedCallError(f"{what} cannot be written as JSON ({exc})") from None
        if not text.strip():
            text = "{}"
        try:
            args = spec.arguments.model_validate_json(text, strict=True, context=self._context)
        except ValidationError as exc:
            problems = _describe(spec, exc.errors(include_url=False))
            listing = "; ".join(problems[:MAX_PROBLEMS])
            if len(problems) > MAX_PROBLEMS:
                listing += f"; and {len(problems) - MAX_PROBLEMS} more"
            raise InvalidArgumentsError(
                f"{len(problems)} problem(s) with the arguments of {spec.name}: {listing}{'' if listing.endswith(('?', '.')) else '.'} Expected {signature(spec)}.",
                problems=tuple(problems),
            ) from None
        return BoundCall(call=call, spec=spec, args=args)
