"""UAV flight: waypoint following, drift and battery drain.

This is geometry and bookkeeping, so it is computed the same way for every
backend: the ns-3 worker uses it to drive each UAV's mobility model window by
window (so the UAV really moves in the simulation), and the surrogate uses it as
is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sixg.domain import Position
from sixg.scenario import Scenario, UavSpec

Vec = tuple[float, float, float]


@dataclass
class UavMotion:
    """Mutable flight state of one UAV."""

    id: str
    position: Vec
    waypoints: list[Vec]
    speed_mps: float
    loop: bool
    battery_wh: float
    battery_capacity_wh: float
    hover_power_w: float
    move_power_w_per_mps: float
    next_index: int = 0
    drift_velocity: Vec | None = None
    distance_flown_m: float = 0.0
    last_velocity: Vec = field(default=(0.0, 0.0, 0.0))

    @classmethod
    def from_spec(cls, spec: UavSpec) -> UavMotion:
        wps = [(p.x, p.y, p.z) for p in spec.waypoints]
        return cls(
            id=spec.id,
            position=wps[0],
            waypoints=wps,
            speed_mps=spec.speed_mps,
            loop=True,
            battery_wh=spec.battery_wh,
            battery_capacity_wh=spec.battery_capacity_wh,
            hover_power_w=spec.hover_power_w,
            move_power_w_per_mps=spec.move_power_w_per_mps,
            next_index=1 % len(wps),
        )

    # --- commands --------------------------------------------------------------------
    def set_plan(self, waypoints: list[Vec], speed_mps: float, *, loop: bool = False) -> None:
        """Fly ``waypoints`` in order from the current position (ends any drift)."""
        self.waypoints = list(waypoints)
        self.speed_mps = speed_mps
        self.loop = loop
        self.next_index = 0
        self.drift_velocity = None

    def start_drift(self, heading: tuple[float, float], speed_mps: float) -> None:
        """Drift horizontally along ``heading`` (a unit vector) until :meth:`stop_drift`."""
        self.drift_velocity = (speed_mps * heading[0], speed_mps * heading[1], 0.0)

    def stop_drift(self) -> None:
        """The fault clears; the UAV holds where it is until it gets a new plan."""
        if self.drift_velocity is not None:
            self.drift_velocity = None
            self.waypoints = [self.position]
            self.next_index = 0
            self.loop = False

    @property
    def drifting(self) -> bool:
        return self.drift_velocity is not None

    @property
    def battery_fraction(self) -> float:
        return max(0.0, self.battery_wh / self.battery_capacity_wh)

    @property
    def remaining_waypoints(self) -> list[Vec]:
        return self.waypoints[self.next_index :] if not self.drifting else []

    # --- time ---------------------------------------------------------------------------
    def advance(self, dt: float) -> Vec:
        """Move for ``dt`` seconds; return the mean velocity over the step."""
        start = self.position
        if self.battery_wh <= 0.0:
            self.last_velocity = (0.0, 0.0, 0.0)
            return self.last_velocity
        if self.drift_velocity is not None:
            vx, vy, vz = self.drift_velocity
            self.position = (start[0] + vx * dt, start[1] + vy * dt, max(1.0, start[2] + vz * dt))
        else:
            budget = self.speed_mps * dt
            pos = start
            while budget > 1e-9 and self.next_index < len(self.waypoints):
                target = self.waypoints[self.next_index]
                gap = math.dist(pos, target)
                if gap <= budget:
                    pos = target
                    budget -= gap
                    self.next_index += 1
                    if self.next_index >= len(self.waypoints) and self.loop and len(self.waypoints) > 1:
                        self.next_index = 0
                    if gap < 1e-9 and self.next_index == 0:
                        break
                else:
                    f = budget / gap
                    pos = tuple(p + f * (t - p) for p, t in zip(pos, target))  # type: ignore[assignment]
                    budget = 0.0
            self.position = pos
        moved = math.dist(start, self.position)
        self.distance_flown_m += moved
        speed = moved / dt if dt > 0 else 0.0
        self.battery_wh = max(0.0, self.battery_wh - (self.hover_power_w + self.move_power_w_per_mps * speed) * dt / 3600.0)
        self.last_velocity = tuple((e - s) / dt for s, e in zip(start, self.position)) if dt > 0 else (0.0, 0.0, 0.0)  # type: ignore[assignment]
        return self.last_velocity

    def as_position(self) -> Position:
        x, y, z = self.position
        return Position(x=x, y=y, z=z)


def energy_for_route(start: Vec, waypoints: list[Vec], speed_mps: float, hover_power_w: float, move_power_w_per_mps: float) -> tuple[float, float, float]:
    """Distance (m), flight time (s) and energy (Wh) to fly ``waypoints`` from ``start``."""
    dist = 0.0
    pos = start
    for wp in waypoints:
        dist += math.dist(pos, wp)
        pos = wp
    seconds = dist / speed_mps if speed_mps > 0 else math.inf
    energy = (hover_power_w + move_power_w_per_mps * speed_mps) * seconds / 3600.0
    return dist, seconds, energy


def drift_heading(scenario: Scenario, serving_gnb: str, position: Vec) -> tuple[float, float]:
    """Unit vector a drifting UAV follows: away from its serving cell, toward the nearest
    other cell when there is one (so a handover can recover it), else straight out."""
    g = scenario.gnb(serving_gnb).position
    others = [o for o in scenario.gnbs if o.id != serving_gnb]
    if others:
        o = min(others, key=lambda o: math.hypot(o.position.x - position[0], o.position.y - position[1])).position
        dx, dy = o.x - g.x, o.y - g.y
    else:
        dx, dy = position[0] - g.x, position[1] - g.y
    norm = math.hypot(dx, dy)
    if norm < 1e-6:
        return (1.0, 0.0)
    return (dx / norm, dy / norm)
