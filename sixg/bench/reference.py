"""The reference-solution replayer: an oracle that runs a task's reference program.

It is the benchmark's sanity check (it must score 100 % on both backends) and the way
reference solutions are verified. It calls tools through the same interface as any
agent; arguments that refer to earlier results (:class:`~sixg.tools.references.Earlier`) are
filled from what this episode showed (:class:`~sixg.tools.references.Recall`, as the ReAct agent does).
"""

from __future__ import annotations

from collections.abc import Sequence
from sixg.agents.base import Agent, Observation, ToolCall
from sixg.errors import UserError
from sixg.tools.references import Recall


class ReferenceAgent(Agent):
    """Replays the reference solution of the task it is prepared with, then stops (early when a
    step needs the output of a call that failed)."""

    id = "reference"

    def __init__(self):
        self._task = None
        self._i = 0
        self._recall = Recall()

    def prepare(self, task) -> None:
        self._task = task

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        if self._task is None:
            raise UserError("the reference agent replays a task's reference solution: call prepare(task) first (the benchmark runner does)")
        self._i = 0
        self._recall.reset()

    def act(self, observation: Observation) -> ToolCall | None:
        # Outputs as JSON data: an output feeds an argument of another declared type with the same fields.
        self._recall.observe(tool=observation.tool_name, output=observation.tool_result, error=observation.error, state=observation.state)
        steps = self._task.reference
        if self._i >= len(steps):
            return None
        step = steps[self._i]
        self._i += 1
        return step.call(self._recall.outputs, self._recall.state)

    def describe(self) -> dict[str, object]:
        return {"agent": self.id}
