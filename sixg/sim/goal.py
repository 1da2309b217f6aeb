"""What an episode's intent asks for, and when a verification call confirms it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field

from sixg.domain import Frozen, SLASpec
from sixg.sim.loop import ToolResult
from sixg.tools.measures import sla_covers
from sixg.tools.mission import mission_outcome
from sixg.tools.types import MissionSpec
from sixg.world import World


class Goal(Frozen):
    """What the episode's intent asks for; each part is confirmed by its verification tool."""

    sla: SLASpec | None = Field(default=None, description="Confirmed by verify_sla_compliance.")
    mission: MissionSpec | None = Field(default=None, description="Confirmed by validate_mission_completion.")


@dataclass
class Confirmations:
    """The parts of a goal the agent's verifications have confirmed so far in an episode."""

    goal: Goal
    confirmed: set[str] = field(default_factory=set)

    def confirms(self, result: ToolResult, world: World) -> bool:
        """Whether this call completes the goal.

        A verification confirms its part of the goal when it comes back positive for a spec
        that covers the goal's (an SLA at least as strict, the same mission). The episode
        succeeds when every part has been confirmed and the network really meets the goal
        at this moment, whatever values the agent passed.
        """
        if not result.ok:
            return False
        goal = self.goal
        if result.tool == "verify_sla_compliance" and result.output.compliant:
            if goal.sla is None or sla_covers(SLASpec.model_validate(result.arguments["sla"]), goal.sla):
                self.confirmed.add("sla")
        elif result.tool == "validate_mission_completion" and result.output.complete:
            if goal.mission is None or result.arguments["mission"]["mission_id"] == goal.mission.mission_id:
                self.confirmed.add("mission")
        else:
            return False
        needed = {part for part in ("sla", "mission") if getattr(goal, part) is not None}
        if not needed:  # no goal given: any positive verification ends the episode
            return bool(self.confirmed)
        return needed <= self.confirmed and goal_holds(goal, world)


def goal_holds(goal: Goal, world: World) -> bool:
    """Whether the network, as ``world`` measured it, meets ``goal`` now: its SLA sustained, its mission complete.

    Also judges a benchmark task's :class:`~sixg.bench.tasks.EnvGoal` (the same two fields).
    """
    if goal.sla is not None and goal.sla.violations(world.sustained_state()):
        return False
    return goal.mission is None or mission_outcome(world, goal.mission).complete
