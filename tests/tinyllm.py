"""A tiny tool-calling language model for tests, built offline (nothing is downloaded).

A tiny Qwen2 model (0.7M parameters: hidden 128, 4 layers; a byte-level BPE tokenizer trained
here; the Qwen2.5 tool-calling chat template) is fine-tuned on one fixed episode (:data:`TURNS`)
until it replays it: a correct call, a call of an unknown tool, prose without a call, another
correct call, a call with broken JSON, and a final answer. Hidden 128 rather than 256 halves the
build time (~20 s on one thread) and replays just as well. The ``tiny_model`` and
``served_model`` fixtures (``conftest.py``) build it once per session and serve it behind
``transformers serve`` on loopback.
"""

from __future__ import annotations

import json
import math
import socket
from pathlib import Path

from sixg.agents import Observation
from sixg.agents.llm import ModelReply, ReActAgent

TEMPLATE = Path(__file__).parent / "data" / "chat_templates" / "qwen2_5.jinja"
SLICES = ["eMBB", "URLLC", "mMTC"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "check_network_state",
            "description": "Read the managed service's current network state: slice, latency, jitter, loss rate, throughput and edge load.",
            "parameters": {"type": "object", "properties": {}, "required": [], "additionalProperties": False},
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_slice_status",
            "description": "Read one network slice's share of cell capacity, its background traffic and how full it is.",
            "parameters": {
                "type": "object",
                "properties": {"slice": {"type": "string", "enum": SLICES, "description": "The slice to read."}},
                "required": ["slice"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "switch_network_slice",
            "description": "Move the managed service from one network slice to another; returns the state on the new slice.",
            "parameters": {
                "type": "object",
                "properties": {
                    "from_slice": {"type": "string", "enum": SLICES, "description": "The slice the service is on now."},
                    "to_slice": {"type": "string", "enum": SLICES, "description": "The slice to move it to."},
                },
                "required": ["from_slice", "to_slice"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    },
]

STATE_EMBB = '{"slice": "eMBB", "latency_ms": 34.2, "jitter_ms": 4.1, "loss_rate": 0.002, "throughput_mbps": 18.5, "edge_load": 0.41}'
STATE_URLLC = '{"slice": "URLLC", "latency_ms": 8.1, "jitter_ms": 0.9, "loss_rate": 0.0, "throughput_mbps": 19.7, "edge_load": 0.43}'
START = "t=0.0 s. The managed service is a video call on the eMBB slice."
FIX = "Bring the video call's latency under 20 ms."
CALL_STATE = '<tool_call>\n{"name": "check_network_state", "arguments": {}}\n</tool_call>'
CALL_SWITCH = '<tool_call>\n{"name": "switch_network_slice", "arguments": {"from_slice": "eMBB", "to_slice": "URLLC"}}\n</tool_call>'
FINAL = "Final Answer: the video call now runs on URLLC with 8.1 ms latency."
UNKNOWN = '<tool_call>\n{"name": "reboot_gnb", "arguments": {"gnb": "gnb-1"}}\n</tool_call>'
PROSE = "The eMBB slice is congested; moving the call to URLLC should cut its latency."
BROKEN = '<tool_call>\n{"name": "get_slice_status", "arguments": {"slice": "URLLC"\n</tool_call>'
ERR_UNKNOWN = "error (unknown_tool): no tool 'reboot_gnb'. The tools are check_network_state, get_slice_status, switch_network_slice."
ERR_NO_CALL = 'error (malformed_call): no tool call found; call one of the tools, or reply "Final Answer: ..." when done.'
ERR_JSON = "error (malformed_call): the call is not valid JSON; send a JSON object."
#: What the tiny model is taught to say, turn by turn: (observation text, model reply). Along
#: the way it fails three ways -- an unknown tool, prose without a call, broken JSON.
TURNS = [
    (START, CALL_STATE),
    (STATE_EMBB, UNKNOWN),
    (ERR_UNKNOWN, PROSE),
    (ERR_NO_CALL, CALL_SWITCH),
    (STATE_URLLC, BROKEN),
    (ERR_JSON, FINAL),
]



def observation(text: str, step: int = 0) -> Observation:
    """An observation as the episode runner builds it."""
    return Observation(text=text, step=step, t=float(step))


class Scripted(ReActAgent):
    """A ReAct agent whose replies are given in advance (to write the training transcripts)."""

    id = "scripted"

    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)

    def _complete(self, messages, tools, *, seed, turn):
        reply = self.replies[turn]
        return reply if isinstance(reply, ModelReply) else ModelReply(text=reply)


def transcript() -> list[dict]:
    """The chat history the agent records when the model says the lines of :data:`TURNS`."""
    agent = Scripted([reply for _, reply in TURNS])
    agent.reset(intent=FIX, tools=TOOLS, seed=0)
    for step, (text, _) in enumerate(TURNS):
        agent.act(observation(text, step))
    return agent.messages


def build_tiny_model(root: Path, *, seed: int = 0, hidden: int = 128, max_steps: int = 200, target_loss: float = 3e-3) -> Path:
    """Build the tiny tool-calling model under ``root``, fine-tuned until it replays :data:`TURNS`.

    Returns:
        The model directory (weights, config, tokenizer with the Qwen2.5 tool template).
    """
    import torch
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    from sixg.agents.llm.hf import _template_messages

    torch.manual_seed(seed)
    template = TEMPLATE.read_text()
    chat = _template_messages(transcript())
    # Qwen2's normalizer and pre-tokenizer, so that AutoTokenizer (which rebuilds a Qwen2Tokenizer
    # around the vocabulary, as the agent and `transformers serve` do) yields the same ids.
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    bpe.decoder = decoders.ByteLevel()
    corpus = [template, json.dumps(TOOLS), json.dumps(chat)] + [m["content"] for m in chat]
    bpe.train_from_iterator(
        corpus * 4,
        trainers.BpeTrainer(
            vocab_size=1200,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        ),
    )
    bpe.add_tokens([AddedToken(t, special=False, normalized=False) for t in ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.chat_template = template
    im_end, eot = tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")

    # The transcript, with the loss on what the assistant says (its text and its <|im_end|>).
    ids = tok.apply_chat_template(chat, tools=TOOLS, return_dict=False)
    labels = [-100] * len(ids)
    for i, m in enumerate(chat):
        if m["role"] == "assistant":
            start = len(tok.apply_chat_template(chat[:i], tools=TOOLS, add_generation_prompt=True, return_dict=False))
            end = len(tok.apply_chat_template(chat[: i + 1], tools=TOOLS, return_dict=False)) - 1  # not the "\n" after <|im_end|>
            assert ids[end - 1] == im_end, "the prompt and the transcript tokenize differently"
            labels[start:end] = ids[start:end]

    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        # A short RoPE period: with Qwen2's default (1e6) a model this small learns positions far slower.
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=True,
        bos_token_id=eot,
        eos_token_id=[im_end, eot],
        pad_token_id=eot,
    )
    model = Qwen2ForCausalLM(config)
    optim = torch.optim.AdamW(model.parameters(), lr=5e-3, betas=(0.9, 0.95), weight_decay=0.0)
    # Warm-up, then cosine decay: a constant rate this high keeps the loss from settling.
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda k: min(1.0, (k + 1) / 10) * 0.5 * (1 + math.cos(math.pi * k / max_steps)))
    inputs, targets = torch.tensor([ids]), torch.tensor([labels])
    model.train()
    for _ in range(max_steps):
        loss = model(input_ids=inputs, labels=targets).loss
        if loss.item() < target_loss:
            break
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        sched.step()
        optim.zero_grad()
    model.eval()
    model.generation_config = GenerationConfig(eos_token_id=[im_end, eot], pad_token_id=eot, bos_token_id=eot)
    out = root / "tiny-qwen2-tools"
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
