"""A small deterministic network for fast tests of the tools and the loop (not a product backend).

Its KPIs are simple formulas of the slice, the host, the degradations and the actions,
so a test can tell what each action should do; UAVs fly with :mod:`sixg.kinematics`
and the radio comes from :mod:`sixg.radio`, as on the real backends. Every action it
receives is kept in :attr:`ToyBackend.applied` with the time it was applied.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sixg import radio
from sixg.actions import Action, Handover
from sixg.backends.base import Backend, StepOutput
from sixg.control import ControlState
from sixg.domain import SliceType
from sixg.errors import ResetNeeded
from sixg.scenario import Scenario
from sixg.snapshot import ActionResult, EdgeDetail, FlowKpi, ServiceDetail, SliceKpi, Snapshot, UavStatus, UeRadio

RADIO_MS = {SliceType.EMBB: 20.0, SliceType.URLLC: 12.0, SliceType.MMTC: 45.0}


class ToyBackend(Backend):
    id = "toy"

    def __init__(self, *, window_s: float = 0.5, noise: float = 0.01):
        self.window_s = window_s
        self.noise = noise
        self._now: float | None = None
        self.applied: list[tuple[float, Action]] = []
        self.resets = 0

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.control = ControlState(scenario)
        self.uavs = self.control.uavs
        self.applied = []
        self.resets += 1
        self._now = 0.0
        return self._snapshot()

    @property
    def now(self) -> float:
        if self._now is None:
            raise ResetNeeded("call reset() first")
        return self._now

    def close(self) -> None:
        self._now = None

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        if self._now is None:
            raise ResetNeeded("call reset() first")
        self.control.validate(*actions)
        results = tuple(self._apply(a) for a in actions)
        self.applied += [(self._now, a) for a in actions]
        for m in self.uavs.values():
            m.advance(self.window_s)
        self._now = round(self._now + self.window_s, 9)
        return StepOutput(snapshot=self._snapshot(), results=results)

    # --- actions -----------------------------------------------------------------------------------
    def _apply(self, a: Action) -> ActionResult:
        applied = self.control.apply(a)
        if applied.ok and isinstance(a, Handover):
            self.control.complete_handover(a.ue, a.target_gnb)  # the toy's handovers always complete
        return applied.result

    # --- measurement ----------------------------------------------------------------------------------
    def _wiggle(self) -> float:
        return 1.0 + self.noise * (2 * self.rng.random() - 1)

    def _snapshot(self) -> Snapshot:
        sc, c = self.scenario, self.control
        svc_ue = sc.service.ue
        svc_cell = c.serving[svc_ue]
        host = sc.edge if c.host == "edge" else sc.cloud
        edge_util = sc.edge.tenant_load_jobs_s / sc.edge.capacity_jobs_s + (
            sc.service.request_rate_hz / sc.edge.capacity_jobs_s if c.host == "edge" else 0.0
        )
        if "edge_overload" in c.active:
            edge_util += c.active["edge_overload"].extra_load
        edge_util = min(edge_util, 1.0)
        latency = 2 * host.link_delay_ms + RADIO_MS[c.slice]
        if c.host == "edge":
            latency += 1000.0 / (sc.edge.capacity_jobs_s * max(0.02, 1.0 - edge_util))
        loss = 0.0
        throughput = sc.service.offered_mbps
        ev = c.active.get("congestion")
        if ev is not None and ev.gnb == svc_cell and c.slice is SliceType.EMBB:
            relief = c.shaped(SliceType.EMBB)
            latency += 80.0 * (1 - relief)
            loss += 0.12 * (1 - relief)
        ev = c.active.get("backhaul")
        if ev is not None and ev.gnb == svc_cell:
            latency += 2 * ev.extra_delay_ms
            loss += ev.loss_rate
        ev = c.active.get("interference")
        interfered = ev.gnb if ev is not None else None
        if interfered == svc_cell:
            loss += 0.1
        if c.slice is SliceType.MMTC:
            throughput = min(throughput, 0.8)
        loss = min(1.0, loss)
        throughput *= 1.0 - loss
        latency *= self._wiggle()
        ues = []
        for u in sc.ues:
            pos = self.uavs[u.id].as_position() if u.id in self.uavs else u.position
            cell = radio.signal_from(sc, pos, c.serving[u.id])
            sinr = cell.sinr_db - (15.0 if interfered == c.serving[u.id] else 0.0)
            ues.append(
                UeRadio(
                    id=u.id,
                    gnb=c.serving[u.id],
                    rsrp_dbm=cell.rsrp_dbm,
                    sinr_db=sinr,
                    position=pos,
                    handovers_ok=c.handovers[u.id],
                )
            )
        slices = {}
        for s in SliceType:
            offered = sum(f.rate_bps for f in sc.flows if f.slice is s) / 1e6 * (1 - c.shaped(s))
            slices[s] = SliceKpi(
                latency_ms=RADIO_MS[s] / 2,
                jitter_ms=1.0,
                loss_rate=0.0,
                throughput_mbps=offered,
                share=c.shares[s],
                rx_packets=int(offered * 100),
            )
        return Snapshot(
            t=self._now,
            window_s=self.window_s,
            state={
                "slice": c.slice,
                "latency_ms": latency,
                "jitter_ms": 1.0 + latency / 50,
                "loss_rate": loss,
                "throughput_mbps": throughput,
                "edge_load": edge_util,
            },
            service=ServiceDetail(
                host=c.host,
                requests=int(sc.service.request_rate_hz * self.window_s),
                responses=int(sc.service.request_rate_hz * self.window_s * sc.service.response_packets * (1 - loss)),
                latency_max_ms=latency * 1.2,
                flow=FlowKpi(latency_ms=latency / 2, jitter_ms=1.0, loss_rate=loss, throughput_mbps=throughput),
            ),
            slices=slices,
            edge=EdgeDetail(
                utilisation=edge_util,
                queue_jobs=edge_util / max(0.02, 1 - edge_util),
                arrivals=int(sc.edge.tenant_load_jobs_s * self.window_s),
                dropped=0,
                capacity_jobs_s=sc.edge.capacity_jobs_s,
            ),
            ues=tuple(ues),
            uavs={
                uid: UavStatus(
                    battery_wh=m.battery_wh,
                    battery_fraction=m.battery_fraction,
                    drifting=m.drifting,
                    distance_flown_m=m.distance_flown_m,
                )
                for uid, m in self.uavs.items()
            },
            degradations=tuple(sorted(c.active)),
            ran="toy",
            backend=self.id,
        )


# --- episodes and example calls for the tool tests ------------------------------------------------------

#: Two cells, two UAVs, the service on a ground UE: every tool has something to work on.
SEED = 6


def toy_env(**kwargs):
    """A NetOpsEnv on a fresh ToyBackend."""
    from sixg.sim import NetOpsEnv

    return NetOpsEnv(backend=ToyBackend(), **kwargs)


def started(seed: int = SEED, **options):
    """A toy environment reset on topology ``seed``; returns (env, world)."""
    env = toy_env()
    env.reset(seed=1, options={"scenario_seed": seed, **options})
    return env, env.sim.world


def valid_arguments(world) -> dict[str, dict]:
    """One valid call per tool, as a model would send it (plain JSON data), for ``world``."""
    from sixg.tools.analysis import risk_assessment
    from sixg.tools.measures import edge_load, telemetry
    from sixg.tools.registry import ToolContext

    sc = world.scenario
    state = world.state.model_dump(mode="json")
    tel = telemetry(world)
    risk = risk_assessment(ToolContext(world, world.t), tel)
    here = world.uav_position("uav-0")
    serving = world.ue("uav-0").gnb
    other_gnb = next(g for g in sc.gnb_ids if g != serving)
    p = {"x": 100.0, "y": 50.0, "z": 60.0}
    battery = world.uav("uav-0")
    spec = sc.uav("uav-0")
    mission = {
        "mission_id": "survey-1",
        "uavs": ["uav-0", "uav-1"],
        "targets": [{"x": 150.0, "y": 0.0, "z": 60.0}, {"x": -100.0, "y": 100.0, "z": 60.0}],
        "tolerance_m": 30.0,
        "min_battery_fraction": 0.1,
        "deadline_s": None,
        "required_tasks": [],
    }
    route = {
        "points": [{"x": here.x, "y": here.y, "z": here.z}, p],
        "speed_mps": None,
        "distance_m": None,
        "min_sinr_db": None,
    }
    intent = {"text": "keep latency below 80 ms for uav-0", "slice": None, "sla": None, "priority": "high"}
    compute = {
        "name": "service",
        "kind": "compute",
        "target": None,
        "compute_jobs_s": sc.service.request_rate_hz,
        "max_latency_ms": 80.0,
        "priority": "high",
    }
    return {
        "read_telemetry": {},
        "check_network_state": {},
        "get_signal_strength": {"position": p},
        "scan_available_gnbs": {"position": p},
        "get_edge_load": {},
        "get_slice_status": {"slice": "URLLC"},
        "read_uav_position": {"uav": "uav-1"},
        "get_battery_level": {"uav": "uav-0"},
        "predict_sla_violation": {"state": state},
        "check_handover_status": {"ue": "ue-2"},
        "get_traffic_pattern": {"slice": "eMBB"},
        "monitor_interference": {"position": p},
        "check_link_quality": {"ue": "uav-0", "gnb": other_gnb},
        "select_recovery_strategy": {"state": state, "risk": risk.model_dump(mode="json")},
        "get_available_slices": {"position": p},
        "check_migration_feasibility": {"uav": "uav-0", "gnb": other_gnb},
        "activate_sensor": {"sensor": "thermal"},
        "risk_assessment": {"telemetry": tel.model_dump(mode="json")},
        "evaluate_intent_feasibility": {"intent": intent, "state": state},
        "check_geofence": {
            "position": p,
            "fence": {
                "kind": "keep_in",
                "vertices": [
                    {"x": -200, "y": -200},
                    {"x": 300, "y": -200},
                    {"x": 300, "y": 300},
                    {"x": -200, "y": 300},
                ],
                "min_altitude_m": 20,
                "max_altitude_m": 120,
            },
        },
        "path_planning": {
            "start": {"x": here.x, "y": here.y, "z": here.z},
            "goal": {"x": 600.0, "y": 300.0, "z": 80.0},
            "state": state,
        },
        "compute_energy_budget": {
            "route": route,
            "battery": {
                "uav": "uav-0",
                "energy_wh": battery.battery_wh,
                "capacity_wh": spec.battery_capacity_wh,
                "fraction": battery.battery_fraction,
                "endurance_s": 1000.0,
            },
        },
        "select_offload_target": {"edge": edge_load(world).model_dump(mode="json"), "task": compute},
        "negotiate_priority": {"first": "uav-0", "second": "uav-1", "intent": intent},
        "set_waypoint": {"uav": "uav-1", "position": {"x": 50.0, "y": -50.0, "z": 80.0}},
        "adjust_altitude": {"uav": "uav-0", "altitude": 90.0},
        "adjust_speed": {"uav": "uav-0", "speed": 12.0},
        "collision_avoidance": {
            "uav": "uav-0",
            "destination": p,
            "swarm": {
                "members": [
                    {"uav": "uav-1", "position": {"x": 0.0, "y": 0.0, "z": 60.0}, "heading_deg": 90.0, "speed_mps": 5.0}
                ],
                "min_separation_m": 30.0,
            },
        },
        "swarm_formation": {
            "spec": {"uavs": ["uav-0", "uav-1"], "formation": "wedge", "spacing_m": 30.0},
            "route": route,
        },
        "assign_task": {
            "uav": "uav-1",
            "task": {
                "name": "survey-a",
                "kind": "survey",
                "target": {"x": 120.0, "y": 40.0, "z": 60.0},
                "compute_jobs_s": 0.0,
                "max_latency_ms": None,
                "priority": "normal",
            },
        },
        "send_alert": {"uav": "uav-0", "alert": "battery_low"},
        "request_handover": {"ue": "uav-0", "gnb": other_gnb},
        "log_decision": {
            "record": {
                "decision": "move the service to URLLC",
                "rationale": "latency is rising",
                "tools_used": ["check_network_state"],
                "confidence": 0.8,
            }
        },
        "update_mission_plan": {"mission": mission, "state": state},
        "broadcast_status": {"uav": "uav-0", "message": {"status": "nominal", "text": "on station"}},
        "heartbeat": {"uav": "uav-1"},
        "verify_sla_compliance": {"state": state, "sla": sc.sla.model_dump(mode="json")},
        "validate_mission_completion": {"mission": mission, "log": {"mission_id": "survey-1", "since_s": 0.0}},
        "switch_network_slice": {"from_slice": "eMBB", "to_slice": "URLLC"},
        "graceful_degradation": {"spec": {"slice": "eMBB", "fraction": 0.5, "mode": "shape"}},
        "edge_offload": {
            "task": compute,
            "target": {"host": "edge", "expected_latency_ms": None, "expected_utilisation": None, "reason": None},
        },
        "trigger_slice_reallocation": {"slice": "URLLC", "resources": {"share": 0.4}},
    }


def call(env, name: str, **arguments):
    """Step ``env`` with one call and return the tool's typed output (the call must succeed)."""
    import json

    out = env.step({"name": name, "arguments": json.dumps(arguments)})
    assert out.result.ok, out.observation
    return out.result.output


def refused(env, name: str, **arguments) -> str:
    """Step ``env`` with a call that must be refused; return the message."""
    import json

    out = env.step({"name": name, "arguments": json.dumps(arguments)})
    assert not out.result.ok and out.result.error.kind == "refused", out.observation
    return out.result.error.message


def onset(t: float, degradation: dict) -> dict:
    """A schedule event (as reset options take it) starting ``degradation`` at ``t``."""
    return {"t": t, "action": {"kind": "onset", "degradation": degradation}}
