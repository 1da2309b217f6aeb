"""Configuration tools: the four that change the network (paper, Table IV).

Each yields one :mod:`sixg.actions` action; the co-simulation applies it at the next
window boundary and resumes the tool when that window has been measured, so what a
tool returns already reflects its change (and whatever else happened meanwhile).
"""

from __future__ import annotations

from collections.abc import Generator

from sixg.actions import Action, EdgeOffload, GracefulDegradation, ReallocateSlices, SwitchSlice
from sixg.domain import NetworkState, SliceType
from sixg.errors import ToolRefusedError
from sixg.snapshot import ActionResult
from sixg.tools.measures import edge_load
from sixg.tools.registry import Effect, ToolContext, tool
from sixg.tools.types import DegradationSpec, OffloadResult, OffloadTarget, ResourceSpec, TaskKind, TaskSpec


def _accepted(result: ActionResult, what: str) -> None:
    if not result.ok:
        raise ToolRefusedError(f"the network did not apply the {what}: {result.reason}")


@tool(Effect.CONFIGURATION)
def switch_network_slice(
    ctx: ToolContext, from_slice: SliceType, to_slice: SliceType
) -> Generator[Action, ActionResult, NetworkState]:
    """Move the managed service from one network slice to another (eMBB: broadband, shared with
    the background load; URLLC: guaranteed bit rate, low latency; mMTC: device rates only). Takes
    effect at the next window boundary; returns the network state measured over the first window
    on the new slice.

    Args:
        from_slice: The slice the service is on now (a stale value is refused: observe again).
        to_slice: The slice to move it to.
    """
    current = ctx.world.state.slice
    if from_slice is not current:
        raise ToolRefusedError(
            f"the service is on {current.value}, not {from_slice.value}; check_network_state and try again"
        )
    if to_slice is from_slice:
        raise ToolRefusedError(f"the service is already on {to_slice.value}")
    result = yield SwitchSlice(slice=to_slice)
    _accepted(result, "slice switch")
    return ctx.world.state


@tool(Effect.CONFIGURATION)
def graceful_degradation(ctx: ToolContext, spec: DegradationSpec) -> Generator[Action, ActionResult, NetworkState]:
    """Relieve the network by degrading one slice's background traffic: shed (pause) a fraction of
    its flows, or shape (slow) all of them by that fraction; fraction 0 restores it. The managed
    service is never degraded. Takes effect at the next window boundary; returns the network state
    measured over the first window after.

    Args:
        spec: The slice, the fraction, and shed or shape.
    """
    result = yield GracefulDegradation(slice=spec.slice, fraction=spec.fraction, mode=spec.mode)
    _accepted(result, "degradation")
    return ctx.world.state


@tool(Effect.CONFIGURATION)
def edge_offload(
    ctx: ToolContext, task: TaskSpec, target: OffloadTarget
) -> Generator[Action, ActionResult, OffloadResult]:
    """Move the managed service's compute work to another host: the edge server next to the
    gateway (short round trip, finite and shared capacity) or the cloud (long backbone, ample
    capacity). Takes effect at the next window boundary; returns the host change with the network
    state and edge load measured over the first window after.

    Args:
        task: The compute task being moved (kind "compute").
        target: Where to run it, e.g. as select_offload_target chose.
    """
    world = ctx.world
    if task.kind is not TaskKind.COMPUTE:
        raise ToolRefusedError(f"only compute work can be offloaded, not a {task.kind.value} task")
    previous = world.snapshot.service.host
    if target.host == previous:
        raise ToolRefusedError(f"the service already runs on the {previous}")
    result = yield EdgeOffload(host=target.host)
    return OffloadResult(
        task=task.name,
        host=world.snapshot.service.host,
        previous_host=previous,
        accepted=result.ok,
        reason=result.reason,
        state=world.state,
        edge=edge_load(world),
        applied_at_s=round(world.t - world.snapshot.window_s, 9),
    )


@tool(Effect.CONFIGURATION)
def trigger_slice_reallocation(
    ctx: ToolContext, slice: SliceType, resources: ResourceSpec
) -> Generator[Action, ActionResult, NetworkState]:
    """Give a slice a new share of every cell's capacity; the other slices shrink (or grow) in
    proportion to fill the rest. Background load over a slice's share is policed at its sources.
    Takes effect at the next window boundary; returns the network state measured over the first
    window after.

    Args:
        slice: The slice to resize: "eMBB", "URLLC" or "mMTC".
        resources: Its new share.
    """
    result = yield ReallocateSlices(slice=slice, share=resources.share)
    _accepted(result, "reallocation")
    return ctx.world.state
