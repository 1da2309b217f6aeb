"""What a backend can be told to do: network actions and degradation events.

This is the vocabulary shared by every backend (live ns-3 and the learned
surrogate). Configuration tools, UAV commands and the degradation schedule are all
turned into these typed actions; a backend applies them at a window boundary.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from sixg.domain import Frozen, Position, SliceType

# --- network actions ------------------------------------------------------------------------


class SwitchSlice(Frozen):
    """Move the managed service to another slice's provisioned bearer."""

    kind: Literal["switch_slice"] = "switch_slice"
    slice: SliceType


class ReallocateSlices(Frozen):
    """Give ``slice`` this share of each cell's capacity; the others shrink in proportion."""

    kind: Literal["reallocate"] = "reallocate"
    slice: SliceType
    share: float = Field(gt=0.0, le=0.9)


class EdgeOffload(Frozen):
    """Send the managed service's compute jobs to another host."""

    kind: Literal["offload"] = "offload"
    host: Literal["edge", "cloud"]


class GracefulDegradation(Frozen):
    """Shed (pause) or shape (slow down) a fraction of one slice's background load."""

    kind: Literal["degrade"] = "degrade"
    slice: SliceType
    fraction: float = Field(ge=0.0, le=1.0)
    mode: Literal["shed", "shape"] = "shape"


class Handover(Frozen):
    """X2 handover of a UE to another base station."""

    kind: Literal["handover"] = "handover"
    ue: str
    target_gnb: str


class SetUavPlan(Frozen):
    """Replace a UAV's flight plan (waypoints flown in order at ``speed_mps``)."""

    kind: Literal["uav_plan"] = "uav_plan"
    uav: str
    waypoints: tuple[Position, ...] = Field(min_length=1)
    speed_mps: float = Field(gt=0.0, le=40.0)
    loop: bool = False


# --- degradations ------------------------------------------------------------------------------


class InterferenceSurge(Frozen):
    """A wide-band interferer near a base station switches on."""

    kind: Literal["interference"] = "interference"
    gnb: str
    power_dbm: float = Field(ge=-30.0, le=46.0)


class BackhaulDegradation(Frozen):
    """A base station's backhaul (S1-U) link gets slower and lossy."""

    kind: Literal["backhaul"] = "backhaul"
    gnb: str
    extra_delay_ms: float = Field(ge=0.0, le=500.0)
    loss_rate: float = Field(ge=0.0, le=0.5)


class CongestionSurge(Frozen):
    """Background traffic floods a cell."""

    kind: Literal["congestion"] = "congestion"
    gnb: str
    rate_mbps: float = Field(gt=0.0, le=100.0)


class EdgeOverload(Frozen):
    """Other tenants' jobs on the edge server rise by this fraction of its capacity."""

    kind: Literal["edge_overload"] = "edge_overload"
    extra_load: float = Field(gt=0.0, le=3.0)


class UavDrift(Frozen):
    """A UAV drifts away from its serving cell (wind, GPS fault) until recovered."""

    kind: Literal["uav_drift"] = "uav_drift"
    uav: str
    speed_mps: float = Field(gt=0.0, le=30.0)


Degradation = Annotated[
    Union[InterferenceSurge, BackhaulDegradation, CongestionSurge, EdgeOverload, UavDrift],
    Field(discriminator="kind"),
]
DEGRADATION_KINDS: tuple[str, ...] = ("interference", "backhaul", "congestion", "edge_overload", "uav_drift")


class DegradationOnset(Frozen):
    """Start a degradation (one of each kind may be active at a time)."""

    kind: Literal["onset"] = "onset"
    degradation: Degradation


class DegradationRecovery(Frozen):
    """End the active degradation of this kind (the network recovers by itself)."""

    kind: Literal["recovery"] = "recovery"
    degradation_kind: Literal["interference", "backhaul", "congestion", "edge_overload", "uav_drift"]


Action = Annotated[
    Union[
        SwitchSlice,
        ReallocateSlices,
        EdgeOffload,
        GracefulDegradation,
        Handover,
        SetUavPlan,
        DegradationOnset,
        DegradationRecovery,
    ],
    Field(discriminator="kind"),
]
ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)

#: Actions the six-dimensional state is expected to respond to (Configuration effects).
CONFIGURATION_KINDS: tuple[str, ...] = ("switch_slice", "reallocate", "offload", "degrade")


def describe(action: Action) -> str:
    """A short human-readable form, e.g. ``switch_slice(URLLC)``."""
    fields = action.model_dump(exclude={"kind"}, mode="json")
    if isinstance(action, DegradationOnset):
        inner = action.degradation.model_dump(exclude={"kind"}, mode="json")
        return f"onset:{action.degradation.kind}(" + ", ".join(f"{k}={v}" for k, v in inner.items()) + ")"
    if isinstance(action, SetUavPlan):
        return f"uav_plan({action.uav}, {len(action.waypoints)} waypoint(s), {action.speed_mps} m/s)"
    return f"{action.kind}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


def reallocated_shares(shares: dict[SliceType, float], action: ReallocateSlices) -> dict[SliceType, float]:
    """Shares after giving ``action.slice`` its new share; the others keep their proportions."""
    others = [s for s in shares if s is not action.slice]
    rest = sum(shares[s] for s in others)
    left = 1.0 - action.share
    out = {s: left * (shares[s] / rest if rest > 0 else 1.0 / len(others)) for s in others}
    out[action.slice] = action.share
    return {s: out[s] for s in shares}
