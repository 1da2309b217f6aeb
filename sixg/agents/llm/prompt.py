"""How the tools are shown to a local model: one definition shared by training and ``react-hf``.

The catalog's 42 strict schemas are about 85 kB of JSON: more than a small model's whole
context. The ``compact`` view keeps what a model needs to call a tool (its name, each
argument's name and JSON type, which ones are required) and drops the descriptions: about
8 kB for the whole catalog. The ``signatures`` view keeps only each tool's name and argument
names (about 2.6 kB): for a model trained on the tools' use, which learns the argument types
from the calls it sees rather than from a schema. A model trained on one view must be evaluated on the same one, so the
training stage writes the view into the model directory (:data:`PROMPT_FILE`) and
:class:`~sixg.agents.llm.hf.HFReActAgent` reads it from there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from sixg.errors import UserError

__all__ = ["PROMPT_FILE", "TOOL_VIEWS", "ToolView", "present_tools", "read_tool_view", "write_tool_view"]

ToolView = Literal["full", "compact", "signatures"]
TOOL_VIEWS: tuple[ToolView, ...] = ("full", "compact", "signatures")
#: The file in a model directory that says which tool view the model was trained on.
PROMPT_FILE = "sixg-prompt.json"

def _json_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        t = schema["type"]
        return "|".join(t) if isinstance(t, list) else str(t)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return "|".join(dict.fromkeys(_json_type(s) for s in schema[key]))
    return "object" if "$ref" in schema or "properties" in schema else "any"


def _compact(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool["function"]
    params = fn.get("parameters") or {}
    props = {name: {"type": _json_type(s)} for name, s in (params.get("properties") or {}).items()}
    return {
        "type": "function",
        "function": {
            "name": fn["name"],
            "parameters": {"type": "object", "properties": props, "required": list(params.get("required") or [])},
        },
    }


def _signature(tool: dict[str, Any]) -> dict[str, Any]:
    fn = tool["function"]
    return {"name": fn["name"], "arguments": list(((fn.get("parameters") or {}).get("properties") or {}))}


_VIEWS = {"compact": _compact, "signatures": _signature}


def present_tools(tools: Sequence[dict[str, Any]], view: ToolView = "full") -> list[dict[str, Any]]:
    """The tool schemas as the model reads them in ``view`` (``full`` returns them unchanged)."""
    if view not in TOOL_VIEWS:
        raise UserError(f"unknown tool view {view!r}: choose one of {', '.join(TOOL_VIEWS)}")
    return [dict(t) for t in tools] if view == "full" else [_VIEWS[view](t) for t in tools]


def write_tool_view(model_dir: str | Path, view: ToolView) -> None:
    """Record in ``model_dir`` the tool view its model was trained on."""
    present_tools((), view)
    Path(model_dir, PROMPT_FILE).write_text(json.dumps({"tool_view": view}, indent=1) + "\n")


def read_tool_view(model_dir: str | Path) -> ToolView:
    """The tool view recorded in ``model_dir``; ``full`` for a model that records none."""
    path = Path(model_dir, PROMPT_FILE)
    if not path.is_file():
        return "full"
    try:
        view = json.loads(path.read_text()).get("tool_view", "full")
    except (OSError, ValueError, AttributeError) as exc:
        raise UserError(f"{path} is not a readable prompt file ({exc}): delete it or write {{\"tool_view\": \"compact\"}}") from None
    if view not in TOOL_VIEWS:
        raise UserError(f"{path} names tool view {view!r}: choose one of {', '.join(TOOL_VIEWS)}")
    return view
