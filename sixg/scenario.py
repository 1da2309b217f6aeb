"""Scenarios from integer topology seeds.

The seed alone determines the whole scenario: how many base stations (1-3), where
they are, the ground UEs and UAV UEs (UAVs fly waypoint paths at altitude), the
traffic mix per slice, the managed service, the cloud host behind a long backbone
and the edge host with finite compute, the load that can be switched on to make a
degradation, and the service's SLA.

Seeds are split as in the paper's holdout protocol: 1-50 are for training and data
synthesis, 51-80 belong to the benchmark. Every entry point takes the split
explicitly and refuses a seed from the other one, so they cannot be mixed by
accident::

    scenario = generate(7, split="train")
    generate(60, split="train")      # SeedSplitError: seed 60 is a benchmark seed
"""

from __future__ import annotations

import math
import random
import re
from enum import Enum
from functools import lru_cache
from typing import Literal

from pydantic import Field

from sixg.domain import SLICES, Frozen, Position, SliceType, SLASpec
from sixg.errors import SeedSplitError, UserError


class Split(str, Enum):
    """Which side of the holdout a topology seed belongs to."""

    TRAIN = "train"
    BENCHMARK = "benchmark"


SPLIT_SEEDS: dict[Split, range] = {Split.TRAIN: range(1, 51), Split.BENCHMARK: range(51, 81)}

#: Version of the generator below. Bump it whenever a seed would produce another
#: scenario, so traces and checkpoints made with the old one can be told apart.
SCENARIO_VERSION = 1


def split_of(seed: int) -> Split:
    """The split a seed belongs to, or SeedSplitError for seeds outside 1-80."""
    for split, seeds in SPLIT_SEEDS.items():
        if seed in seeds:
            return split
    raise SeedSplitError(f"topology seed {seed} is outside 1-80 (training 1-50, benchmark 51-80)")


def check_split(seeds: list[int] | range, split: Split | str) -> Split:
    """Check every seed belongs to ``split``; return the split as an enum."""
    split = Split(split)
    wrong = [s for s in seeds if split_of(s) is not split]
    if wrong:
        name = {Split.TRAIN: "training", Split.BENCHMARK: "benchmark"}
        other = name[split_of(wrong[0])]
        raise SeedSplitError(
            f"seed {wrong[0]} is a {other} seed, not a {name[split]} seed "
            f"({name[split]} seeds are {SPLIT_SEEDS[split].start}-{SPLIT_SEEDS[split].stop - 1}); "
            "training and benchmark seeds must not be mixed"
        )
    return split


def parse_seeds(text: str) -> list[int]:
    """Parse ``"1-50"``, ``"3,5,9"`` or ``"1-5,51"`` into a sorted list of seeds."""
    seeds: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise UserError(f"cannot read seeds {text!r}: use a range like 1-50 or a list like 3,5,9")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if hi < lo:
            raise UserError(f"seed range {part!r} runs backwards; write it as {hi}-{lo}")
        seeds.update(range(lo, hi + 1))
    if not seeds:
        raise UserError(f"no seeds in {text!r}")
    for s in seeds:
        split_of(s)
    return sorted(seeds)


def split_of_seeds(seeds: list[int]) -> Split:
    """The one split all of ``seeds`` belong to; SeedSplitError if they span both."""
    splits = {split_of(s) for s in seeds}
    if len(splits) > 1:
        raise SeedSplitError(
            "these seeds span the training (1-50) and benchmark (51-80) splits; "
            "run them as two separate sets"
        )
    return splits.pop()


# --- the scenario ------------------------------------------------------------------------


class RanSpec(Frozen):
    """Radio access network settings shared by the whole scenario."""

    technology: Literal["LTE/EPC"] = "LTE/EPC"
    earfcn_dl: int = 100
    bandwidth_rb: int = 50
    pathloss_exponent: float = 3.0
    pathloss_reference_db: float = 46.6777  # Friis loss at 1 m, 2.12 GHz
    ue_noise_figure_db: float = 9.0
    nominal_cell_capacity_mbps: float = 16.0


class GnbSpec(Frozen):
    id: str
    position: Position
    tx_power_dbm: float
    cell_id: int  # ns-3 cell id (1-based, creation order)


class UeSpec(Frozen):
    id: str
    kind: Literal["ground", "uav"]
    slice: SliceType
    position: Position  # initial position


class UavSpec(Frozen):
    id: str
    waypoints: tuple[Position, ...]
    speed_mps: float
    battery_capacity_wh: float
    battery_wh: float
    hover_power_w: float
    move_power_w_per_mps: float


class FlowSpec(Frozen):
    """One background traffic source."""

    id: str
    slice: SliceType
    ue: str
    direction: Literal["dl", "ul"]
    rate_bps: float
    packet_bytes: int
    port: int


class ServiceSpec(Frozen):
    """The managed service: compute jobs from one UE, answered by the cloud or the edge."""

    ue: str
    initial_slice: SliceType
    initial_host: Literal["cloud", "edge"]
    request_rate_hz: float
    request_bytes: int
    response_packets: int
    response_bytes: int

    @property
    def offered_mbps(self) -> float:
        """Response goodput the service receives when every job is answered."""
        return self.request_rate_hz * self.response_packets * self.response_bytes * 8 / 1e6


class HostSpec(Frozen):
    """A compute host behind the packet gateway."""

    link_delay_ms: float
    capacity_jobs_s: float
    tenant_load_jobs_s: float  # other tenants' jobs, always present
    queue_limit: int


class SurgeSpec(Frozen):
    """Load provisioned at start (paused) so a congestion surge can be switched on."""

    gnb: str
    ues: tuple[str, ...]
    rate_bps: float  # total over all surge flows


class InterfererSpec(Frozen):
    gnb: str
    position: Position
    power_dbm: float


class Scenario(Frozen):
    """Everything a backend needs to build the network of one topology seed."""

    seed: int
    split: Split
    version: int = SCENARIO_VERSION
    ran: RanSpec
    gnbs: tuple[GnbSpec, ...]
    ues: tuple[UeSpec, ...]
    uavs: tuple[UavSpec, ...]
    flows: tuple[FlowSpec, ...]
    service: ServiceSpec
    cloud: HostSpec
    edge: HostSpec
    slice_shares: dict[SliceType, float]
    surges: tuple[SurgeSpec, ...]
    interferers: tuple[InterfererSpec, ...]
    sla: SLASpec
    area: tuple[float, float, float, float] = Field(description="xmin, ymin, xmax, ymax in metres")

    # lookups ------------------------------------------------------------------------
    def gnb(self, gnb_id: str) -> GnbSpec:
        for g in self.gnbs:
            if g.id == gnb_id:
                return g
        raise KeyError(gnb_id)

    def ue(self, ue_id: str) -> UeSpec:
        for u in self.ues:
            if u.id == ue_id:
                return u
        raise KeyError(ue_id)

    def uav(self, uav_id: str) -> UavSpec:
        for u in self.uavs:
            if u.id == uav_id:
                return u
        raise KeyError(uav_id)

    @property
    def gnb_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.gnbs)

    @property
    def ue_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.ues)

    @property
    def uav_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.uavs)

    def nearest_gnb(self, position: Position) -> GnbSpec:
        return min(self.gnbs, key=lambda g: g.position.distance_to(position))

    def summary(self) -> str:
        n_ground = sum(1 for u in self.ues if u.kind == "ground")
        return (
            f"seed {self.seed} ({self.split.value}): {len(self.gnbs)} base station(s), "
            f"{n_ground} ground UE(s), {len(self.uavs)} UAV(s), service on {self.service.ue} "
            f"({self.service.offered_mbps:.1f} Mbit/s offered)"
        )


def generate(seed: int, *, split: Split | str, ue_count: int | None = None) -> Scenario:
    """Build the scenario of topology seed ``seed``, which must belong to ``split``.

    Args:
        seed: Topology seed (training 1-50, benchmark 51-80).
        split: The split the caller means to use; a seed from the other one is refused.
        ue_count: Override the number of UEs (for scaling benchmarks); the service UE
            and UAVs are kept, ground background UEs are added or removed.
    """
    return _build(seed, check_split([seed], split), ue_count)


@lru_cache(maxsize=256, typed=True)  # typed: 3.0 and True name other scenarios than 3 and 1
def _build(seed: int, split: Split, ue_count: int | None) -> Scenario:
    """:func:`generate` once its split is checked; a scenario is immutable, so each is built once
    per process (6G-Forge renders thousands of programs on the same 50 topologies)."""
    rng = random.Random(f"sixg-scenario-v{SCENARIO_VERSION}-{seed}")
    ran = RanSpec()

    # Base stations: a line of two or a triangle of three, inter-site distance 450-650 m.
    n_gnbs = rng.choice((1, 2, 3))
    isd = rng.uniform(450.0, 650.0)
    layout = [(0.0, 0.0), (isd, 0.0), (isd / 2, isd * math.sqrt(3) / 2)][:n_gnbs]
    gnbs = tuple(
        GnbSpec(
            id=f"gnb-{i}",
            position=Position(x=x, y=y, z=round(rng.uniform(25.0, 35.0), 1)),
            tx_power_dbm=round(rng.uniform(36.0, 43.0), 1),
            cell_id=i + 1,
        )
        for i, (x, y) in enumerate(layout)
    )
    margin = 450.0
    area = (
        min(g.position.x for g in gnbs) - margin,
        min(g.position.y for g in gnbs) - margin,
        max(g.position.x for g in gnbs) + margin,
        max(g.position.y for g in gnbs) + margin,
    )

    def around(gnb: GnbSpec, rmin: float, rmax: float, z: float) -> Position:
        r = math.sqrt(rng.uniform(rmin**2, rmax**2))
        a = rng.uniform(0, 2 * math.pi)
        return Position(x=round(gnb.position.x + r * math.cos(a), 1), y=round(gnb.position.y + r * math.sin(a), 1), z=z)

    # Ground UEs per slice; ue-0 is reserved for the managed service when it is on the ground.
    counts = {SliceType.EMBB: rng.randint(2, 4), SliceType.URLLC: rng.randint(1, 3), SliceType.MMTC: rng.randint(2, 5)}
    n_uavs = rng.randint(1, 3)
    service_on_uav = rng.random() < 0.5
    if ue_count is not None:
        fixed = n_uavs + (0 if service_on_uav else 1)
        if ue_count < fixed + 1:
            raise UserError(f"ue_count={ue_count} leaves no background UE (this seed needs at least {fixed + 1})")
        target = ue_count - fixed
        # Scale the three slices together, keeping at least one eMBB UE.
        total = sum(counts.values())
        scaled = {s: max(0, round(c * target / total)) for s, c in counts.items()}
        scaled[SliceType.EMBB] = max(1, scaled[SliceType.EMBB])
        while sum(scaled.values()) > target:
            biggest = max(scaled, key=lambda s: scaled[s] - (1 if s is SliceType.EMBB else 0))
            scaled[biggest] -= 1
        while sum(scaled.values()) < target:
            scaled[SliceType.EMBB] += 1
        counts = scaled

    ues: list[UeSpec] = []
    next_ue = 0
    service_ue: str
    home = gnbs[rng.randrange(n_gnbs)]
    if not service_on_uav:
        ues.append(UeSpec(id="ue-0", kind="ground", slice=SliceType.EMBB, position=around(home, 120.0, 380.0, 1.5)))
        service_ue = "ue-0"
        next_ue = 1
    for s in SLICES:
        for _ in range(counts[s]):
            g = gnbs[rng.randrange(n_gnbs)]
            ues.append(UeSpec(id=f"ue-{next_ue}", kind="ground", slice=s, position=around(g, 40.0, 380.0, 1.5)))
            next_ue += 1

    uavs: list[UavSpec] = []
    for i in range(n_uavs):
        alt = round(rng.uniform(40.0, 120.0), 1)
        g = home if (service_on_uav and i == 0) else gnbs[rng.randrange(n_gnbs)]
        waypoints = tuple(around(g, 60.0, 320.0, alt) for _ in range(rng.randint(3, 5)))
        capacity = round(rng.uniform(90.0, 160.0), 1)
        uavs.append(
            UavSpec(
                id=f"uav-{i}",
                waypoints=waypoints,
                speed_mps=round(rng.uniform(5.0, 14.0), 1),
                battery_capacity_wh=capacity,
                battery_wh=round(capacity * rng.uniform(0.35, 1.0), 1),
                hover_power_w=round(rng.uniform(150.0, 240.0), 1),
                move_power_w_per_mps=round(rng.uniform(2.0, 6.0), 2),
            )
        )
        ues.append(UeSpec(id=f"uav-{i}", kind="uav", slice=SliceType.EMBB, position=waypoints[0]))
    if service_on_uav:
        service_ue = "uav-0"

    # Background traffic. Ports: eMBB 6000+, URLLC 7000+, mMTC 8000+ (the KPI probe groups by port).
    base_port = {SliceType.EMBB: 6000, SliceType.URLLC: 7000, SliceType.MMTC: 8000}
    flows: list[FlowSpec] = []
    for u in ues:
        if u.id == service_ue:
            continue
        port = base_port[u.slice] + len([f for f in flows if f.slice is u.slice])
        if u.kind == "uav":
            spec = ("ul", rng.uniform(0.3e6, 1.0e6), 1200)
        elif u.slice is SliceType.EMBB:
            spec = ("dl", rng.uniform(1.0e6, 3.0e6), 1200)
        elif u.slice is SliceType.URLLC:
            spec = ("dl", rng.uniform(100.0, 200.0) * 200 * 8, 200)
        else:
            spec = ("ul", rng.uniform(2.0, 10.0) * 100 * 8, 100)
        direction, rate, size = spec
        flows.append(
            FlowSpec(id=f"bg-{u.id}", slice=u.slice, ue=u.id, direction=direction, rate_bps=round(rate, 1), packet_bytes=size, port=port)
        )

    service = ServiceSpec(
        ue=service_ue,
        initial_slice=SliceType.EMBB,
        initial_host="cloud",
        request_rate_hz=round(rng.uniform(40.0, 100.0), 1),
        request_bytes=400,
        response_packets=rng.randint(3, 6),
        response_bytes=1200,
    )
    edge_capacity = round(rng.uniform(150.0, 350.0), 1)
    edge = HostSpec(
        link_delay_ms=round(rng.uniform(1.0, 2.0), 2),
        capacity_jobs_s=edge_capacity,
        tenant_load_jobs_s=round(edge_capacity * rng.uniform(0.25, 0.5), 1),
        queue_limit=200,
    )
    cloud = HostSpec(
        link_delay_ms=round(rng.uniform(15.0, 35.0), 2),
        capacity_jobs_s=5000.0,
        tenant_load_jobs_s=0.0,
        queue_limit=2000,
    )

    # Surge load: in every cell, toward its eMBB UEs (or the nearest UEs when it has none).
    surges = []
    for g in gnbs:
        near = sorted((u for u in ues if u.id != service_ue and u.kind == "ground"), key=lambda u: u.position.distance_to(g.position))
        embb = [u.id for u in near if u.slice is SliceType.EMBB and g.id == _nearest(gnbs, u.position).id]
        targets = tuple((embb or [u.id for u in near])[:3])
        surges.append(SurgeSpec(gnb=g.id, ues=targets, rate_bps=round(rng.uniform(10e6, 16e6), 1)))

    interferers = tuple(
        InterfererSpec(gnb=g.id, position=around(g, 80.0, 160.0, 10.0), power_dbm=round(rng.uniform(18.0, 26.0), 1)) for g in gnbs
    )

    sla = SLASpec(
        max_latency_ms=round(2 * cloud.link_delay_ms + rng.uniform(40.0, 60.0), 1),
        max_jitter_ms=round(rng.uniform(8.0, 15.0), 1),
        max_loss_rate=round(rng.uniform(0.02, 0.05), 3),
        min_throughput_mbps=round(0.8 * service.offered_mbps, 2),
    )
    return Scenario(
        seed=seed,
        split=split,
        ran=ran,
        gnbs=gnbs,
        ues=tuple(ues),
        uavs=tuple(uavs),
        flows=tuple(flows),
        service=service,
        cloud=cloud,
        edge=edge,
        slice_shares={SliceType.EMBB: 0.6, SliceType.URLLC: 0.25, SliceType.MMTC: 0.15},
        surges=tuple(surges),
        interferers=interferers,
        sla=sla,
        area=area,
    )


def _nearest(gnbs: tuple[GnbSpec, ...], position: Position) -> GnbSpec:
    return min(gnbs, key=lambda g: g.position.distance_to(position))
