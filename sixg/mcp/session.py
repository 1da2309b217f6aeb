"""One episode served to an outside client: the same environment, boundary and trajectory as ``env.step``.

:class:`EpisodeSession` is plain synchronous Python (no MCP in it), so what the server
does with a call can be tested and reused on its own: it resets a
:class:`~sixg.sim.NetOpsEnv`, sends each call through ``env.step`` and saves the
episode's trajectory after every step, in the format ``python -m sixg.bench`` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from sixg.domain import Frozen
from sixg.errors import ResetNeeded, UserError, validation_problems
from sixg.scenario import Split
from sixg.sim import NetOpsEnv, StepResult
from sixg.tools import Effect, ToolCall, ToolSpec
from sixg.tools.schema import strict_json_schema

#: The name of the tool that starts a new episode (it is not one of the catalog's 42).
RESET_TOOL = "reset_episode"


class ResetArguments(Frozen):
    """Start a new episode: a new topology, seed and degradations; the old episode's trajectory stays on disk."""

    seed: int = Field(default=1, ge=0, le=2**31 - 2, description="Episode seed: fixes the backend's randomness and the degradations.")
    scenario_seed: int = Field(default=1, ge=1, le=80, description="Topology seed: 1-50 training, 51-80 benchmark.")
    split: Split = Field(default=Split.TRAIN, description="The split scenario_seed belongs to: train or benchmark.")
    degradations: Literal["none", "random"] = Field(default="random", description="random: degradations drawn from the seed; none: a quiet network.")
    max_steps: int = Field(default=30, ge=1, le=1000, description="Tool calls allowed before the episode is cut off.")

    def options(self) -> dict[str, Any]:
        """The environment's ``reset(options=...)``."""
        out: dict[str, Any] = {"scenario_seed": self.scenario_seed, "split": self.split.value, "max_steps": self.max_steps}
        if self.degradations == "random":
            out["schedule"] = "random"
        return out


def reset_schema() -> dict[str, Any]:
    """The reset tool's JSON schema, derived from :class:`ResetArguments`.

    Unlike a network tool's strict schema, every field is optional and states its default,
    because that is what the validator does with a field the client leaves out.
    """
    schema = strict_json_schema(ResetArguments.model_json_schema())
    defaults = ResetArguments().model_dump(mode="json")
    for name, value in defaults.items():
        schema["properties"][name]["default"] = value
    schema["required"] = [n for n in schema["properties"] if n not in defaults]
    return schema


def annotation_hints(spec: ToolSpec) -> dict[str, bool]:
    """MCP tool hints from a tool's effect class.

    Observation tools only read. Reasoning tools compute from their inputs, except the
    UAV commands that also act (``spec.acts``): those change the network but undo
    nothing. Configuration tools reconfigure the network, replacing the previous
    setting, hence destructive. Nothing reaches outside the simulated network.
    """
    if spec.effect is Effect.OBSERVATION:
        return {"read_only_hint": True, "destructive_hint": False, "idempotent_hint": False, "open_world_hint": False}
    if spec.effect is Effect.REASONING and not spec.acts:
        return {"read_only_hint": True, "destructive_hint": False, "idempotent_hint": True, "open_world_hint": False}
    if spec.effect is Effect.REASONING:
        return {"read_only_hint": False, "destructive_hint": False, "idempotent_hint": False, "open_world_hint": False}
    return {"read_only_hint": False, "destructive_hint": True, "idempotent_hint": False, "open_world_hint": False}


class EpisodeSession:
    """An environment serving one episode at a time to a client that sends tool calls.

    Args:
        backend: Backend id (``surrogate``, ``ns3``, ``dual``).
        trajectory_dir: Where each episode's JSONL trajectory is written (and rewritten after each step).
        first: The first episode; a client starts later ones with :data:`RESET_TOOL`.
    """

    def __init__(self, *, backend: str = "surrogate", trajectory_dir: str | Path = "runs/mcp", first: ResetArguments | None = None):
        self.backend = backend
        self.trajectory_dir = Path(trajectory_dir)
        self.first = first or ResetArguments()
        self._env: NetOpsEnv | None = None
        self._episodes = 0
        self._reset_info: dict[str, Any] | None = None
        self._last: StepResult | None = None
        self.trajectory_path: Path | None = None

    @property
    def env(self) -> NetOpsEnv:
        if self._env is None:
            raise ResetNeeded("the session has not started an episode; call start() or reset()")
        return self._env

    @property
    def catalog(self):
        return self.env.catalog

    def start(self) -> str:
        """Make the environment and start the first episode; returns what the agent reads first."""
        self._env = NetOpsEnv(backend=self.backend)
        return self.reset(self.first)

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
            self._env = None

    def reset(self, arguments: ResetArguments | dict[str, Any]) -> str:
        """Start a new episode; :class:`UserError` if the arguments do not validate."""
        if not isinstance(arguments, ResetArguments):
            try:
                arguments = ResetArguments.model_validate(arguments)
            except ValidationError as exc:
                raise UserError(f"bad {RESET_TOOL} arguments: {validation_problems(exc, whole='arguments')}") from None
        observation, info = self.env.reset(seed=arguments.seed, options=arguments.options())
        self._reset_info = info
        self._last = None
        self._episodes += 1
        name = f"episode-{self._episodes:03d}-s{arguments.scenario_seed:02d}-seed{arguments.seed}.jsonl"
        self.trajectory_path = self.env.trajectory.save(self.trajectory_dir / name)
        return observation

    def call(self, name: str, arguments: Any) -> StepResult:
        """One tool call, exactly as ``env.step`` takes it; the trajectory is saved after it.

        Arguments of any shape go to the boundary as they came, so a list or a number is the
        same ``malformed_arguments`` error result an agent would get, not an empty call.
        :class:`ResetNeeded` once the episode has ended (the client must reset).
        """
        if isinstance(arguments, (str, dict)):
            call: Any = ToolCall(name=name, arguments=arguments)
        else:  # not a shape ToolCall holds: the boundary reads it raw and refuses it
            call = {"name": name, "arguments": arguments}
        out = self.env.step(call)
        self._last = out
        self.env.trajectory.save(self.trajectory_path)
        return out

    # --- what a client can read -------------------------------------------------------------
    @property
    def intent(self) -> str:
        if self._reset_info is None:
            raise ResetNeeded("no episode has started")
        return self._reset_info["intent"]

    @property
    def introduction(self) -> str:
        """The text the agent read at reset: intent, scenario, how to confirm, the first state."""
        return self.env.trajectory.header["observation"]

    def status(self) -> dict[str, Any]:
        """The episode as JSON data: time, step, state, goal and whether it has ended."""
        info = self._reset_info
        if info is None:
            raise ResetNeeded("no episode has started")
        last = self._last
        trajectory = self.env.trajectory
        return {
            "intent": info["intent"],
            "scenario": info["scenario"],
            "backend": info["backend"],
            "goal": info["goal"].model_dump(mode="json"),
            "t": last.info["t"] if last else info["t"],
            "step": last.info["step"] if last else 0,
            "max_steps": trajectory.header["options"]["max_steps"],
            "state": (last.state if last else info["state"]).model_dump(mode="json"),
            "terminated": bool(last and last.terminated),
            "truncated": bool(last and last.truncated),
            "trajectory": str(self.trajectory_path),
        }
