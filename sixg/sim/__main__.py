"""``python -m sixg.sim``: look at and replay recorded episodes.

python -m sixg.sim show runs/cosim_tools_ns3/trajectory.jsonl     # one line per step
python -m sixg.sim replay runs/cosim_tools_ns3/trajectory.jsonl   # run it again, compare every record
"""

from __future__ import annotations

import argparse
import sys

from sixg.cli import run_command
from sixg.sim.trajectory import Trajectory, replay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.sim", description="Recorded co-simulation episodes.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_show = sub.add_parser("show", help="print an episode, one line per step")
    p_show.add_argument("path")
    p_replay = sub.add_parser("replay", help="replay an episode on its backend and compare every record")
    p_replay.add_argument("path")
    args = parser.parse_args(argv)
    return run_command(lambda: _show(args.path) if args.command == "show" else _replay(args.path))


def _show(path: str) -> int:
    traj = Trajectory.load(path)
    h = traj.header
    print(f"{h['env_id']} seed {h['seed']} on {h['backend']} (scenario {h['scenario']['seed']}, {h['scenario']['split']}): {h['intent']}")
    for s in traj.steps:
        r = s["result"]
        verdict = "ok" if r["ok"] else f"error ({r['error']['kind']})"
        end = " terminated" if s["terminated"] else " truncated" if s["truncated"] else ""
        print(f"{s['step']:>4}  t={s['t']:>7.2f} s  {r['tool'] or '?':<30} {verdict}{end}")
    return 0


def _replay(path: str) -> int:
    report = replay(path)
    print(f"{'identical' if report.identical else 'DIFFERENT'} over {report.steps} step(s)")
    for line in report.mismatches[:20]:
        print(f"  {line}")
    return 0 if report.identical else 1


if __name__ == "__main__":
    sys.exit(main())
