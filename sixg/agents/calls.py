"""What the baseline agents share: the episode's briefing, and building tool calls.

The rule-based and RL baselines emit the same few calls (switch a slice, offload, resize a
slice, shape background load, verify the SLA, log a decision). Each is built from the
tool's own argument types by :meth:`sixg.tools.Catalog.call`, so a call is complete
(strict schemas want every nested field) and fits its declaration by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from sixg.domain import NetworkState, SLASpec, SliceType
from sixg.sim.briefing import Briefing, Observation
from sixg.tools.boundary import ToolCall
from sixg.tools.catalog import default_catalog
from sixg.tools.types import DecisionRecord, DegradationSpec, OffloadTarget, Priority, ResourceSpec, TaskKind, TaskSpec

__all__ = [
    "Briefing",
    "briefing_of",
    "call",
    "degrade",
    "log_decision",
    "offload",
    "reallocate",
    "switch_slice",
    "verify",
]


def briefing_of(observation: Observation, intent: str) -> Briefing:
    """The episode's briefing as the observation carries it; for an agent driven without one, just the intent."""
    return observation.briefing or Briefing(intent=intent)


def call(name: str, /, **arguments: Any) -> ToolCall:
    """A call of one of the paper's tools, built from typed values and checked against its declaration."""
    return default_catalog().call(name, **arguments)


def switch_slice(current: SliceType, target: SliceType) -> ToolCall:
    return call("switch_network_slice", from_slice=current, to_slice=target)


def offload(
    host: str, *, jobs_s: float = 0.0, max_latency_ms: float | None = None, reason: str | None = None
) -> ToolCall:
    """Move the managed service's compute jobs to ``host`` ("edge" or "cloud")."""
    task = TaskSpec(
        name="service-jobs",
        kind=TaskKind.COMPUTE,
        target=None,
        compute_jobs_s=round(min(max(jobs_s, 0.0), 10_000.0), 3),
        max_latency_ms=max_latency_ms,
        priority=Priority.HIGH,
    )
    target = OffloadTarget(host=host, expected_latency_ms=None, expected_utilisation=None, reason=reason)
    return call("edge_offload", task=task, target=target)


def reallocate(slice_: SliceType, share: float) -> ToolCall:
    return call("trigger_slice_reallocation", slice=slice_, resources=ResourceSpec(share=share))


def degrade(slice_: SliceType, fraction: float, mode: Literal["shed", "shape"] = "shape") -> ToolCall:
    return call("graceful_degradation", spec=DegradationSpec(slice=slice_, fraction=fraction, mode=mode))


def verify(state: NetworkState, sla: SLASpec) -> ToolCall:
    return call("verify_sla_compliance", state=state, sla=sla)


def log_decision(decision: str, rationale: str, tools_used: Iterable[str], *, confidence: float = 0.6) -> ToolCall:
    record = DecisionRecord(
        decision=decision[:500],
        rationale=rationale[:2000],
        tools_used=tuple(dict.fromkeys(tools_used))[:42],
        confidence=confidence,
    )
    return call("log_decision", record=record)
