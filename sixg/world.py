"""The world the agent's tools act on: the network as last measured, and everything around it.

A :class:`World` is rebuilt from the backend's :class:`~sixg.snapshot.Snapshot` at every
window boundary, so it reads the same whichever backend runs. On top of the
measurements it keeps what only the co-simulation knows:

* the static layout (base stations, UEs, UAVs and their power models, edge and
  cloud hosts) from the :class:`~sixg.scenario.Scenario`;
* a short history of windows (for trends and predictions);
* each UAV's track and its commanded flight plan;
* the mission log: decisions, tasks, alerts, broadcasts, heartbeats, plans and
  sensors the agent recorded, in simulated time;
* every action the backend applied, with its result (the ground truth that grading
  and trajectories use; no tool reads it).

The world is only ever changed by the co-simulation loop (:meth:`update`) and by the
tools that are documented to record something (:meth:`record`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from sixg.actions import Action, Handover, SetUavPlan
from sixg.domain import Frozen, NetworkState, Position
from sixg.scenario import Scenario, UavSpec
from sixg.snapshot import ActionResult, Snapshot, UavStatus, UeRadio

#: Windows of history kept for trends (at 0.5 s windows: two minutes).
HISTORY_WINDOWS = 240


@dataclass
class UavPlan:
    """A UAV's flight plan as last commanded, and how far along it the UAV is (estimated from its track)."""

    waypoints: tuple[Position, ...]
    speed_mps: float
    loop: bool
    next_index: int = 0
    #: Episode time the plan was applied; None for the scenario's initial plan.
    since: float | None = None
    drifting: bool = False

    def remaining(self) -> tuple[Position, ...]:
        """Waypoints still to fly, in order (a looping plan continues round its cycle)."""
        if self.drifting:
            return ()
        if self.loop:
            i = self.next_index % len(self.waypoints)
            return self.waypoints[i:] + self.waypoints[:i]
        return self.waypoints[self.next_index :]

    def track(self, position: Position, tolerance_m: float) -> None:
        """Advance past every waypoint the UAV has reached."""
        for _ in range(len(self.waypoints)):
            if (
                self.next_index >= len(self.waypoints)
                or position.distance_to(self.waypoints[self.next_index]) > tolerance_m
            ):
                return
            self.next_index += 1
            if self.loop and self.next_index >= len(self.waypoints):
                self.next_index = 0


#: Windows averaged into the reported network state (1 s at the default 0.5 s windows).
REPORT_WINDOWS = 2


@dataclass(frozen=True)
class TrackPoint:
    t: float
    position: Position


@dataclass(frozen=True)
class AppliedAction:
    """An action a backend applied at the start of the window ending at ``t``."""

    t: float
    action: Action
    result: ActionResult


class LogEntry(Frozen):
    """One line of the mission log."""

    index: int = Field(ge=0)
    t: float = Field(ge=0.0, description="Episode time, s.")
    kind: str = Field(description="decision, task, alert, broadcast, heartbeat, plan, sensor")
    uav: str | None = None
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)


@dataclass
class World:
    """Everything the tools read, for one episode. Build it with :meth:`start`."""

    scenario: Scenario
    snapshot: Snapshot
    history: deque[Snapshot] = field(default_factory=lambda: deque(maxlen=HISTORY_WINDOWS))
    plans: dict[str, UavPlan] = field(default_factory=dict)
    tracks: dict[str, list[TrackPoint]] = field(default_factory=dict)
    log: list[LogEntry] = field(default_factory=list)
    applied: list[AppliedAction] = field(default_factory=list)
    #: Last handover asked for per UE: (target gNB, episode time, accepted).
    handover_requests: dict[str, tuple[str, float, bool]] = field(default_factory=dict)

    @classmethod
    def start(cls, scenario: Scenario, first: Snapshot) -> World:
        """The world at episode time 0, from the backend's first snapshot."""
        world = cls(scenario=scenario, snapshot=first)
        world.history.append(first)
        for spec in scenario.uavs:
            world.plans[spec.id] = _initial_plan(spec)
            world.tracks[spec.id] = [TrackPoint(first.t, first.ue(spec.id).position)]
        return world

    # --- the loop's side ---------------------------------------------------------------------
    def update(self, snapshot: Snapshot, applied: Sequence[tuple[Action, ActionResult]] = ()) -> None:
        """Take in one window: the actions applied at its start and what it measured."""
        start = snapshot.t - snapshot.window_s
        for action, result in applied:
            self.applied.append(AppliedAction(snapshot.t, action, result))
            if isinstance(action, SetUavPlan) and result.ok:
                self.plans[action.uav] = UavPlan(action.waypoints, action.speed_mps, action.loop, since=round(start, 9))
            elif isinstance(action, Handover):
                self.handover_requests[action.ue] = (action.target_gnb, round(start, 9), result.ok)
        self.snapshot = snapshot
        self.history.append(snapshot)
        for uav, status in snapshot.uavs.items():
            position = snapshot.position(uav)
            self.tracks.setdefault(uav, []).append(TrackPoint(snapshot.t, position))
            plan = self.plans.get(uav)
            if plan is None:
                continue
            if status.drifting:
                plan.drifting = True
            elif plan.drifting:
                # The fault cleared: the UAV holds where it is until it is given a new plan.
                self.plans[uav] = UavPlan((position,), plan.speed_mps, False, since=round(snapshot.t, 9))
            else:
                plan.track(position, tolerance_m=plan.speed_mps * snapshot.window_s + 1.0)

    # --- reading ----------------------------------------------------------------------------
    @property
    def t(self) -> float:
        """End of the latest measured window, episode seconds."""
        return self.snapshot.t

    @property
    def state(self) -> NetworkState:
        """The managed service's state in the latest measurement window."""
        return self.snapshot.state

    def sustained_state(self, windows: int = REPORT_WINDOWS) -> NetworkState:
        """The mean of the last ``windows`` measurement windows (the slice of the latest).

        One 0.5 s window is a noisy sample (a few late packets read as loss); whether a
        goal holds is judged on what the network sustains over a reporting period.
        """
        recent = [s.state for s in list(self.history)[-windows:]] or [self.snapshot.state]
        if len(recent) == 1:
            return recent[0]
        n = len(recent)
        mean = {name: sum(getattr(r, name) for r in recent) / n for name in NetworkState.NUMERIC}
        return NetworkState(slice=recent[-1].slice, **mean)

    def ue(self, ue_id: str) -> UeRadio:
        return self.snapshot.ue(ue_id)

    def uav(self, uav_id: str) -> UavStatus:
        return self.snapshot.uavs[uav_id]

    def uav_spec(self, uav_id: str) -> UavSpec:
        return self.scenario.uav(uav_id)

    def uav_position(self, uav_id: str) -> Position:
        return self.snapshot.ue(uav_id).position

    def recent(self, windows: int) -> list[Snapshot]:
        """The last ``windows`` snapshots, oldest first."""
        items = list(self.history)
        return items[-windows:] if windows > 0 else []

    def entries(self, kind: str | None = None, *, uav: str | None = None, since: float = 0.0) -> list[LogEntry]:
        """Mission-log entries, optionally of one kind / one UAV / from a time on."""
        return [
            e for e in self.log if (kind is None or e.kind == kind) and (uav is None or e.uav == uav) and e.t >= since
        ]

    def attached_ues(self) -> dict[str, int]:
        """How many UEs each base station serves right now."""
        counts = {g: 0 for g in self.scenario.gnb_ids}
        for u in self.snapshot.ues:
            if u.gnb in counts:
                counts[u.gnb] += 1
        return counts

    # --- the mission log ---------------------------------------------------------------------
    def record(
        self, t: float, kind: str, summary: str, *, uav: str | None = None, data: dict[str, Any] | None = None
    ) -> LogEntry:
        """Append a mission-log entry (the only way tools change the world)."""
        entry = LogEntry(index=len(self.log), t=round(t, 9), kind=kind, uav=uav, summary=summary, data=data or {})
        self.log.append(entry)
        return entry

    # --- comparisons -------------------------------------------------------------------------
    def network_fingerprint(self) -> str:
        """Everything a tool without a network effect must leave alone, as one string."""
        plans = {
            u: (tuple((p.x, p.y, p.z) for p in plan.waypoints), plan.speed_mps, plan.loop, plan.next_index, plan.since)
            for u, plan in self.plans.items()
        }
        return json.dumps(
            {
                "snapshot": self.snapshot.model_dump(mode="json"),
                "history": len(self.history),
                "plans": plans,
                "applied": len(self.applied),
                "handovers": self.handover_requests,
            },
            sort_keys=True,
            default=str,
        )


def _initial_plan(spec: UavSpec) -> UavPlan:
    # The scenario's UAVs start on their first waypoint and loop the rest (kinematics.UavMotion.from_spec).
    return UavPlan(spec.waypoints, spec.speed_mps, True, next_index=1 % len(spec.waypoints))
