"""The co-simulation: one SimPy clock for the network, the degradations and the agent.

* :class:`CoSimulation` -- the loop itself (:mod:`sixg.sim.loop`);
* :class:`NetOpsEnv` -- the episode API in Gymnasium's style, registered as
  ``"sixg/NetOps-v0"`` (importing this package registers it);
* :class:`Trajectory` and :func:`replay` -- episodes as JSONL, replayed exactly;
* :func:`run_episode` -- drive an agent (:class:`sixg.agents.Agent`) through an episode.
"""

from gymnasium.envs.registration import register, registry

from sixg.sim.env import DEFAULT_BACKEND, ENV_ID, EpisodeOptions, Goal, NetOpsEnv, StepResult, render_result
from sixg.sim.loop import CoSimulation, ToolResult
from sixg.sim.runner import EpisodeResult, run_episode
from sixg.sim.trajectory import ReplayReport, Trajectory, replay

if ENV_ID not in registry:
    register(id=ENV_ID, entry_point="sixg.sim.env:NetOpsEnv")

__all__ = [
    "DEFAULT_BACKEND",
    "ENV_ID",
    "CoSimulation",
    "EpisodeOptions",
    "EpisodeResult",
    "Goal",
    "NetOpsEnv",
    "ReplayReport",
    "StepResult",
    "ToolResult",
    "Trajectory",
    "render_result",
    "replay",
    "run_episode",
]
