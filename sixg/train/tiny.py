"""The ``tiny`` preset: a small Qwen2-architecture model built from scratch, with its own tokenizer.

The tokenizer is a byte-level BPE trained on the corpus' own text (the chat template, the
tools as the model will read them, every message), with Qwen2's normalizer and pre-tokenizer
so that ``AutoTokenizer`` (which ``react-hf`` uses) rebuilds the same ids. The chat template
is trl's bundled Qwen2.5 one, verbatim: trl then recognises it, swaps in its generation-tagged
twin for assistant-only loss and parses its ``<tool_call>`` blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["TinyConfig", "build_tokenizer", "build_model", "chat_template"]

SPECIAL = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# Plain (non-special) added tokens, so a decoded reply keeps them and the reply parser sees them.
MARKERS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")


@dataclass(frozen=True)
class TinyConfig:
    """The tiny model's shape (defaults: about 3.4M parameters with a 4096-token vocabulary)."""

    vocab_size: int = 4096
    hidden: int = 256
    intermediate: int = 512
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    context: int = 8192

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def chat_template() -> str:
    """trl's bundled Qwen2.5 chat template (tool calls in ``<tool_call>`` blocks)."""
    from trl.chat_template_utils import qwen2_5_chat_template

    return qwen2_5_chat_template


def _texts(rows: Iterable[dict[str, Any]], template: str) -> Iterable[str]:
    # The template and the tools once per row, as often as the model reads them: their
    # recurring fragments then become single tokens.
    for row in rows:
        yield template
        yield row["tools"]
        for m in row["messages"]:
            yield m.get("content") or ""
            for tc in m.get("tool_calls") or ():
                yield json.dumps({"name": tc["function"]["name"], "arguments": tc["function"]["arguments"]}, ensure_ascii=False)


def build_tokenizer(rows: list[dict[str, Any]], vocab_size: int):
    """A byte-level BPE tokenizer trained on ``rows`` (trl conversational rows), with the chat template set."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    template = chat_template()
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated"), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=list(SPECIAL), initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    bpe.train_from_iterator(_texts(rows, template), trainer)
    bpe.add_tokens([AddedToken(t, special=False, normalized=False) for t in MARKERS])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.chat_template = template
    return tok


def build_model(tokenizer, shape: TinyConfig, *, seed: int):
    """A freshly initialised Qwen2 causal LM sized by ``shape`` for ``tokenizer``."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    im_end, eot = tokenizer.convert_tokens_to_ids("<|im_end|>"), tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        max_position_embeddings=shape.context,
        # A short RoPE period: with Qwen2's default (1e6) a model this small learns positions far slower.
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=True,
        bos_token_id=eot,
        eos_token_id=[im_end, eot],
        pad_token_id=eot,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=[im_end, eot], pad_token_id=eot, bos_token_id=eot)
    return model
