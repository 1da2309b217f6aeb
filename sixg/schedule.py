"""Degradation schedules: which degradation starts and ends when.

A schedule is data (a tuple of timed events), so the same one can be replayed on
any backend, stored in a benchmark task, or drawn at random for trace generation.
"""

from __future__ import annotations

import random

from pydantic import Field

from sixg.actions import (
    BackhaulDegradation,
    CongestionSurge,
    DegradationOnset,
    DegradationRecovery,
    EdgeOverload,
    InterferenceSurge,
    UavDrift,
)
from sixg.domain import Frozen
from sixg.scenario import Scenario


class ScheduledEvent(Frozen):
    """A degradation onset or recovery at episode time ``t`` (seconds)."""

    t: float = Field(ge=0.0)
    action: DegradationOnset | DegradationRecovery


class Schedule(Frozen):
    events: tuple[ScheduledEvent, ...] = ()

    def sorted(self) -> Schedule:
        return Schedule(events=tuple(sorted(self.events, key=lambda e: e.t)))


def random_degradation(scenario: Scenario, rng: random.Random, kind: str, *, gnb: str | None = None):
    """A degradation of ``kind`` with a random severity, aimed at ``gnb`` where relevant.

    The ranges reach past where a degradation starts to hurt on ns-3 (an interferer near
    40 dBm, a surge beyond the eMBB budget of an over-provisioned cell), so that models
    learned from traces have seen the severities the benchmark's situations use."""
    gnb = gnb or scenario.gnbs[rng.randrange(len(scenario.gnbs))].id
    if kind == "interference":
        return InterferenceSurge(gnb=gnb, power_dbm=round(rng.uniform(18.0, 42.0), 1))
    if kind == "backhaul":
        return BackhaulDegradation(gnb=gnb, extra_delay_ms=round(rng.uniform(10.0, 80.0), 1), loss_rate=round(rng.uniform(0.0, 0.1), 3))
    if kind == "congestion":
        return CongestionSurge(gnb=gnb, rate_mbps=round(rng.uniform(8.0, 45.0), 1))
    if kind == "edge_overload":
        return EdgeOverload(extra_load=round(rng.uniform(0.3, 1.5), 2))
    if kind == "uav_drift":
        uav = scenario.uavs[rng.randrange(len(scenario.uavs))].id
        return UavDrift(uav=uav, speed_mps=round(rng.uniform(8.0, 25.0), 1))
    raise ValueError(f"unknown degradation kind {kind!r}")


def random_schedule(
    scenario: Scenario,
    rng: random.Random,
    *,
    duration_s: float,
    mean_gap_s: float = 12.0,
    min_duration_s: float = 6.0,
    max_duration_s: float = 20.0,
    first_after_s: float = 4.0,
    service_gnb: str | None = None,
) -> Schedule:
    """Poisson onsets of random degradations, each lasting a random time.

    At most one degradation of each kind is active at a time; interference, backhaul
    and congestion mostly hit ``service_gnb`` (the managed service's cell), since
    that is where they matter.
    """
    kinds = ["interference", "backhaul", "congestion", "edge_overload"] + (["uav_drift"] if scenario.uavs else [])
    events: list[ScheduledEvent] = []
    busy_until: dict[str, float] = {}
    t = first_after_s + rng.expovariate(1.0 / mean_gap_s) * 0.5
    while t < duration_s - 1.0:
        kind = rng.choice(kinds)
        if busy_until.get(kind, -1.0) <= t:
            target = service_gnb if (service_gnb and rng.random() < 0.8) else None
            ev = random_degradation(scenario, rng, kind, gnb=target)
            end = t + rng.uniform(min_duration_s, max_duration_s)
            events.append(ScheduledEvent(t=round(t, 3), action=DegradationOnset(degradation=ev)))
            if end < duration_s:
                events.append(ScheduledEvent(t=round(end, 3), action=DegradationRecovery(degradation_kind=kind)))
            busy_until[kind] = end
        t += rng.expovariate(1.0 / mean_gap_s)
    return Schedule(events=tuple(events)).sorted()
