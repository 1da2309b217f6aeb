"""Drive an agent through one episode of a :class:`~sixg.sim.env.NetOpsEnv`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sixg.domain import NetworkState
from sixg.sim.briefing import Observation
from sixg.sim.env import NetOpsEnv
from sixg.sim.trajectory import Trajectory


class Policy(Protocol):
    """What :func:`run_episode` drives: the two methods of :class:`sixg.agents.Agent` it calls."""

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None: ...

    def act(self, observation: Observation) -> Any: ...


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
    env: NetOpsEnv, agent: Policy, *, seed: int | None = None, options: dict[str, Any] | None = None
) -> EpisodeResult:
    """Reset ``env`` and ``agent``, then alternate ``agent.act`` and ``env.step`` until the episode ends.

    The agent reads an :class:`~sixg.sim.briefing.Observation` per step: the text a model
    reads, plus the briefing, the typed result and the state for rule-based policies.
    """
    text, info = env.reset(seed=seed, options=options)
    agent.reset(intent=info["intent"], tools=info["tools"], seed=seed)
    briefing = info["briefing"]
    observation = Observation(
        text=text, step=0, t=info["t"], state=info["state"], briefing=briefing, info={"scenario": info["scenario"]}
    )
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
            briefing=briefing,
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
