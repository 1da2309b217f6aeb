"""What the co-simulation loop itself costs per tool call, with the backend's time taken out.

    python benchmarks/loop_overhead.py [--calls 3000] [--repeats 5] [--json out.json]

For a few tools (a bare read, one with an enum argument, one with nested models, and a
Configuration call that waits for its window) it times, in one run:

  * a bare Python function call, and the tool's own function called directly on typed
    arguments (what the work costs without any loop);
  * the boundary alone (raw JSON call -> validated typed call);
  * ``CoSimulation.run_call``: SimPy processes, the boundary, the tool, the typed result,
    and the network process stepping its windows as simulated time passes;
  * ``NetOpsEnv.step``: the above plus the observation text and the trajectory record.

The backend is a stand-in that returns a fixed measurement instantly; the time spent inside
its ``step`` is measured and subtracted anyway, so the figures are the loop's own overhead
(the world update from each snapshot is the loop's work and stays in). Each figure is the
median over ``--repeats`` runs of ``--calls`` calls, in microseconds per call.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Sequence

from sixg import radio
from sixg.actions import Action, SwitchSlice
from sixg.backends.base import Backend, StepOutput
from sixg.domain import NetworkState, SliceType
from sixg.scenario import Scenario, generate
from sixg.sim import CoSimulation, NetOpsEnv
from sixg.snapshot import ActionResult, EdgeDetail, FlowKpi, ServiceDetail, SliceKpi, Snapshot, UavStatus, UeRadio
from sixg.tools import ToolContext, default_catalog

SEED = 6


class StillNetwork(Backend):
    """Reports the same measurement every window (only the slice follows SwitchSlice); times its own step."""

    id = "still"
    window_s = 0.5

    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        self._now = 0.0
        self.step_seconds = 0.0
        self.slice = SliceType.EMBB
        kpi = FlowKpi(latency_ms=30.0, jitter_ms=1.0, loss_rate=0.0, throughput_mbps=2.0)
        ues = []
        for u in scenario.ues:
            c = radio.best_cell(scenario, u.position)
            ues.append(UeRadio(id=u.id, gnb=c.gnb, rsrp_dbm=c.rsrp_dbm, sinr_db=c.sinr_db, position=u.position))
        self.snapshot = Snapshot(
            t=0.0,
            window_s=self.window_s,
            state=NetworkState(
                slice=SliceType.EMBB, latency_ms=60.0, jitter_ms=2.0, loss_rate=0.0, throughput_mbps=3.0, edge_load=0.4
            ),
            service=ServiceDetail(host="cloud", requests=25, responses=100, latency_max_ms=70.0, flow=kpi),
            slices={s: SliceKpi(**kpi.model_dump(), share=scenario.slice_shares[s]) for s in SliceType},
            edge=EdgeDetail(
                utilisation=0.4, queue_jobs=0.5, arrivals=40, dropped=0, capacity_jobs_s=scenario.edge.capacity_jobs_s
            ),
            ues=tuple(ues),
            uavs={
                u.id: UavStatus(
                    battery_wh=u.battery_wh,
                    battery_fraction=u.battery_wh / u.battery_capacity_wh,
                    drifting=False,
                    distance_flown_m=0.0,
                )
                for u in scenario.uavs
            },
            ran="none",
            backend=self.id,
        )
        self._states = {s: self.snapshot.state.model_copy(update={"slice": s}) for s in SliceType}
        return self.snapshot

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        t0 = time.perf_counter()
        for a in actions:
            if isinstance(a, SwitchSlice):
                self.slice = a.slice
        self._now = round(self._now + self.window_s, 9)
        snap = self.snapshot.model_copy(update={"t": self._now, "state": self._states[self.slice]})
        out = StepOutput(snapshot=snap, results=tuple(ActionResult(action=a.kind, ok=True) for a in actions))
        self.step_seconds += time.perf_counter() - t0
        return out

    @property
    def now(self) -> float:
        return self._now

    def close(self) -> None:
        pass


def _calls(scenario: Scenario) -> dict[str, list[dict]]:
    """The raw calls timed per tool (a Configuration call alternates so it is never refused)."""
    state = {
        "slice": "eMBB",
        "latency_ms": 60.0,
        "jitter_ms": 2.0,
        "loss_rate": 0.0,
        "throughput_mbps": 3.0,
        "edge_load": 0.4,
    }
    return {
        "check_network_state": [{"name": "check_network_state", "arguments": "{}"}],
        "get_slice_status": [{"name": "get_slice_status", "arguments": '{"slice": "URLLC"}'}],
        "verify_sla_compliance": [
            {
                "name": "verify_sla_compliance",
                "arguments": json.dumps({"state": state, "sla": scenario.sla.model_dump(mode="json")}),
            }
        ],
        "switch_network_slice": [
            {"name": "switch_network_slice", "arguments": '{"from_slice": "eMBB", "to_slice": "URLLC"}'},
            {"name": "switch_network_slice", "arguments": '{"from_slice": "URLLC", "to_slice": "eMBB"}'},
        ],
    }


def _per_call_us(fn, n: int, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(n):
            fn(i)
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def _looped(n: int, repeats: int, make_runner) -> float:
    """Median µs per call of ``make_runner()``'s calls, minus the backend's own step time."""
    samples = []
    for _ in range(repeats):
        run, backend = make_runner()
        t0 = time.perf_counter()
        for i in range(n):
            run(i)
        total = time.perf_counter() - t0
        samples.append((total - backend.step_seconds) / n * 1e6)
    return statistics.median(samples)


def _direct(spec, ctx: ToolContext, args):
    """The tool's own work on typed arguments, without the loop."""
    if not spec.acts:
        return lambda i: spec.invoke(ctx, args)

    def act_and_answer(i):  # build the action, then the result from an applied one
        steps = spec.invoke(ctx, args)
        next(steps)
        try:
            steps.send(ActionResult(action="x", ok=True))
        except StopIteration as stop:
            return stop.value

    return act_and_answer


def _measure_tool(scenario: Scenario, spec, variants: list[dict], calls: int, repeats: int, bare_us: float) -> dict:
    sim = CoSimulation(StillNetwork(), scenario, seed=1, think_time_s=0.0)
    sim.start()
    # The stand-in network reads eMBB, so the first variant is the one a tool's own checks pass.
    direct_us = _per_call_us(
        _direct(spec, ToolContext(sim.world, 0.0), sim.boundary.bind(variants[0]).args), calls, repeats
    )
    boundary_us = _per_call_us(lambda i: sim.boundary.bind(variants[i % len(variants)]), calls, repeats)

    def sim_runner():
        b = StillNetwork()
        s = CoSimulation(b, scenario, seed=1, think_time_s=0.0)
        s.start()
        return (lambda i: s.run_call(variants[i % len(variants)])), b

    def env_runner():
        b = StillNetwork()
        env = NetOpsEnv(backend=b)
        # A mission goal nobody completes, so no verification ends the episode mid-measurement.
        mission = {
            "mission_id": "never",
            "uavs": ["uav-0"],
            "targets": [{"x": 800.0, "y": -400.0, "z": 50.0}],
            "tolerance_m": 1.0,
            "min_battery_fraction": 0.1,
            "deadline_s": None,
            "required_tasks": [],
        }
        env.reset(
            seed=1,
            options={"scenario_seed": SEED, "max_steps": calls + 1, "think_time_s": 0.0, "goal": {"mission": mission}},
        )
        return (lambda i: env.step(variants[i % len(variants)])), b

    loop_us = _looped(calls, repeats, sim_runner)
    env_us = _looped(calls, repeats, env_runner)
    return {
        "effect": spec.effect.value,
        "direct_us": direct_us,
        "boundary_us": boundary_us,
        "loop_us": loop_us,
        "env_step_us": env_us,
        "loop_overhead_us": loop_us - direct_us,
        "loop_vs_bare": loop_us / bare_us,
        "loop_vs_direct": loop_us / direct_us,
    }


def measure(calls: int, repeats: int) -> dict:
    scenario = generate(SEED, split="train")
    catalog = default_catalog()
    bare_us = _per_call_us(lambda i: i, calls * 10, repeats)
    rows = {
        name: _measure_tool(scenario, catalog[name], variants, calls, repeats, bare_us)
        for name, variants in _calls(scenario).items()
    }
    return {
        "bare_call_us": bare_us,
        "calls": calls,
        "repeats": repeats,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "tools": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=str, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    out = measure(args.calls, args.repeats)
    print(
        f"bare Python call: {out['bare_call_us']:.3f} µs   ({out['machine']}, {args.calls} calls x {args.repeats} repeats, medians)\n"
    )
    print(
        "| tool | effect | tool function alone (µs) | boundary (µs) | loop: run_call (µs) | env.step (µs) | loop overhead (µs) | loop / bare call | loop / tool alone |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in out["tools"].items():
        print(
            f"| `{name}` | {r['effect']} | {r['direct_us']:.1f} | {r['boundary_us']:.1f} | {r['loop_us']:.1f} | {r['env_step_us']:.1f} | "
            f"{r['loop_overhead_us']:.1f} | {r['loop_vs_bare']:.0f}x | {r['loop_vs_direct']:.1f}x |"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
