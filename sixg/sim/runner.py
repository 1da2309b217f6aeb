"""Drive an agent through one episode of a :class:`~sixg.sim.env.NetOpsEnv`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sixg.agents.base import Agent, Observation
from sixg.domain import NetworkState
from sixg.sim.env import NetOpsEnv
from sixg.sim.trajectory import Trajectory


@dataclass(frozen=True)
class EpisodeResult:
    """How an episode ended."""

    steps: int
    success: bool
    terminated: bool
    truncated: bool
    #: The agent returned no call and so ended the episode itself.
    stopped: bool
    total_reward: float
    t_end: float
    final_state: NetworkState
    trajectory: Trajectory


def run_episode(
    env: NetOpsEnv, agent: Agent, *, seed: int | None = None, options: dict[str, Any] | None = None
) -> EpisodeResult:
    """Reset ``env`` and ``agent``, then alternate ``agent.act`` and ``env.step`` until the episode ends.

    The agent reads an :class:`~sixg.agents.Observation` per step: the text a model reads,
    plus the typed result and state for rule-based policies.
    """
    text, info = env.reset(seed=seed, options=options)
    agent.reset(intent=info["intent"], tools=info["tools"], seed=seed)
    observation = Observation(text=text, step=0, t=info["t"], state=info["state"], info={"scenario": info["scenario"]})
    total = 0.0
    terminated = truncated = stopped = False
    while not (terminated or truncated):
        call = agent.act(observation)
        if call is None:
            stopped = True
            break
        out = env.step(call)
        total += out.reward
        terminated, truncated = out.terminated, out.truncated
        result = out.result
        observation = Observation(
            text=out.observation,
            step=out.info["step"],
            t=out.info["t"],
            state=out.state,
            tool_name=result.tool,
            tool_result=result.output,
            error=result.error.message if result.error else None,
            info={"success": out.info["success"]},
        )
    sim = env.sim
    return EpisodeResult(
        steps=env.steps,
        success=terminated,
        terminated=terminated,
        truncated=truncated,
        stopped=stopped,
        total_reward=total,
        t_end=sim.now,
        final_state=sim.world.state,
        trajectory=env.trajectory,
    )
