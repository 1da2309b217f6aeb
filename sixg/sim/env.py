"""The episode API, in the style of Gymnasium: ``reset(*, seed, options)`` and ``step(call)``.

::

    import gymnasium, sixg.sim
    env = gymnasium.make("sixg/NetOps-v0")          # the shipped surrogate by default
    obs, info = env.reset(seed=7)                   # the default task, drawn from the seed
    obs, info = env.reset(seed=7, options={"scenario_seed": 3, "max_steps": 12})  # a quiet network
    out = env.step({"name": "check_network_state", "arguments": "{}"})
    out.observation, out.result, out.state, out.terminated, out.truncated

Options that name no scenario and no situation give the default task of
:mod:`sixg.sim.default` (an overloaded edge server under the managed service, the
scenario's SLA to restore and confirm); otherwise the options describe the episode.
An action is one tool call as a model emits it (see :func:`sixg.tools.coerce_call`;
:mod:`sixg.sim.spaces` declares the canonical shape as the action space).
The observation is the text a language model reads (:mod:`sixg.sim.text`), printable
ASCII of bounded length; ``reset``'s
``info`` carries the same briefing typed (:class:`~sixg.sim.briefing.Briefing`), and each
step's ``info`` (and the :class:`StepResult` properties) the typed
:class:`~sixg.sim.loop.ToolResult` and the state. Options are read by
:mod:`sixg.sim.options`; goals are confirmed by :mod:`sixg.sim.goal`. An episode terminates when a verification tool confirms the goal
(``verify_sla_compliance`` for an SLA, ``validate_mission_completion`` for a mission)
while the network really meets it, and is truncated at the step budget. Every episode
is recorded as a :class:`~sixg.sim.trajectory.Trajectory` that replays exactly.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

import gymnasium

from sixg import ENV_ID  # registered with Gymnasium there, on import of sixg
from sixg.backends.base import Backend, make_backend
from sixg.backends.dual import DualBackend
from sixg.backends.gap import WindowGap
from sixg.domain import NetworkState
from sixg.errors import ResetNeeded, UserError
from sixg.schedule import Schedule, random_schedule
from sixg.sim.briefing import Briefing
from sixg.sim.default import default_episode, describes_situation
from sixg.sim.goal import Confirmations, Goal
from sixg.sim.loop import CoSimulation, ToolResult
from sixg.sim.options import DEFAULT_MAX_STEPS, EpisodeOptions, parse_options, resolve_goal
from sixg.sim.spaces import ToolCallSpace, bounded_observation, observation_space
from sixg.sim.text import intro, render_result
from sixg.sim.trajectory import Trajectory, encode_call
from sixg.tools.catalog import Catalog, default_catalog

__all__ = ["DEFAULT_BACKEND", "DEFAULT_MAX_STEPS", "ENV_ID", "EpisodeOptions", "Goal", "NetOpsEnv", "StepResult", "render_result"]

#: The backend an environment uses unless told otherwise.
DEFAULT_BACKEND = "surrogate"


class StepResult(NamedTuple):
    """Gymnasium's five-tuple, with the typed result and state by name."""

    observation: str
    reward: float
    terminated: bool
    truncated: bool
    info: dict[str, Any]

    @property
    def result(self) -> ToolResult:
        return self.info["result"]

    @property
    def state(self) -> NetworkState:
        return self.info["state"]


class NetOpsEnv(gymnasium.Env):
    """An agent manages a simulated 6G network through the 42 tools, one call per step.

    Args:
        backend: Backend id (looked up in :mod:`sixg.backends`) or a backend instance
            (the environment then leaves closing it to the caller).
        backend_kwargs: Passed to the backend's constructor when it is made by id.
        catalog: The tools; the paper's 42 by default.
        success_reward: Reward when a verification confirms the goal.
        invalid_call_penalty: Subtracted for a call that does not even bind (unknown
            tool, bad JSON, bad arguments); refusals of well-formed calls cost nothing
            but the step.
        options: The ``reset`` options used when ``reset`` is given none, e.g. by a
            vector environment starting the next episode of a finished one.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi"], "render_fps": 2}

    def __init__(
        self,
        *,
        backend: str | Backend = DEFAULT_BACKEND,
        backend_kwargs: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
        success_reward: float = 1.0,
        invalid_call_penalty: float = 0.1,
        render_mode: str | None = None,
        options: dict[str, Any] | None = None,
    ):
        if render_mode not in (None, "ansi"):
            raise UserError(f"render_mode {render_mode!r} is not supported; use 'ansi' or None")
        self.render_mode = render_mode
        self.catalog = catalog or default_catalog()
        self.observation_space = observation_space()
        self.action_space = ToolCallSpace(self.catalog)
        self.success_reward = success_reward
        self.invalid_call_penalty = invalid_call_penalty
        self._backend_kwargs = dict(backend_kwargs or {})
        self._default_options = dict(options or {})
        self._default_backend = backend
        self._backend: Backend | None = backend if isinstance(backend, Backend) else None
        self._owns_backend = False
        self._sim: CoSimulation | None = None
        self._options: EpisodeOptions | None = None
        self._confirmations = Confirmations(Goal())
        self._briefing = Briefing()
        self._steps = 0
        self._windows_seen = 0
        self._done = False
        self._last_observation = ""
        self.trajectory: Trajectory | None = None

    # --- episode -----------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        if seed is None:
            # Continue the seeded sequence when there is one (Gymnasium's determinism contract);
            # a fresh environment draws one. Either way the episode records a seed it can replay.
            seed = (
                int(self.np_random.integers(0, 2**31 - 1))
                if self._np_random is not None
                else secrets.randbelow(2**31 - 1)
            )
        try:
            super().reset(seed=seed)
        except gymnasium.error.Error as exc:  # a negative seed, or not a Python int
            raise UserError(f"bad seed {seed!r}: {exc}; pass a whole number >= 0") from None
        given = self._default_options if options is None else options
        if not isinstance(given, Mapping):
            raise UserError(f"reset options must be a dict of option names to values, not {type(given).__name__}")
        if not describes_situation(given):
            given = {**default_episode(seed), **given}
        opts, scenario = parse_options(given)
        backend = self._backend_for(opts.backend)
        rng = random.Random(seed)
        backend_seed = rng.randrange(1, 2**31 - 1)
        schedule = opts.schedule
        if schedule == "random":
            horizon = opts.max_steps * (opts.think_time_s + 2 * backend.window_s)
            service_gnb = scenario.nearest_gnb(scenario.ue(scenario.service.ue).position).id
            schedule = random_schedule(scenario, rng, duration_s=max(horizon, 10.0), service_gnb=service_gnb)
        goal, intent = resolve_goal(opts, scenario)
        self._options = opts
        self._confirmations = Confirmations(goal)
        self._steps = 0
        self._windows_seen = 0
        self._done = False
        self._sim = CoSimulation(
            backend,
            scenario,
            seed=backend_seed,
            schedule=schedule,
            catalog=self.catalog,
            think_time_s=opts.think_time_s,
        )
        world = self._sim.start()
        if opts.setup:
            for action in opts.setup:
                self._sim.enqueue(action)
            self._sim.wait(backend.window_s)
        self._briefing = Briefing(
            intent=intent,
            max_steps=opts.max_steps,
            window_s=backend.window_s,
            scenario=scenario.summary(),
            gnbs=scenario.gnb_ids,
            uavs=scenario.uav_ids,
            service_ue=scenario.service.ue,
            area=scenario.area,
            sla=goal.sla,
            mission_id=goal.mission.mission_id if goal.mission is not None else None,
        )
        observation = bounded_observation(intro(self._briefing, world.state, t=self._sim.now))
        self._last_observation = observation
        info = {
            "t": self._sim.now,
            "state": world.state,
            "intent": intent,
            "goal": goal,
            "briefing": self._briefing,
            "scenario": scenario.summary(),
            "backend": backend.id,
            "backend_seed": backend_seed,
            "schedule": schedule or Schedule(),
            "tools": self.catalog.schemas(),
        }
        windows = self._new_windows()
        if windows is not None:  # a dual run: the windows its set-up ran, if any
            info["windows"] = windows
        stored = opts.model_dump(mode="json", exclude_none=True)
        stored["schedule"] = (schedule or Schedule()).model_dump(mode="json")
        self.trajectory = Trajectory.begin(
            env_id=ENV_ID,
            seed=seed,
            options=stored,
            backend=backend.id,
            window_s=backend.window_s,
            scenario=scenario,
            intent=intent,
            state=world.state,
            observation=observation,
            windows=None if windows is None else [w.model_dump(mode="json") for w in windows],
        )
        return observation, info

    def step(self, action: Any) -> StepResult:
        if self._sim is None:
            raise ResetNeeded("call reset() before step()")
        if self._done:
            raise ResetNeeded("the episode has ended (terminated or truncated); call reset() for a new one")
        sim = self._sim
        result = sim.run_call(action)
        self._steps += 1
        success = self._confirmations.confirms(result, sim.world)
        terminated = success
        truncated = not terminated and self._steps >= self._options.max_steps
        self._done = terminated or truncated
        reward = self.success_reward if success else 0.0
        if result.error is not None and result.error.kind != "refused":
            reward -= self.invalid_call_penalty
        state = sim.world.state
        result_json = result.model_dump(mode="json")
        observation = bounded_observation(
            render_result(result, steps_left=self._options.max_steps - self._steps, dumped=result_json)
        )
        self._last_observation = observation
        info = {
            "t": sim.now,
            "step": self._steps,
            "result": result,
            "state": state,
            "backend": sim.world.snapshot.backend,
            "confirmed": sorted(self._confirmations.confirmed),
            "success": success,
            # Ground truth for evaluation; no tool reveals it to the agent.
            "degradations": sim.world.snapshot.degradations,
        }
        windows = self._new_windows()
        if windows is not None:
            # A dual run: the windows this call spanned, both backends' measurements and their gap.
            info["windows"] = windows
        self.trajectory.add_step(
            call=encode_call(action),
            result=result_json,
            state=state,
            t=sim.now,
            backend=sim.world.snapshot.backend,
            reward=reward,
            terminated=terminated,
            truncated=truncated,
            observation=observation,
            windows=None if windows is None else [w.model_dump(mode="json") for w in windows],
        )
        return StepResult(observation, reward, terminated, truncated, info)

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return self._last_observation
        return None

    def close(self) -> None:
        if self._backend is not None and self._owns_backend:
            self._backend.close()
            self._backend = None
        self._sim = None

    # --- introspection ----------------------------------------------------------------------------
    @property
    def sim(self) -> CoSimulation:
        """The running co-simulation (its world, clock and backend)."""
        if self._sim is None:
            raise ResetNeeded("call reset() first")
        return self._sim

    @property
    def goal(self) -> Goal:
        return self._confirmations.goal

    @property
    def briefing(self) -> Briefing:
        """What the episode's first observation told the agent (also ``reset``'s ``info["briefing"]``)."""
        return self._briefing

    @property
    def steps(self) -> int:
        return self._steps

    # --- internals ---------------------------------------------------------------------------------
    def _new_windows(self) -> tuple[WindowGap, ...] | None:
        """The dual windows measured since the last reset or step; None when the backend is not dual."""
        if not isinstance(self._sim.backend, DualBackend):
            return None
        windows = self._sim.dual_windows
        new, self._windows_seen = tuple(windows[self._windows_seen :]), len(windows)
        return new

    def _backend_for(self, backend_id: str | None) -> Backend:
        wanted = backend_id or (
            self._default_backend if isinstance(self._default_backend, str) else self._default_backend.id
        )
        if self._backend is not None and self._backend.id == wanted:
            return self._backend
        if self._backend is not None and self._owns_backend:
            self._backend.close()
        self._backend = make_backend(wanted, **self._backend_kwargs)
        self._owns_backend = True
        return self._backend
