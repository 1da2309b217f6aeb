"""An OpenAI-compatible chat-completions endpoint over plain HTTP (:class:`ChatEndpoint`), and the
ReAct agent that calls tools through it (``react-openai``)."""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

from sixg.agents.base import ToolCall
from sixg.agents.llm.react import ReActAgent, sampling_seed
from sixg.agents.llm.reply import ModelReply, arguments_text
from sixg.errors import UserError

__all__ = ["ChatEndpoint", "EndpointError", "OpenAIReActAgent"]

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


_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class ChatEndpoint:
    """One OpenAI-compatible ``/v1/chat/completions`` endpoint, over plain HTTP.

    Requests go out with the standard library's HTTP client: the request and response
    shapes are all this needs, and it keeps retries and error messages in our hands (and
    adds no dependency for people who only talk to a local server). It serves the ReAct
    agent (:class:`OpenAIReActAgent`) and Forge's model teacher alike.

    The API key is read from the environment variable ``api_key_env`` by :meth:`open` and
    never shown. Without a key the request goes out without an ``Authorization`` header
    (local servers need none); OpenAI's own endpoint requires one.

    Transient failures (connection refused or reset, timeouts, HTTP 408/409/425/429/5xx)
    are retried ``max_retries`` times with exponential backoff (honouring ``Retry-After``);
    the last failure, and any other HTTP error, raises :class:`EndpointError` saying what
    to check.

    Args:
        model: The model name the endpoint serves.
        base_url: Base URL up to and including ``/v1``; defaults to ``$OPENAI_BASE_URL``,
            then OpenAI's.
        api_key_env: Name of the environment variable holding the key.
        timeout: Seconds to wait for one response.
        max_retries: Retries after a transient failure.
        backoff: Seconds before the first retry; doubles each time, up to 30 s.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        max_retries: int = 3,
        backoff: float = 1.0,
    ):
        if max_retries < 0:
            raise UserError(f"max_retries must be >= 0, not {max_retries}")
        self.model = model
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or _OPENAI_URL).rstrip("/")
        self.api_key_env = api_key_env
        self.timeout = float(timeout)
        self.max_retries = max_retries
        self.backoff = float(backoff)
        self._api_key: str | None = None

    @property
    def url(self) -> str:
        """The chat-completions URL requests go to."""
        return f"{self.base_url}/chat/completions"

    def open(self) -> None:
        """Read the API key from the environment (:class:`UserError` when OpenAI's own endpoint would go without one)."""
        self._api_key = os.environ.get(self.api_key_env) or None
        if self._api_key is None and self.base_url == _OPENAI_URL:
            raise UserError(
                f"no API key: set the environment variable {self.api_key_env} "
                "(or pass base_url=... for a local server that needs none)"
            )

    def complete(self, body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """POST ``body`` (the model name is added) and return the first choice's message and its
        ``finish_reason``; :class:`EndpointError` when the answer is not a chat completion."""
        data = self.post({"model": self.model, **body})
        try:
            choice = data["choices"][0]
            message = choice["message"]
            if not isinstance(message, dict):
                raise TypeError
        except (KeyError, IndexError, TypeError):
            raise EndpointError(
                f"{self.url} answered with something that is not a chat completion ({json.dumps(data)[:300]}): "
                "check that base_url points at an OpenAI-compatible /v1 API",
                url=self.url,
            ) from None
        return message, choice.get("finish_reason") if isinstance(choice, dict) else None

    def post(self, body: dict[str, Any]) -> dict[str, Any]:
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
            except (ValueError, RecursionError):
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


class OpenAIReActAgent(ReActAgent):
    """Any OpenAI-compatible ``/v1/chat/completions`` endpoint in the ReAct loop.

    Requests go through :class:`ChatEndpoint` (retries, error messages, the key read from
    ``api_key_env`` at :meth:`reset` and never stored in :meth:`describe`). Tools are sent as
    their JSON schemas; the reply's ``tool_calls`` are read, and when the server returns none
    the reply text is parsed for calls the way :class:`HFReActAgent` does.

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
        super().__init__(system_prompt=system_prompt, temperature=temperature)
        self.endpoint = ChatEndpoint(model, base_url=base_url, api_key_env=api_key_env, timeout=timeout, max_retries=max_retries, backoff=backoff)
        self.max_tokens = max_tokens

    @property
    def model(self) -> str:
        return self.endpoint.model

    @property
    def url(self) -> str:
        """The chat-completions URL requests go to."""
        return self.endpoint.url

    def _start(self) -> None:
        self.endpoint.open()

    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        body: dict[str, Any] = {"messages": messages, "temperature": self.temperature}
        if tools:
            body["tools"] = tools
        if seed is not None:
            body["seed"] = sampling_seed(seed, turn) % (2**31)
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        message, finish = self.endpoint.complete(body)
        calls = []
        for tc in message.get("tool_calls") or ():
            fn = tc.get("function") if isinstance(tc, dict) else None
            if isinstance(fn, dict):
                name = fn.get("name") if isinstance(fn.get("name"), str) else ""
                calls.append(ToolCall(name=name, arguments=arguments_text(fn.get("arguments"))[0], id=tc.get("id")))
        return ModelReply(text=message.get("content") or "", tool_calls=tuple(calls), truncated=finish == "length")

    def describe(self) -> dict[str, object]:
        """Model, endpoint (never the key) and decoding settings, for the run record."""
        return {
            "agent": self.id,
            "backend": "openai-chat-completions",
            "model": self.endpoint.model,
            "endpoint": self.endpoint.base_url,
            "api_key_env": self.endpoint.api_key_env,
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

