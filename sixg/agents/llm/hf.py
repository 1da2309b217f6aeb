"""A local Hugging Face causal LM in the ReAct loop (``react-hf``); torch and transformers load on first reset."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from sixg.agents.llm.guide import CallGuide
from sixg.agents.llm.prompt import ToolView, present_tools, read_tool_view
from sixg.agents.llm.react import ReActAgent, sampling_seed
from sixg.agents.llm.reply import ModelReply
from sixg.errors import DependencyNotInstalled, UserError

__all__ = ["HFReActAgent", "TinyAgent", "TINY_MODEL_DIR", "load_local_lm"]

#: One model load at a time: transformers' lazy imports are not safe when two threads (parallel
#: episodes) import it at once ("cannot import name 'AutoModelForCausalLM'").
_LOAD_LOCK = threading.Lock()

#: Where the tiny agent trained with ``python -m sixg.train`` ships inside the package.
TINY_MODEL_DIR = Path(__file__).resolve().parents[2] / "data" / "agents" / "tiny"


def load_local_lm(path: str, *, dtype: Any = "float32"):
    """A causal LM and its tokenizer from the local directory ``path`` (nothing is downloaded).

    Raises:
        UserError: no directory there, or files that do not load (missing, of another kind, a
            weights file cut short or corrupt), with what the loader said.
    """
    from safetensors import SafetensorError
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not os.path.isdir(path):
        raise UserError(f"no model directory at {path!r}: pass a local Hugging Face causal LM (models are never downloaded)")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=dtype)
    except (OSError, ValueError, SafetensorError) as exc:
        raise UserError(f"could not load a causal LM and tokenizer from {path!r} (a file missing, cut short or corrupt?): {exc}") from exc
    return model, tokenizer


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
        tool_view: How the tools are shown (:func:`~sixg.agents.llm.prompt.present_tools`); by
            default the view recorded in the model directory by training, else ``full``.
        guided: Hold every tool call the model opens with ``<tool_call>`` to the tools' declared
            arguments (:mod:`~sixg.agents.llm.guide`); its reasoning and final answer stay free.
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
        tool_view: ToolView | None = None,
        guided: bool = False,
    ):
        super().__init__(system_prompt=system_prompt, temperature=temperature)
        if max_new_tokens < 1:
            raise UserError(f"max_new_tokens must be >= 1, not {max_new_tokens}")
        self.model_path = os.fspath(model)
        if not os.path.isdir(self.model_path):
            raise UserError(
                f"no model directory at {self.model_path!r}: pass the path of a local Hugging Face model "
                "(config.json, weights and tokenizer files); models are never downloaded"
            )
        self.max_new_tokens = max_new_tokens
        self.top_p = float(top_p)
        self.device = device
        self.dtype = dtype
        self.chat_template = chat_template
        if tool_view is not None:
            present_tools((), tool_view)  # refuses an unknown view here, not at the first turn
        self.tool_view = read_tool_view(self.model_path) if tool_view is None else tool_view
        if not isinstance(guided, bool) and guided not in (0, 1):
            raise UserError(f"guided takes true or false, not {guided!r}")
        self.guided = bool(guided)
        self._model = None
        self._tokenizer = None
        self._guide: CallGuide | None = None
        self._stop_ids: list[int] = []

    def _start(self) -> None:
        if self._model is not None:
            return
        with _LOAD_LOCK:
            self._load()

    def _load(self) -> None:
        # Belt and braces next to local_files_only: no hub lookup anywhere in the load path
        # (generation config, chat template files). Only defaults, so a caller's choice stands.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            import transformers  # noqa: F401
        except ImportError as exc:
            raise DependencyNotInstalled(
                f"the react-hf agent needs torch and transformers ({exc}); install them with: pip install sixg"
            ) from exc
        model, tokenizer = load_local_lm(self.model_path, dtype=self.dtype if self.dtype == "auto" else getattr(torch, self.dtype))
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
        self._guide = CallGuide(tokenizer) if self.guided else None
        self._model, self._tokenizer, self._stop_ids = model, tokenizer, stop

    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList

        tok, model = self._tokenizer, self._model
        inputs = tok.apply_chat_template(
            _template_messages(messages), tools=present_tools(tools, self.tool_view), add_generation_prompt=True, return_dict=True, return_tensors="pt"
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
        guide = LogitsProcessorList([self._guide.processor(tools, start=prompt_len)]) if self._guide else None
        # fork_rng keeps the caller's global RNG state untouched by seeded sampling.
        dev = model.device
        fork = torch.random.fork_rng(devices=[]) if dev.type == "cpu" else torch.random.fork_rng(devices=[dev.index or 0], device_type=dev.type)
        with fork, torch.inference_mode():
            torch.manual_seed(sampling_seed(seed, turn))
            out = model.generate(**inputs, generation_config=config, logits_processor=guide)
        new = out[0, prompt_len:].tolist()
        ended = bool(new) and new[-1] in self._stop_ids
        if ended:
            new = new[:-1]
        # Special tokens are kept: some templates mark tool calls with them.
        text = tok.decode(new, skip_special_tokens=False)
        return ModelReply(text=text, truncated=not ended and len(new) >= self.max_new_tokens)

    def close(self) -> None:
        """Drop the model and tokenizer (a later reset loads them again)."""
        self._model = self._tokenizer = self._guide = None

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
            "tool_view": self.tool_view,
            "guided": self.guided,
            "seed": self._seed,
        }


class TinyAgent(HFReActAgent):
    """The tiny agent shipped with sixg (``--agent tiny``): a small Qwen2-architecture model trained
    from scratch on this framework's own data with ``python -m sixg.train`` (its run records,
    ``sixg-train.json`` and ``sixg-rl.json`` beside the weights, say how), decoding greedily and
    guided (:mod:`~sixg.agents.llm.guide`): at the same success rate, guidance turns most of its
    failed calls into well-formed ones and halves the time per episode (BENCHMARKS.md, "Agent
    training"). ``guided=false`` plays it as ``react-hf`` does by default.

    Args:
        model: Another model directory to run the same way (default: the shipped one).
        max_new_tokens: Generation budget per turn.
        device: Where the model runs.
        guided: Hold its replies to the call grammar (see :class:`HFReActAgent`); on by default.
    """

    id = "tiny"

    def __init__(self, *, model: str | None = None, max_new_tokens: int = 256, device: str = "cpu", guided: bool = True):
        path = Path(model) if model is not None else TINY_MODEL_DIR
        if model is None and not (path / "config.json").is_file():
            raise UserError(f"the tiny agent's model is missing from this installation ({path}): reinstall sixg, or pass model=DIR")
        super().__init__(os.fspath(path), max_new_tokens=max_new_tokens, device=device, guided=guided)
