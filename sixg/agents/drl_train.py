"""Training the DRL-Slicing policy on the surrogate with PPO (training seeds 1-50 only).

Each episode takes a random training scenario, a random degradation schedule (one
degradation under way from the start, more drawn by :func:`sixg.schedule.random_schedule`),
sometimes a tighter latency target or a different starting configuration, and lets the
policy act through the same tools and the same :class:`~sixg.agents.drl.Controls` the
agent uses at benchmark time. After each action the reward is 1 if the state the tool
returns meets the SLA, minus a small cost per action; choosing ``noop`` ends the
episode with the state held for the rest of the horizon (the next observed state's
reward, once per remaining step).

Interrupted runs resume from ``<out>.partial.safetensors`` (weights, optimiser moments,
generator states and counters; tensors and JSON only).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sixg.actions import DegradationOnset, EdgeOffload, SwitchSlice
from sixg.agents.calls import call
from sixg.agents.drl import ACTIONS, FEATURES, HORIZON, Controls, policy_config, sla_reward, state_of, write_policy
from sixg.backends.base import Backend
from sixg.domain import SLICES
from sixg.errors import CheckpointError
from sixg.scenario import generate
from sixg.schedule import Schedule, ScheduledEvent, random_degradation, random_schedule
from sixg.sim.env import NetOpsEnv

TRAIN_SEEDS = range(1, 51)
DEGRADATIONS = ("interference", "backhaul", "congestion", "edge_overload")


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 40_000
    seed: int = 0
    hidden: int = 64
    rollout: int = 512
    epochs: int = 4
    minibatch: int = 128
    lr: float = 3e-4
    gamma: float = 0.95
    lam: float = 0.9
    clip: float = 0.2
    entropy: float = 0.02
    value_coef: float = 0.5
    action_cost: float = 0.05
    refused_cost: float = 0.2


class ActorCritic(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        n_in, n_out = len(FEATURES), len(ACTIONS)
        self.actor = nn.Sequential(
            nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, n_out)
        )
        self.critic = nn.Sequential(
            nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1)
        )
        # Small last layers: the first policy is close to uniform over the allowed actions.
        nn.init.orthogonal_(self.actor[4].weight, gain=0.01)
        nn.init.zeros_(self.actor[4].bias)

    def dist(self, x: torch.Tensor, mask: torch.Tensor) -> torch.distributions.Categorical:
        logits = self.actor(x).masked_fill(~mask, -1e9)
        return torch.distributions.Categorical(logits=logits)


@dataclass
class Decision:
    x: np.ndarray
    mask: np.ndarray
    action: int
    logp: float
    value: float
    reward: float
    done: bool


def episode_options(rng: random.Random) -> tuple[dict, object]:
    """A random training episode: scenario, schedule, SLA and starting configuration."""
    seed = rng.choice(TRAIN_SEEDS)
    sc = generate(seed, split="train")
    service_gnb = sc.nearest_gnb(sc.ue(sc.service.ue).position).id
    schedule = random_schedule(sc, rng, duration_s=30.0, first_after_s=2.0, service_gnb=service_gnb)
    events = list(schedule.events)
    if rng.random() < 0.75:
        kind = rng.choice(DEGRADATIONS)
        # One degradation of a kind at a time: the drawn schedule's ones of this kind give way.
        events = [e for e in events if _kind(e) != kind]
        events.insert(
            0,
            ScheduledEvent(
                t=0.0, action=DegradationOnset(degradation=random_degradation(sc, rng, kind, gnb=service_gnb))
            ),
        )
    sla = sc.sla
    if rng.random() < 0.3:
        # A tighter latency target than the scenario's: some intents ask for one.
        sla = sla.model_copy(update={"max_latency_ms": round(2 * sc.cloud.link_delay_ms + rng.uniform(6.0, 14.0), 1)})
    setup = []
    if rng.random() < 0.3:
        setup.append(EdgeOffload(host="edge").model_dump(mode="json"))
    if rng.random() < 0.2:
        setup.append(
            SwitchSlice(slice=rng.choice([s for s in SLICES if s is not sc.service.initial_slice])).model_dump(
                mode="json"
            )
        )
    options = {
        "scenario_seed": seed,
        "split": "train",
        "schedule": Schedule(events=tuple(events)).sorted().model_dump(mode="json"),
        "setup": setup,
        "goal": {"sla": sla.model_dump(mode="json")},
        "max_steps": HORIZON + 3,
    }
    return options, sla


def _kind(event: ScheduledEvent) -> str:
    a = event.action
    return a.degradation.kind if isinstance(a, DegradationOnset) else a.degradation_kind


def run_episode(env: NetOpsEnv, net: ActorCritic, rng: random.Random, config: TrainConfig) -> list[Decision]:
    """One training episode with the current policy (sampled actions)."""
    options, sla = episode_options(rng)
    env.reset(seed=rng.randrange(2**31 - 1), options=options)
    telemetry = env.step(call("read_telemetry")).result.output
    controls = Controls.from_telemetry(telemetry, sla)
    state = telemetry.state
    steps: list[Decision] = []
    for t in range(HORIZON):
        x = controls.features(state, t / HORIZON)
        mask = controls.mask(state)
        with torch.no_grad():
            xt, mt = torch.from_numpy(x)[None], torch.from_numpy(mask)[None]
            d = net.dist(xt, mt)
            a = d.sample()
            logp, value = float(d.log_prob(a)), float(net.critic(xt))
        a = int(a)
        if a == 0:
            out = env.step(call("check_network_state"))
            reward = (HORIZON - t) * sla_reward(state_of(out.result.output), sla)
            steps.append(Decision(x, mask, a, logp, value, reward, True))
            return steps
        out = env.step(controls.call(a, state))
        ok = out.result.ok
        controls.observe(out.result.output, ok=ok)
        state = state_of(out.result.output) or out.state
        reward = sla_reward(state, sla) - config.action_cost - (0.0 if ok else config.refused_cost)
        steps.append(Decision(x, mask, a, logp, value, reward, t == HORIZON - 1))
    return steps


def advantages(steps: list[Decision], config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """GAE over a batch of whole episodes (an episode's last step has no successor)."""
    adv = np.zeros(len(steps), dtype=np.float32)
    last = 0.0
    for i in reversed(range(len(steps))):
        s = steps[i]
        next_value = 0.0 if s.done else steps[i + 1].value
        delta = s.reward + config.gamma * next_value - s.value
        last = delta + (0.0 if s.done else config.gamma * config.lam * last)
        adv[i] = last
    returns = adv + np.asarray([s.value for s in steps], dtype=np.float32)
    return adv, returns


def update(
    net: ActorCritic, opt: torch.optim.Optimizer, steps: list[Decision], config: TrainConfig, gen: torch.Generator
) -> None:
    adv, returns = advantages(steps, config)
    x = torch.from_numpy(np.stack([s.x for s in steps]))
    mask = torch.from_numpy(np.stack([s.mask for s in steps]))
    act = torch.tensor([s.action for s in steps])
    old_logp = torch.tensor([s.logp for s in steps])
    adv_t = torch.from_numpy(adv)
    adv_t = (adv_t - adv_t.mean()) / (adv_t.std() + 1e-8)
    ret_t = torch.from_numpy(returns)
    n = len(steps)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, config.minibatch):
            idx = order[start : start + config.minibatch]
            d = net.dist(x[idx], mask[idx])
            ratio = torch.exp(d.log_prob(act[idx]) - old_logp[idx])
            pg = -torch.min(
                ratio * adv_t[idx], torch.clamp(ratio, 1 - config.clip, 1 + config.clip) * adv_t[idx]
            ).mean()
            v = net.critic(x[idx]).squeeze(-1)
            loss = pg + config.value_coef * ((v - ret_t[idx]) ** 2).mean() - config.entropy * d.entropy().mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 0.5)
            opt.step()


# --- persistence of a run in progress ----------------------------------------------------------------------


def _partial(out: Path) -> Path:
    return out.with_name(out.stem + ".partial.safetensors")


def _save_partial(
    out: Path,
    net: ActorCritic,
    opt: torch.optim.Optimizer,
    gen: torch.Generator,
    rng: random.Random,
    progress: dict,
    config: TrainConfig,
) -> None:
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    names = {id(p): k for k, p in net.named_parameters()}
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p, {})
            for key in ("exp_avg", "exp_avg_sq"):
                if key in st:
                    tensors[f"optim.{names[id(p)]}.{key}"] = st[key].detach().numpy().copy()
            if "step" in st:
                tensors[f"optim.{names[id(p)]}.step"] = np.asarray([float(st["step"])], dtype=np.float64)
    tensors["rng.torch"] = gen.get_state().numpy().copy()
    version, internal, gauss = rng.getstate()
    cfg = {
        "format": "sixg-drl-partial",
        "config": asdict(config),
        "progress": progress,
        "python_rng": [version, list(internal), gauss],
    }
    write_policy(_partial(out), tensors, cfg)


def _load_partial(
    out: Path,
    net: ActorCritic,
    opt: torch.optim.Optimizer,
    gen: torch.Generator,
    rng: random.Random,
    config: TrainConfig,
) -> dict | None:
    path = _partial(out)
    if not path.exists():
        return None
    try:
        tensors, cfg = _read_partial(path)
    except CheckpointError:
        return None  # a partial run that cannot be read is started over, not trusted
    if cfg.get("config") != asdict(config):
        return None
    net.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items() if k.startswith(("actor.", "critic."))})
    named = dict(net.named_parameters())
    opt.state.clear()
    for name, p in named.items():
        if f"optim.{name}.exp_avg" in tensors:
            opt.state[p] = {
                "step": torch.tensor(float(tensors[f"optim.{name}.step"][0])),
                "exp_avg": torch.from_numpy(tensors[f"optim.{name}.exp_avg"]),
                "exp_avg_sq": torch.from_numpy(tensors[f"optim.{name}.exp_avg_sq"]),
            }
    gen.set_state(torch.from_numpy(tensors["rng.torch"]))
    version, internal, gauss = cfg["python_rng"]
    rng.setstate((version, tuple(internal), gauss))
    return cfg["progress"]


def _read_partial(path: Path) -> tuple[dict, dict]:
    # Same container as a policy, another format tag: check the hash, skip the policy checks.
    from safetensors.numpy import load_file

    try:
        cfg = json.loads(path.with_suffix(".json").read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"{path} has no readable config") from None
    if cfg.get("format") != "sixg-drl-partial" or hashlib.sha256(path.read_bytes()).hexdigest() != cfg.get(
        "tensors_sha256"
    ):
        raise CheckpointError(f"{path} is not a readable partial run")
    return load_file(str(path)), cfg


# --- the loop ---------------------------------------------------------------------------------------------------


def train(
    out: Path,
    *,
    config: TrainConfig = TrainConfig(),
    surrogate_checkpoint: Path | None = None,
    backend: Backend | None = None,
    resume: bool = True,
    on_update: Callable[[int, float], None] | None = None,
) -> dict:
    """Train a policy and write it to ``out``; returns the training summary stored in its config.

    Args:
        surrogate_checkpoint: The Experiment Model to train on (default: the one shipped with sixg).
        backend: Train on this backend instead of the surrogate (e.g. a test network).
        resume: Continue from ``<out>.partial.safetensors`` if an interrupted run left one.
        on_update: Called after each PPO update with the decisions so far and the mean episode return.
    """
    out = Path(out)
    torch.set_num_threads(1)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    rng = random.Random(config.seed)
    net = ActorCritic(config.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    progress = {"steps": 0, "episodes": 0, "wall_s": 0.0, "returns": []}
    if resume:
        progress = _load_partial(out, net, opt, gen, rng, config) or progress
    elif _partial(out).exists():
        _partial(out).unlink()
    if backend is None:
        kwargs = {"checkpoint": str(surrogate_checkpoint)} if surrogate_checkpoint else {}
        env = NetOpsEnv(backend="surrogate", backend_kwargs=kwargs)
    else:
        env = NetOpsEnv(backend=backend)
    t0 = time.monotonic() - progress["wall_s"]
    returns: list[float] = list(progress["returns"])
    try:
        while progress["steps"] < config.steps:
            batch: list[Decision] = []
            while len(batch) < config.rollout:
                ep = run_episode(env, net, rng, config)
                batch.extend(ep)
                returns.append(sum(s.reward for s in ep))
                progress["episodes"] += 1
            update(net, opt, batch, config, gen)
            progress["steps"] += len(batch)
            progress["wall_s"] = time.monotonic() - t0
            progress["returns"] = returns[-200:]
            _save_partial(out, net, opt, gen, rng, progress, config)
            if on_update is not None:
                on_update(progress["steps"], float(np.mean(returns[-200:])))
    finally:
        env.close()
    summary = {
        "steps": progress["steps"],
        "episodes": progress["episodes"],
        "wall_s": round(progress["wall_s"], 1),
        "final_return": round(float(np.mean(returns[-200:])), 3),
        "max_return": float(HORIZON),
        "seed": config.seed,
        "train_seeds": "1-50",
        "algorithm": "PPO",
        "hyperparameters": asdict(config),
        "backend": _backend_id(backend, surrogate_checkpoint),
    }
    tensors = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    write_policy(out, tensors, policy_config(config.hidden, **summary))
    for p in (_partial(out), _partial(out).with_suffix(".json")):
        p.unlink(missing_ok=True)
    return summary


def _backend_id(backend: Backend | None, checkpoint: Path | None) -> dict:
    """What the policy was trained on: the backend, and for the surrogate its checkpoint's fingerprints."""
    if backend is not None:
        return {"id": backend.id}
    from sixg.surrogate.model import config_path, default_checkpoint

    path = Path(checkpoint) if checkpoint else default_checkpoint()
    try:
        cfg = json.loads(config_path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return {"id": "surrogate", "checkpoint": path.name}
    return {
        "id": "surrogate",
        "checkpoint": path.name,
        "corpus_fingerprint": cfg.get("corpus_fingerprint"),
        "tensors_sha256": cfg.get("tensors_sha256"),
    }
