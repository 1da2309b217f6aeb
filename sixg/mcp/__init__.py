"""The agent's tools over the Model Context Protocol (``python -m sixg.mcp``).

An MCP client (a desktop assistant, an agent framework) operates one episode at a
time: it lists the 42 tools with their strict schemas and effect-class annotations,
reads the episode's intent and state as resources, calls tools, and starts a new
episode with ``reset_episode``. Every call goes through ``env.step`` and lands in the
episode's JSONL trajectory, like a benchmark agent's.

The ``mcp`` package is imported only by :mod:`sixg.mcp.server`, so this package's
session logic (:class:`EpisodeSession`) works without it.
"""

from sixg.mcp.session import RESET_TOOL, EpisodeSession, ResetArguments, annotation_hints, reset_schema

__all__ = ["RESET_TOOL", "EpisodeSession", "ResetArguments", "annotation_hints", "reset_schema"]
