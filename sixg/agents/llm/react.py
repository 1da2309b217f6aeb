"""The ReAct loop shared by every LLM back-end: the chat history in, one tool call out."""

from __future__ import annotations

import abc
import copy
import json
import pickle
from collections.abc import Sequence
from typing import Any

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.agents.llm.reply import ModelReply, arguments_text, is_final_answer, parse_reply
from sixg.errors import ResetNeeded, UserError
from sixg.tools.references import REFERENCE_RULE, Recall

__all__ = ["SYSTEM_PROMPT", "ReActAgent", "sampling_seed"]

SYSTEM_PROMPT = f"""\
You are a network operations agent for a simulated 6G network (network slices, gNBs, UAVs, edge servers).
The operator states an intent. Satisfy it by calling the tools you are given.

Rules:
- Call exactly one tool per turn, then wait for its result before you decide the next step.
- Before each call, say in one or two sentences what you expect to learn or change.
- Use only the listed tools and their argument names; arguments are a JSON object.
- Observe before you change something, and check again after each change.
- If a call fails, read the error, fix the call and try again.
- {REFERENCE_RULE}
- When the intent is met, confirm it with the matching verification tool. Then reply with a line
  starting with "Final Answer:" and a one-sentence summary, and call no tool."""


def _copy(data: Any) -> Any:
    """A deep copy of plain data (chat messages, tool schemas): a pickle round trip, several times
    faster than :func:`copy.deepcopy` on them; anything pickle cannot take is deep-copied."""
    try:
        return pickle.loads(pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return copy.deepcopy(data)


def _check_tools(tools: Sequence[dict]) -> list[dict]:
    """Copy the tool schemas after checking they are OpenAI function-calling dicts."""
    for k, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or tool.get("type") != "function":
            raise UserError(
                f"tools[{k}] is not an OpenAI function schema: pass "
                '{"type": "function", "function": {"name": ..., "description": ..., "parameters": {...}}} '
                "(sixg.tools' catalog produces them)"
            )
    return _copy(list(tools))


class ReActAgent(Agent):
    """The ReAct loop shared by every LLM back-end: history in, one tool call out.

    The history is a list of OpenAI-style chat messages: the system prompt, the operator's
    intent with the first observation, then for each turn the assistant's reply and what
    came back. A readable call is recorded as a structured ``tool_calls`` entry and answered
    by a ``role: "tool"`` message built from the next observation's text; an unreadable
    reply is recorded as the text the model wrote and answered by a ``role: "user"``
    message (an API would reject a tool message that answers no call).

    A call's arguments may refer to what the episode showed earlier
    (:mod:`sixg.tools.references`): the history keeps them as the model wrote them, the
    environment gets them filled in.

    A back-end implements :meth:`_complete` (and may override :meth:`_start` to acquire
    its model or connection).

    Args:
        system_prompt: Replaces :data:`SYSTEM_PROMPT`.
    """

    id = "react"

    def __init__(self, *, system_prompt: str | None = None, temperature: float = 0.0):
        if temperature < 0:
            raise UserError(f"temperature must be >= 0, not {temperature}")
        self.temperature = float(temperature)
        self.system_prompt = SYSTEM_PROMPT if system_prompt is None else system_prompt
        self._messages: list[dict[str, Any]] = []
        self._tools: list[dict] = []
        self._intent: str | None = None
        self._seed: int | None = None
        self._turn = 0
        self._pending_id: str | None = None
        self._final_answer: str | None = None
        self._recall = Recall()

    # --- the contract ---------------------------------------------------------------------

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        """Start an episode; loads the model or opens the connection on first use.

        Args:
            intent: The operator's intent, in words.
            tools: The tools' JSON schemas (OpenAI function-calling format).
            seed: Seeds sampling when the temperature is above 0 (a local model treats None
                as 0; an endpoint is then sent no seed).
        """
        self._tools = _check_tools(tools)
        self._start()
        self._intent = intent
        self._seed = seed
        self._turn = 0
        self._pending_id = None
        self._final_answer = None
        self._recall.reset()
        self._messages = [{"role": "system", "content": self.system_prompt}]

    def act(self, observation: Observation) -> ToolCall | None:
        """Answer ``observation`` with the model's next call (None once it gives its final answer).

        Args:
            observation: The initial observation on the first call, then the result of the
                previous call.

        Returns:
            The first tool call of the model's reply, possibly malformed (see the module
            docstring for the rule), or None when the model declared it is done.
        """
        if self._intent is None:
            raise ResetNeeded(f"{type(self).__name__}.act() was called before reset(intent=..., tools=...)")
        self._messages.append(self._observation_message(observation))
        self._recall.observe(tool=observation.tool_name, output=observation.tool_result, error=observation.error, state=observation.state)
        reply = self._complete(_copy(self._messages), self._tools, seed=self._seed, turn=self._turn)
        call = self._decide(reply)
        self._turn += 1
        return call

    # --- the history ----------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of the chat history so far (OpenAI message format)."""
        return _copy(self._messages)

    @property
    def final_answer(self) -> str | None:
        """The model's closing text once it ended the episode, else None."""
        return self._final_answer

    def _observation_message(self, observation: Observation) -> dict[str, Any]:
        text = observation.text or observation.error or ""
        if len(self._messages) == 1:
            # The environment's first observation usually states the intent already.
            if self._intent and self._intent in text:
                return {"role": "user", "content": text}
            content = f"Operator intent: {self._intent}"
            return {"role": "user", "content": f"{content}\n\n{text}" if text else content}
        if self._pending_id is not None:
            call_id, self._pending_id = self._pending_id, None
            return {"role": "tool", "tool_call_id": call_id, "content": text}
        return {"role": "user", "content": text}

    def _decide(self, reply: ModelReply) -> ToolCall | None:
        """Turn a reply into the agent's action and record the assistant turn."""
        if reply.tool_calls:
            first = reply.tool_calls[0]
            args, ok = arguments_text(first.arguments)
            ok = ok and bool(first.name)
            call = ToolCall(name=first.name, arguments=args, id=first.id, thought=reply.text.strip() or None)
            # If it cannot be recorded as a call, the model is shown what it sent, as text.
            said = f"{reply.text.strip()}\n{json.dumps({'name': first.name, 'arguments': first.arguments}, ensure_ascii=False)}".strip()
        else:
            calls, thought, ok = parse_reply(reply.text)
            said = reply.text
            if calls:
                call = ToolCall(name=calls[0].name, arguments=calls[0].arguments, id=calls[0].id, thought=thought)
            elif is_final_answer(reply.text) and not reply.truncated:
                self._final_answer = reply.text.strip()
                self._messages.append({"role": "assistant", "content": reply.text})
                return None
            else:
                # Prose that neither calls a tool nor ends (or was cut off): a failed step.
                call = ToolCall(name="", arguments=reply.text)
        if not ok:
            self._messages.append({"role": "assistant", "content": said})
            return ToolCall(name=call.name, arguments=call.arguments)
        call_id = call.id or f"call_{self._turn}"
        self._messages.append(
            {
                "role": "assistant",
                "content": call.thought or "",
                "tool_calls": [{"id": call_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}],
            }
        )
        self._pending_id = call_id
        return ToolCall(name=call.name, arguments=self._recall.fill(call.arguments), id=call_id, thought=call.thought)

    # --- what a back-end provides ---------------------------------------------------------

    def _start(self) -> None:
        """Acquire the model or connection (called by every reset; make it idempotent)."""

    @abc.abstractmethod
    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        """Produce the assistant's next reply to ``messages``.

        Args:
            messages: The history (a copy the back-end may change).
            tools: The tools' JSON schemas.
            seed: The episode seed, or None.
            turn: 0 for the first reply of the episode, then 1, 2, ...
        """


def sampling_seed(seed: int | None, turn: int) -> int:
    """The sampling seed of one (episode, turn): a replayed episode samples the same tokens at each
    turn whatever happened in other episodes."""
    return ((seed if seed is not None else 0) * 1_000_003 + turn) % (2**63)
