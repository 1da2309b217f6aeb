"""Wording of operator intents: sentences drawn independently from pools and combined.

Intents built from one fixed template per family would all be near-duplicates of each
other (and of the training tasks). Here an intent is assembled from a context sentence,
an instruction and a target, each drawn from its own pool, in varying order and style,
so two intents of the same family usually share little beyond the facts they state.
"""

from __future__ import annotations

import random

SERVICE = [
    "the managed service",
    "our compute service",
    "the service",
    "the offloaded application",
    "the customer's job stream",
    "the tenant's workload",
]

OPENERS = ["", "", "", "", "Ops request: ", "Urgent: ", "Ticket: ", "From the NOC: ", "Shift handover: ", "Customer escalation: ", "FYI: "]
CLOSERS = [
    "",
    "",
    "",
    "",
    "Confirm when done.",
    "Please handle it now.",
    "Keep the change minimal.",
    "Report back once it holds.",
    "Do not touch unrelated settings.",
    "Thanks.",
    "This is time critical.",
]


def pick(rng: random.Random, pool: list[str], **slots) -> str:
    return rng.choice(pool).format(**slots)


def compose(rng: random.Random, *, context: list[str], instruction: list[str], target: list[str] | None = None, slots: dict | None = None) -> str:
    """An intent: optional context, the instruction, an optional target, in varying order."""
    slots = dict(slots or {})
    slots.setdefault("svc", rng.choice(SERVICE))
    ctx = pick(rng, context, **slots) if context and rng.random() < 0.8 else ""
    ins = pick(rng, instruction, **slots)
    tgt = pick(rng, target, **slots) if target else ""
    sentences = [s for s in (ctx, ins, tgt) if s]
    if ctx and rng.random() < 0.35:
        sentences = [s for s in (ins, tgt, ctx) if s]  # instruction first, context after
    text = " ".join(_sentence(s) for s in sentences)
    opener, closer = rng.choice(OPENERS), rng.choice(CLOSERS)
    return f"{opener}{text} {closer}".strip()


def _sentence(s: str) -> str:
    s = s.strip()
    if not s:
        return s
    first = s.split(" ", 1)[0]
    # Ids (gnb-0, uav-1) and slice names (eMBB, mMTC) keep their spelling at a sentence start.
    if first.isalpha() and first.islower():
        s = s[0].upper() + s[1:]
    return s if s[-1] in ".!?" else s + "."
