"""What the baseline agents share: reading the episode's briefing, and building tool calls.

The rule-based and RL baselines emit the same few calls (switch a slice, offload, resize a
slice, shape background load, verify the SLA, log a decision). Building them in one place
keeps their arguments complete (strict schemas want every nested field, nullable ones as
null) and identical across agents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sixg.domain import NetworkState, SLASpec, SliceType
from sixg.tools.analysis import sla_from_text
from sixg.tools.boundary import ToolCall

__all__ = [
    "Briefing",
    "call",
    "degrade",
    "log_decision",
    "offload",
    "reallocate",
    "switch_slice",
    "verify",
]

#: Every backend measures the network over half-second windows.
WINDOW_S = 0.5
#: Steps an agent assumes it has when the briefing does not say.
DEFAULT_STEP_BUDGET = 8


@dataclass(frozen=True)
class Briefing:
    """What the first observation of an episode tells: the step budget and the ids in the scenario."""

    max_steps: int = DEFAULT_STEP_BUDGET
    gnbs: tuple[str, ...] = ()
    uavs: tuple[str, ...] = ()
    service_ue: str | None = None
    #: The SLA the episode says a verification must cover, when it says one.
    sla: SLASpec | None = None
    #: The operating area (xmin, ymin, xmax, ymax), metres.
    area: tuple[float, float, float, float] | None = None

    @classmethod
    def read(cls, text: str) -> Briefing:
        """Parse the environment's introduction (see :func:`sixg.sim.env._intro`); missing parts keep defaults."""

        def ids(label: str, pattern: str) -> tuple[str, ...]:
            m = re.search(rf"{label}:\s*([^\n.]*)", text)
            return tuple(re.findall(pattern, m.group(1))) if m else ()

        steps = re.search(r"You have (\d+) step", text)
        service = re.search(r"Service UE:\s*((?:ue|uav)-\d+)", text)
        return cls(
            max_steps=int(steps.group(1)) if steps else DEFAULT_STEP_BUDGET,
            gnbs=ids("Base stations", r"gnb-\d+"),
            uavs=ids("UAVs", r"uav-\d+"),
            service_ue=service.group(1) if service else None,
            sla=_stated_sla(text),
            area=_area(text),
        )

    def sla_for(self, intent: str, scenario_sla: SLASpec) -> SLASpec:
        """The SLA to hold and verify: the one the episode states, else the intent's targets over the scenario's."""
        return self.sla if self.sla is not None else sla_from_text(intent, scenario_sla)


def _area(text: str) -> tuple[float, float, float, float] | None:
    num = r"(-?\d+(?:\.\d+)?)"
    m = re.search(rf"Operating area: x {num}\.\.{num} m, y {num}\.\.{num} m", text)
    if not m:
        return None
    xmin, xmax, ymin, ymax = (float(g) for g in m.groups())
    return (xmin, ymin, xmax, ymax)


def _stated_sla(text: str) -> SLASpec | None:
    m = re.search(r"at least as strict as (\{[^{}]*\})", text)
    if not m:
        return None
    try:
        return SLASpec.model_validate_json(m.group(1))
    except ValueError:
        return None


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
