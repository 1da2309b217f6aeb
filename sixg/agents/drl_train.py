"""Training the DRL-Slicing policy on the surrogate with fitted Q-iteration (training seeds 1-50 only).

Each episode takes a random training scenario, a random degradation schedule (one
degradation under way from the start, more drawn by :func:`sixg.schedule.random_schedule`),
often a tighter latency target or a different starting configuration, and acts through
the same tools and the same :class:`~sixg.agents.drl.Controls` the agent uses at benchmark
time. After each action the reward is how well the state the tool returns meets the SLA
(:func:`~sixg.agents.drl.sla_reward`), minus a small cost per action; choosing ``noop``
ends the episode with the state held for the rest of the horizon.

The policy is a Q-network: experience is gathered with a random policy first, then
epsilon-greedy with the current network, and the network is fitted again and again to
``r + gamma * max_a' Q(x', a')`` over everything gathered (a deep, off-policy variant of
value iteration that needs no tuning of its own to stay stable on this small problem). The
Q-values are stored as the policy's action scores; the agent picks the highest allowed.
Runs are seeded: an interrupted run is simply started again and ends the same.
"""

from __future__ import annotations

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
from sixg.scenario import generate
from sixg.schedule import Schedule, ScheduledEvent, random_degradation, random_schedule
from sixg.sim.env import NetOpsEnv

TRAIN_SEEDS = range(1, 51)
DEGRADATIONS = ("interference", "backhaul", "congestion", "edge_overload")


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 24_000  # decisions gathered in all
    seed: int = 0
    hidden: int = 64
    random_fraction: float = 0.5  # share of the decisions gathered with a random policy
    epsilon: float = 0.3  # exploration once the network acts
    rounds: int = 4  # gather-then-fit rounds after the random phase
    iterations: int = 12  # Q-iterations per fit
    epochs: int = 3  # passes over the data per Q-iteration
    minibatch: int = 256
    lr: float = 1e-3
    gamma: float = 0.95
    action_cost: float = 0.05
    refused_cost: float = 0.2


class QNet(nn.Module):
    """Action values from the policy features; same layout as the stored actor."""

    def __init__(self, hidden: int):
        super().__init__()
        self.actor = nn.Sequential(
            nn.Linear(len(FEATURES), hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, len(ACTIONS))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.actor(x)


@dataclass
class Transition:
    x: np.ndarray
    mask: np.ndarray
    action: int
    reward: float
    x_next: np.ndarray | None
    mask_next: np.ndarray | None


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
    if rng.random() < 0.5:
        # A tighter latency target than the scenario's: many intents ask for one.
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


def run_episode(env: NetOpsEnv, q: QNet | None, rng: random.Random, config: TrainConfig, epsilon: float) -> list[Transition]:
    """One episode, acting epsilon-greedily with ``q`` (randomly when ``q`` is None)."""
    options, sla = episode_options(rng)
    env.reset(seed=rng.randrange(2**31 - 1), options=options)
    telemetry = env.step(call("read_telemetry")).result.output
    controls = Controls.from_telemetry(telemetry, sla, window_s=env.briefing.window_s)
    state = telemetry.state
    out_steps: list[Transition] = []
    for t in range(HORIZON):
        x = controls.features(state, t / HORIZON)
        mask = controls.mask(state)
        allowed = [i for i, ok in enumerate(mask) if ok]
        if q is None or rng.random() < epsilon:
            a = rng.choice(allowed)
        else:
            with torch.no_grad():
                values = q(torch.from_numpy(x)[None])[0].numpy()
            a = max(allowed, key=lambda i: values[i])
        if a == 0:
            out = env.step(call("check_network_state"))
            reward = (HORIZON - t) * sla_reward(state_of(out.result.output), sla)
            out_steps.append(Transition(x, mask, a, reward, None, None))
            return out_steps
        out = env.step(controls.call(a, state))
        ok = out.result.ok
        controls.observe(out.result.output, ok=ok)
        state = state_of(out.result.output) or out.state
        reward = sla_reward(state, sla) - config.action_cost - (0.0 if ok else config.refused_cost)
        last = t == HORIZON - 1
        x_next = None if last else controls.features(state, (t + 1) / HORIZON)
        out_steps.append(Transition(x, mask, a, reward, x_next, None if last else controls.mask(state)))
    return out_steps


def fit(q: QNet, data: list[Transition], config: TrainConfig, gen: torch.Generator) -> float:
    """Fitted Q-iteration over ``data``; returns the last mean squared error."""
    x = torch.from_numpy(np.stack([d.x for d in data]))
    a = torch.tensor([d.action for d in data])
    r = torch.tensor([d.reward for d in data], dtype=torch.float32)
    has_next = torch.tensor([d.x_next is not None for d in data])
    xn = torch.from_numpy(np.stack([d.x_next if d.x_next is not None else d.x for d in data]))
    mn = torch.from_numpy(np.stack([d.mask_next if d.mask_next is not None else d.mask for d in data]))
    opt = torch.optim.Adam(q.parameters(), lr=config.lr)
    loss_value = 0.0
    for _ in range(config.iterations):
        with torch.no_grad():
            nxt = q(xn).masked_fill(~mn, -1e9).max(dim=1).values
            target = r + config.gamma * torch.where(has_next, nxt, torch.zeros_like(nxt))
        for _ in range(config.epochs):
            order = torch.randperm(len(data), generator=gen)
            for start in range(0, len(data), config.minibatch):
                idx = order[start : start + config.minibatch]
                pred = q(x[idx]).gather(1, a[idx, None])[:, 0]
                loss = ((pred - target[idx]) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                loss_value = float(loss.detach())
    return loss_value


def train(
    out: Path,
    *,
    config: TrainConfig = TrainConfig(),
    surrogate_checkpoint: Path | None = None,
    backend: Backend | None = None,
    on_update: Callable[[int, float], None] | None = None,
) -> dict:
    """Train a policy and write it to ``out``; returns the training summary stored in its config.

    Args:
        surrogate_checkpoint: The Experiment Model to train on (default: the one shipped with sixg).
        backend: Train on this backend instead of the surrogate (e.g. a test network).
        on_update: Called after each gathering round with the decisions so far and the mean
            return of the round's episodes.
    """
    out = Path(out)
    torch.set_num_threads(1)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    rng = random.Random(config.seed)
    q = QNet(config.hidden)
    if backend is None:
        kwargs = {"checkpoint": str(surrogate_checkpoint)} if surrogate_checkpoint else {}
        env = NetOpsEnv(backend="surrogate", backend_kwargs=kwargs)
    else:
        env = NetOpsEnv(backend=backend)
    t0 = time.monotonic()
    data: list[Transition] = []
    episodes = 0
    returns: list[float] = []
    random_steps = int(config.steps * config.random_fraction)
    per_round = max(1, (config.steps - random_steps) // max(1, config.rounds))
    try:
        plan = [(random_steps, None)] + [(per_round, config.epsilon)] * config.rounds
        for round_steps, eps in plan:
            gathered, round_returns = 0, []
            while gathered < round_steps:
                ep = run_episode(env, None if eps is None else q, rng, config, 1.0 if eps is None else eps)
                data.extend(ep)
                gathered += len(ep)
                episodes += 1
                round_returns.append(sum(s.reward for s in ep))
            returns = round_returns
            fit(q, data, config, gen)
            if on_update is not None:
                on_update(len(data), float(np.mean(round_returns)))
    finally:
        env.close()
    summary = {
        "steps": len(data),
        "episodes": episodes,
        "wall_s": round(time.monotonic() - t0, 1),
        "final_return": round(float(np.mean(returns)), 3),
        "max_return": float(HORIZON),
        "seed": config.seed,
        "train_seeds": "1-50",
        "algorithm": "fitted Q-iteration",
        "hyperparameters": asdict(config),
        "backend": _backend_id(backend, surrogate_checkpoint),
    }
    tensors = {k: v.detach().numpy().copy() for k, v in q.state_dict().items()}
    write_policy(out, tensors, policy_config(config.hidden, **summary))
    return summary


def _backend_id(backend: Backend | None, checkpoint: Path | None) -> dict:
    """What the policy was trained on: the backend, and for the surrogate its checkpoint's fingerprints."""
    if backend is not None:
        return {"id": backend.id}
    from sixg.checkpoint import config_path
    from sixg.surrogate.model import default_checkpoint

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
