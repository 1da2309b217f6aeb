"""The exploring action policy that drives trace generation.

It has to show the learned model every Configuration action in every kind of
situation, including the ones an operator would choose (remedies while a
degradation is active) and the ones they would not (random moves), so it mixes a
remedy-seeking half with a uniformly random half.
"""

from __future__ import annotations

import math
import random

from sixg.actions import (
    Action,
    EdgeOffload,
    GracefulDegradation,
    Handover,
    ReallocateSlices,
    SetUavPlan,
    SwitchSlice,
)
from sixg.domain import SLICES, Position, SliceType
from sixg.scenario import Scenario
from sixg.snapshot import Snapshot


class ExploringPolicy:
    """Seeded random policy: each window, maybe one action.

    Args:
        scenario: The scenario being run.
        rng: Source of every random choice (seed it for reproducible traces).
        act_probability: Chance of acting in a window.
        remedy_probability: When acting during a degradation, chance of picking a
            plausible remedy instead of a uniformly random action.
        overprovision_probability: Chance that the episode opens by giving eMBB 75-90 %
            of every cell (the first action), so that congestion can saturate cells.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: random.Random,
        *,
        act_probability: float = 0.12,
        remedy_probability: float = 0.5,
        overprovision_probability: float = 0.0,
    ):
        self.scenario = scenario
        self.rng = rng
        self.act_probability = act_probability
        self.remedy_probability = remedy_probability
        # An episode that starts with eMBB over-provisioned (as operators do for a busy
        # evening) is one where a congestion surge can saturate the cell.
        self._opening: Action | None = None
        if overprovision_probability > 0 and rng.random() < overprovision_probability:
            self._opening = ReallocateSlices(slice=SliceType.EMBB, share=round(rng.uniform(0.75, 0.9), 2))

    def __call__(self, snapshot: Snapshot) -> Action | None:
        if self._opening is not None:
            opening, self._opening = self._opening, None
            return opening
        if self.rng.random() >= self.act_probability:
            return None
        if snapshot.degradations and self.rng.random() < self.remedy_probability:
            action = self._remedy(snapshot)
            if action is not None:
                return action
        return self._random(snapshot)

    # --- choices ---------------------------------------------------------------------------
    def _random(self, snap: Snapshot) -> Action | None:
        rng, sc = self.rng, self.scenario
        kinds = ["switch_slice"] * 6 + ["offload"] * 4 + ["reallocate"] * 4 + ["degrade"] * 4
        if len(sc.gnbs) > 1:
            kinds += ["handover"]
        if sc.uavs:
            kinds += ["uav_plan"]
        kind = rng.choice(kinds)
        if kind == "switch_slice":
            return SwitchSlice(slice=rng.choice([s for s in SLICES if s is not snap.state.slice]))
        if kind == "offload":
            return EdgeOffload(host="cloud" if snap.service.host == "edge" else "edge")
        if kind == "reallocate":
            return ReallocateSlices(slice=rng.choice(SLICES), share=round(rng.uniform(0.1, 0.8), 2))
        if kind == "degrade":
            fraction = 0.0 if rng.random() < 0.25 else round(rng.uniform(0.2, 1.0), 2)
            return GracefulDegradation(slice=rng.choice(SLICES), fraction=fraction, mode=rng.choice(["shed", "shape"]))
        if kind == "handover":
            ue = sc.service.ue if rng.random() < 0.6 else rng.choice(sc.ue_ids)
            current = snap.ue(ue).gnb
            return Handover(ue=ue, target_gnb=rng.choice([g for g in sc.gnb_ids if g != current] or list(sc.gnb_ids)))
        return self._uav_plan(snap, rng.choice(sc.uavs).id)

    def _uav_plan(self, snap: Snapshot, uav: str) -> Action:
        rng, sc = self.rng, self.scenario
        here = snap.ue(uav).position
        spec = sc.uav(uav)
        choice = rng.random()
        if choice < 0.4:  # back onto its original path
            waypoints = spec.waypoints
            loop = True
        elif choice < 0.7:  # a new point nearby
            a, r = rng.uniform(0, 2 * math.pi), rng.uniform(50, 250)
            waypoints = (Position(x=here.x + r * math.cos(a), y=here.y + r * math.sin(a), z=here.z),)
            loop = False
        else:  # climb or descend where it is
            waypoints = (Position(x=here.x, y=here.y, z=round(rng.uniform(30.0, 150.0), 1)),)
            loop = False
        return SetUavPlan(uav=uav, waypoints=waypoints, speed_mps=round(rng.uniform(3.0, 20.0), 1), loop=loop)

    def _remedy(self, snap: Snapshot) -> Action | None:
        rng, sc = self.rng, self.scenario
        kind = rng.choice(list(snap.degradations))
        if kind == "congestion":
            return rng.choice(
                [
                    SwitchSlice(slice=SliceType.URLLC),
                    GracefulDegradation(slice=SliceType.EMBB, fraction=round(rng.uniform(0.5, 1.0), 2), mode="shape"),
                    ReallocateSlices(slice=SliceType.URLLC, share=round(rng.uniform(0.4, 0.8), 2)),
                ]
            )
        if kind == "edge_overload":
            return EdgeOffload(host="cloud")
        if kind == "interference":
            options: list[Action] = [SwitchSlice(slice=SliceType.URLLC), GracefulDegradation(slice=SliceType.EMBB, fraction=round(rng.uniform(0.4, 1.0), 2), mode="shed")]
            options += self._handover_to_best(snap, sc.service.ue)
            return rng.choice(options)
        if kind == "backhaul":
            return rng.choice(self._handover_to_best(snap, sc.service.ue) or [EdgeOffload(host="edge")])
        if kind == "uav_drift":
            drifting = [u for u, s in snap.uavs.items() if s.drifting] or [u.id for u in sc.uavs]
            uav = rng.choice(drifting)
            options = self._handover_to_best(snap, uav) + [self._uav_plan(snap, uav)]
            return rng.choice(options)
        return None

    def _handover_to_best(self, snap: Snapshot, ue: str) -> list[Action]:
        """A handover toward the geometrically nearest other cell, if there is one."""
        sc = self.scenario
        if len(sc.gnbs) < 2:
            return []
        here = snap.ue(ue)
        others = [g for g in sc.gnbs if g.id != here.gnb]
        best = min(others, key=lambda g: g.position.distance_to(here.position))
        return [Handover(ue=ue, target_gnb=best.id)]
