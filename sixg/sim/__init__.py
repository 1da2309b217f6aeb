"""The co-simulation: one SimPy clock for the network, the degradations and the agent.

* :class:`CoSimulation` -- the loop itself (:mod:`sixg.sim.loop`);
* :class:`NetOpsEnv` -- the episode API in Gymnasium's style, registered as
  ``"sixg/NetOps-v0"`` (importing sixg registers it; ``gymnasium.make_vec``
  builds :class:`~sixg.sim.vector.NetOpsVectorEnv`); its spaces (:mod:`~sixg.sim.spaces`), options
  (:mod:`~sixg.sim.options`), goal confirmation (:mod:`~sixg.sim.goal`), the agent's
  typed :class:`Briefing` and :class:`Observation` (:mod:`~sixg.sim.briefing`) and the
  text a model reads (:mod:`~sixg.sim.text`) each have a module;
* :class:`Trajectory` and :func:`replay` -- episodes as JSONL, replayed exactly;
* :func:`run_episode` -- drive an agent (:class:`sixg.agents.Agent`) through an episode.
"""

from sixg.sim.briefing import Briefing, Observation
from sixg.sim.env import DEFAULT_BACKEND, ENV_ID, NetOpsEnv, StepResult
from sixg.sim.goal import Goal
from sixg.sim.loop import CoSimulation, ToolResult
from sixg.sim.options import EpisodeOptions
from sixg.sim.runner import EpisodeResult, run_episode
from sixg.sim.text import render_result
from sixg.sim.trajectory import ReplayReport, Trajectory, replay



__all__ = [
    "Briefing",
    "DEFAULT_BACKEND",
    "ENV_ID",
    "CoSimulation",
    "EpisodeOptions",
    "EpisodeResult",
    "Goal",
    "NetOpsEnv",
    "Observation",
    "ReplayReport",
    "StepResult",
    "ToolResult",
    "Trajectory",
    "render_result",
    "replay",
    "run_episode",
]
