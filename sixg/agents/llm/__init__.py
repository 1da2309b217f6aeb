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

A local model can instead be *guided* (``guided=True``, ``--agent-arg guided=true``): its tokens are
masked so that every reply is a final answer or a call that fits a tool's declared arguments
(:mod:`~sixg.agents.llm.guide`). Guidance fixes a call's form, not its choice of tool or values.

Where each job lives: :mod:`~sixg.agents.llm.reply` reads a reply, :mod:`~sixg.agents.llm.react`
is the loop, :mod:`~sixg.agents.llm.hf` the local model, :mod:`~sixg.agents.llm.guide` its guided
decoding and :mod:`~sixg.agents.llm.endpoint` the HTTP client.
"""

from sixg.agents.llm.endpoint import ChatEndpoint, EndpointError, OpenAIReActAgent
from sixg.agents.llm.hf import HFReActAgent
from sixg.agents.llm.react import SYSTEM_PROMPT, ReActAgent
from sixg.agents.llm.reply import ModelReply, is_final_answer, parse_reply

__all__ = [
    "SYSTEM_PROMPT",
    "ChatEndpoint",
    "EndpointError",
    "HFReActAgent",
    "ModelReply",
    "OpenAIReActAgent",
    "ReActAgent",
    "is_final_answer",
    "parse_reply",
]
