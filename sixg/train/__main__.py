"""``python -m sixg.train``: train an agent on a Forge corpus.

    python -m sixg.train sft --corpus runs/forge --out runs/sft-tiny --preset tiny
    python -m sixg.train sft --corpus runs/forge --out runs/sft-tiny --preset tiny --resume
    python -m sixg.train sft --corpus runs/forge --corpus sixg/data/forge/ns3-seed-pool --out runs/sft-tiny-ns3
    python -m sixg.train sft --corpus runs/forge --out runs/sft-qwen --model /models/Qwen2.5-0.5B-Instruct --lora --device cuda --bf16
    python -m sixg.bench run --agent react-hf --agent-arg model=runs/sft-tiny
    python -m sixg.train frontier --corpus runs/forge --agent-arg model=runs/sft-tiny --k 4 --out runs/frontier.json
    python -m sixg.train rl --init runs/sft-tiny --corpus runs/forge --frontier runs/frontier.json --out runs/rl-tiny --algo dapo
    python -m sixg.bench run --agent react-hf --agent-arg model=runs/rl-tiny
    python -m sixg.train plot runs/rl-dapo runs/rl-grpo --out dapo-vs-grpo.png
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

from sixg.agents.llm.prompt import TOOL_VIEWS
from sixg.bench.scoring import Domain
from sixg.cli import positive_float, positive_int, run_command
from sixg.errors import UserError


def _sft(args) -> int:
    from sixg.train.sft import SFTRun, run_sft
    from sixg.train.tiny import TinyConfig

    run = SFTRun(
        corpus=args.corpus[0] if len(args.corpus) == 1 else tuple(args.corpus),
        out=args.out,
        model=args.model,
        tiny=TinyConfig(vocab_size=args.vocab_size, hidden=args.hidden, intermediate=2 * args.hidden, layers=args.layers, context=args.max_length),
        selection=_selection(args),
        tool_view=args.tool_view,
        lora=args.lora,
        lora_rank=args.lora_rank,
        device=args.device,
        bf16=args.bf16,
        max_steps=args.max_steps,
        epochs=args.epochs,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        learning_rate=args.lr,
        max_length=args.max_length,
        save_steps=args.save_steps,
        seed=args.seed,
        resume=args.resume,
    )
    record = run_sft(run)
    summary = {k: record[k] for k in ("steps", "train_loss", "parameters", "seconds")} | {"records": record["data"]["records"]}
    print(json.dumps(summary))
    print(f"model written to {args.out}: python -m sixg.bench run --agent react-hf --agent-arg model={args.out}")
    return 0


def _frontier(args) -> int:
    from tqdm import tqdm

    from sixg.agents import make_agent
    from sixg.cli import agent_args
    from sixg.train.frontier import run_frontier, training_tasks, write_frontier
    from sixg.train.rl import Band

    band = Band(args.low, args.high)
    kwargs = agent_args(args.agent_arg)
    make_agent(args.agent, **kwargs)  # a bad id or argument fails before any episode
    tasks = training_tasks(args.corpus, _selection(args))
    with tqdm(total=len(tasks) * args.k, unit="episode") as bar:
        record = run_frontier(tasks, lambda: make_agent(args.agent, **kwargs), k=args.k, band=band, seed=args.seed, on_episode=lambda _: bar.update())
    record |= {"agent": args.agent, "agent_args": kwargs, "corpus": str(args.corpus)}
    write_frontier(record, args.out)
    print(f"kept {record['survivors']} of {record['pool']} training task(s) with a success rate in [{band.low}, {band.high}] over {args.k} episode(s) each; wrote {args.out}")
    if record["errors"]:
        print(f"{len(record['errors'])} episode(s) ended in an error, counted as failures; the first: {record['errors'][0]}")
    return 0


def _rl(args) -> int:
    from sixg.train.grpo import LOG_FILE, PLOT_FILE, RLRun, run_rl

    run = RLRun(
        init=args.init,
        corpus=args.corpus,
        out=args.out,
        algo=args.algo,
        selection=_selection(args),
        frontier=args.frontier,
        frontier_k=args.frontier_k,
        frontier_low=args.frontier_low,
        frontier_high=args.frontier_high,
        reward_task=args.reward_task,
        reward_malformed=args.reward_malformed,
        reward_checks=args.reward_checks,
        num_generations=args.num_generations,
        groups_per_step=args.groups_per_step,
        max_draws=args.max_draws,
        max_steps=args.max_steps,
        max_episode_steps=args.max_episode_steps,
        max_new_tokens=args.max_new_tokens,
        max_completion_length=args.max_completion_length,
        temperature=args.temperature,
        guided=args.guided,
        learning_rate=args.lr,
        beta=args.beta,
        epsilon=args.epsilon,
        epsilon_high=args.epsilon_high,
        save_steps=args.save_steps,
        seed=args.seed,
        device=args.device,
        resume=args.resume,
    )
    record = run_rl(run)
    last = record["log"][-1] if record["log"] else {}
    summary = {"steps": record["steps"], "frontier_tasks": len(record["frontier_tasks"]), "seconds": record["seconds"]}
    if record["frontier"]:
        summary["frontier_pool"] = record["frontier"]["pool"]
    summary |= {k: last[k] for k in ("reward", "success_rate", "malformed_rate") if k in last}
    print(json.dumps(summary))
    print(f"log: {args.out}/{LOG_FILE} (plot {args.out}/{PLOT_FILE})")
    print(f"model written to {args.out}: python -m sixg.bench run --agent react-hf --agent-arg model={args.out}")
    return 0


def _plot(args) -> int:
    from sixg.train.grpo import plot_logs, read_log

    runs = {}
    for d in args.runs:
        label = Path(d).name
        if label in runs:
            raise UserError(f"two runs are named {label!r}: compare runs in folders with different names")
        runs[label] = read_log(d)
    plot_logs(runs, args.out)
    for label, rows in runs.items():
        last = rows[-1] if rows else {}
        print(f"{label}: {len(rows)} step(s)" + (f", last reward {last['reward']:.3f}, success {last['success_rate']:.2f}, malformed {last['malformed_rate']:.3f}" if rows else ""))
    print(f"wrote {args.out}")
    return 0


def _selection(args):
    """The record selection the flags of :func:`_add_selection` ask for."""
    from sixg.train.data import Selection

    return Selection(tuple(args.source or ()), tuple(args.tier or ()), tuple(args.domain or ()), args.limit)


def _add_selection(p) -> None:
    p.add_argument("--source", action="append", choices=["ns3-real", "golden", "error-recovery"], help="keep records of this source (repeatable; default all)")
    p.add_argument("--tier", action="append", choices=["L1", "L2", "L3"], help="keep records of this tier (repeatable; default all)")
    p.add_argument("--domain", action="append", choices=typing.get_args(Domain), help="keep records of this domain (repeatable; default all)")
    p.add_argument("--limit", type=positive_int, help="at most this many records (the first kept, in corpus order)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.train", description="Train an agent on a 6G-Forge corpus.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sft", help="agentic SFT (trl SFTTrainer, loss on the assistant's turns only)")
    s.add_argument("--corpus", required=True, action="append", help="a Forge corpus directory (python -m sixg.forge run --out DIR); repeatable, e.g. a synthetic corpus and the shipped ns-3 seed pool (sixg/data/forge/ns3-seed-pool), read in turn, a record held by both read once")
    s.add_argument("--out", required=True, help="model directory to write (checkpoints under OUT/checkpoints)")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--preset", choices=["tiny"], default="tiny", help="build a small Qwen2 model from scratch (default)")
    which.add_argument("--model", help="start from a local Hugging Face causal LM directory with a chat template")
    s.add_argument("--lora", action="store_true", help="train LoRA adapters on every linear layer (with --model); merged on save")
    s.add_argument("--lora-rank", type=positive_int, default=16)
    s.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    s.add_argument("--bf16", action="store_true", help="bfloat16 weights and mixed precision (GPU)")
    _add_selection(s)
    s.add_argument("--tool-view", choices=list(TOOL_VIEWS), default="compact", help="how the tools are shown to the model (react-hf shows the same): full schemas, compact (names and types) or signatures (names only; shortest, for a model that learns the types from the calls)")
    s.add_argument("--max-steps", type=positive_int, default=-1, help="optimizer steps (default: --epochs over the data)")
    s.add_argument("--epochs", type=positive_float, default=1.0)
    s.add_argument("--batch-size", type=positive_int, default=1)
    s.add_argument("--grad-accum", type=positive_int, default=4)
    s.add_argument("--lr", type=positive_float, default=1e-3)
    s.add_argument("--max-length", type=positive_int, default=8192, help="tokens per example (longer ones are cut); the tiny model's context")
    s.add_argument("--save-steps", type=positive_int, default=50)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--resume", action="store_true", help="continue from the last checkpoint under OUT/checkpoints")
    s.add_argument("--vocab-size", type=positive_int, default=4096, help="tiny preset: BPE vocabulary")
    s.add_argument("--hidden", type=positive_int, default=256, help="tiny preset: hidden size (intermediate is twice it)")
    s.add_argument("--layers", type=positive_int, default=4, help="tiny preset: decoder layers")
    f = sub.add_parser("frontier", help="a policy's success rate per training task of a corpus, and the tasks inside a learnable band")
    f.add_argument("--corpus", required=True, help="a Forge corpus directory: its records' tasks are the pool")
    f.add_argument("--agent", default="react-hf", help="agent id (default react-hf)")
    f.add_argument("--agent-arg", action="append", default=[], metavar="KEY=VALUE", help="constructor argument, e.g. model=runs/sft-tiny")
    f.add_argument("--k", type=positive_int, default=4, help="episodes per task")
    f.add_argument("--low", type=float, default=0.1, help="lowest success rate kept (inclusive)")
    f.add_argument("--high", type=float, default=0.9, help="highest success rate kept (inclusive)")
    f.add_argument("--seed", type=int, default=0, help="seeds the trials")
    f.add_argument("--out", required=True, help="JSON file for the rates and the kept task ids")
    _add_selection(f)
    r = sub.add_parser("rl", help="closed-loop RL (trl GRPOTrainer; each rollout a real episode on the surrogate, training tasks only)")
    r.add_argument("--init", required=True, help="the policy to start from (a python -m sixg.train sft output directory)")
    r.add_argument("--corpus", required=True, help="the Forge corpus whose training tasks are played")
    r.add_argument("--out", required=True, help="model directory to write (checkpoints under OUT/checkpoints)")
    r.add_argument("--algo", choices=["dapo", "grpo"], default="dapo", help="dapo: token-level loss, clip-higher, dynamic sampling; grpo: grpo loss, every group kept")
    fr = r.add_mutually_exclusive_group()
    fr.add_argument("--frontier", help="a python -m sixg.train frontier JSON: train on its kept tasks (default: every selected training task)")
    fr.add_argument("--frontier-k", type=positive_int, help="compute the frontier first: the initial policy's success rate per task from K sampled episodes")
    r.add_argument("--frontier-low", type=float, default=0.1, help="with --frontier-k: lowest success rate kept (inclusive)")
    r.add_argument("--frontier-high", type=float, default=0.9, help="with --frontier-k: highest success rate kept (inclusive)")
    _add_selection(r)
    r.add_argument("--reward-task", type=positive_float, default=1.0, help="reward weight of task success")
    r.add_argument("--reward-malformed", type=float, default=0.1, help="penalty per malformed tool call")
    r.add_argument("--reward-checks", type=float, default=0.0, help="partial credit: weight of the share of the task's goal checks the final state meets (0: the paper's reward; above 0, failed episodes of a task can still differ, e.g. under --guided)")
    r.add_argument("--num-generations", type=positive_int, default=4, help="episodes per group (one task)")
    r.add_argument("--groups-per-step", type=positive_int, default=1)
    r.add_argument("--max-draws", type=positive_int, default=8, help="dapo: groups drawn per step at most while refilling")
    r.add_argument("--max-steps", type=positive_int, default=50, help="optimizer steps")
    r.add_argument("--max-episode-steps", type=positive_int, help="cap on each task's tool calls (default: the task's own)")
    r.add_argument("--max-new-tokens", type=positive_int, default=128, help="tokens per turn")
    r.add_argument("--max-completion-length", type=positive_int, default=4096, help="tokens per episode after the prompt (turns and tool results)")
    r.add_argument("--temperature", type=positive_float, default=1.0)
    r.add_argument("--guided", action="store_true", help="play the rollouts under guided decoding (every call fits a tool's declared arguments), as react-hf guided=true plays")
    r.add_argument("--lr", type=positive_float, default=1e-5)
    r.add_argument("--beta", type=float, default=0.0, help="KL coefficient against the initial policy (0: no reference model)")
    r.add_argument("--epsilon", type=positive_float, default=0.2, help="lower clipping range")
    r.add_argument("--epsilon-high", type=positive_float, default=0.28, help="dapo: upper clipping range (clip-higher)")
    r.add_argument("--save-steps", type=positive_int, default=10)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    r.add_argument("--resume", action="store_true", help="continue from the last checkpoint under OUT/checkpoints")
    pl = sub.add_parser("plot", help="reward, success and malformed calls per step of RL runs, side by side (e.g. dapo against grpo)")
    pl.add_argument("runs", nargs="+", help="--out directories of python -m sixg.train rl runs (labelled by folder name)")
    pl.add_argument("--out", required=True, help="PNG file to write")
    args = parser.parse_args(argv)
    if args.command == "plot":
        return run_command(lambda: _plot(args))
    if args.command == "frontier":
        return run_command(lambda: _frontier(args))
    if args.command == "rl":
        return run_command(lambda: _rl(args), interrupted="rerun the same command with --resume to continue from the last checkpoint")
    return run_command(lambda: _sft(args), interrupted="rerun the same command with --resume to continue from the last checkpoint")


if __name__ == "__main__":
    raise SystemExit(main())
