"""Sanity agents: what a task's grade must not reward.

``null`` ends its episode without a call; ``verify-only`` makes only the verification
calls the episode's briefing names (``verify_sla_compliance`` with the state it was shown,
``validate_mission_completion`` for the briefed mission) and changes nothing. On a task
that needs a remedy both must fail: a benchmark on which they score is judging the calls
an agent made, or a network that heals by itself, not the agent's management.
"""

from __future__ import annotations

from collections.abc import Sequence

from sixg.agents.base import Agent, Observation, ToolCall
from sixg.agents.calls import Briefing, briefing_of, call, verify
from sixg.agents.rules import FALLBACK_SLA
from sixg.domain import Position
from sixg.tools.types import MissionLog, MissionSpec

__all__ = ["SANITY_AGENTS", "NullAgent", "VerifyOnlyAgent"]

class NullAgent(Agent):
    """Does nothing: ends every episode before its first call."""

    id = "null"

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        pass

    def act(self, observation: Observation) -> ToolCall | None:
        return None


class VerifyOnlyAgent(Agent):
    """Only confirms what the intent asks to confirm, with the state it was shown at the start.

    The SLA is the briefing's (else the intent's targets over a fallback SLA). A mission is
    validated under the briefed mission id; the briefing does not spell out the mission's
    targets, so the spec sent names the briefed UAVs and the area's centre. The episode
    judges a confirmed mission on its own spec, so this succeeds only where the mission
    is really complete.
    """

    id = "verify-only"

    def __init__(self) -> None:
        self._intent = ""
        self._queue: list[ToolCall] = []

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        self._intent = intent
        self._queue = []

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.step == 0:
            self._queue = self._plan(briefing_of(observation, self._intent), observation)
        return self._queue.pop(0) if self._queue else None

    @staticmethod
    def _plan(briefing: Briefing, observation: Observation) -> list[ToolCall]:
        calls = []
        if (briefing.sla is not None or briefing.mission_id is None) and observation.state is not None:
            calls.append(verify(observation.state, briefing.sla_for(FALLBACK_SLA)))
        if briefing.mission_id is not None and briefing.uavs:
            area = briefing.area or (0.0, 0.0, 0.0, 0.0)
            centre = Position(x=(area[0] + area[2]) / 2, y=(area[1] + area[3]) / 2, z=0.0)
            mission = MissionSpec(
                mission_id=briefing.mission_id,
                uavs=tuple(briefing.uavs[:10]),
                targets=(centre,),
                tolerance_m=500.0,
                min_battery_fraction=0.0,
                deadline_s=None,
                required_tasks=(),
            )
            log = MissionLog(mission_id=briefing.mission_id, since_s=0.0)
            calls.append(call("validate_mission_completion", mission=mission, log=log))
        return calls


#: The ids of the agents a benchmark task must not reward (the build drops a task either passes).
SANITY_AGENTS: tuple[str, ...] = (NullAgent.id, VerifyOnlyAgent.id)
