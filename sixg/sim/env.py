"""The episode API, in the style of Gymnasium: ``reset(*, seed, options)`` and ``step(call)``.

::

    import gymnasium, sixg.sim
    env = gymnasium.make("sixg/NetOps-v0")          # backend "ns3" by default
    obs, info = env.reset(seed=7, options={"scenario_seed": 3, "max_steps": 12})
    out = env.step({"name": "check_network_state", "arguments": "{}"})
    out.observation, out.result, out.state, out.terminated, out.truncated

An action is one tool call as a model emits it (see :func:`sixg.tools.coerce_call`).
The observation is the text a language model reads; ``info`` (and the
:class:`StepResult` properties) carries the typed :class:`~sixg.sim.loop.ToolResult`
and the state. An episode terminates when a verification tool confirms the goal
(``verify_sla_compliance`` for an SLA, ``validate_mission_completion`` for a mission)
while the network really meets it, and is truncated at the step budget. Every episode
is recorded as a :class:`~sixg.sim.trajectory.Trajectory` that replays exactly.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import string
from typing import Any, ClassVar, Literal, NamedTuple

import gymnasium
from gymnasium import spaces
from pydantic import Field, ValidationError

from sixg.actions import Action
from sixg.backends.base import Backend, make_backend
from sixg.domain import Frozen, NetworkState, SLASpec
from sixg.errors import ResetNeeded, UserError
from sixg.scenario import Scenario, Split, generate
from sixg.schedule import Schedule, random_schedule
from sixg.sim.loop import DEFAULT_THINK_TIME_S, CoSimulation, ToolResult
from sixg.sim.trajectory import Trajectory, encode_call
from sixg.tools.analysis import sla_from_text
from sixg.tools.catalog import Catalog, default_catalog
from sixg.tools.measures import sla_covers
from sixg.tools.mission import mission_outcome
from sixg.tools.types import MissionSpec

#: The backend an environment uses unless told otherwise.
DEFAULT_BACKEND = "surrogate"
ENV_ID = "sixg/NetOps-v0"
DEFAULT_MAX_STEPS = 30
_TEXT = spaces.Text(max_length=1_000_000, charset=string.printable)


class Goal(Frozen):
    """What the episode's intent asks for; each part is confirmed by its verification tool."""

    sla: SLASpec | None = Field(default=None, description="Confirmed by verify_sla_compliance.")
    mission: MissionSpec | None = Field(default=None, description="Confirmed by validate_mission_completion.")


class EpisodeOptions(Frozen):
    """``reset(options=...)``: everything that makes an episode, besides the seed."""

    scenario_seed: int = Field(default=1, ge=1, le=80, description="Topology seed (training 1-50, benchmark 51-80).")
    split: Split = Field(default=Split.TRAIN, description="The split the seed must belong to.")
    backend: str | None = Field(default=None, description="Backend id; None keeps the environment's.")
    schedule: Schedule | Literal["random"] | None = Field(
        default=None, description='Degradations; "random" draws them from the seed.'
    )
    intent: str | None = Field(
        default=None, max_length=2000, description="The operator's intent, as the agent reads it."
    )
    goal: Goal | None = Field(
        default=None, description="What confirms the intent; by default the intent's SLA targets."
    )
    setup: tuple[Action, ...] = Field(
        default=(),
        max_length=20,
        description="Actions applied in a first window before the agent starts (the situation it takes over), e.g. the service already at the edge.",
    )
    max_steps: int = Field(default=DEFAULT_MAX_STEPS, ge=1, le=10_000)
    think_time_s: float = Field(
        default=DEFAULT_THINK_TIME_S, ge=0.0, le=600.0, description="Simulated time per decision."
    )


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
    ):
        if render_mode not in (None, "ansi"):
            raise UserError(f"render_mode {render_mode!r} is not supported; use 'ansi' or None")
        self.render_mode = render_mode
        self.observation_space = _TEXT
        self.action_space = _TEXT
        self.catalog = catalog or default_catalog()
        self.success_reward = success_reward
        self.invalid_call_penalty = invalid_call_penalty
        self._backend_kwargs = dict(backend_kwargs or {})
        self._default_backend = backend
        self._backend: Backend | None = backend if isinstance(backend, Backend) else None
        self._owns_backend = False
        self._sim: CoSimulation | None = None
        self._options: EpisodeOptions | None = None
        self._goal = Goal()
        self._confirmed: set[str] = set()
        self._steps = 0
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
        super().reset(seed=seed)
        opts, scenario = self._parse_options(options or {})
        backend = self._backend_for(opts.backend)
        rng = random.Random(seed)
        backend_seed = rng.randrange(1, 2**31 - 1)
        schedule = opts.schedule
        if schedule == "random":
            horizon = opts.max_steps * (opts.think_time_s + 2 * backend.window_s)
            service_gnb = scenario.nearest_gnb(scenario.ue(scenario.service.ue).position).id
            schedule = random_schedule(scenario, rng, duration_s=max(horizon, 10.0), service_gnb=service_gnb)
        goal, intent = self._resolve_goal(opts, scenario)
        self._options = opts
        self._goal = goal
        self._confirmed = set()
        self._steps = 0
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
        observation = _intro(intent, scenario, goal, world.state, opts.max_steps, t=self._sim.now)
        self._last_observation = observation
        info = {
            "t": self._sim.now,
            "state": world.state,
            "intent": intent,
            "goal": goal,
            "scenario": scenario.summary(),
            "backend": backend.id,
            "backend_seed": backend_seed,
            "schedule": schedule or Schedule(),
            "tools": self.catalog.schemas(),
        }
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
        success = self._confirms(result)
        terminated = success
        truncated = not terminated and self._steps >= self._options.max_steps
        self._done = terminated or truncated
        reward = self.success_reward if success else 0.0
        if result.error is not None and result.error.kind != "refused":
            reward -= self.invalid_call_penalty
        state = sim.world.state
        result_json = result.model_dump(mode="json")
        observation = render_result(result, steps_left=self._options.max_steps - self._steps, dumped=result_json)
        self._last_observation = observation
        info = {
            "t": sim.now,
            "step": self._steps,
            "result": result,
            "state": state,
            "backend": sim.world.snapshot.backend,
            "confirmed": sorted(self._confirmed),
            "success": success,
            # Ground truth for evaluation; no tool reveals it to the agent.
            "degradations": sim.world.snapshot.degradations,
        }
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
        return self._goal

    @property
    def steps(self) -> int:
        return self._steps

    # --- internals ---------------------------------------------------------------------------------
    def _parse_options(self, options: dict[str, Any]) -> tuple[EpisodeOptions, Scenario]:
        try:
            opts = EpisodeOptions.model_validate(options)
            scenario = generate(opts.scenario_seed, split=opts.split)
            # Again with the scenario at hand, so ids and positions in the goal are checked.
            opts = EpisodeOptions.model_validate(options, context={"scenario": scenario})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise UserError(f"bad reset options: {problems}") from None
        return opts, scenario

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

    def _resolve_goal(self, opts: EpisodeOptions, scenario: Scenario) -> tuple[Goal, str]:
        goal = opts.goal
        if goal is None:
            goal = Goal(sla=sla_from_text(opts.intent, scenario.sla) if opts.intent else scenario.sla)
        intent = opts.intent or _intent_text(goal)
        return goal, intent

    def _confirms(self, result: ToolResult) -> bool:
        """Whether this call completes the goal.

        A verification confirms its part of the goal when it comes back positive for a spec
        that covers the goal's (an SLA at least as strict, the same mission). The episode
        succeeds when every part has been confirmed and the network really meets the goal
        at this moment, whatever values the agent passed.
        """
        if not result.ok:
            return False
        goal = self._goal
        if result.tool == "verify_sla_compliance" and result.output.compliant:
            if goal.sla is None or sla_covers(SLASpec.model_validate(result.arguments["sla"]), goal.sla):
                self._confirmed.add("sla")
        elif result.tool == "validate_mission_completion" and result.output.complete:
            if goal.mission is None or result.arguments["mission"]["mission_id"] == goal.mission.mission_id:
                self._confirmed.add("mission")
        else:
            return False
        needed = {part for part in ("sla", "mission") if getattr(goal, part) is not None}
        if not needed:  # no goal given: any positive verification ends the episode
            return bool(self._confirmed)
        if not needed <= self._confirmed:
            return False
        world = self._sim.world
        if goal.sla is not None and goal.sla.violations(world.sustained_state()):
            return False
        return goal.mission is None or mission_outcome(world, goal.mission).complete


# --- what the model reads ---------------------------------------------------------------------------


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.5g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def render_result(result: ToolResult, *, steps_left: int | None = None, dumped: dict[str, Any] | None = None) -> str:
    """The text a language model reads after a call (``dumped``: the result as JSON data, if at hand)."""
    head = f"[t={result.t_done:.2f} s] {result.tool or '?'}"
    left = f"\n({steps_left} step(s) left)" if steps_left is not None else ""
    if result.ok:
        data = (dumped or result.model_dump(mode="json", include={"output"}))["output"]
        return f"{head} -> {json.dumps(_rounded(data), separators=(', ', ': '))}{left}"
    return f"{head} -> error ({result.error.kind}): {result.error.message}{left}"


def _intent_text(goal: Goal) -> str:
    parts = []
    if goal.sla is not None:
        s = goal.sla
        parts.append(
            f"Keep the managed service within its SLA: latency below {s.max_latency_ms:g} ms, jitter below {s.max_jitter_ms:g} ms, "
            f"loss below {s.max_loss_rate * 100:g} %, throughput at least {s.min_throughput_mbps:g} Mbit/s."
        )
    if goal.mission is not None:
        m = goal.mission
        parts.append(
            f"Complete mission {m.mission_id}: {', '.join(m.uavs)} must pass {len(m.targets)} target(s), keeping {m.min_battery_fraction:.0%} battery."
        )
    return " ".join(parts) or "Manage the network."


def _intro(intent: str, scenario: Scenario, goal: Goal, state: NetworkState, max_steps: int, *, t: float = 0.0) -> str:
    xmin, ymin, xmax, ymax = scenario.area
    lines = [
        f"Intent: {intent}",
        (
            f"Scenario: {scenario.summary()}. Base stations: {', '.join(scenario.gnb_ids)}. UAVs: {', '.join(scenario.uav_ids) or 'none'}. "
            f"Service UE: {scenario.service.ue}. Operating area: x {xmin:.0f}..{xmax:.0f} m, y {ymin:.0f}..{ymax:.0f} m."
        ),
    ]
    confirm = []
    if goal.sla is not None:
        confirm.append(
            f"verify_sla_compliance with the current state and an SLA at least as strict as {json.dumps(goal.sla.model_dump(mode='json'))}"
        )
    if goal.mission is not None:
        confirm.append(f"validate_mission_completion for mission {goal.mission.mission_id!r}")
    if confirm:
        lines.append("Finish by confirming with " + " and ".join(confirm) + ".")
    lines.append(
        f"[t={t:.2f} s] network state: {json.dumps(_rounded(state.model_dump(mode='json')), separators=(', ', ': '))}"
    )
    lines.append(f"You have {max_steps} step(s).")
    return "\n".join(lines)
