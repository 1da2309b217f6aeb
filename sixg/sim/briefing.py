"""What an agent is told: the episode's briefing at reset, and an observation after each step.

The environment's first text (:func:`sixg.sim.text.intro`) is rendered from the
:class:`Briefing`, and the same object travels in ``reset``'s ``info["briefing"]`` and in
every :class:`Observation`, so a policy that reads ids, budgets or the SLA reads them
typed and a rewording of the text cannot change what it knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from sixg.domain import Frozen, NetworkState, SLASpec
from sixg.snapshot import WINDOW_S
from sixg.tools.analysis import sla_from_text

#: Steps an agent assumes it has when it was given no briefing.
DEFAULT_STEP_BUDGET = 8


class Briefing(Frozen):
    """The episode as the agent starts it: the intent, what confirms it, the budget and the ids in play."""

    intent: str = ""
    max_steps: int = DEFAULT_STEP_BUDGET
    #: Every backend measures the network over windows of this length, simulated seconds.
    window_s: float = WINDOW_S
    scenario: str = Field(default="", description="One line about the scenario.")
    gnbs: tuple[str, ...] = ()
    uavs: tuple[str, ...] = ()
    service_ue: str | None = None
    #: The operating area (xmin, ymin, xmax, ymax), metres.
    area: tuple[float, float, float, float] | None = None
    #: The SLA a verification must cover for the episode to succeed, when it has one.
    sla: SLASpec | None = None
    #: The mission a validation must confirm, when it has one.
    mission_id: str | None = None

    def sla_for(self, scenario_sla: SLASpec) -> SLASpec:
        """The SLA to hold and verify: the one the episode states, else the intent's targets over ``scenario_sla``."""
        return self.sla if self.sla is not None else sla_from_text(self.intent, scenario_sla)


@dataclass(frozen=True)
class Observation:
    """What an agent gets back after each step (and at the start of an episode).

    ``text`` is what a language model reads; ``state``/``tool_result`` are the same
    information in structured form for rule-based and RL policies, and ``briefing`` (set
    by :func:`~sixg.sim.runner.run_episode` on every observation) what the first text said.
    """

    text: str
    step: int
    t: float
    state: NetworkState | None = None
    tool_name: str | None = None
    tool_result: Any = None
    error: str | None = None
    briefing: Briefing | None = None
    info: dict = field(default_factory=dict)
