"""The domain types everything else speaks in: slices, positions, ids, network state.

These are the leaves of the type hierarchy the tool catalog (Table IV of the paper)
is built from; scenario, backends and tools all use the same ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Frozen(BaseModel):
    """Base for value types: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SliceType(str, Enum):
    """A network slice: enhanced mobile broadband, ultra-reliable low latency, massive IoT."""

    EMBB = "eMBB"
    URLLC = "URLLC"
    MMTC = "mMTC"

    @classmethod
    def parse(cls, value: str) -> SliceType:
        """Accept the canonical spelling or any case of it (``urllc`` -> URLLC)."""
        for member in cls:
            if value == member.value or value.lower() == member.value.lower():
                return member
        raise ValueError(f"unknown slice {value!r}; expected one of {[m.value for m in cls]}")


SLICES: tuple[SliceType, ...] = (SliceType.EMBB, SliceType.URLLC, SliceType.MMTC)

GnbId = Annotated[str, StringConstraints(pattern=r"^gnb-\d+$")]
UeId = Annotated[str, StringConstraints(pattern=r"^(ue|uav)-\d+$")]
UavId = Annotated[str, StringConstraints(pattern=r"^uav-\d+$")]


class Position(Frozen):
    """A point in the scenario's local frame, metres (z is height above ground)."""

    x: float = Field(description="East, metres.", ge=-1e5, le=1e5)
    y: float = Field(description="North, metres.", ge=-1e5, le=1e5)
    z: float = Field(description="Height above ground, metres (1.5 for a handheld device on the ground).", ge=0.0, le=1e4)

    def distance_to(self, other: Position) -> float:
        return math.dist((self.x, self.y, self.z), (other.x, other.y, other.z))

    def horizontal_distance_to(self, other: Position) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


class NetworkState(Frozen):
    """The six dimensions of the managed service's state (paper, Eq. 2)."""

    slice: SliceType = Field(description="Slice the managed service currently runs in.")
    latency_ms: float = Field(ge=0.0, description="Mean request-to-response latency, ms.")
    jitter_ms: float = Field(ge=0.0, description="Mean latency variation between responses, ms.")
    loss_rate: float = Field(ge=0.0, le=1.0, description="Fraction of packets lost, 0-1.")
    throughput_mbps: float = Field(ge=0.0, description="Service goodput received, Mbit/s.")
    edge_load: float = Field(ge=0.0, le=1.0, description="Edge server utilisation, 0-1.")

    #: The continuous dimensions, in a fixed order (the slice is categorical).
    NUMERIC: ClassVar[tuple[str, ...]] = ("latency_ms", "jitter_ms", "loss_rate", "throughput_mbps", "edge_load")

    def numeric(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in self.NUMERIC)


#: How figures label each numeric dimension of :class:`NetworkState` (axis titles, legends).
DIMENSION_LABELS: dict[str, str] = {
    "latency_ms": "latency (ms)",
    "jitter_ms": "jitter (ms)",
    "loss_rate": "loss rate",
    "throughput_mbps": "throughput (Mbit/s)",
    "edge_load": "edge load",
}


@dataclass(frozen=True)
class SlaDimension:
    """One SLA target: a numeric field of :class:`NetworkState`, the :class:`SLASpec` field that
    bounds it, and on which side of the bound the service must stay."""

    #: As violations, tools and intents name it, e.g. "latency".
    name: str
    #: The NetworkState field, e.g. "latency_ms".
    field: str
    #: The SLASpec field, e.g. "max_latency_ms".
    bound: str
    #: True: the value must stay at or below the bound; False: at or above it.
    upper: bool

    def value(self, state: NetworkState) -> float:
        return getattr(state, self.field)

    def limit(self, sla: SLASpec) -> float:
        return getattr(sla, self.bound)

    def met(self, state: NetworkState, sla: SLASpec) -> bool:
        v, b = self.value(state), self.limit(sla)
        return v <= b if self.upper else v >= b

    def margin(self, state: NetworkState, sla: SLASpec) -> float:
        """How far inside the bound the value is (negative outside)."""
        v, b = self.value(state), self.limit(sla)
        return b - v if self.upper else v - b

    def as_strict(self, spec: SLASpec, goal: SLASpec) -> bool:
        """Whether ``spec``'s bound is at least as strict as ``goal``'s."""
        a, b = self.limit(spec), self.limit(goal)
        return a <= b if self.upper else a >= b


#: The SLA's four targets, in the order tools report them.
SLA_DIMENSIONS: tuple[SlaDimension, ...] = (
    SlaDimension("latency", "latency_ms", "max_latency_ms", upper=True),
    SlaDimension("jitter", "jitter_ms", "max_jitter_ms", upper=True),
    SlaDimension("loss", "loss_rate", "max_loss_rate", upper=True),
    SlaDimension("throughput", "throughput_mbps", "min_throughput_mbps", upper=False),
)
#: The same, by name.
SLA_DIMENSION: dict[str, SlaDimension] = {d.name: d for d in SLA_DIMENSIONS}


class SLASpec(Frozen):
    """Service-level targets for the managed service (see :data:`SLA_DIMENSIONS`)."""

    max_latency_ms: float = Field(gt=0.0, description="Latency must stay at or below this, ms.")
    max_jitter_ms: float = Field(gt=0.0, description="Jitter must stay at or below this, ms.")
    max_loss_rate: float = Field(ge=0.0, le=1.0, description="Loss must stay at or below this, 0-1.")
    min_throughput_mbps: float = Field(ge=0.0, description="Throughput must stay at or above this, Mbit/s.")

    def violations(self, state: NetworkState) -> list[str]:
        """Names of the targets ``state`` misses (empty when compliant)."""
        return [d.name for d in SLA_DIMENSIONS if not d.met(state, self)]


def rounded(value, digits: int = 5):
    """``value`` (JSON data) with every float cut to ``digits`` significant digits, for text a person or model reads."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return value
