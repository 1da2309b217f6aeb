"""The MCP server: the 42 tools of one episode, its intent and state, and a reset.

Tool schemas and descriptions are the catalog's own (derived from each tool's
declaration); annotations come from the effect classes (:func:`annotation_hints`).
Every call goes through :meth:`EpisodeSession.call`, i.e. ``env.step``: the same
boundary, the same co-simulation clock, the same trajectory file. A call the
boundary rejects comes back as an error result (``isError``) the model can read,
exactly as an agent in ``python -m sixg.bench`` would see it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server

from sixg import __version__
from sixg.errors import SixgError
from sixg.mcp.session import RESET_TOOL, EpisodeSession, ResetArguments, annotation_hints, reset_schema

INTENT_URI = "sixg://episode/intent"
STATE_URI = "sixg://episode/state"
PROMPT = "operate_network"

_INSTRUCTIONS = (
    "You operate a simulated 6G network through typed tools. Read the resource "
    f"{INTENT_URI} (or the prompt {PROMPT!r}) for the operator's intent, call tools one at a time, "
    "and finish by confirming the goal with the verification tool the intent names. "
    f"{RESET_TOOL} starts a new episode."
)


def tool_definitions(session: EpisodeSession) -> list[types.Tool]:
    """The catalog's tools as MCP tools, then the reset tool."""
    tools = []
    for spec in session.catalog.values():
        function = spec.schema["function"]
        tools.append(
            types.Tool(
                name=spec.name,
                title=f"{spec.name} ({spec.effect.value})",
                description=function["description"],
                input_schema=function["parameters"],
                annotations=types.ToolAnnotations(title=spec.name, **annotation_hints(spec)),
                meta={"sixg/effect": spec.effect.value, "sixg/acts": spec.acts},
            )
        )
    tools.append(
        types.Tool(
            name=RESET_TOOL,
            title="Start a new episode",
            description=ResetArguments.__doc__,
            input_schema=reset_schema(),
            annotations=types.ToolAnnotations(
                title=RESET_TOOL, read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
            ),
        )
    )
    return tools


def _text(text: str) -> list[types.TextContent]:
    return [types.TextContent(type="text", text=text)]


def build_server(session: EpisodeSession) -> Server:
    """An MCP server over ``session``, which must be started (its first episode reset); the server closes it when it stops."""
    # One call at a time: the episode has one clock, and calls are answered in the order they come.
    lock = anyio.Lock()

    @asynccontextmanager
    async def lifespan(_server: Server) -> AsyncIterator[dict[str, Any]]:
        try:
            yield {}
        finally:
            await anyio.to_thread.run_sync(session.close)

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_definitions(session))

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        async with lock:
            if params.name == RESET_TOOL:
                try:
                    text = await anyio.to_thread.run_sync(session.reset, params.arguments or {})
                except SixgError as exc:
                    return types.CallToolResult(content=_text(f"error: {exc}"), is_error=True)
                return types.CallToolResult(content=_text(text), structured_content=session.status())
            try:
                out = await anyio.to_thread.run_sync(session.call, params.name, params.arguments or {})
            except SixgError as exc:  # the episode has ended: the client must reset
                return types.CallToolResult(content=_text(f"error: {exc}; call {RESET_TOOL} to start a new one"), is_error=True)
        result = out.result
        structured = {
            "result": session.env.trajectory.steps[-1]["result"],
            "reward": out.reward,
            "terminated": out.terminated,
            "truncated": out.truncated,
        }
        return types.CallToolResult(content=_text(out.observation), structured_content=structured, is_error=not result.ok)

    async def list_resources(ctx, params) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(name="intent", uri=INTENT_URI, description="The operator's intent for this episode.", mime_type="text/plain"),
                types.Resource(
                    name="state",
                    uri=STATE_URI,
                    description="The episode now: simulated time, step, the six state dimensions, the goal, whether it has ended, the trajectory file.",
                    mime_type="application/json",
                ),
            ]
        )

    async def read_resource(ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        async with lock:
            if uri == INTENT_URI:
                contents = types.TextResourceContents(uri=uri, mime_type="text/plain", text=session.intent)
            elif uri == STATE_URI:
                contents = types.TextResourceContents(uri=uri, mime_type="application/json", text=json.dumps(session.status(), indent=1))
            else:
                raise ValueError(f"unknown resource {uri!r}; this server has {INTENT_URI} and {STATE_URI}")
        return types.ReadResourceResult(contents=[contents])

    async def list_prompts(ctx, params) -> types.ListPromptsResult:
        return types.ListPromptsResult(
            prompts=[types.Prompt(name=PROMPT, description="The episode's briefing: intent, scenario, how to confirm the goal, the first state.")]
        )

    async def get_prompt(ctx, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        if params.name != PROMPT:
            raise ValueError(f"unknown prompt {params.name!r}; this server has {PROMPT!r}")
        async with lock:
            text = session.introduction
        return types.GetPromptResult(
            description="Operate the network until the intent is met and confirmed.",
            messages=[types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))],
        )

    return Server(
        "sixg",
        version=__version__,
        title="sixg network operations",
        instructions=_INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
    )
