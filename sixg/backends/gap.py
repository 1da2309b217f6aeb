"""The sim-to-sim gap of one window: what the surrogate and ns-3 each measured, and their difference.

One :class:`WindowGap` per window of a dual run is the only representation of that gap:
the dual backend returns it in its step output, the environment passes it on in ``info``
and the trajectory, the validation keeps it with each episode, and the dashboard and the
examples read it back with :meth:`pydantic.BaseModel.model_validate`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sixg.domain import Frozen, NetworkState
from sixg.domain import rounded as rounded_json

__all__ = ["WindowGap", "state_gap"]


def state_gap(a: NetworkState, b: NetworkState) -> dict[str, float]:
    """Per-dimension difference a - b (slice: 0 if equal, 1 if not)."""
    gap = {name: float(getattr(a, name) - getattr(b, name)) for name in NetworkState.NUMERIC}
    gap["slice"] = 0.0 if a.slice == b.slice else 1.0
    return gap


class WindowGap(Frozen):
    """One window of a dual run: both backends' measurements, their gap, and who answered the agent."""

    t: float = Field(description="Episode time at the end of the window, seconds.")
    surrogate: NetworkState
    ns3: NetworkState
    gap: dict[str, float] = Field(description="surrogate - ns-3 per numeric dimension; slice: 1 if they differ, else 0.")
    answered_by: Literal["surrogate", "ns3"] = Field(default="surrogate", description="Whose window the agent saw.")
    fallback: bool = Field(
        default=False, description="The surrogate was the primary but unsure, so ns-3 answered and the surrogate resynced to it."
    )
    surrogate_ood: float | None = Field(default=None, description="The surrogate's out-of-distribution score for the window.")

    @classmethod
    def measure(
        cls,
        *,
        t: float,
        surrogate: NetworkState,
        ns3: NetworkState,
        answered_by: Literal["surrogate", "ns3"],
        fallback: bool = False,
        surrogate_ood: float | None = None,
    ) -> WindowGap:
        """The window's record, its gap computed from the two states."""
        return cls(
            t=t,
            surrogate=surrogate,
            ns3=ns3,
            gap=state_gap(surrogate, ns3),
            answered_by=answered_by,
            fallback=fallback,
            surrogate_ood=surrogate_ood,
        )

    def rounded(self, digits: int = 5) -> dict:
        """As JSON data with floats to ``digits`` significant digits (small enough to keep one per window in results)."""
        return rounded_json(self.model_dump(mode="json"), digits)

