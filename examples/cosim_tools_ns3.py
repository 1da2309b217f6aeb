"""Scripted co-simulation on live ns-3: an operator script drives the typed tools through the SimPy loop.

A congestion surge hits the managed service's cell while the script watches. It reads
telemetry, scores the risk, asks for a recovery strategy, runs the calls it recommends
(Configuration tools: they take effect at the next window boundary of the ns-3 run),
and confirms the SLA with verify_sla_compliance, which ends the episode. Every call
goes through the same boundary a language model's would; one deliberately bad call
shows what the agent gets back. The episode is written as a JSONL trajectory and
replayed on a fresh ns-3 run to check it is reproduced exactly.

    python examples/cosim_tools_ns3.py [--seed 1] [--out runs/cosim_tools_ns3] [--no-replay]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sixg.cli import run_command
from sixg.scenario import generate
from sixg.sim import NetOpsEnv, replay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="training topology seed (1-50)")
    parser.add_argument("--surge-at", type=float, default=2.0, help="episode time of the congestion surge, s")
    parser.add_argument("--out", type=Path, default=Path("runs/cosim_tools_ns3"))
    parser.add_argument("--no-replay", action="store_true", help="skip replaying the trajectory")
    args = parser.parse_args(argv)
    return run_command(lambda: _run(args))


def _run(args) -> int:
    scenario = generate(args.seed, split="train")
    cell = scenario.nearest_gnb(scenario.ue(scenario.service.ue).position).id
    surge = {"kind": "onset", "degradation": {"kind": "congestion", "gnb": cell, "rate_mbps": 20.0}}
    options = {
        "scenario_seed": args.seed,
        "max_steps": 25,
        "schedule": {"events": [{"t": args.surge_at, "action": surge}]},
    }

    env = NetOpsEnv(backend="ns3")
    wall = time.perf_counter()
    observation, info = env.reset(seed=1, options=options)
    print(observation, "\n")
    goal_sla = info["goal"].sla.model_dump(mode="json")

    def step(name: str, **arguments):
        out = env.step({"name": name, "arguments": json.dumps(arguments)})
        text = out.observation.splitlines()[0]
        print(text if len(text) < 220 else text[:217] + "...")
        return out

    def observe():
        telemetry = step("read_telemetry").result.output
        risk = step("risk_assessment", telemetry=telemetry.model_dump(mode="json")).result.output
        return telemetry.state, risk

    state, risk = observe()
    step("predict_sla_violation", state=state.model_dump(mode="json"))
    # A model's typo: the boundary answers with an error (and a hint) instead of crashing the run.
    step("check_netwrk_state")
    while env.sim.now < args.surge_at + 1.0:  # keep watching while the surge builds up
        state, risk = observe()
    out = None
    for _ in range(3):  # closed loop: remedy, re-observe, verify, and ask again if still short
        strategy = step(
            "select_recovery_strategy", state=state.model_dump(mode="json"), risk=risk.model_dump(mode="json")
        ).result.output
        print(f"\n  strategy: {strategy.strategy} -- {strategy.rationale}\n")
        for recommended in strategy.steps:
            step(recommended.tool, **json.loads(recommended.arguments))
        state = step("check_network_state").result.output
        out = step("verify_sla_compliance", state=state.model_dump(mode="json"), sla=goal_sla)
        if out.terminated or out.truncated:
            break
        state, risk = observe()
    wall = time.perf_counter() - wall

    print(
        f"\n{'recovered and confirmed' if out.terminated else 'not confirmed'} after {out.info['step']} calls, "
        f"{env.sim.now:.2f} s simulated on {out.info['backend']} ({wall:.1f} s wall); active degradations: {list(out.info['degradations'])}"
    )
    path = env.trajectory.save(args.out / "trajectory.jsonl")
    print(f"trajectory: {path}")
    env.close()

    if not args.no_replay:
        report = replay(path)
        print(
            f"replay on a fresh ns-3 run: {'identical' if report.identical else 'DIFFERENT'} over {report.steps} steps"
        )
        for line in report.mismatches[:5]:
            print("  ", line)
        if not report.identical:
            return 1
    return 0 if out.terminated else 2


if __name__ == "__main__":
    sys.exit(main())
