"""What a language model reads: the episode's introduction and each call's result, as text.

Both are rendered from typed values (the :class:`~sixg.sim.briefing.Briefing`, the
:class:`~sixg.sim.loop.ToolResult`), which agents that need structure read instead.
"""

from __future__ import annotations

import json
from typing import Any

from sixg.domain import NetworkState, rounded
from sixg.sim.briefing import Briefing
from sixg.sim.goal import Goal
from sixg.sim.loop import ToolResult


def render_result(result: ToolResult, *, steps_left: int | None = None, dumped: dict[str, Any] | None = None) -> str:
    """The text a language model reads after a call (``dumped``: the result as JSON data, if at hand)."""
    head = f"[t={result.t_done:.2f} s] {result.tool or '?'}"
    left = f"\n({steps_left} step(s) left)" if steps_left is not None else ""
    if result.ok:
        data = (dumped or result.model_dump(mode="json", include={"output"}))["output"]
        return f"{head} -> {json.dumps(rounded(data), separators=(', ', ': '))}{left}"
    return f"{head} -> error ({result.error.kind}): {result.error.message}{left}"


def intent_text(goal: Goal) -> str:
    """The operator's intent in words, for an episode given a goal but no intent."""
    parts = []
    if goal.sla is not None:
        s = goal.sla
        parts.append(
            f"Keep the managed service within its SLA: latency below {s.max_latency_ms:g} ms, jitter below {s.max_jitter_ms:g} ms, "
            f"loss below {s.max_loss_rate * 100:g} %, throughput at least {s.min_throughput_mbps:g} Mbit/s."
        )
    if goal.mission is not None:
        m = goal.mission
        parts.append(
            f"Complete mission {m.mission_id}: {', '.join(m.uavs)} must pass {len(m.targets)} target(s), keeping {m.min_battery_fraction:.0%} battery."
        )
    return " ".join(parts) or "Manage the network."


def intro(briefing: Briefing, state: NetworkState, *, t: float = 0.0) -> str:
    """The first text of an episode: the briefing in words, then the network state at ``t``."""
    b = briefing
    xmin, ymin, xmax, ymax = b.area
    lines = [
        f"Intent: {b.intent}",
        (
            f"Scenario: {b.scenario}. Base stations: {', '.join(b.gnbs)}. UAVs: {', '.join(b.uavs) or 'none'}. "
            f"Service UE: {b.service_ue}. Operating area: x {xmin:.0f}..{xmax:.0f} m, y {ymin:.0f}..{ymax:.0f} m."
        ),
    ]
    confirm = []
    if b.sla is not None:
        confirm.append(
            f"verify_sla_compliance with the current state and an SLA at least as strict as {json.dumps(b.sla.model_dump(mode='json'))}"
        )
    if b.mission_id is not None:
        confirm.append(f"validate_mission_completion for mission {b.mission_id!r}")
    if confirm:
        lines.append("Finish by confirming with " + " and ".join(confirm) + ".")
    lines.append(
        f"[t={t:.2f} s] network state: {json.dumps(rounded(state.model_dump(mode='json')), separators=(', ', ': '))}"
    )
    lines.append(f"You have {b.max_steps} step(s).")
    return "\n".join(lines)
