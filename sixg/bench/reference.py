"""The reference-solution replayer: an oracle that runs a task's reference program.

It is the benchmark's sanity check (it must score 100 % on both backends) and the way
reference solutions are verified. It calls tools through the same interface as any
agent; arguments that refer to earlier results are filled from what those calls
returned in this episode.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.bench.tasks import resolve
from sixg.errors import UserError


def _jsonable(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


class ReferenceAgent(Agent):
    """Replays the reference solution of the task it is prepared with, then stops."""

    id = "reference"

    def __init__(self):
        self._task = None
        self._i = 0
        self._memory: dict = {}

    def prepare(self, task) -> None:
        self._task = task

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        if self._task is None:
            raise UserError("the reference agent replays a task's reference solution: call prepare(task) first (the benchmark runner does)")
        self._i = 0
        self._memory = {}

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.tool_name and observation.error is None:
            self._memory[observation.tool_name] = _jsonable(observation.tool_result)
        steps = self._task.reference
        if self._i >= len(steps):
            return None
        step = steps[self._i]
        self._i += 1
        state = _jsonable(observation.state) if observation.state is not None else None
        args = resolve(step.args, self._memory, state)
        return ToolCall(name=step.tool, arguments=json.dumps(args))

    def describe(self) -> dict[str, object]:
        return {"agent": self.id}
