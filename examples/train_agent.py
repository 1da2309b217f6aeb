"""Training walkthrough at micro scale: a 6G-Forge corpus, agentic SFT of a tiny model, one benchmark task played by it.

    python examples/train_agent.py [--seed 7] [--target 32] [--hidden 96] [--layers 2] [--steps 40] [--out runs/train_agent]

1. Grows a small corpus of verified trajectories on the surrogate with the offline teacher
   (what ``python -m sixg.forge run --no-pool`` does) and reports what it holds.
2. Trains the ``tiny`` preset (a small Qwen2-architecture model built from scratch, with a tokenizer
   trained on the corpus) on it with trl's SFTTrainer, loss on the assistant's turns only (what
   ``python -m sixg.train sft`` does), and plots the loss curve.
3. Loads the trained directory as the ``react-hf`` agent and plays one task of the shipped
   6GAgentBench with it on the surrogate, judged as the benchmark judges.

At these sizes the whole run takes a minute or two on a CPU; the model is far too small and too
briefly trained to solve a task: the point is the pipeline, the same one the real commands run.
Writes OUT/corpus, OUT/model (replaced on each run), OUT/loss.png and OUT/episode.jsonl.
The notebook ``examples/train_agent.ipynb`` runs the same steps cell by cell.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from sixg.cli import positive_int, run_command

#: How the tools are shown to the model in training and, read back from the model directory, when it plays.
TOOL_VIEW = "signatures"


def grow_corpus(out: Path, *, target: int = 32, seed: int = 7, seeds: str = "1-50") -> dict[str, Any]:
    """Grow a Forge corpus of ``target`` trajectories at ``out`` (resumed if it is there); returns its statistics.

    The offline teacher proposes programs on training topologies ``seeds``, with no seed pool;
    only those that reach their goal on the surrogate are kept.
    """
    from sixg.forge.pipeline import run_forge
    from sixg.forge.report import corpus_stats
    from sixg.forge.teacher import OfflineTeacher
    from sixg.scenario import parse_seeds

    topologies = parse_seeds(seeds)
    run_forge(out, seeds=topologies, target=target, teacher=OfflineTeacher(topologies), batch=target, seed=seed, pool=None)
    return corpus_stats(out)


def train(corpus: Path, out: Path, *, hidden: int = 96, layers: int = 2, steps: int = 40, max_length: int = 4096, seed: int = 7) -> dict[str, Any]:
    """Agentic SFT of the tiny preset on ``corpus`` into the model directory ``out`` (replaced); returns the run record.

    The record's ``losses`` holds the training loss logged every second optimizer step. Examples longer
    than ``max_length`` tokens are cut, keeping their start: even with the short signatures tool view some trajectories
    are longer than the default 4096 tokens, but a longer context costs far more time on a CPU.
    """
    from sixg.train.sft import SFTRun, run_sft
    from sixg.train.tiny import TinyConfig

    if out.exists():
        shutil.rmtree(out)
    run = SFTRun(
        corpus=str(corpus),
        out=str(out),
        tiny=TinyConfig(vocab_size=2048, hidden=hidden, intermediate=2 * hidden, layers=layers, context=max_length),
        tool_view=TOOL_VIEW,
        max_steps=steps,
        batch_size=1,
        grad_accum=1,
        learning_rate=3e-3,
        max_length=max_length,
        save_steps=steps,
        save_total_limit=1,
        logging_steps=2,
        seed=seed,
        progress=False,
    )
    return run_sft(run)


def plot_losses(record: dict[str, Any], path: Path | None = None):
    """The training loss of an SFT run record at each logged step; saved to ``path`` if given."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    losses, every = record["losses"], record["config"]["logging_steps"]
    ax.plot([every * (i + 1) for i in range(len(losses))], losses, marker=".")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss (assistant tokens)")
    ax.set_title("agentic SFT of the tiny preset")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def pick_task(task_id: str | None = None):
    """A task of the shipped benchmark: ``task_id``, else the first L1 task with the fewest allowed steps."""
    from sixg.bench.build import load_benchmark
    from sixg.errors import UserError

    bench = load_benchmark()
    if task_id is None:
        return min((t for t in bench.tasks if t.tier == "L1"), key=lambda t: t.max_steps)
    try:
        return bench.task(task_id)
    except KeyError:
        raise UserError(f"no task {task_id!r} in 6GAgentBench v{bench.version}: pass one of its ids, e.g. {bench.tasks[0].id!r}") from None


def play(model: Path, task, *, max_new_tokens: int = 96):
    """Play ``task`` with the model directory ``model`` as the ``react-hf`` agent on the surrogate.

    Returns the judged episode and its trajectory (None if the episode ended in an error).
    """
    from sixg.agents import make_agent
    from sixg.bench.run import play_task
    from sixg.sim.env import NetOpsEnv

    agent = make_agent("react-hf", model=str(model), max_new_tokens=max_new_tokens)
    env = NetOpsEnv(backend="surrogate")
    try:
        return play_task(task, agent, env)
    finally:
        env.close()
        agent.close()


def calls(trajectory) -> list[dict[str, Any]]:
    """One row per step of the episode: the tool the agent called, whether it worked, and the error's kind if not."""
    rows = []
    for s in trajectory.steps:
        r = s["result"]
        rows.append({"step": s["step"], "tool": r["tool"], "ok": r["ok"], "error": (r["error"] or {}).get("kind")})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=7, help="seeds the corpus and the training run")
    p.add_argument("--target", type=positive_int, default=32, help="trajectories in the corpus (default 32)")
    p.add_argument("--hidden", type=positive_int, default=96, help="tiny model: hidden size (default 96)")
    p.add_argument("--layers", type=positive_int, default=2, help="tiny model: decoder layers (default 2)")
    p.add_argument("--steps", type=positive_int, default=40, help="optimizer steps, one trajectory each (default 40)")
    p.add_argument("--max-length", type=positive_int, default=4096, help="tokens per training example; longer ones are cut (default 4096)")
    p.add_argument("--task", help="benchmark task id to play (default: the first L1 task with the fewest allowed steps)")
    p.add_argument("--out", type=Path, default=Path("runs/train_agent"))
    a = p.parse_args(argv)

    def work() -> int:
        a.out.mkdir(parents=True, exist_ok=True)
        task = pick_task(a.task)
        stats = grow_corpus(a.out / "corpus", target=a.target, seed=a.seed)
        print(f"corpus: {stats['records']} trajectories on {stats['topology_seeds']} topologies")
        for key in ("by_source", "by_tier", "by_domain"):
            print(f"  {key.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in stats[key].items()))
        record = train(a.out / "corpus", a.out / "model", hidden=a.hidden, layers=a.layers, steps=a.steps, max_length=a.max_length, seed=a.seed)
        losses = record["losses"]
        plot_losses(record, a.out / "loss.png")
        print(f"sft: {record['parameters']:,} parameters, {record['steps']} steps in {record['seconds']} s; loss {losses[0]:.3f} -> {losses[-1]:.3f} (plot {a.out / 'loss.png'})")
        episode, trajectory = play(a.out / "model", task)
        print(f"task {task.id} ({task.tier}, {task.domain}): {task.intent}")
        if trajectory is None:
            print(f"the episode ended in an error: {episode.error}")
            return 1
        for row in calls(trajectory):
            print(f"  {row['step']:>2} {row['tool']:<28} {'ok' if row['ok'] else row['error']}")
        print(f"verdict: success {episode.success}, goal met {episode.goal_met}, verified {episode.verified}")
        for check in episode.checks:
            print(f"  {check}")
        print(f"trajectory: {trajectory.save(a.out / 'episode.jsonl')}")
        return 0

    return run_command(work)


if __name__ == "__main__":
    sys.exit(main())
