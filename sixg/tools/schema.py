"""JSON schemas for function calling, derived from a tool's declaration.

Two pieces: a Google-style docstring reader (the summary and body become the tool's
description, the ``Args:`` entries its parameters' descriptions) and the rewrite of a
pydantic JSON schema into OpenAI's strict function-calling subset:

* every ``$ref`` inlined (strict mode forbids siblings next to a reference, and a
  self-contained schema is easier for small models);
* every object closed (``additionalProperties: false``) with all its properties
  required; a field that may be absent is nullable instead (so a field with a
  default disagrees with its schema: :func:`defaulted_fields` finds them, and tool
  declarations refuse them);
* keywords strict mode does not accept (titles, defaults, string lengths) dropped,
  string length limits kept as words in the description. Validation still enforces
  them, since it goes through the same pydantic model.

:func:`strict_schema_problems` checks a schema against those rules; the tests and
``python -m sixg.tools check`` use it.
"""

from __future__ import annotations

import copy
import inspect
import re
from dataclasses import dataclass
from typing import Any

#: Keywords OpenAI's strict mode accepts in a parameters schema.
STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "description",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
#: Deepest object nesting strict mode allows.
MAX_DEPTH = 10
_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Yields|Raises|Examples?|Notes?):\s*$")


@dataclass(frozen=True)
class Docstring:
    """A Google-style docstring split into what the schema needs."""

    description: str
    params: dict[str, str]
    returns: str


def parse_docstring(doc: str | None) -> Docstring:
    """Split ``doc`` into description, per-argument text and the Returns text."""
    text = inspect.cleandoc(doc or "")
    body: list[str] = []
    params: dict[str, list[str]] = {}
    returns: list[str] = []
    section = None
    current: str | None = None
    for line in text.splitlines():
        m = _SECTION.match(line.strip()) if not line.startswith(" ") else None
        if m:
            section = m.group(1)
            current = None
            continue
        if section is None:
            body.append(line)
        elif section in ("Args", "Arguments", "Parameters"):
            entry = re.match(r"^\s{0,8}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$", line)
            if entry and (len(line) - len(line.lstrip())) <= 4:
                current = entry.group(1)
                params[current] = [entry.group(2).strip()]
            elif current is not None and line.strip():
                params[current].append(line.strip())
        elif section in ("Returns", "Yields") and line.strip():
            returns.append(line.strip())
    # Hard-wrapped lines are joined: the model reads paragraphs, not source layout.
    paragraphs = [
        " ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", "\n".join(body).strip())
    ]
    description = "\n\n".join(p for p in paragraphs if p)
    return Docstring(description, {k: " ".join(v).strip() for k, v in params.items()}, " ".join(returns))


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a pydantic JSON schema into OpenAI's strict subset (see module docs)."""
    defs = schema.get("$defs", {})

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        node = dict(node)
        if "$ref" in node:
            name = node.pop("$ref").rsplit("/", 1)[-1]
            if name in seen:
                raise ValueError(f"recursive type {name!r} cannot be inlined into a strict schema")
            target = walk(copy.deepcopy(defs[name]), seen + (name,))
            # A field's own description wins over the referenced type's docstring.
            node = {**target, **{k: v for k, v in node.items()}}
        if "allOf" in node and len(node["allOf"]) == 1:
            inner = walk(node.pop("allOf")[0], seen)
            node = {**inner, **node}
        for key in ("title", "default", "$defs", "examples", "discriminator"):
            node.pop(key, None)
        limits = []
        if "minLength" in node:
            limits.append(f"at least {node.pop('minLength')} characters")
        if "maxLength" in node:
            limits.append(f"at most {node.pop('maxLength')} characters")
        if limits:
            note = " and ".join(limits).capitalize() + "."
            node["description"] = f"{node['description']} {note}" if node.get("description") else note
        if node.get("type") == "object" or "properties" in node:
            props = {k: walk(v, seen) for k, v in node.get("properties", {}).items()}
            node["type"] = "object"
            node["properties"] = props
            node["required"] = list(props)
            node["additionalProperties"] = False
        if "items" in node:
            node["items"] = walk(node["items"], seen)
        if "anyOf" in node:
            node["anyOf"] = [walk(option, seen) for option in node["anyOf"]]
            if "description" in node:
                # Keep the description on the union, not repeated on each branch.
                for option in node["anyOf"]:
                    option.pop("description", None)
        return node

    return walk(schema, ())


def defaulted_fields(schema: dict[str, Any]) -> list[str]:
    """Fields of a pydantic JSON schema that have defaults, as ``Type.field`` (``field`` at the top level).

    Validation accepts such a field absent, while the strict schema lists it as
    required; a model that leaves it out would be told of a value it never sent.
    """
    found = []

    def visit(node: Any, owner: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if isinstance(sub, dict) and "default" in sub:
                    found.append(f"{owner}.{name}" if owner else name)
            for key, sub in node.items():
                if key != "$defs":
                    visit(sub, owner)
        elif isinstance(node, list):
            for sub in node:
                visit(sub, owner)

    visit(schema, "")
    for name, definition in schema.get("$defs", {}).items():
        visit(definition, name)
    return sorted(set(found))


def strict_schema_problems(schema: dict[str, Any]) -> list[str]:
    """Every way ``schema`` breaks OpenAI's strict function-calling rules (empty if none)."""
    problems: list[str] = []
    if schema.get("type") != "object":
        problems.append("$: the parameters schema must be an object")

    def visit(node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict):
            problems.append(f"{path}: not a schema object")
            return
        unknown = set(node) - STRICT_KEYWORDS
        if unknown:
            problems.append(f"{path}: keywords strict mode does not accept: {sorted(unknown)}")
        if not ({"type", "enum", "const", "anyOf"} & set(node)):
            problems.append(f"{path}: no type")
        if node.get("type") == "object":
            if depth > MAX_DEPTH:
                problems.append(f"{path}: nested deeper than {MAX_DEPTH} objects")
            if node.get("additionalProperties") is not False:
                problems.append(f"{path}: objects must set additionalProperties to false")
            props = node.get("properties", {})
            if sorted(node.get("required", [])) != sorted(props):
                problems.append(f"{path}: every property must be required (optional ones are nullable instead)")
            for name, sub in props.items():
                visit(sub, f"{path}.{name}", depth + 1)
        if "items" in node:
            visit(node["items"], f"{path}[]", depth)
        if node.get("type") == "array" and "items" not in node:
            problems.append(f"{path}: arrays need an items schema")
        for i, option in enumerate(node.get("anyOf", [])):
            visit(option, f"{path}|{i}", depth)

    visit(schema, "$", 1)
    return problems
