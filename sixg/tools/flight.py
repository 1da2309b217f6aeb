"""Reasoning tools for UAV flight: geofences, routes, energy, separation, formations, and the
four commands that make the network act (waypoint, altitude, speed, handover).

The planners compute from their inputs and the static layout (base stations, each UAV's
power model). The commands are generators: they hand a :mod:`sixg.actions` action to
the backend, which flies the UAV (or hands the UE over) from the next window boundary on.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Generator

import networkx as nx

from sixg import radio
from sixg.actions import Action, Handover, SetUavPlan
from sixg.domain import NetworkState, Position
from sixg.errors import ToolRefusedError
from sixg.kinematics import energy_for_route
from sixg.snapshot import ActionResult
from sixg.tools.measures import required_sinr_db
from sixg.tools.registry import Effect, ToolContext, tool
from sixg.tools.types import (
    MAX_ALTITUDE_M,
    MIN_ALTITUDE_M,
    Altitude,
    AltitudeAck,
    AreaPosition,
    AvoidanceCmd,
    BatteryLevel,
    Conflict,
    EnergyPlan,
    FlightPosition,
    FormationCmd,
    FormationSlot,
    GeofenceResult,
    GeofenceSpec,
    GnbRef,
    HandoverCmd,
    Speed,
    SpeedAck,
    SwarmSpec,
    SwarmState,
    UavRef,
    UeRef,
    WaypointAck,
    Waypoints,
)
from sixg.world import World

#: Energy a flight must leave in the battery, as a fraction of capacity.
RESERVE_FRACTION = 0.2
#: path_planning: cost multiplier per 10 dB of SINR below what the active slice needs.
COVERAGE_PENALTY = 2.0
#: path_planning: grid points per side at most (the grid spans start, goal and a margin).
GRID_SIDE = 31
GRID_MARGIN_M = 200.0


def _vec(p: Position) -> tuple[float, float, float]:
    return (p.x, p.y, p.z)


def _applied_at(world: World) -> float:
    # A command's result arrives when the window that applied it has ended.
    return round(world.t - world.snapshot.window_s, 9)


def _route_energy(
    world: World, uav: str, start: Position, points: tuple[Position, ...], speed: float
) -> tuple[float, float, float]:
    spec = world.uav_spec(uav)
    return energy_for_route(
        _vec(start), [_vec(p) for p in points], speed, spec.hover_power_w, spec.move_power_w_per_mps
    )


# --- planners ---------------------------------------------------------------------------------


def _inside(x: float, y: float, poly: list[tuple[float, float]]) -> bool:
    inside = False
    n = len(poly)
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


@tool(Effect.REASONING, latency_s=0.05)
def check_geofence(ctx: ToolContext, position: Position, fence: GeofenceSpec) -> GeofenceResult:
    """Check a position against a geofence. A keep_in fence allows only points inside its polygon
    and between its height limits; a keep_out fence forbids points inside its polygon within its
    height band (flying over its top is allowed). Also gives the horizontal distance to the
    fence's edge.

    Args:
        position: The point to check, metres in the scenario frame.
        fence: The geofence polygon and height limits.
    """
    poly = [(v.x, v.y) for v in fence.vertices]
    area2 = sum(
        poly[i][0] * poly[(i + 1) % len(poly)][1] - poly[(i + 1) % len(poly)][0] * poly[i][1] for i in range(len(poly))
    )
    if abs(area2) < 1e-6:
        raise ToolRefusedError(
            "the fence's vertices enclose no area; give at least three corners that are not on one line"
        )
    inside = _inside(position.x, position.y, poly)
    edge = min(_segment_distance(position.x, position.y, poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly)))
    lo = fence.min_altitude_m if fence.min_altitude_m is not None else 0.0
    hi = fence.max_altitude_m if fence.max_altitude_m is not None else math.inf
    in_band = lo <= position.z <= hi
    if fence.kind == "keep_in":
        allowed = inside and in_band
        reason = (
            "inside the fence"
            if allowed
            else ("outside the fence" if not inside else f"height {position.z:.1f} m is outside {lo:.0f}..{hi:.0f} m")
        )
    else:
        allowed = not (inside and in_band)
        reason = "clear of the no-fly zone" if allowed else "inside the no-fly zone"
        if inside and not in_band:
            reason = f"over the no-fly zone but outside its height band {lo:.0f}..{hi:.0f} m"
    return GeofenceResult(
        allowed=allowed, inside=inside, altitude_ok=in_band, distance_to_boundary_m=edge, reason=reason
    )


@tool(Effect.REASONING, latency_s=0.3)
def path_planning(ctx: ToolContext, start: AreaPosition, goal: AreaPosition, state: NetworkState) -> Waypoints:
    """Plan a UAV route from start to goal that keeps radio coverage: a grid over the area is
    weighted by distance, made costlier where the predicted SINR (with busy neighbour cells) falls
    below what the active slice needs (3 dB more while the service is losing packets), and searched
    with A*. The route flies at the goal's height and comes back simplified to its turning points.
    Fly it with set_waypoint.

    Args:
        start: Where the UAV starts (usually read_uav_position).
        goal: Where it must go.
        state: The current network state; its slice and loss set the SINR the route must keep.
    """
    sc = ctx.world.scenario
    need = required_sinr_db(state)
    cruise = goal.z

    def sinr(x: float, y: float, z: float) -> float:
        # Plan for busy neighbours: the cell edges are where a loaded network fails first.
        return radio.best_cell(sc, Position(x=x, y=y, z=z)).loaded_sinr_db

    def cost(length: float, s: float) -> float:
        factor = 1.0 + COVERAGE_PENALTY * max(0.0, need - s) / 10.0
        return length * (factor * 10.0 if s < radio.LINK_SINR_FLOOR_DB else factor)

    # Fast path: the straight line already keeps coverage.
    samples = [
        (start.x + (goal.x - start.x) * f, start.y + (goal.y - start.y) * f, start.z + (goal.z - start.z) * f)
        for f in (i / 20 for i in range(21))
    ]
    straight = [sinr(*p) for p in samples]
    if min(straight) >= need:
        return Waypoints(
            points=(start, goal), speed_mps=None, distance_m=start.distance_to(goal), min_sinr_db=min(straight)
        )

    xmin, ymin, xmax, ymax = sc.area
    x0, x1 = max(xmin, min(start.x, goal.x) - GRID_MARGIN_M), min(xmax, max(start.x, goal.x) + GRID_MARGIN_M)
    y0, y1 = max(ymin, min(start.y, goal.y) - GRID_MARGIN_M), min(ymax, max(start.y, goal.y) + GRID_MARGIN_M)
    step = max(10.0, max(x1 - x0, y1 - y0) / (GRID_SIDE - 1))
    nx_, ny_ = math.floor((x1 - x0) / step) + 1, math.floor((y1 - y0) / step) + 1
    coords = {(i, j): (x0 + i * step, y0 + j * step) for i in range(nx_) for j in range(ny_)}
    quality = {k: sinr(x, y, cruise) for k, (x, y) in coords.items()}
    graph = nx.Graph()
    for (i, j), (x, y) in coords.items():
        for di, dj in ((1, 0), (0, 1), (1, 1), (1, -1)):
            other = (i + di, j + dj)
            if other in coords:
                ox, oy = coords[other]
                graph.add_edge((i, j), other, w=cost(math.hypot(ox - x, oy - y), min(quality[(i, j)], quality[other])))
    for name, p in (("start", start), ("goal", goal)):
        here = sinr(p.x, p.y, p.z)
        ci, cj = (p.x - x0) / step, (p.y - y0) / step
        for i in (math.floor(ci), math.ceil(ci)):
            for j in (math.floor(cj), math.ceil(cj)):
                if (i, j) in coords:
                    gx, gy = coords[(i, j)]
                    graph.add_edge(
                        name, (i, j), w=cost(math.dist((p.x, p.y, p.z), (gx, gy, cruise)), min(here, quality[(i, j)]))
                    )
    if "start" not in graph or "goal" not in graph:
        return Waypoints(
            points=(start, goal), speed_mps=None, distance_m=start.distance_to(goal), min_sinr_db=min(straight)
        )

    def position(node) -> tuple[float, float, float]:
        if node == "start":
            return _vec(start)
        if node == "goal":
            return _vec(goal)
        x, y = coords[node]
        return (x, y, cruise)

    nodes = nx.astar_path(
        graph, "start", "goal", heuristic=lambda a, b: math.dist(position(a), position(b)), weight="w"
    )
    # Keep the turning points only.
    kept = [nodes[0]]
    for prev, node, nxt in zip(nodes, nodes[1:], nodes[2:]):
        a, b, c = position(prev), position(node), position(nxt)
        d1 = (b[0] - a[0], b[1] - a[1])
        d2 = (c[0] - b[0], c[1] - b[1])
        if abs(d1[0] * d2[1] - d1[1] * d2[0]) > 1e-6 or d1[0] * d2[0] + d1[1] * d2[1] < 0:
            kept.append(node)
    kept.append(nodes[-1])
    points = tuple(
        start if n == "start" else goal if n == "goal" else Position(x=position(n)[0], y=position(n)[1], z=cruise)
        for n in kept
    )
    distance = sum(a.distance_to(b) for a, b in itertools.pairwise(points))
    worst = min(quality[n] for n in nodes if n not in ("start", "goal")) if len(nodes) > 2 else min(straight)
    return Waypoints(
        points=points, speed_mps=None, distance_m=distance, min_sinr_db=min(worst, straight[0], straight[-1])
    )


@tool(Effect.REASONING, latency_s=0.05)
def compute_energy_budget(ctx: ToolContext, route: Waypoints, battery: BatteryLevel) -> EnergyPlan:
    """Work out whether a UAV's battery covers a route: distance, flight time and energy at the
    route's speed (or the UAV's cruise speed) from the UAV's power model, what would remain, and
    whether a 20 % reserve is kept. Also the range the UAV still has at that speed.

    Args:
        route: The route, flown from its first point (path_planning's output starts at the start).
        battery: The UAV's battery, as get_battery_level returned it.
    """
    world = ctx.world
    spec = world.uav_spec(battery.uav)
    speed = route.speed_mps or world.plans[battery.uav].speed_mps
    points = route.points
    distance, seconds, energy = _route_energy(world, battery.uav, points[0], points[1:], speed)
    reserve = RESERVE_FRACTION * battery.capacity_wh
    remaining = battery.energy_wh - energy
    power_w = spec.hover_power_w + spec.move_power_w_per_mps * speed
    return EnergyPlan(
        uav=battery.uav,
        distance_m=distance,
        flight_time_s=seconds,
        energy_wh=energy,
        available_wh=battery.energy_wh,
        reserve_wh=reserve,
        remaining_wh=remaining,
        remaining_fraction=remaining / battery.capacity_wh,
        feasible=remaining >= reserve,
        max_range_m=max(0.0, battery.energy_wh - reserve) * 3600.0 / power_w * speed,
    )


@tool(Effect.REASONING, latency_s=0.05)
def collision_avoidance(ctx: ToolContext, uav: UavRef, destination: AreaPosition, swarm: SwarmState) -> AvoidanceCmd:
    """Check a UAV's straight flight from where it is to a destination against the other UAVs'
    positions and motion (closest point of approach), and propose a maneuver when any would come
    closer than the swarm's minimum separation: climb or descend over or under it, or a lateral
    detour. Does not move the UAV; fly the proposed waypoint with set_waypoint.

    Args:
        uav: The UAV that is about to fly, e.g. "uav-0".
        destination: Where it means to fly.
        swarm: The other UAVs (any entry for the UAV itself is ignored) and the separation to keep.
    """
    world = ctx.world
    here = world.uav_position(uav)
    speed = world.plans[uav].speed_mps
    d = (destination.x - here.x, destination.y - here.y, destination.z - here.z)
    length = math.sqrt(sum(c * c for c in d))
    own_v = tuple(c / length * speed for c in d) if length > 1e-9 else (0.0, 0.0, 0.0)
    horizon = length / speed if length > 1e-9 else 0.0
    conflicts: list[tuple[Conflict, Position]] = []
    for m in swarm.members:
        if m.uav == uav:
            continue
        if m.heading_deg is not None and m.speed_mps:
            h = math.radians(m.heading_deg)
            v = (m.speed_mps * math.sin(h), m.speed_mps * math.cos(h), 0.0)
        else:
            v = (0.0, 0.0, 0.0)
        p = (m.position.x - here.x, m.position.y - here.y, m.position.z - here.z)
        rel = tuple(b - a for a, b in zip(own_v, v))
        rv2 = sum(c * c for c in rel)
        t = 0.0 if rv2 < 1e-12 else max(0.0, min(horizon, -sum(a * b for a, b in zip(p, rel)) / rv2))
        gap = math.sqrt(sum((a + b * t) ** 2 for a, b in zip(p, rel)))
        if gap < swarm.min_separation_m:
            conflicts.append(
                (
                    Conflict(uav=m.uav, min_separation_m=gap, time_s=t),
                    Position(x=m.position.x + v[0] * t, y=m.position.y + v[1] * t, z=m.position.z),
                )
            )
    if not conflicts:
        return AvoidanceCmd(
            uav=uav,
            conflict=False,
            conflicts=(),
            maneuver="none",
            waypoint=None,
            detail=f"clear: no UAV comes within {swarm.min_separation_m:.0f} m",
        )
    worst, where = min(conflicts, key=lambda c: c[0].min_separation_m)
    sep = swarm.min_separation_m
    top = max(here.z, where.z) + sep
    bottom = min(here.z, where.z) - sep
    if here.z >= where.z and top <= MAX_ALTITUDE_M:
        maneuver, waypoint = "climb", Position(x=destination.x, y=destination.y, z=top)
    elif bottom >= MIN_ALTITUDE_M:
        maneuver, waypoint = "descend", Position(x=destination.x, y=destination.y, z=bottom)
    elif top <= MAX_ALTITUDE_M:
        maneuver, waypoint = "climb", Position(x=destination.x, y=destination.y, z=top)
    else:
        # Sidestep away from the conflict point, perpendicular to the flight direction.
        fx, fy = (d[0] / length, d[1] / length) if length > 1e-9 else (0.0, 1.0)
        rx, ry = fy, -fx
        side = -1.0 if (where.x - here.x) * rx + (where.y - here.y) * ry > 0 else 1.0
        xmin, ymin, xmax, ymax = world.scenario.area
        mid = (here.x + d[0] / 2 + side * rx * 2 * sep, here.y + d[1] / 2 + side * ry * 2 * sep)
        maneuver, waypoint = (
            "lateral",
            Position(x=min(xmax, max(xmin, mid[0])), y=min(ymax, max(ymin, mid[1])), z=here.z),
        )
    return AvoidanceCmd(
        uav=uav,
        conflict=True,
        conflicts=tuple(c for c, _ in sorted(conflicts, key=lambda c: c[0].time_s)),
        maneuver=maneuver,
        waypoint=waypoint,
        detail=f"{worst.uav} would pass {worst.min_separation_m:.0f} m away in {worst.time_s:.0f} s; {maneuver} to keep {sep:.0f} m",
    )


@tool(Effect.REASONING, latency_s=0.05)
def swarm_formation(ctx: ToolContext, spec: SwarmSpec, route: Waypoints) -> FormationCmd:
    """Lay out a formation along a route: the first UAV leads along the route and every other UAV
    gets its own waypoints, offset in the route's frame (line abreast, column, wedge, or a circle
    round the leader) by the spacing. Does not move the UAVs; fly each slot with set_waypoint.

    Args:
        spec: The UAVs (the first leads), the formation and the spacing.
        route: The leader's route.
    """
    n = len(spec.uavs)
    s = spec.spacing_m
    if len(set(spec.uavs)) != n:
        raise ToolRefusedError("each UAV can take one slot only; list every UAV once")
    offsets: list[tuple[float, float]] = [(0.0, 0.0)]
    for k in range(1, n):
        rank, side = (k + 1) // 2, (1.0 if k % 2 else -1.0)
        if spec.formation == "column":
            offsets.append((-k * s, 0.0))
        elif spec.formation == "line":
            offsets.append((0.0, side * rank * s))
        elif spec.formation == "wedge":
            offsets.append((-rank * s, side * rank * s))
        else:
            radius = s if n == 2 else max(s, s / (2 * math.sin(math.pi / (n - 1))))
            a = 2 * math.pi * (k - 1) / (n - 1)
            offsets.append((radius * math.cos(a), radius * math.sin(a)))
    pts = route.points
    headings = []
    for i in range(len(pts)):
        a, b = (pts[i], pts[i + 1]) if i + 1 < len(pts) else (pts[i - 1], pts[i]) if i > 0 else (pts[i], pts[i])
        dx, dy = b.x - a.x, b.y - a.y
        norm = math.hypot(dx, dy)
        headings.append((dx / norm, dy / norm) if norm > 1e-9 else (0.0, 1.0))
    xmin, ymin, xmax, ymax = ctx.world.scenario.area
    slots = []
    for uav, (fwd, right) in zip(spec.uavs, offsets):
        wps = []
        for p, (fx, fy) in zip(pts, headings):
            rx, ry = fy, -fx  # clockwise from the heading: right of the direction of travel
            x = min(xmax, max(xmin, p.x + fx * fwd + rx * right))
            y = min(ymax, max(ymin, p.y + fy * fwd + ry * right))
            wps.append(Position(x=x, y=y, z=min(MAX_ALTITUDE_M, max(MIN_ALTITUDE_M, p.z))))
        slots.append(FormationSlot(uav=uav, offset_forward_m=fwd, offset_right_m=right, waypoints=tuple(wps)))
    first = [slot.waypoints[0] for slot in slots]
    closest = min(a.distance_to(b) for i, a in enumerate(first) for b in first[i + 1 :])
    return FormationCmd(
        formation=spec.formation, leader=spec.uavs[0], spacing_m=s, assignments=tuple(slots), min_separation_m=closest
    )


# --- commands: these make the network act ---------------------------------------------------------


@tool(Effect.REASONING)
def set_waypoint(
    ctx: ToolContext, uav: UavRef, position: FlightPosition
) -> Generator[Action, ActionResult, WaypointAck]:
    """Send a UAV to a position: its flight plan is replaced by a straight flight there at its
    cruise speed, after which it holds. This moves the UAV in the network simulation from the next
    window boundary on; the answer comes once that window has passed, with the distance, ETA and
    energy the flight takes.

    Args:
        uav: The UAV, e.g. "uav-0".
        position: Where to fly, metres in the scenario frame; z is the height, 10-300 m.
    """
    world = ctx.world
    if world.uav(uav).battery_wh <= 0.0:
        raise ToolRefusedError(f"{uav}'s battery is empty; it cannot fly")
    speed = world.plans[uav].speed_mps
    here = world.uav_position(uav)
    distance, seconds, energy = _route_energy(world, uav, here, (position,), speed)
    result = yield SetUavPlan(uav=uav, waypoints=(position,), speed_mps=speed, loop=False)
    return WaypointAck(
        uav=uav,
        waypoint=position,
        accepted=result.ok,
        reason=result.reason,
        distance_m=distance,
        eta_s=seconds,
        energy_wh=energy,
        applied_at_s=_applied_at(world),
    )


@tool(Effect.REASONING)
def adjust_altitude(ctx: ToolContext, uav: UavRef, altitude: Altitude) -> Generator[Action, ActionResult, AltitudeAck]:
    """Change the height a UAV flies at: every waypoint it has left is moved to the new height,
    which it climbs or descends to on its way to the next one (or where it is, if it is holding).
    This moves the UAV in the network simulation from the next window boundary on.

    Args:
        uav: The UAV, e.g. "uav-0".
        altitude: New height above ground, 10-300 m.
    """
    world = ctx.world
    if world.uav(uav).battery_wh <= 0.0:
        raise ToolRefusedError(f"{uav}'s battery is empty; it cannot fly")
    plan = world.plans[uav]
    rest = plan.remaining()
    here = world.uav_position(uav)
    if rest:
        waypoints, loop = tuple(Position(x=p.x, y=p.y, z=altitude) for p in rest), plan.loop
    else:
        waypoints, loop = (Position(x=here.x, y=here.y, z=altitude),), False
    result = yield SetUavPlan(uav=uav, waypoints=waypoints, speed_mps=plan.speed_mps, loop=loop)
    return AltitudeAck(
        uav=uav,
        altitude_m=altitude,
        accepted=result.ok,
        reason=result.reason,
        waypoints=len(waypoints),
        applied_at_s=_applied_at(world),
    )


@tool(Effect.REASONING)
def adjust_speed(ctx: ToolContext, uav: UavRef, speed: Speed) -> Generator[Action, ActionResult, SpeedAck]:
    """Change a UAV's cruise speed for the rest of its flight plan (faster arrives sooner but
    draws more power per second). This changes the UAV's motion in the network simulation from the
    next window boundary on.

    Args:
        uav: The UAV, e.g. "uav-0".
        speed: New cruise speed, 1-40 m/s.
    """
    world = ctx.world
    if world.uav(uav).battery_wh <= 0.0:
        raise ToolRefusedError(f"{uav}'s battery is empty; it cannot fly")
    plan = world.plans[uav]
    rest = plan.remaining()
    if not rest:
        raise ToolRefusedError(
            f"{uav} has no waypoints left to fly (it is holding or off course); give it one with set_waypoint"
        )
    here = world.uav_position(uav)
    result = yield SetUavPlan(uav=uav, waypoints=rest, speed_mps=speed, loop=plan.loop)
    return SpeedAck(
        uav=uav,
        speed_mps=speed,
        accepted=result.ok,
        reason=result.reason,
        eta_next_waypoint_s=here.distance_to(rest[0]) / speed,
        applied_at_s=_applied_at(world),
    )


@tool(Effect.REASONING)
def request_handover(ctx: ToolContext, ue: UeRef, gnb: GnbRef) -> Generator[Action, ActionResult, HandoverCmd]:
    """Hand a UAV (or a ground UE) over to another base station. The network simulation executes
    the handover from the next window boundary on; the answer comes once that window has passed,
    with the cell serving the UE then.

    Args:
        ue: The UAV or UE to move, e.g. "uav-0" or "ue-0".
        gnb: The target base station, e.g. "gnb-1".
    """
    world = ctx.world
    r = world.ue(ue)
    if len(world.scenario.gnbs) < 2:
        raise ToolRefusedError("this scenario has a single base station; there is nowhere to hand over to")
    if r.gnb is None:
        raise ToolRefusedError(f"{ue} is detached; it reconnects by itself to the strongest cell")
    if r.gnb == gnb:
        raise ToolRefusedError(f"{ue} is already served by {gnb}")
    if r.handover_in_progress:
        raise ToolRefusedError(f"a handover of {ue} is already under way; check_handover_status and try again")
    result = yield Handover(ue=ue, target_gnb=gnb)
    return HandoverCmd(
        ue=ue,
        source_gnb=r.gnb,
        target_gnb=gnb,
        accepted=result.ok,
        reason=result.reason,
        serving_gnb_after=world.ue(ue).gnb,
        applied_at_s=_applied_at(world),
    )
