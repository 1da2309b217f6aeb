"""The default episode: a task drawn from the seed, for ``reset`` options that describe no situation.

``env.reset(seed=s)`` (and every vector environment's autoreset) would otherwise be a
quiet network whose SLA already holds, where one ``verify_sla_compliance`` call wins.
Instead it is this training task:

* a training topology (seeds 1-50) drawn from ``s``;
* the managed service already runs on the edge server, and other tenants overload that
  server from the start (an extra 50-90 % of its capacity, drawn from ``s``);
* the goal is the scenario's SLA (its loss bound no tighter than 8 %, since the service
  loses a few percent of responses now and then on every backend), confirmed with
  ``verify_sla_compliance`` while the network really meets it.

So a verification at once fails on most seeds; the remedy the tools offer is to move
the service's work back to the cloud (``edge_offload``), wait for the edge queue to
drain and then verify. The intent the agent reads says what happened and what to reach.
On the shipped surrogate, for episode seeds 0-39, a verification at once fails in 31
episodes, and moving the work to the cloud then verifying (up to 20 times) succeeds in
32: the task is not always solvable by that one remedy, as on a real network.

Options that name a scenario or a situation (:data:`SITUATION_KEYS`) describe the episode
themselves, as before: a quiet network unless ``schedule`` or ``setup`` say otherwise.
Any other option (``max_steps``, ``backend``, ``think_time_s``) applies to the default
task too. The episode's trajectory records the drawn options in full, so it replays as
any other.
"""

from __future__ import annotations

import random
from typing import Any

from sixg.actions import DegradationOnset, EdgeOffload, EdgeOverload
from sixg.scenario import SPLIT_SEEDS, Split, generate
from sixg.sim.goal import Goal
from sixg.sim.text import intent_text

#: Options that describe the episode's situation; with none of them the default task is drawn.
SITUATION_KEYS = frozenset({"scenario_seed", "split", "schedule", "setup", "intent", "goal"})
#: The loosest loss bound the default task asks for (a tighter one would judge measurement noise).
MIN_LOSS_BOUND = 0.08


def describes_situation(options: dict[str, Any]) -> bool:
    """Whether ``options`` name a scenario or a situation (else the default task applies)."""
    return not SITUATION_KEYS.isdisjoint(options)


def default_episode(seed: int) -> dict[str, Any]:
    """The ``reset`` options of the default task for episode seed ``seed`` (see the module docstring)."""
    # A stream of its own, so the backend seed the environment derives from `seed` is unchanged.
    rng = random.Random(f"sixg-default-episode:{seed}")
    seeds = SPLIT_SEEDS[Split.TRAIN]
    scenario = generate(seeds[rng.randrange(len(seeds))], split=Split.TRAIN)
    overload = round(rng.uniform(0.5, 0.9), 2)
    sla = scenario.sla.model_copy(update={"max_loss_rate": max(scenario.sla.max_loss_rate, MIN_LOSS_BOUND)})
    goal = Goal(sla=sla)
    svc = scenario.service.ue
    intent = (
        f"The edge server running the compute work of {svc} is overloaded by other tenants "
        f"(about {overload:.0%} of its capacity on top of its usual load) and {svc} is suffering. "
        + intent_text(goal)
    )
    return {
        "scenario_seed": scenario.seed,
        "split": Split.TRAIN.value,
        "setup": [
            EdgeOffload(host="edge").model_dump(mode="json"),
            DegradationOnset(degradation=EdgeOverload(extra_load=overload)).model_dump(mode="json"),
        ],
        "intent": intent,
        "goal": goal.model_dump(mode="json", exclude_none=True),
    }
