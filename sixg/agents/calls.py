"""What the baseline agents share: the episode's briefing, and building tool calls.

The rule-based and RL baselines emit the same few calls (switch a slice, offload, resize a
slice, shape background load, verify the SLA, log a decision). Building them in one place
keeps their arguments complete (strict schemas want every nested field, nullable ones as
null) and identical across agents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sixg.domain import NetworkState, SLASpec, SliceType
from sixg.sim.briefing import Briefing, Observation
from sixg.tools.boundary import ToolCall

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


def call(name: str, **arguments) -> ToolCall:
    """A call as a model would emit it: the arguments as JSON text."""
    return ToolCall(name=name, arguments=json.dumps(arguments, separators=(",", ":")))


def switch_slice(current: SliceType, target: SliceType) -> ToolCall:
    return call("switch_network_slice", from_slice=current.value, to_slice=target.value)


def offload(
    host: str, *, jobs_s: float = 0.0, max_latency_ms: float | None = None, reason: str | None = None
) -> ToolCall:
    """Move the managed service's compute jobs to ``host`` ("edge" or "cloud")."""
    task = {
        "name": "service-jobs",
        "kind": "compute",
        "target": None,
        "compute_jobs_s": round(min(max(jobs_s, 0.0), 10_000.0), 3),
        "max_latency_ms": max_latency_ms,
        "priority": "high",
    }
    target = {"host": host, "expected_latency_ms": None, "expected_utilisation": None, "reason": reason}
    return call("edge_offload", task=task, target=target)


def reallocate(slice_: SliceType, share: float) -> ToolCall:
    return call("trigger_slice_reallocation", slice=slice_.value, resources={"share": share})


def degrade(slice_: SliceType, fraction: float, mode: str = "shape") -> ToolCall:
    return call("graceful_degradation", spec={"slice": slice_.value, "fraction": fraction, "mode": mode})


def verify(state: NetworkState, sla: SLASpec) -> ToolCall:
    return call("verify_sla_compliance", state=state.model_dump(mode="json"), sla=sla.model_dump(mode="json"))


def log_decision(decision: str, rationale: str, tools_used: Iterable[str], *, confidence: float = 0.6) -> ToolCall:
    used = list(dict.fromkeys(tools_used))[:42]
    record = {"decision": decision[:500], "rationale": rationale[:2000], "tools_used": used, "confidence": confidence}
    return call("log_decision", record=record)
