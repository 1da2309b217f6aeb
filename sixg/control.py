"""What the network has been told: the bookkeeping meaning of every action, once.

Each backend keeps a :class:`ControlState` and adds only its physics. The control
state checks an action against the scenario (:meth:`ControlState.validate`), then
records what it means (:meth:`ControlState.apply`): the service's slice and host,
the slice shares and shaping, which degradations are active, the UAVs' flight plans,
which cell serves each UE. A refusal that follows from this bookkeeping (a handover to
the cell already serving the UE, recovering a degradation that is not active) is
decided here, so every backend refuses the same action with the same words; a
backend may still refuse for reasons of its own physics (a UE in mid-handover).
"""

from __future__ import annotations

from dataclasses import dataclass

from sixg.actions import (
    Action,
    Degradation,
    DegradationOnset,
    DegradationRecovery,
    EdgeOffload,
    GracefulDegradation,
    Handover,
    ReallocateSlices,
    SetUavPlan,
    SwitchSlice,
    UavDrift,
    describe,
    reallocated_shares,
)
from sixg.domain import SliceType
from sixg.errors import InvalidActionError, did_you_mean, echo
from sixg.kinematics import UavMotion, drift_heading
from sixg.scenario import Scenario
from sixg.snapshot import ActionResult


@dataclass(frozen=True)
class Applied:
    """An applied action: its result, and the degradation it ended (a recovery, or an
    onset replacing an active one of its kind) whose physics the backend must undo."""

    result: ActionResult
    ended: Degradation | None = None

    @property
    def ok(self) -> bool:
        return self.result.ok


class ControlState:
    """The control-plane state of one episode, shared in meaning by every backend.

    Attributes:
        slice: The service's slice. host: where its jobs run ("cloud" or "edge").
        shares: Each slice's share of a cell's capacity.
        degraded: The graceful-degradation policy in force per slice (absent: none).
        active: The active degradation of each kind.
        uavs: Each UAV's flight (plan, drift, battery).
        serving: The cell serving each UE, as the backend last knew it (None: none).
        handovers: Completed handovers per UE.
    """

    def __init__(self, scenario: Scenario, *, serving: dict[str, str | None] | None = None):
        self.scenario = scenario
        self.slice: SliceType = scenario.service.initial_slice
        self.host: str = scenario.service.initial_host
        self.shares: dict[SliceType, float] = dict(scenario.slice_shares)
        self.degraded: dict[SliceType, GracefulDegradation] = {}
        self.active: dict[str, Degradation] = {}
        self.uavs = {u.id: UavMotion.from_spec(u) for u in scenario.uavs}
        self.serving: dict[str, str | None] = dict(serving) if serving is not None else {u.id: scenario.nearest_gnb(u.position).id for u in scenario.ues}
        self.handovers = {u.id: 0 for u in scenario.ues}

    # --- reading ----------------------------------------------------------------------------
    def shaped(self, slc: SliceType) -> float:
        """Fraction of ``slc``'s background load shed or shaped away (0 when untouched)."""
        policy = self.degraded.get(slc)
        return policy.fraction if policy is not None else 0.0

    # --- checking -------------------------------------------------------------------------------
    def validate(self, *actions: Action) -> None:
        """Raise :class:`InvalidActionError` if an action names something this scenario lacks.

        Pass every action of a window: none is applied unless all fit.
        """
        for a in actions:
            if isinstance(a, Handover):
                self._known("handover", "UE", a.ue, self.scenario.ue_ids)
                self._known("handover", "base station", a.target_gnb, self.scenario.gnb_ids)
            elif isinstance(a, SetUavPlan):
                self._known("uav_plan", "UAV", a.uav, self.scenario.uav_ids)
            elif isinstance(a, DegradationOnset):
                ev = a.degradation
                if isinstance(ev, UavDrift):
                    self._known(ev.kind, "UAV", ev.uav, self.scenario.uav_ids)
                else:
                    gnb = getattr(ev, "gnb", None)
                    if gnb is not None:
                        self._known(ev.kind, "base station", gnb, self.scenario.gnb_ids)

    @staticmethod
    def _known(what: str, noun: str, name: str, ids: tuple[str, ...]) -> None:
        if name not in ids:
            raise InvalidActionError(f"{what}: unknown {noun} {echo(name)}; this scenario has {list(ids)}." + did_you_mean(name, ids))

    # --- applying ----------------------------------------------------------------------------------
    def apply(self, a: Action) -> Applied:
        """Record what ``a`` means (it must have passed :meth:`validate`)."""
        name = describe(a)

        def ok(ended: Degradation | None = None, **details) -> Applied:
            return Applied(ActionResult(action=name, ok=True, details=details), ended)

        def refused(reason: str) -> Applied:
            return Applied(ActionResult(action=name, ok=False, reason=reason))

        if isinstance(a, SwitchSlice):
            previous, self.slice = self.slice, a.slice
            return ok(previous_slice=previous.value, slice=a.slice.value)
        if isinstance(a, EdgeOffload):
            previous, self.host = self.host, a.host
            return ok(previous_host=previous, host=a.host)
        if isinstance(a, ReallocateSlices):
            self.shares = reallocated_shares(self.shares, a)
            return ok(shares={s.value: round(v, 4) for s, v in self.shares.items()})
        if isinstance(a, GracefulDegradation):
            # Each call sets the slice's whole policy, so fraction 0 in either mode undoes it.
            self.degraded[a.slice] = a
            return ok(slice=a.slice.value, affected_flows=sum(1 for f in self.scenario.flows if f.slice is a.slice))
        if isinstance(a, Handover):
            source = self.serving.get(a.ue)
            if source == a.target_gnb:
                return refused(f"{a.ue} is already served by {a.target_gnb}")
            if source is None:
                return refused(f"{a.ue} is not connected to any cell")
            if len(self.scenario.gnbs) < 2:
                return refused("this scenario has a single base station")
            return ok(source_gnb=source, target_gnb=a.target_gnb)
        if isinstance(a, SetUavPlan):
            self.uavs[a.uav].set_plan([(p.x, p.y, p.z) for p in a.waypoints], a.speed_mps, loop=a.loop)
            return ok(uav=a.uav, waypoints=len(a.waypoints))
        if isinstance(a, DegradationOnset):
            ev = a.degradation
            ended = self._end(ev.kind)
            self.active[ev.kind] = ev
            if isinstance(ev, UavDrift):
                m = self.uavs[ev.uav]
                cell = self.serving.get(ev.uav) or self.scenario.nearest_gnb(m.as_position()).id
                m.start_drift(drift_heading(self.scenario, cell, m.position), ev.speed_mps)
            return ok(ended, onset=ev.kind)
        if isinstance(a, DegradationRecovery):
            ended = self._end(a.degradation_kind)
            if ended is None:
                return refused(f"no {a.degradation_kind} degradation is active")
            return ok(ended, recovered=a.degradation_kind)
        raise InvalidActionError(f"unsupported action {a!r}")

    def complete_handover(self, ue: str, gnb: str) -> None:
        """Record that ``ue`` is now served by ``gnb`` (the backend's physics decided it)."""
        self.serving[ue] = gnb
        self.handovers[ue] += 1

    def _end(self, kind: str) -> Degradation | None:
        ev = self.active.pop(kind, None)
        if isinstance(ev, UavDrift):
            self.uavs[ev.uav].stop_drift()
        return ev
