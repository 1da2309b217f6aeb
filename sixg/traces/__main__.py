"""``python -m sixg.traces``: generate, inspect and check CSV traces."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from sixg.cli import add_cluster_option, cluster_of, positive_float, positive_int, run_command
from sixg.snapshot import WINDOW_S


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.traces", description="Generate and inspect ns-3 CSV traces.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="run exploring episodes on ns-3 and write CSV traces (resumable)")
    g.add_argument("--seeds", required=True, help="topology seeds, e.g. 1-50 (training) or 51-80 (benchmark); not both")
    g.add_argument("--episodes", type=positive_int, default=4, help="episodes per seed (default 4)")
    g.add_argument("--duration", type=positive_float, default=60.0, help="simulated seconds per episode (default 60)")
    g.add_argument("--out", type=Path, required=True, help="output directory (rerun the same command to resume)")
    g.add_argument("--workers", type=positive_int, default=max(1, (os.cpu_count() or 2) - 0), help="parallel ns-3 worker processes")
    g.add_argument("--window", type=positive_float, default=WINDOW_S, help=f"measurement window in simulated seconds (default {WINDOW_S:g})")
    add_cluster_option(g)
    s = sub.add_parser("schema", help="print the column schema as Markdown")
    del s
    c = sub.add_parser("check", help="load a trace directory and report what it holds")
    c.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate" and args.window > args.duration:
        parser.error(f"--window ({args.window} s) is longer than --duration ({args.duration} s): an episode would hold no window")

    commands = {"schema": _schema, "check": _check, "generate": _generate}
    return run_command(lambda: commands[args.command](args), interrupted="finished episodes are kept; run the same command again to resume")


def _schema(args) -> int:
    from sixg.traces.schema import schema_markdown

    print(schema_markdown())
    return 0


def _check(args) -> int:
    from sixg.traces.io import load_windows

    df = load_windows(args.dir)
    print(f"{args.dir}: {len(df)} windows, {df.groupby(['seed', 'episode']).ngroups} episodes, seeds {sorted(df.seed.unique().tolist())}")
    print(df.groupby("action").size().to_string())
    return 0


def _generate(args) -> int:
    from tqdm import tqdm

    from sixg.scenario import parse_seeds
    from sixg.traces.generate import episode_paths, generate
    from sixg.scenario import split_of_seeds

    seeds = parse_seeds(args.seeds)
    split = split_of_seeds(seeds).value
    todo = sum(1 for s in seeds for e in range(args.episodes) if not episode_paths(args.out, split, s, e)[0].is_file())
    windows_per_episode = int(round(args.duration / args.window))
    bar = tqdm(total=todo * windows_per_episode, unit="win", desc=f"{split} traces", smoothing=0.05)
    lock = threading.Lock()

    def on_window() -> None:
        with lock:
            bar.update(1)

    def on_episode(seed: int, ep: int, status: str) -> None:
        if status != "done":
            with lock:
                bar.write(f"seed {seed} episode {ep}: {status}")

    def on_retry(text: str) -> None:
        with lock:
            bar.write(text, file=sys.stderr)

    stop = threading.Event()
    cluster = cluster_of(args)
    try:
        report = generate(
            seeds,
            episodes=args.episodes,
            duration_s=args.duration,
            out=args.out,
            workers=args.workers,
            window_s=args.window,
            on_window=on_window,
            on_episode=on_episode,
            on_retry=on_retry,
            stop=stop,
            cluster=cluster,
        )
    finally:
        bar.close()
    print(
        f"{report.episodes_run} episode(s) generated, {report.episodes_skipped} already present, "
        f"{len(report.failures)} failed, {report.wall_seconds:.0f} s wall -> {args.out}"
    )
    if cluster is not None:
        print(report.stats.summary())
    for f in report.failures:
        print(f"  failed: {f}", file=sys.stderr)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
