"""Closed-loop RL with trl's GRPOTrainer, where every rollout is a real benchmark episode.

The policy plays training tasks through the benchmark's own episode runner
(:func:`~sixg.bench.run.play_task`: the ReAct loop of ``react-hf``, the tool boundary and the
co-simulation on the frozen surrogate), one episode per completion. trl receives each episode
through ``rollout_func`` as one multi-turn completion: the tokens the model generated (trained)
interleaved with the tokens the environment added between turns -- tool results, error
messages and the chat template's turn marks -- which ``env_mask`` marks 0, so they are context
and never targets. The reward is :func:`~sixg.train.rl.episode_reward` (the composite reward).

``algo="dapo"``: trl's token-level ``dapo`` loss with clip-higher (``epsilon_high``) and DAPO's
dynamic sampling (:func:`~sixg.train.rl.fill_batch`) inside the rollout: a group whose rewards
are all equal is dropped and a group of a frontier task drawn at random (seeded) replaces it.
``algo="grpo"``: the ``grpo`` loss, symmetric clipping, every group kept.

During a rollout the model sees, at each turn, exactly the token sequence it is trained on
(its own sampled tokens, not a re-rendering of them), so the sampling log-probabilities and
the trained ones agree.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sixg.agents.llm.guide import CallGuide
from sixg.agents.llm.hf import HFReActAgent, _template_messages, load_local_lm
from sixg.agents.llm.prompt import present_tools, read_tool_view, write_tool_view
from sixg.agents.llm.react import sampling_seed
from sixg.agents.llm.reply import ModelReply
from sixg import jsontext
from sixg.errors import SixgError, UserError
from sixg.train.data import Selection
from sixg.train.rl import Band, RewardWeights, episode_reward, fill_batch
from sixg.train.sft import RUN_FILE, checkpoint_to_resume

__all__ = ["LOG_FILE", "PLOT_FILE", "RL_RUN_FILE", "RLRun", "EpisodeBudgetExceeded", "RolloutFailed", "PolicyAgent", "EpisodeRollout", "plot_logs", "read_log", "run_rl"]

#: Per-step training log (one JSON object a line) and its plot, written into the output directory.
LOG_FILE = "rl-log.jsonl"
#: The RL run's record; the initial policy's own record (``sixg-train.json``, the SFT run) is copied beside it.
RL_RUN_FILE = "sixg-rl.json"
PLOT_FILE = "rl-log.png"


class EpisodeBudgetExceeded(SixgError):
    """An episode's tokens outgrew the completion budget (``max_completion_length``)."""


class RolloutFailed(SixgError):
    """An episode ended before the policy's first turn, so there is nothing to train on."""


@dataclass(frozen=True)
class RLRun:
    """Everything one RL run depends on (saved with the model)."""

    init: str
    corpus: str
    out: str
    algo: str = "dapo"
    selection: Selection = field(default_factory=Selection)
    frontier: str | None = None  # a `sixg.train frontier` JSON; None: computed with frontier_k, else every training task
    frontier_k: int | None = None  # estimate the initial policy's success per task from k sampled episodes
    frontier_low: float = 0.1
    frontier_high: float = 0.9
    reward_task: float = 1.0
    reward_malformed: float = 0.1
    reward_checks: float = 0.0
    num_generations: int = 4
    groups_per_step: int = 1
    max_draws: int = 8  # dapo: groups drawn per step at most before NoLearningSignal
    max_steps: int = 50
    max_episode_steps: int | None = None  # caps each task's max_steps (None: the task's own)
    max_new_tokens: int = 128
    max_completion_length: int = 4096
    temperature: float = 1.0
    guided: bool = False  # rollouts under guided decoding (sixg.agents.llm.guide), as react-hf guided=true plays
    learning_rate: float = 1e-5
    beta: float = 0.0
    epsilon: float = 0.2
    epsilon_high: float = 0.28
    save_steps: int = 10
    save_total_limit: int = 2
    seed: int = 0
    device: str = "cpu"
    resume: bool = False
    progress: bool = True

    def __post_init__(self):
        if self.algo not in ("dapo", "grpo"):
            raise UserError(f"unknown --algo {self.algo!r}: choose dapo or grpo")
        if self.num_generations < 2:
            raise UserError(f"num-generations must be >= 2 (a group needs rewards to compare), not {self.num_generations}")
        for name in ("groups_per_step", "max_steps", "max_new_tokens", "max_completion_length", "save_steps"):
            if getattr(self, name) < 1:
                raise UserError(f"{name.replace('_', '-')} must be >= 1, not {getattr(self, name)}")
        if self.max_draws < self.groups_per_step:
            raise UserError(f"max-draws ({self.max_draws}) must be at least groups-per-step ({self.groups_per_step})")
        if self.max_episode_steps is not None and self.max_episode_steps < 1:
            raise UserError(f"max-episode-steps must be >= 1, not {self.max_episode_steps}")
        if not self.temperature > 0:
            raise UserError(f"RL samples its rollouts: temperature must be > 0, not {self.temperature}")
        RewardWeights(self.reward_task, self.reward_malformed, self.reward_checks)
        Band(self.frontier_low, self.frontier_high)
        if self.frontier_k is not None and (self.frontier_k < 1 or self.frontier is not None):
            raise UserError("--frontier-k needs k >= 1 and no --frontier file (the file already holds the selection)")

    @property
    def weights(self) -> RewardWeights:
        return RewardWeights(self.reward_task, self.reward_malformed, self.reward_checks)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["selection"] = self.selection.as_dict()
        return d


class PolicyAgent(HFReActAgent):
    """``react-hf`` driven by a model in memory, recording the episode as one token sequence.

    The prompt (system, tools, intent, first observation) is rendered by the chat template as
    ``react-hf`` renders it. Every later turn appends what the template adds after the model's
    own tokens (the tool result or error, the turn marks, the next generation prompt), masked 0;
    the model's sampled tokens are masked 1 with their log-probabilities.
    """

    def __init__(self, model, tokenizer, *, tool_view, max_new_tokens: int, temperature: float, budget: int, guide: CallGuide | None = None):
        self.model_path = "<in memory>"
        super(HFReActAgent, self).__init__()
        self.max_new_tokens = max_new_tokens
        self.temperature = float(temperature)
        self.top_p = 1.0
        self.device = str(model.device)
        self.dtype = str(model.dtype)
        self.chat_template = None
        self.tool_view = tool_view
        self.budget = budget
        self.guided = guide is not None
        self._guide = guide
        self._model, self._tokenizer = model, tokenizer
        self._stop_ids = [int(tokenizer.eos_token_id)]
        self._eos_text = tokenizer.decode([tokenizer.eos_token_id])
        self.prompt_ids: list[int] = []
        self.completion_ids: list[int] = []
        self.env_mask: list[int] = []
        self.logprobs: list[float] = []

    def _start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def _render(self, messages, tools, *, generation: bool) -> str:
        return self._tokenizer.apply_chat_template(
            _template_messages(messages), tools=present_tools(tools, self.tool_view), add_generation_prompt=generation, tokenize=False
        )

    def _append_context(self, ids: list[int]) -> None:
        self.completion_ids += ids
        self.env_mask += [0] * len(ids)
        self.logprobs += [0.0] * len(ids)

    def _complete(self, messages: list[dict[str, Any]], tools: list[dict], *, seed: int | None, turn: int) -> ModelReply:
        import torch
        from transformers import LogitsProcessorList

        tok, model = self._tokenizer, self._model
        if turn == 0:
            self.prompt_ids = tok(self._render(messages, tools, generation=True), add_special_tokens=False)["input_ids"]
            self.completion_ids, self.env_mask, self.logprobs = [], [], []
        else:
            before = self._render(messages[:-1], tools, generation=False)
            after = self._render(messages, tools, generation=True)
            cut = before.rfind(self._eos_text)
            before = before[: cut + len(self._eos_text)] if cut >= 0 else before
            if not after.startswith(before):
                raise UserError("the chat template renders a turn differently once another follows: multi-turn RL needs a template whose history is append-only")
            if not self.completion_ids or self.completion_ids[-1] != tok.eos_token_id:
                self._append_context([tok.eos_token_id])  # a reply cut off at the token budget still ends its turn
            self._append_context(tok(after[len(before) :], add_special_tokens=False)["input_ids"])
        room = self.budget - len(self.completion_ids)
        if room < 1:
            raise EpisodeBudgetExceeded(f"the episode used its {self.budget} completion tokens: raise --max-completion-length or lower --max-episode-steps")
        context = torch.tensor([self.prompt_ids + self.completion_ids], device=model.device)
        # Guided: tokens are drawn from the masked distribution; the recorded log-probabilities stay the
        # model's own (unmasked), which is what the trainer recomputes for the loss.
        guide = LogitsProcessorList([self._guide.processor(tools, start=context.shape[-1])]) if self._guide else None
        fork = torch.random.fork_rng(devices=[]) if model.device.type == "cpu" else torch.random.fork_rng(devices=[model.device.index or 0], device_type=model.device.type)
        with fork, torch.inference_mode():
            torch.manual_seed(sampling_seed(seed, turn))
            out = model.generate(
                input_ids=context,
                attention_mask=torch.ones_like(context),
                max_new_tokens=min(self.max_new_tokens, room),
                do_sample=True,
                temperature=self.temperature,
                top_p=1.0,
                top_k=0,
                eos_token_id=self._stop_ids,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else self._stop_ids[0],
                return_dict_in_generate=True,
                output_logits=True,
                logits_processor=guide,
            )
        new = out.sequences[0, context.shape[-1] :].tolist()
        logits = torch.stack(out.logits, dim=1)[0].float() / self.temperature
        lp = torch.log_softmax(logits, dim=-1).gather(-1, torch.tensor(new, device=logits.device)[:, None])[:, 0]
        self.completion_ids += new
        self.env_mask += [1] * len(new)
        self.logprobs += lp.tolist()
        ended = bool(new) and new[-1] in self._stop_ids
        text = tok.decode(new[:-1] if ended else new, skip_special_tokens=False)
        return ModelReply(text=text, truncated=not ended)


class EpisodeRollout:
    """trl's ``rollout_func``: one benchmark episode per completion, groups refilled under DAPO.

    Args:
        run: The run's settings.
        tasks: The frontier tasks by id (training seeds only).
        tokenizer: The policy's tokenizer.
        tool_view: The tool view the initial model was trained on.
    """

    def __init__(self, run: RLRun, tasks: dict, tokenizer, tool_view):
        from sixg.sim.env import NetOpsEnv

        self.run, self.tasks, self.tokenizer, self.tool_view = run, tasks, tokenizer, tool_view
        self.env = NetOpsEnv(backend="surrogate")
        self.guide = CallGuide(tokenizer) if run.guided else None
        self.pending: list[dict[str, Any]] = []  # rollout statistics not yet logged

    def close(self) -> None:
        self.env.close()

    def _play(self, model, task_id: str, trial: int) -> dict[str, Any]:
        import dataclasses

        from sixg.bench.run import play_task

        task = self.tasks[task_id]  # max_steps already capped by --max-episode-steps
        agent = PolicyAgent(
            model, self.tokenizer, tool_view=self.tool_view, max_new_tokens=self.run.max_new_tokens,
            temperature=self.run.temperature, budget=self.run.max_completion_length, guide=self.guide,
        )
        episode, _ = play_task(task, agent, self.env, trial=trial)
        if not agent.prompt_ids:
            raise RolloutFailed(f"an episode of {task_id} ended before the policy's first turn: {episode.error}")
        if episode.error is not None and self.env.trajectory is not None:
            # An episode cut short (the token budget) still pays for the malformed calls it made.
            bad = sum(1 for s in self.env.trajectory.steps if s["result"]["error"] is not None and s["result"]["error"]["kind"] != "refused")
            episode = dataclasses.replace(episode, invalid_calls=bad)
        return {
            "task_id": task_id,
            "prompt_ids": agent.prompt_ids,
            "completion_ids": agent.completion_ids,
            "env_mask": agent.env_mask,
            "logprobs": agent.logprobs,
            "reward": episode_reward(episode, self.run.weights),
            "success": bool(episode.success),
            "malformed": episode.invalid_calls,
            "steps": episode.steps,
            "error": episode.error,
        }

    def __call__(self, prompts: list, trainer) -> dict[str, list]:
        model = trainer.accelerator.unwrap_model(trainer.model)
        g = trainer.num_generations
        if len(prompts) % g:
            raise UserError(f"{len(prompts)} prompts do not split into groups of {g}")
        given = [str(prompts[i]) for i in range(0, len(prompts), g)]
        size = len(given)
        # Trials and refill draws follow the step: a resumed run plays what the uninterrupted one would.
        step = trainer.state.global_step
        base = (self.run.seed * 1_000_003 + step) * 10_000
        rng = random.Random(base)
        played = [0]
        was_training = model.training
        model.eval()
        try:
            def draw(n: int) -> list[list[dict]]:
                out = []
                for _ in range(n):
                    task_id = given.pop(0) if given else rng.choice(sorted(self.tasks))
                    group = []
                    for _ in range(g):
                        group.append(self._play(model, task_id, base + played[0]))
                        played[0] += 1
                    out.append(group)
                return out

            if self.run.algo == "dapo":
                batch = fill_batch(draw, lambda grp: [e["reward"] for e in grp], size=size, max_draws=self.run.max_draws)
                groups, drawn, dropped = batch.groups, batch.drawn, batch.dropped
            else:
                groups = draw(size)
                drawn, dropped = size, 0
        finally:
            model.train(was_training)
        episodes = [e for grp in groups for e in grp]
        self.pending.append({"groups_drawn": drawn, "groups_dropped": dropped, "episodes": episodes, "played": played[0]})
        keys = ("prompt_ids", "completion_ids", "logprobs", "env_mask", "reward", "success", "malformed", "steps", "task_id")
        return {k: [e[k] for e in episodes] for k in keys}


def composite_reward(completions, reward, **_) -> list[float]:
    """The composite reward of each completion's episode (computed when it was played)."""
    return [float(r) for r in reward]


def _load_policy(path: str, device: str):
    if not Path(path).is_dir():
        raise UserError(f"no model directory at {path!r}: pass --init the output of python -m sixg.train sft")
    model, tok = load_local_lm(path, dtype="float32")
    if not tok.chat_template:
        raise UserError(f"the tokenizer in {path!r} has no chat template: start from a sixg.train sft directory")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return model.to(device), tok


def _frontier_tasks(run: RLRun) -> tuple[dict, dict | None]:
    """The tasks RL plays, by id, and the frontier record when it was computed here."""
    from sixg.train.frontier import run_frontier, training_tasks

    tasks = {t.id: t for t in training_tasks(run.corpus, run.selection)}
    if run.max_episode_steps is not None:
        tasks = {k: t.model_copy(update={"max_steps": min(t.max_steps, run.max_episode_steps)}) for k, t in tasks.items()}
    computed = None
    if run.frontier_k is not None and tasks:
        from sixg.agents import make_agent

        # The initial policy as react-hf plays it, sampling at the RL temperature.
        computed = run_frontier(
            list(tasks.values()),
            lambda: make_agent("react-hf", model=run.init, temperature=run.temperature, max_new_tokens=run.max_new_tokens, guided=run.guided),
            k=run.frontier_k,
            band=Band(run.frontier_low, run.frontier_high),
            seed=run.seed,
        )
        tasks = {k: tasks[k] for k in computed["kept"]}
    if run.frontier is not None:
        try:
            kept = json.loads(Path(run.frontier).read_text())["kept"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{run.frontier} is not a frontier file ({exc}): write one with python -m sixg.train frontier") from None
        missing = [k for k in kept if k not in tasks]
        if missing:
            raise UserError(f"{len(missing)} frontier task(s) are not in the selected corpus records (first: {missing[0]}): use the corpus and flags the frontier was computed on")
        tasks = {k: tasks[k] for k in kept}
    not_train = [t.id for t in tasks.values() if t.split != "train"]
    if not_train:
        raise UserError(f"RL trains on training seeds only, and {not_train[0]} is not a training task")
    if not tasks:
        seen = ""
        if computed is not None:
            rates = list(computed["rates"].values())
            seen = (
                f" (the initial policy's success over {run.frontier_k} episode(s) per task: {sum(r == 0 for r in rates)} task(s) at 0, "
                f"{sum(r == 1 for r in rates)} at 1, {sum(0 < r < 1 for r in rates)} in between; more episodes per task give finer rates)"
            )
        raise UserError(f"no frontier task to train on{seen}: widen the frontier band (--frontier-low/--frontier-high or python -m sixg.train frontier) or the corpus selection")
    return tasks, computed


class _StepLog:
    """A trainer callback writing one JSON line per optimizer step: trl's metrics and the episodes behind them."""

    def __init__(self, rollout: EpisodeRollout, path: Path):
        from transformers import TrainerCallback

        outer = self

        class _CB(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kw):
                outer.write(state.global_step, logs or {})

        self.callback = _CB()
        self.rollout, self.path = rollout, path

    def write(self, step: int, logs: dict) -> None:
        if not self.rollout.pending or "loss" not in logs and "reward" not in logs:
            return
        eps = [e for p in self.rollout.pending for e in p["episodes"]]
        drawn = sum(p["groups_drawn"] for p in self.rollout.pending)
        dropped = sum(p["groups_dropped"] for p in self.rollout.pending)
        self.rollout.pending.clear()
        n = max(len(eps), 1)
        row = {
            "step": step,
            "reward": sum(e["reward"] for e in eps) / n,
            "success_rate": sum(e["success"] for e in eps) / n,
            "malformed_rate": sum(e["malformed"] for e in eps) / max(sum(e["steps"] for e in eps), 1),
            "episode_length": sum(e["steps"] for e in eps) / n,
            "episodes": len(eps),
            "groups_drawn": drawn,
            "groups_dropped": dropped,
            "errors": sum(e["error"] is not None for e in eps),
        }
        for key in ("loss", "kl", "entropy", "clip_ratio/region_mean", "clip_ratio/low_mean", "clip_ratio/high_mean", "completions/mean_length", "learning_rate"):
            if key in logs:
                row[key.replace("/", "_")] = logs[key]
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")


#: What every row of a step log carries, and the plots draw.
_LOGGED = ("step", "reward", "success_rate", "malformed_rate")


def read_log(run_dir: str | Path) -> list[dict[str, Any]]:
    """The per-step rows of the RL run in ``run_dir`` (its :data:`LOG_FILE`).

    Raises:
        UserError: no log there, or a line that is not JSON.
    """
    log = Path(run_dir, LOG_FILE)
    if not log.is_file():
        raise UserError(f"no RL log at {log}: pass the --out directory of a `python -m sixg.train rl` run")
    rows = []
    for n, line in enumerate(log.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = jsontext.loads(line)
        except ValueError as exc:
            raise UserError(f"{log} line {n} is not JSON ({exc}): was it cut off? rerun the step with --resume") from None
        if not isinstance(row, dict) or not all(isinstance(row.get(k), (int, float)) and not isinstance(row.get(k), bool) for k in _LOGGED):
            raise UserError(f"{log} line {n} is not a step of an RL log (it needs the numbers {', '.join(_LOGGED)}): was the file written by python -m sixg.train rl?")
        rows.append(row)
    return rows


def plot_logs(runs: dict[str, list[dict[str, Any]]], out: str | Path) -> None:
    """Reward, success rate and malformed calls per step of one or more RL runs (``{label: rows}``), on shared axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    for label, rows in runs.items():
        steps = [r["step"] for r in rows]
        for ax, key in zip(axes, _LOGGED[1:]):
            ax.plot(steps, [r[key] for r in rows], marker="o", markersize=3, label=label or None)
    for ax, title in zip(axes, ("mean reward", "success rate", "malformed calls per call")):
        ax.set_xlabel("step")
        ax.set_title(title)
    if any(runs):
        axes[0].legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def run_rl(run: RLRun) -> dict[str, Any]:
    """Train, save the model with its record and log into ``run.out`` and return that record."""
    import torch  # noqa: F401
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    out = Path(run.out)
    resumed = checkpoint_to_resume(out, resume=run.resume)
    started = time.perf_counter()
    tasks, computed = _frontier_tasks(run)
    tool_view = read_tool_view(run.init)
    model, tok = _load_policy(run.init, run.device)
    g = run.num_generations
    args = GRPOConfig(
        output_dir=str(out / "checkpoints"),
        loss_type=run.algo,
        epsilon=run.epsilon,
        epsilon_high=run.epsilon_high if run.algo == "dapo" else run.epsilon,
        beta=run.beta,
        num_generations=g,
        per_device_train_batch_size=g * run.groups_per_step,
        gradient_accumulation_steps=1,
        steps_per_generation=1,
        max_completion_length=run.max_completion_length,
        temperature=run.temperature,
        learning_rate=run.learning_rate,
        max_steps=run.max_steps,
        save_strategy="steps",
        save_steps=run.save_steps,
        save_total_limit=run.save_total_limit,
        logging_steps=1,
        seed=run.seed,
        data_seed=run.seed,
        use_cpu=run.device == "cpu",
        bf16=False,
        report_to="none",
        disable_tqdm=not run.progress,
    )
    ids = sorted(tasks)
    # Enough rows that the sampler never runs out within max_steps (each row is one task id).
    dataset = Dataset.from_list([{"prompt": t} for t in ids])
    out.mkdir(parents=True, exist_ok=True)
    log = out / LOG_FILE
    if not run.resume and log.exists():
        log.unlink()
    rollout = EpisodeRollout(run, tasks, tok, tool_view)
    steplog = _StepLog(rollout, log)
    try:
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=composite_reward,
            args=args,
            train_dataset=dataset,
            processing_class=tok,
            rollout_func=rollout,
            callbacks=[steplog.callback],
        )
        trainer.train(resume_from_checkpoint=str(resumed) if run.resume else None)
    finally:
        rollout.close()
    final = trainer.accelerator.unwrap_model(trainer.model)
    final.save_pretrained(out)
    tok.save_pretrained(out)
    write_tool_view(out, tool_view)
    rows = read_log(out)
    if rows:
        plot_logs({"": rows}, out / PLOT_FILE)
    record = {
        "stage": "rl",
        "config": run.as_dict(),
        "reward_weights": asdict(run.weights),
        "trainer": {k: getattr(trainer.args, k) for k in ("loss_type", "epsilon", "epsilon_high", "beta", "num_generations", "max_completion_length", "temperature")},
        "dynamic_sampling": run.algo == "dapo",
        "frontier_tasks": ids,
        "frontier": ({k: computed[k] for k in ("k", "band", "seed", "pool", "survivors", "rates")} if computed else None),
        "parameters": sum(p.numel() for p in final.parameters()),
        "steps": trainer.state.global_step,
        "resumed_from": str(resumed) if run.resume else None,
        "log": rows,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / RL_RUN_FILE).write_text(json.dumps(record, indent=1) + "\n")
    if Path(run.init, RUN_FILE).is_file():  # the lineage travels with the model: how its starting point was trained
        (out / RUN_FILE).write_text(Path(run.init, RUN_FILE).read_text())
    return record
