"""LLM agents in a ReAct loop: a local Hugging Face causal LM, or any OpenAI-compatible endpoint.

Both agents share one core (:class:`ReActAgent`) that keeps the chat history, turns each
:class:`~sixg.agents.Observation` into a message and each model reply into one
:class:`~sixg.agents.ToolCall`. Only how a reply is produced differs: by generating with
``transformers`` in this process (:class:`HFReActAgent`) or by a ``/v1/chat/completions``
request (:class:`OpenAIReActAgent`). Decoding is deterministic by default (temperature 0),
as in the paper's evaluation; with a temperature above 0 sampling is seeded by the episode
seed, so an episode still replays.

A local model (a directory holding ``config.json``, the weights and the tokenizer with a
chat template; nothing is ever downloaded), one episode::

    from sixg.agents import make_agent
    from sixg.sim.env import NetOpsEnv
    from sixg.sim.runner import run_episode

    agent = make_agent("react-hf", model="/models/Qwen2.5-1.5B-Instruct", max_new_tokens=256)
    result = run_episode(NetOpsEnv(backend="surrogate"), agent, seed=3)
    result.success, result.steps, agent.messages[-1], agent.describe()

On a small CPU machine generation is often fastest with one torch thread
(``OMP_NUM_THREADS=1`` or ``torch.set_num_threads(1)``); pass ``device="cuda"`` and
``dtype="bfloat16"`` for a GPU.

An endpoint: OpenAI itself, or a server on your machine (vLLM, llama.cpp, or
``transformers serve /models/Qwen2.5-1.5B-Instruct --port 8000``, whose model name is
the path)::

    export OPENAI_API_KEY=...        # read at reset(), never logged; local servers need none
    agent = make_agent("react-openai", model="gpt-4.1-mini")
    agent = make_agent("react-openai", model="/models/Qwen2.5-1.5B-Instruct",
                       base_url="http://127.0.0.1:8000/v1")   # or export OPENAI_BASE_URL

How a reply becomes a call (the same rule for both back-ends):

* The first tool call in the reply is the action: an endpoint's structured ``tool_calls``,
  else a ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` block in the text
  (Qwen/Hermes templates), else a bare JSON object with a ``"name"`` (Llama 3, Mistral
  style). Further calls in the same reply are dropped: the loop takes one call per turn.
  What a reasoning model writes inside ``<think>...</think>`` is never read as a call.
* A reply with no tool call that contains a line starting with ``Final Answer:`` (and was
  not cut off by the token limit) ends the episode: :meth:`ReActAgent.act` returns ``None``.
* Anything else -- plain text, broken JSON, a cut-off reply -- is returned as a
  ``ToolCall`` whose ``name`` is whatever name could be recovered (or ``""``) and whose
  ``arguments`` is the raw text, so that the tool boundary rejects it as a failed step and
  the model reads why. Model output never raises.

An unknown tool name or wrong arguments in an otherwise well-formed call are passed on
unchanged: validating calls is the tool boundary's job, not the agent's.
"""

from __future__ import annotations

import abc
import copy
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.errors import DependencyNotInstalled, ResetNeeded, UserError

__all__ = [
    "SYSTEM_PROMPT",
    "EndpointError",
    "HFReActAgent",
    "ModelReply",
    "OpenAIReActAgent",
    "ReActAgent",
    "is_final_answer",
    "parse_reply",
]

SYSTEM_PROMPT = """\
You are a network operations agent for a simulated 6G network (network slices, gNBs, UAVs, edge servers).
The operator states an intent. Satisfy it by calling the tools you are given.

Rules:
- Call exactly one tool per turn, then wait for its result before you decide the next step.
- Before each call, say in one or two sentences what you expect to learn or change.
- Use only the listed tools and their argument names; arguments are a JSON object.
- Observe before you change something, and check again after each change.
- If a call fails, read the error, fix the call and try again.
- When the intent is met, confirm it with the matching verification tool. Then reply with a line
  starting with "Final Answer:" and a one-sentence summary, and call no tool."""

_FINAL_ANSWER = re.compile(r"^[\s*#>_`]*final\s+answer\b", re.IGNORECASE | re.MULTILINE)
# Reasoning models (Qwen3, DeepSeek-R1) think aloud first; what they think is not what they do.
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL)
_TOOL_CALL_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_RECOVER_NAME = re.compile(r'"name"\s*:\s*"([^"\\]{1,128})"')
_OPENAI_URL = "https://api.openai.com/v1"


class EndpointError(UserError):
    """A chat-completions endpoint could not be reached or refused the request.

    The message says what to check (URL, key, model name). ``status`` is the HTTP status
    (``None`` when no answer came back) and ``attempts`` how many requests were made.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, attempts: int = 1):
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts


@dataclass(frozen=True)
class ModelReply:
    """One assistant turn as a back-end produced it, before the ReAct core reads it.

    Attributes:
        text: The reply's text (for a local model, everything it generated up to its end token).
        tool_calls: Calls an endpoint returned in structured form, first one first.
        truncated: The reply was cut off by the token limit.
    """

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    truncated: bool = False


@dataclass(frozen=True)
class _Candidate:
    """A call found in a reply; ``ok`` when its name is a string and its arguments a JSON object."""

    name: str
    arguments: str
    id: str | None
    ok: bool


def _arguments_text(value: Any) -> tuple[str, bool]:
    """The arguments as JSON text, and whether they are a JSON object."""
    if value is None:
        return "{}", True
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False), True
    if isinstance(value, str):
        # Some models (and every OpenAI-style endpoint) send the arguments as JSON text.
        try:
            return value, isinstance(json.loads(value), dict)
        except ValueError:
            return value, False
    return json.dumps(value, ensure_ascii=False), False


def _candidate(obj: Any, raw: str) -> _Candidate | None:
    """Read one decoded JSON value as a call, or None if it does not look like one."""
    if isinstance(obj, list):
        # Mistral-style ``[{"name": ..., "arguments": ...}, ...]``: the first call counts.
        return _candidate(obj[0], raw) if obj else None
    if not isinstance(obj, dict):
        return None
    body = obj["function"] if isinstance(obj.get("function"), dict) else obj
    name = body.get("name")
    if not isinstance(name, str):
        return None
    # Llama 3.x templates call the arguments "parameters".
    args = body["arguments"] if "arguments" in body else body.get("parameters")
    text, ok = _arguments_text(args)
    call_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    return _Candidate(name=name, arguments=text if ok else raw, id=call_id, ok=ok and bool(name))


def _json_values(text: str) -> list[tuple[Any, int, int]]:
    """Every JSON object or array that starts at a ``{``/``[`` in ``text``, with its span, left to right."""
    decoder = json.JSONDecoder()
    found = []
    i = 0
    while True:
        starts = [p for p in (text.find("{", i), text.find("[", i)) if p >= 0]
        if not starts:
            return found
        start = min(starts)
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            i = start + 1
            continue
        found.append((value, start, end))
        i = end


def parse_reply(text: str) -> tuple[list[ToolCall], str | None, bool]:
    """Find the tool calls in a model's text reply.

    Args:
        text: What the model produced.

    Returns:
        ``(calls, thought, well_formed)``: the calls found, first one first; the text around
        them (the model's reasoning) or None; and whether the first call has a name and a JSON
        object as arguments. When no call can be read but the text looks like an attempt at
        one, ``calls`` holds one call with the recovered name (or ``""``) and the raw text as
        arguments, and ``well_formed`` is False. Plain text gives no calls. Anything inside
        ``<think>...</think>`` is reasoning and never read as a call.
    """
    raw, text = text, _THINK.sub("", text)
    blocks = list(_TOOL_CALL_BLOCK.finditer(text))
    if blocks:
        calls: list[ToolCall] = []
        first_ok = False
        for k, block in enumerate(blocks):
            inner = block.group(1).strip()
            values = _json_values(inner)
            cand = _candidate(values[0][0], inner) if values else None
            if cand is None:
                name = _RECOVER_NAME.search(inner)
                cand = _Candidate(name=name.group(1) if name else "", arguments=raw, id=None, ok=False)
            elif not cand.ok:
                cand = _Candidate(name=cand.name, arguments=raw, id=cand.id, ok=False)
            if k == 0:
                first_ok = cand.ok
            calls.append(ToolCall(name=cand.name, arguments=cand.arguments, id=cand.id))
        thought = _TOOL_CALL_BLOCK.sub("", raw).strip() or None
        return calls, thought, first_ok
    for value, start, end in _json_values(text):
        cand = _candidate(value, raw)
        if cand is not None:
            if not cand.ok:
                return [ToolCall(name=cand.name, arguments=raw)], None, False
            thought = raw.replace(text[start:end], "", 1).strip().strip("`").strip() or None
            return [ToolCall(name=cand.name, arguments=cand.arguments, id=cand.id)], thought, True
    # No readable call. Text that still names a tool or opens a call is a failed attempt,
    # not an answer; plain prose is left for the caller to judge (final answer or not).
    name = _RECOVER_NAME.search(text)
    if name or "<tool_call>" in text:
        return [ToolCall(name=name.group(1) if name else "", arguments=raw)], None, False
    return [], raw.strip() or None, False


def is_final_answer(text: str) -> bool:
    """Whether ``text`` declares the episode finished (a line starting with ``Final Answer:``, outside ``<think>``)."""
    return bool(_FINAL_ANSWER.search(_THINK.sub("", text)))


def _check_tools(tools: Sequence[dict]) -> list[dict]:
    """Copy the tool schemas after checking they are OpenAI function-calling dicts."""
    out = []
    for k, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or tool.get("type") != "function":
            raise UserError(
                f"tools[{k}] is not an OpenAI function schema: pass "
                '{"type": "function", "function": {"name": ..., "description": ..., "parameters": {...}}} '
                "(sixg.tools' catalog produces them)"
            )
        out.append(copy.deepcopy(tool))
    return out


class ReActAgent(Agent):
    """The ReAct loop shared by every LLM back-end: history in, one tool call out.

    The history is a list of OpenAI-style chat messages: the system prompt, the operator's
    intent with the first observation, then for each turn the assistant's reply and what
    came back. A readable call is recorded as a structured ``tool_calls`` entry and answered
    by a ``role: "tool"`` message built from the next observation's text; an unreadable
    reply is recorded as the text the model wrote and answered by a ``role: "user"``
    message (an API would reject a tool message that answers no call).

    A back-end implements :meth:`_complete` (and may override :meth:`_start` to acquire
    its model or connection).

    Args:
        system_prompt: Replaces :data:`SYSTEM_PROMPT`.
    """

    id = "react"

    def __init__(self, *, system_prompt: str | None = None):
        self.system_prompt = SYSTEM_PROMPT if system_prompt is None else system_prompt
        self._messages: list[dict[str, Any]] = []
        self._tools: list[dict] = []
        self._intent: str | None = None
        self._seed: int | None = None
        self._turn = 0
        self._pending_id: str | None = None
        self._final_answer: str | None = None

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
        reply = self._complete([copy.deepcopy(m) for m in self._messages], self._tools, seed=self._seed, turn=self._turn)
        call = self._decide(reply)
        self._turn += 1
        return call

    # --- the history ----------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A copy of the chat history so far (OpenAI message format)."""
        return copy.deepcopy(self._messages)

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
            args, ok = _arguments_text(first.arguments)
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
        return ToolCall(name=call.name, arguments=call.arguments, id=call_id, thought=call.thought)

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


def _sampling_seed(seed: int | None, turn: int) -> int:
    # One seed per (episode, turn): a replayed episode samples the same tokens at each turn
    # whatever happened in other episodes.
    return ((seed if seed is not None else 0) * 1_000_003 + turn) % (2**63)


def _template_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history in the shape Hugging Face chat templates expect (call arguments as dicts)."""
    for message in messages:
        for tc in message.get("tool_calls") or ():
            fn = tc["function"]
            if isinstance(fn.get("arguments"), str):
                # Recorded calls always carry a JSON object (unreadable ones are kept as text).
                fn["arguments"] = json.loads(fn["arguments"])
    return messages


class HFReActAgent(ReActAgent):
    """A local Hugging Face causal LM in the ReAct loop.

    The model and tokenizer load from a local directory on the first :meth:`reset` and
    stay loaded across episodes; nothing is downloaded. Prompts are built with the
    tokenizer's chat template, with the tools passed as JSON schemas.

    Args:
        model: Path of a directory holding a causal LM, its tokenizer and a chat template.
        max_new_tokens: Generation budget per turn.
        temperature: 0 decodes greedily; above 0 samples, seeded by the episode seed and turn.
        top_p: Nucleus sampling threshold (only used when sampling).
        device: Where the model runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).
        dtype: Weight dtype (``"float32"``, ``"bfloat16"``, ``"auto"`` for the checkpoint's).
        chat_template: A Jinja chat template replacing the tokenizer's (for models that ship none).
        system_prompt: Replaces :data:`SYSTEM_PROMPT`.
    """

    id = "react-hf"

    def __init__(
        self,
        model: str,
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        top_p: float = 1.0,
        device: str = "cpu",
        dtype: str = "float32",
        chat_template: str | None = None,
        system_prompt: str | None = None,
    ):
        super().__init__(system_prompt=system_prompt)
        if temperature < 0:
            raise UserError(f"temperature must be >= 0, not {temperature}")
        if max_new_tokens < 1:
            raise UserError(f"max_new_tokens must be >= 1, not {max_new_tokens}")
        self.model_path = os.fspath(model)
        if not os.path.isdir(self.model_path):
            raise UserError(
                f"no model directory at {self.model_path!r}: pass the path of a local Hugging Face model "
                "(config.json, weights and tokenizer files); models are never downloaded"
            )
        self.max_new_tokens = max_new_tokens
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.device = device
        self.dtype = dtype
        self.chat_template = chat_template
        self._model = None
        self._tokenizer = None
        self._stop_ids: list[int] = []

    def _start(self) -> None:
        if self._model is not None:
            return
        # Belt and braces next to local_files_only: no hub lookup anywhere in the load path
        # (generation config, chat template files). Only defaults, so a caller's choice stands.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise DependencyNotInstalled(
                f"the react-hf agent needs torch and transformers ({exc}); install them with: pip install sixg"
            ) from exc
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            dtype = self.dtype if self.dtype == "auto" else getattr(torch, self.dtype)
            model = AutoModelForCausalLM.from_pretrained(self.model_path, local_files_only=True, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise UserError(f"could not load a causal LM and tokenizer from {self.model_path!r}: {exc}") from exc
        if self.chat_template is not None:
            tokenizer.chat_template = self.chat_template
        if not tokenizer.chat_template:
            raise UserError(
                f"the tokenizer in {self.model_path!r} has no chat template: use an instruction-tuned model "
                "or pass chat_template=<jinja text>"
            )
        model.to(self.device).eval()
        stop: list[int] = []
        for ids in (model.generation_config.eos_token_id, tokenizer.eos_token_id):
            for i in ids if isinstance(ids, list) else [ids]:
                if i is not None and i not in stop:
                    stop.append(int(i))
        if not stop:
            raise UserError(f"the model in {self.model_path!r} declares no end-of-sequence token, so a reply could never end")
        self._model, self._tokenizer, self._stop_ids = model, tokenizer, stop

    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        import torch
        from transformers import GenerationConfig

        tok, model = self._tokenizer, self._model
        inputs = tok.apply_chat_template(
            _template_messages(messages), tools=tools, add_generation_prompt=True, return_dict=True, return_tensors="pt"
        ).to(model.device)
        sample = self.temperature > 0
        config = GenerationConfig(
            max_new_tokens=self.max_new_tokens,
            do_sample=sample,
            eos_token_id=self._stop_ids,
            pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else self._stop_ids[0],
            **({"temperature": self.temperature, "top_p": self.top_p} if sample else {}),
        )
        prompt_len = inputs["input_ids"].shape[-1]
        # fork_rng keeps the caller's global RNG state untouched by seeded sampling.
        dev = model.device
        fork = torch.random.fork_rng(devices=[]) if dev.type == "cpu" else torch.random.fork_rng(devices=[dev.index or 0], device_type=dev.type)
        with fork, torch.inference_mode():
            torch.manual_seed(_sampling_seed(seed, turn))
            out = model.generate(**inputs, generation_config=config)
        new = out[0, prompt_len:].tolist()
        ended = bool(new) and new[-1] in self._stop_ids
        if ended:
            new = new[:-1]
        # Special tokens are kept: some templates mark tool calls with them.
        text = tok.decode(new, skip_special_tokens=False)
        return ModelReply(text=text, truncated=not ended and len(new) >= self.max_new_tokens)

    def close(self) -> None:
        """Drop the model and tokenizer (a later reset loads them again)."""
        self._model = self._tokenizer = None

    def describe(self) -> dict[str, object]:
        """Model, back-end and decoding settings, for the run record."""
        return {
            "agent": self.id,
            "backend": "transformers",
            "model": self.model_path,
            "device": self.device,
            "dtype": self.dtype,
            "temperature": self.temperature,
            "top_p": self.top_p if self.temperature > 0 else None,
            "max_new_tokens": self.max_new_tokens,
            "seed": self._seed,
        }


_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class OpenAIReActAgent(ReActAgent):
    """Any OpenAI-compatible ``/v1/chat/completions`` endpoint in the ReAct loop.

    Requests go out with the standard library's HTTP client: the request and response
    shapes are all this needs, and it keeps retries and error messages in our hands (and
    adds no dependency for people who only talk to a local server). Tools are sent as their
    JSON schemas; the reply's ``tool_calls`` are read, and when the server returns none the
    reply text is parsed for calls the way :class:`HFReActAgent` does.

    The API key is read from the environment variable ``api_key_env`` at :meth:`reset` and
    never stored in :meth:`describe`. Without a key the request goes out without an
    ``Authorization`` header (local servers need none); OpenAI's own endpoint requires one.

    Transient failures (connection refused or reset, timeouts, HTTP 408/409/425/429/5xx)
    are retried ``max_retries`` times with exponential backoff (honouring ``Retry-After``);
    the last failure, and any other HTTP error, raises :class:`EndpointError` saying what
    to check.

    A server that parses tool calls itself may fail on a malformed one instead of returning
    the text: ``transformers serve`` 5.24 answers HTTP 500 when the JSON inside a
    ``<tool_call>`` block is broken, which surfaces here as :class:`EndpointError` rather
    than as a failed step. Prose, unknown tools and wrong arguments come through as calls.

    Args:
        model: The model name the endpoint serves.
        base_url: Base URL up to and including ``/v1``; defaults to ``$OPENAI_BASE_URL``,
            then OpenAI's.
        api_key_env: Name of the environment variable holding the key.
        temperature: Sampling temperature; 0 is deterministic decoding.
        max_tokens: Per-reply token limit sent to the endpoint (None: the server's default).
        timeout: Seconds to wait for one response.
        max_retries: Retries after a transient failure.
        backoff: Seconds before the first retry; doubles each time, up to 30 s.
        system_prompt: Replaces :data:`SYSTEM_PROMPT`.
    """

    id = "react-openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        temperature: float = 0.0,
        max_tokens: int | None = None,
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff: float = 1.0,
        system_prompt: str | None = None,
    ):
        super().__init__(system_prompt=system_prompt)
        if temperature < 0:
            raise UserError(f"temperature must be >= 0, not {temperature}")
        if max_retries < 0:
            raise UserError(f"max_retries must be >= 0, not {max_retries}")
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or _OPENAI_URL).rstrip("/")
        self.api_key_env = api_key_env
        self.temperature = float(temperature)
        self.max_tokens = max_tokens
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.backoff = float(backoff)
        self._api_key: str | None = None

    @property
    def url(self) -> str:
        """The chat-completions URL requests go to."""
        return f"{self.base_url}/chat/completions"

    def _start(self) -> None:
        self._api_key = os.environ.get(self.api_key_env) or None
        if self._api_key is None and self.base_url == _OPENAI_URL:
            raise UserError(
                f"no API key: set the environment variable {self.api_key_env} "
                "(or pass base_url=... for a local server that needs none)"
            )

    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature}
        if tools:
            body["tools"] = tools
        if seed is not None:
            body["seed"] = _sampling_seed(seed, turn) % (2**31)
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        data = self._post(body)
        try:
            choice = data["choices"][0]
            message = choice["message"]
        except (KeyError, IndexError, TypeError):
            raise EndpointError(
                f"{self.url} answered with something that is not a chat completion ({json.dumps(data)[:300]}): "
                "check that base_url points at an OpenAI-compatible /v1 API",
                url=self.url,
            ) from None
        calls = []
        for tc in message.get("tool_calls") or ():
            fn = tc.get("function") if isinstance(tc, dict) else None
            if isinstance(fn, dict):
                name = fn.get("name") if isinstance(fn.get("name"), str) else ""
                args = fn.get("arguments")
                calls.append(ToolCall(name=name, arguments=args if isinstance(args, str) else json.dumps(args), id=tc.get("id")))
        return ModelReply(text=message.get("content") or "", tool_calls=tuple(calls), truncated=choice.get("finish_reason") == "length")

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to the endpoint, retrying transient failures; the decoded JSON answer."""
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
            delay = min(self.backoff * 2 ** (attempt - 1), 30.0)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:500]
                if exc.code in _TRANSIENT_STATUS and attempt < attempts:
                    time.sleep(_retry_after(exc.headers.get("Retry-After"), delay))
                    continue
                raise EndpointError(self._http_message(exc.code, detail, attempt), url=self.url, status=exc.code, attempts=attempt) from None
            except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                if attempt < attempts:
                    time.sleep(delay)
                    continue
                if isinstance(reason, TimeoutError):
                    message = (
                        f"no answer from {self.url} within {self.timeout:g} s, {attempt} attempt(s): check that the "
                        "server is up and not overloaded, or pass a larger timeout= for a slow model"
                    )
                else:
                    message = (
                        f"could not reach {self.url} after {attempt} attempt(s) ({reason}): check the URL "
                        "(base_url or OPENAI_BASE_URL, up to and including /v1) and that the server is running"
                    )
                raise EndpointError(message, url=self.url, attempts=attempt) from None
            try:
                return json.loads(raw)
            except ValueError:
                raise EndpointError(
                    f"{self.url} answered with text that is not JSON ({raw[:200]!r}): "
                    "check that base_url points at an OpenAI-compatible /v1 API",
                    url=self.url,
                    attempts=attempt,
                ) from None
        raise AssertionError("unreachable: the loop returns or raises")

    def _http_message(self, status: int, detail: str, attempts: int) -> str:
        where = f"{self.url} answered HTTP {status}"
        if status in (401, 403):
            hint = f"check the API key in ${self.api_key_env}"
        elif status == 404:
            hint = f"check base_url (it usually ends in /v1) and the model name {self.model!r}"
        elif status in (400, 422):
            hint = f"check the model name {self.model!r} and that the server supports tool calling with these parameters"
        elif status in _TRANSIENT_STATUS:
            hint = f"still failing after {attempts} attempt(s); the server is overloaded or failing, try again later"
        else:
            hint = "check the URL, key and model name"
        return f"{where}: {detail.strip() or '(no details)'} -- {hint}"

    def describe(self) -> dict[str, object]:
        """Model, endpoint (never the key) and decoding settings, for the run record."""
        return {
            "agent": self.id,
            "backend": "openai-chat-completions",
            "model": self.model,
            "endpoint": self.base_url,
            "api_key_env": self.api_key_env,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self._seed,
        }


def _retry_after(header: str | None, default: float) -> float:
    """Seconds to wait before a retry: the server's ``Retry-After`` (capped at 60 s) or ``default``."""
    try:
        return min(max(float(header), 0.0), 60.0) if header else default
    except ValueError:  # an HTTP date; not worth parsing for a retry hint
        return default
