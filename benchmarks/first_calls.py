"""How an agent opens its episodes, from `python -m sixg.bench run` output folders: the share of episodes
whose first call is one of the tools the task's reference solution uses, and the most common first three calls.

    python benchmarks/first_calls.py runs/bench/tiny-surrogate-validation [more run folders]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from sixg.bench.build import load_benchmark
from sixg.bench.run import read_results


def calls_of(trajectory: Path) -> list[str]:
    """The tool names an episode's trajectory file records, in order."""
    names = []
    for line in trajectory.read_text().splitlines():
        row = json.loads(line)
        call = (row.get("call") or {}).get("call") if row.get("kind") == "step" else None
        if call:
            names.append(call["name"])
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--top", type=int, default=5, help="how many of the commonest openings to list")
    args = ap.parse_args()
    tasks = {t.id: t for t in load_benchmark().tasks}
    for run in args.runs:
        episodes = read_results(run)
        in_reference, openings = 0, Counter()
        for ep in episodes:
            names = calls_of(run / "trajectories" / f"{ep.task_id}-t{ep.trial}.jsonl")
            in_reference += bool(names) and names[0] in {s.tool for s in tasks[ep.task_id].reference}
            openings[tuple(names[:3])] += 1
        print(f"{run}: {len(episodes)} episodes, first call among the reference's tools in {100 * in_reference / len(episodes):.1f} %")
        for opening, n in openings.most_common(args.top):
            print(f"  {n:4d}  {', '.join(opening) or '(no call)'}")


if __name__ == "__main__":
    main()
