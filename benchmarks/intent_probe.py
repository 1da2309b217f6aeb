"""Does a trained agent read the intent? For records of a Forge corpus, the log-likelihood of each record's
first assistant turn (its reasoning line and first call) given its own intent, against the same prompt with
the intent of another record whose calls share no tool with it (same scenario text, same tool list).

    python benchmarks/intent_probe.py --corpus runs/forge-53k --skip 40000 --model runs/sft-tiny2-v2 --model runs/sft-tiny3-v2

A model that ignores the intent scores both prompts alike (gain 0, a tie in every pair); one whose
preference between the two intents is chance makes its own likelier in about half the pairs; the more the first turn depends on the intent, the larger the gain. Records are drawn in corpus order after --skip (use
records the models were not trained on), pairs matched with a seeded draw.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
from trl.chat_template_utils import get_training_chat_template

from sixg.agents.llm.prompt import present_tools, read_tool_view
from sixg.train.data import Selection, select_records, template_messages


def _tools_called(record) -> set[str]:
    return {c["function"]["name"] for m in record.messages if m["role"] == "assistant" for c in (m.get("tool_calls") or [])}


def _with_intent(user: str, other: str) -> str:
    """``user`` (``Intent: ...\\nScenario: ...``) with the intent line(s) of ``other``."""
    head, sep, scenario = user.partition("\nScenario:")
    return other.partition("\nScenario:")[0] + sep + scenario if sep else other


def pairs(records, n: int, seed: int):
    rng = random.Random(seed)
    out = []
    for r in records:
        first = next((i for i, m in enumerate(r.messages) if m["role"] == "assistant"), None)
        if first != 2:  # system, user, assistant
            continue
        others = [o for o in records if _tools_called(o).isdisjoint(_tools_called(r))]
        if others:
            out.append((r, rng.choice(others)))
        if len(out) == n:
            break
    return out


def probe(model_dir: str, matched, tools_full) -> dict:
    tok = PreTrainedTokenizerFast.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    tools = present_tools(tools_full, read_tool_view(model_dir))  # as react-hf shows them to this model
    template = get_training_chat_template(tok) or tok.chat_template

    def loglik(messages) -> tuple[float, int]:
        out = tok.apply_chat_template(template_messages(messages), tools=tools, chat_template=template, return_dict=True, return_assistant_tokens_mask=True)
        ids = torch.tensor([out["input_ids"]])
        with torch.no_grad():
            logp = torch.log_softmax(model(ids).logits[0, :-1].float(), -1).gather(1, ids[0, 1:, None])[:, 0]
        mask = torch.tensor(out["assistant_masks"][1:], dtype=torch.bool)
        return float(logp[mask].sum()), int(mask.sum())

    gains, own_ll, tokens = [], [], []
    for r, o in matched:
        own = list(r.messages[:3])
        swapped = [own[0], {**own[1], "content": _with_intent(own[1]["content"], o.messages[1]["content"])}, own[2]]
        a, n = loglik(own)
        b, _ = loglik(swapped)
        gains.append(a - b)
        own_ll.append(a)
        tokens.append(n)
    return {
        "model": model_dir,
        "pairs": len(gains),
        "gain_nats_per_turn": sum(gains) / len(gains),
        "true_intent_likelier": sum(g > 0 for g in gains) / len(gains),
        "loglik_own_nats_per_turn": sum(own_ll) / len(own_ll),
        "tokens_per_turn": sum(tokens) / len(tokens),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--model", action="append", required=True, help="a model directory (repeatable)")
    ap.add_argument("--skip", type=int, default=0, help="records to skip in corpus order (those the models trained on)")
    ap.add_argument("--pool", type=int, default=2000, help="records read after --skip to draw pairs from")
    ap.add_argument("--pairs", type=int, default=60)
    ap.add_argument("--tier", default="L1", help="tier of the records probed (L1: the first call is the decision)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    selected = select_records(args.corpus, Selection(limit=args.skip + args.pool))
    records = [r for r in selected.records[args.skip :] if r.meta.tier == args.tier]
    matched = pairs(records, args.pairs, args.seed)
    rows = []
    for m in args.model:
        t0 = time.process_time()
        row = probe(m, matched, selected.tools) | {"cpu_s": round(time.process_time() - t0, 1)}
        rows.append(row)
        print(f"{m}: {row['pairs']} pairs, log-likelihood gain of the first turn from its own intent {row['gain_nats_per_turn']:+.2f} nats; own intent likelier in {100 * row['true_intent_likelier']:.0f} %; the turn's log-likelihood {row['loglik_own_nats_per_turn']:.2f} nats over {row['tokens_per_turn']:.0f} tokens ({row['cpu_s']} s CPU)")
    if args.out:
        args.out.write_text(json.dumps({"corpus": args.corpus, "skip": args.skip, "tier": args.tier, "seed": args.seed, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
