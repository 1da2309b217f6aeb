"""The co-simulation loop: one SimPy clock for the network, the degradations and the agent.

Three kinds of process share :attr:`CoSimulation.env`:

* the **network**: at every window boundary it hands the actions queued so far to the
  backend, which advances exactly one window; when that window's simulated time has
  passed, the measurement enters the world and whoever waited on an action is resumed
  with its result;
* the **degradations**: each scheduled onset or recovery joins the queue at its own
  time, whatever the agent is doing;
* the **agent's calls**: think, call a tool, wait for it, observe. Observation and
  Reasoning tools take their declared latency and read the world as it is when they
  complete; acting tools queue their action for the next boundary and complete when
  the window that applied it has been measured.

So a degradation can land while a configuration is taking effect, and an agent that
thinks long sees the network drift before its call lands.

An agent can be a SimPy process itself, yielding its calls::

    def operator(sim):
        while True:
            state = (yield sim.call({"name": "check_network_state"})).output
            if state.slice.value == "eMBB" and state.latency_ms > 80:
                yield sim.call({"name": "switch_network_slice", "arguments": {"from_slice": "eMBB", "to_slice": "URLLC"}})

    sim.env.process(operator(sim))
    sim.env.run(until=30)

or be driven step by step from outside (:meth:`CoSimulation.run_call`, which
:class:`~sixg.sim.env.NetOpsEnv` uses).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import simpy
from pydantic import Field
from simpy.events import NORMAL, URGENT, Event

from sixg.actions import Action
from sixg.backends.base import Backend
from sixg.backends.gap import WindowGap
from sixg.domain import Frozen
from sixg.errors import ModelBehaviorError, ResetNeeded, SimulationError, ToolRefusedError, UserError
from sixg.scenario import Scenario
from sixg.schedule import Schedule
from sixg.snapshot import ActionResult
from sixg.tools.boundary import Boundary, ToolCall, ToolError, identify
from sixg.tools.catalog import Catalog, default_catalog
from sixg.tools.registry import Effect, ToolContext, ToolSpec
from sixg.world import World

#: A window boundary is two moments of one instant. First (URGENT) the window that just
#: ended is measured and published, so anything else happening at that instant reads it;
#: last (LATE) the actions queued so far are taken for the next window, so whatever is
#: queued at that instant (a degradation due then, a call landing then, an agent acting
#: on the fresh measurement without thinking) is applied at this boundary, whichever
#: process SimPy happened to schedule first.
LATE = NORMAL + 1
DEFAULT_THINK_TIME_S = 0.5


class _At(Event):
    """A timeout with a priority among the events due at the same time (see :data:`LATE`)."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int):
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority, delay)


class ToolResult(Frozen):
    """What one call came to, as the agent sees it (plus its timing)."""

    tool: str = Field(description="The name called (it may not exist).")
    call_id: str | None = None
    effect: Effect | None = Field(default=None, description="None when the tool does not exist.")
    ok: bool
    arguments: dict[str, Any] | None = Field(default=None, description="The validated arguments, when they validated.")
    output: Any = Field(default=None, description="The tool's typed output, when ok.")
    error: ToolError | None = None
    t_called: float = Field(description="Episode time the call was made (after thinking).")
    t_done: float = Field(description="Episode time the result came back.")


class CoSimulation:
    """One episode's co-simulation. Construction is cheap; :meth:`start` resets the backend.

    Args:
        backend: The network to advance (constructed, not necessarily started).
        scenario: What to build in it.
        seed: Fixes the backend's randomness for this episode.
        schedule: Degradations to inject, in episode time.
        catalog: The tools the agent may call.
        think_time_s: Simulated time an agent spends deciding before each call.
    """

    def __init__(
        self,
        backend: Backend,
        scenario: Scenario,
        *,
        seed: int,
        schedule: Schedule | None = None,
        catalog: Catalog | None = None,
        think_time_s: float = DEFAULT_THINK_TIME_S,
    ):
        if think_time_s < 0 or not math.isfinite(think_time_s):
            raise UserError(f"think_time_s must be a finite number >= 0, got {think_time_s}")
        self.backend = backend
        self.scenario = scenario
        self.seed = seed
        self.schedule = (schedule or Schedule()).sorted()
        self.catalog = catalog or default_catalog()
        self.think_time_s = think_time_s
        self.boundary = Boundary(self.catalog, scenario)
        self._env: simpy.Environment | None = None
        self._world: World | None = None
        self._queue: list[tuple[Action, Event]] = []
        #: A dual run's windows so far, each with both backends' measurements and their gap.
        self.dual_windows: list[WindowGap] = []

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> World:
        """Reset the backend to the scenario and start the clock at episode time 0."""
        first = self.backend.reset(self.scenario, seed=self.seed)
        self._env = simpy.Environment()
        self._world = World.start(self.scenario, first)
        self._queue = []
        self.dual_windows = []
        self._env.process(self._network())
        if self.schedule.events:
            self._env.process(self._degradations())
        return self._world

    @property
    def env(self) -> simpy.Environment:
        if self._env is None:
            raise ResetNeeded("call start() first")
        return self._env

    @property
    def world(self) -> World:
        if self._world is None:
            raise ResetNeeded("call start() first")
        return self._world

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def window_s(self) -> float:
        return self.backend.window_s

    @property
    def pending(self) -> tuple[Action, ...]:
        """Actions queued for the next window boundary."""
        return tuple(a for a, _ in self._queue)

    # --- processes -------------------------------------------------------------------------------
    def enqueue(self, action: Action) -> Event:
        """Queue ``action`` for the next window boundary; the event fires with its
        :class:`~sixg.snapshot.ActionResult` once the window that applied it is measured."""
        done = self.env.event()
        self._queue.append((action, done))
        return done

    def _network(self):
        env, backend = self.env, self.backend
        k = 0
        while True:
            yield _At(env, 0.0, LATE)
            batch, self._queue = self._queue, []
            k += 1
            yield _At(env, max(0.0, round(k * backend.window_s, 9) - env.now), URGENT)
            out = backend.step([a for a, _ in batch])
            if len(out.results) != len(batch):
                raise SimulationError(
                    f"backend {backend.id!r} returned {len(out.results)} result(s) for {len(batch)} action(s)"
                )
            if abs(out.snapshot.t - env.now) > 1e-6:
                raise SimulationError(
                    f"backend {backend.id!r} reports t={out.snapshot.t} at the boundary t={env.now}; it must advance exactly one window per step"
                )
            self.world.update(out.snapshot, [(a, r) for (a, _), r in zip(batch, out.results)])
            if out.dual is not None:
                self.dual_windows.append(out.dual)
            for (_, done), result in zip(batch, out.results):
                done.succeed(result)

    def _degradations(self):
        env = self.env
        for event in self.schedule.events:
            if event.t > env.now:
                yield env.timeout(event.t - env.now)
            self.enqueue(event.action)

    def call(self, raw: ToolCall | Mapping[str, Any] | str, *, think_s: float | None = None) -> simpy.Process:
        """Start the agent's next decision as a process: think, call ``raw``, wait for the result.

        The process's value is the :class:`ToolResult`. A bad call (unknown tool, bad
        JSON, bad arguments, a refusal) gives an error result and changes nothing.
        """
        think = self.think_time_s if think_s is None else think_s
        return self.env.process(self._turn(raw, think))

    def run_call(self, raw: ToolCall | Mapping[str, Any] | str, *, think_s: float | None = None) -> ToolResult:
        """:meth:`call`, run until it completes (the network and degradations run meanwhile)."""
        process = self.call(raw, think_s=think_s)
        return self.env.run(until=process)

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass without a call (a boundary at the end instant included)."""
        if not seconds >= 0:
            raise UserError(f"cannot wait {seconds} s: time only moves forward")
        self.env.run(until=_At(self.env, seconds, LATE + 1))

    def _turn(self, raw, think: float):
        env = self.env
        if think > 0:
            yield env.timeout(think)
        t0 = env.now
        try:
            bound = self.boundary.bind(raw)
        except ModelBehaviorError as exc:
            name, call_id = identify(raw)
            return ToolResult(
                tool=name, call_id=call_id, ok=False, error=ToolError.from_error(exc), t_called=t0, t_done=t0
            )
        spec = bound.spec
        base = {
            "tool": spec.name,
            "call_id": bound.call.id,
            "effect": spec.effect,
            "arguments": bound.args.model_dump(mode="json"),
            "t_called": t0,
        }
        try:
            if not spec.acts:
                yield env.timeout(spec.latency_s or 0.0)
                value = spec.invoke(ToolContext(self.world, env.now), bound.args)
            else:
                value = yield from self._act(spec, bound.args)
        except ToolRefusedError as exc:
            return ToolResult(**base, ok=False, error=ToolError.from_error(exc), t_done=env.now)
        _check_output(spec, value)
        return ToolResult(**base, ok=True, output=value, t_done=env.now)

    def _act(self, spec: ToolSpec, args):
        """Drive an acting tool: each action it yields is applied at the next boundary."""
        steps = spec.invoke(ToolContext(self.world, self.env.now), args)
        try:
            action = next(steps)
        except StopIteration as stop:
            return stop.value
        while True:
            result: ActionResult = yield self.enqueue(action)
            try:
                action = steps.send(result)
            except StopIteration as stop:
                return stop.value


def _check_output(spec: ToolSpec, value: Any) -> None:
    # A tool returning something other than it declares is a bug in the tool, not the agent's fault.
    if isinstance(spec.output, type) and not isinstance(value, spec.output):
        raise TypeError(f"tool {spec.name} returned {type(value).__name__}, but declares {spec.output.__name__}")
