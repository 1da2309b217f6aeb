"""The agent's tools: the 42 typed functions of the paper's Table IV.

Each tool is declared once (:func:`~sixg.tools.registry.tool`: type hints plus a
docstring written for the model); its strict JSON schema, its validation and its
effect class derive from that declaration. :func:`default_catalog` holds them all;
:class:`Boundary` turns a model's raw call into a typed call or a typed error::

    from sixg.tools import default_catalog
    catalog = default_catalog()
    catalog["check_network_state"].schema    # OpenAI function-calling format, strict
    catalog.call("switch_network_slice", from_slice=SliceType.EMBB, to_slice=SliceType.URLLC)  # a call built in code

``python -m sixg.tools list`` prints the catalog; ``--json`` prints the schemas.
"""

from sixg.tools.boundary import Boundary, BoundCall, ToolCall, ToolError, coerce_call
from sixg.tools.catalog import Catalog, default_catalog
from sixg.tools.registry import Effect, ToolContext, ToolSpec, tool
from sixg.tools.schema import strict_schema_problems

__all__ = [
    "BoundCall",
    "Boundary",
    "Catalog",
    "Effect",
    "ToolCall",
    "ToolContext",
    "ToolError",
    "ToolSpec",
    "coerce_call",
    "default_catalog",
    "strict_schema_problems",
    "tool",
]
