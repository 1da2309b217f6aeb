"""NS-3 grounded validation (the paper's IV-E and Table III, on our system).

Every agent runs the validation subset of 6GAgentBench (40 tasks per tier) through the
dual backend: its calls are answered by the surrogate and applied at the same simulated
times to live ns-3 (:class:`~sixg.validate.shadow.ShadowedDual`). Each episode is judged
twice, each backend on its own measurements (:mod:`sixg.validate.verdicts`), so the
success rate under each, their gap per tier, the correlation across agents and every
episode on which the verdicts differ come from the same runs (:mod:`sixg.validate.stats`);
:mod:`sixg.validate.report` prints the table and draws the scatter.

    python -m sixg.validate --backend ns3
"""

from sixg.validate.report import scatter, table
from sixg.validate.shadow import ShadowedDual
from sixg.validate.stats import across_agents, agent_row, correlations, summarise
from sixg.validate.verdicts import DualVerdict, goal_holds, judge_both, judge_on

__all__ = [
    "DualVerdict",
    "ShadowedDual",
    "across_agents",
    "agent_row",
    "correlations",
    "goal_holds",
    "judge_both",
    "judge_on",
    "scatter",
    "summarise",
    "table",
]
