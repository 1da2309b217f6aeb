"""Quick start: one episode by hand through the Gymnasium API, then a baseline on the benchmark.

    python examples/quickstart.py [--seed 7] [--scenario-seed 3] [--limit 20] [--out runs/quickstart]

The notebook ``examples/quickstart.ipynb`` walks through the same steps cell by cell
(and checks that its episode is this script's, call for call).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import gymnasium

import sixg  # noqa: F401  (registers sixg/NetOps-v0)
from sixg.cli import positive_int, run_command


def episode_options(scenario_seed: int) -> dict[str, Any]:
    """A short episode on a training topology with degradations drawn from the seed."""
    return {"scenario_seed": scenario_seed, "max_steps": 8, "schedule": "random"}


def by_hand(env, info: dict[str, Any]) -> list:
    """The calls of the quick start: look, read the telemetry, then ask for confirmation of the goal's SLA.

    Returns the step results (Gymnasium's five-tuple with the typed result and state by name).
    """
    outs = [env.step({"name": "check_network_state", "arguments": "{}"})]
    outs.append(env.step({"name": "read_telemetry", "arguments": {}}))
    state = outs[-1].result.output.state.model_dump(mode="json")
    sla = info["goal"].sla.model_dump(mode="json")
    outs.append(env.step({"name": "verify_sla_compliance", "arguments": json.dumps({"state": state, "sla": sla})}))
    return outs


def first_episode(*, seed: int = 7, scenario_seed: int = 3):
    """One episode on the shipped surrogate; returns its trajectory."""
    env = gymnasium.make("sixg/NetOps-v0")
    try:
        _, info = env.reset(seed=seed, options=episode_options(scenario_seed))
        by_hand(env, info)
        return env.unwrapped.trajectory
    finally:
        env.close()


def baseline(*, agent: str = "mapek", limit: int = 20, out: Path = Path("runs/quickstart/bench")) -> dict[str, Any]:
    """Run a baseline on the first ``limit`` benchmark tasks on the surrogate; returns the run's summary."""
    from sixg.bench.__main__ import main as bench

    status = bench(["run", "--agent", agent, "--backend", "surrogate", "--limit", str(limit), "--out", str(out)])
    if status != 0:
        raise RuntimeError(f"the benchmark run ended with status {status}")
    return json.loads((Path(out) / "summary.json").read_text())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=7, help="episode seed")
    p.add_argument("--scenario-seed", type=positive_int, default=3, help="training topology seed (1-50)")
    p.add_argument("--agent", default="mapek", help="baseline agent id (default mapek)")
    p.add_argument("--limit", type=positive_int, default=20, help="benchmark tasks to run (default 20)")
    p.add_argument("--out", type=Path, default=Path("runs/quickstart"))
    a = p.parse_args(argv)

    def work() -> int:
        trajectory = first_episode(seed=a.seed, scenario_seed=a.scenario_seed)
        print(trajectory.header["observation"], "\n")
        for s in trajectory.steps:
            print(s["observation"].splitlines()[0][:200])
        print(f"trajectory: {trajectory.save(a.out / 'episode.jsonl')}\n")
        summary = baseline(agent=a.agent, limit=a.limit, out=a.out / "bench")
        print(f"{a.agent}: SR {100 * summary['overall']['sr']:.1f} % over {summary['episodes']} episode(s)")
        return 0

    return run_command(work)


if __name__ == "__main__":
    sys.exit(main())
