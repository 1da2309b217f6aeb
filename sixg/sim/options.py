"""``reset(options=...)``: what makes an episode besides its seed, read and checked once."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from sixg.actions import Action
from sixg.domain import Frozen
from sixg.errors import UserError, validation_problems
from sixg.scenario import Scenario, Split, generate
from sixg.schedule import Schedule
from sixg.sim.goal import Goal
from sixg.sim.loop import DEFAULT_THINK_TIME_S
from sixg.sim.text import intent_text
from sixg.tools.analysis import sla_from_text

DEFAULT_MAX_STEPS = 30


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


def parse_options(options: dict[str, Any]) -> tuple[EpisodeOptions, Scenario]:
    """The options and the scenario they name; :class:`UserError` listing every problem otherwise."""
    try:
        opts = EpisodeOptions.model_validate(options)
        scenario = generate(opts.scenario_seed, split=opts.split)
        # Again with the scenario at hand, so ids and positions in the goal are checked.
        opts = EpisodeOptions.model_validate(options, context={"scenario": scenario})
    except ValidationError as exc:
        raise UserError(f"bad reset options: {validation_problems(exc, whole='options')}") from None
    return opts, scenario


def resolve_goal(opts: EpisodeOptions, scenario: Scenario) -> tuple[Goal, str]:
    """The episode's goal and intent: as given, else each derived from the other (or the scenario's SLA)."""
    goal = opts.goal
    if goal is None:
        goal = Goal(sla=sla_from_text(opts.intent, scenario.sla) if opts.intent else scenario.sla)
    return goal, opts.intent or intent_text(goal)
