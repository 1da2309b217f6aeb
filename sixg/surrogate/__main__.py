"""``python -m sixg.surrogate``: train and evaluate the Experiment Model.

    python -m sixg.surrogate train --traces data/traces --out runs/model.safetensors
    python -m sixg.surrogate evaluate --checkpoint runs/model.safetensors --seeds 51-80 [--json]
    python -m sixg.surrogate info [--checkpoint PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sixg.cli import positive_int, run_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sixg.surrogate", description="Train and evaluate the Experiment Model (the learned surrogate of ns-3).")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on the training split of a trace corpus (seeds 1-50); resumes if interrupted")
    t.add_argument("--traces", type=Path, required=True, help="trace directory (python -m sixg.traces generate ...)")
    t.add_argument("--out", type=Path, required=True, help="checkpoint to write (<name>.safetensors + <name>.json)")
    t.add_argument("--epochs", type=positive_int, default=60)
    t.add_argument("--members", type=positive_int, default=4, help="ensemble members")
    t.add_argument("--hidden", type=positive_int, default=128, help="hidden units per layer")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--calibration-seeds", default="41-50", help="training seeds held out to calibrate intervals and stop early")
    t.add_argument("--no-resume", action="store_true", help="ignore a partial run left by an interrupted training")
    e = sub.add_parser("evaluate", help="fidelity on held-out seeds against persistence and a per-tool average-change table")
    e.add_argument("--checkpoint", type=Path, default=None, help="default: the checkpoint shipped with sixg")
    e.add_argument("--traces", type=Path, default=None, help="trace directory (default: the corpus the checkpoint was trained on, if present)")
    e.add_argument("--seeds", default="51-80", help="seeds to evaluate on (default: the benchmark seeds 51-80)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument("--plot", type=Path, default=None, help="save a predicted-vs-ns-3 plot here")
    i = sub.add_parser("info", help="describe a checkpoint")
    i.add_argument("--checkpoint", type=Path, default=None)
    args = parser.parse_args(argv)
    commands = {"train": _train, "evaluate": _evaluate, "info": _info}
    return run_command(lambda: _with_one_torch_thread(commands[args.command], args), interrupted="run the same command again to resume")


def _with_one_torch_thread(command, args) -> int:
    import torch

    torch.set_num_threads(1)
    return command(args)


def _train(args) -> int:
    from tqdm import tqdm

    from sixg.scenario import parse_seeds
    from sixg.surrogate.train import TrainConfig, corpus_fingerprint, load_training_transitions, train

    calib = parse_seeds(args.calibration_seeds)
    print(f"encoding the training split of {args.traces} ...", file=sys.stderr)
    fit, cal = load_training_transitions(args.traces, calibration_seeds=calib)
    config = TrainConfig(epochs=args.epochs, members=args.members, hidden=args.hidden, seed=args.seed)
    meta = {"corpus_fingerprint": corpus_fingerprint(args.traces), "traces": str(args.traces)}
    partial = args.out.with_name(args.out.stem + ".partial.safetensors")
    if args.no_resume and partial.exists():
        partial.unlink()
    bar = tqdm(total=config.epochs, unit="epoch", desc="training")

    def on_epoch(epoch: int, fit_loss: float, cal_loss: float) -> None:
        bar.n = epoch
        bar.set_postfix(fit=f"{fit_loss:.3f}", calibration=f"{cal_loss:.3f}")
        bar.refresh()

    model = train(fit, cal, config=config, meta=meta, partial=partial, on_epoch=on_epoch)
    bar.close()
    model.save(args.out)
    for p in (partial, partial.with_suffix(".json")):
        if p.exists():
            p.unlink()
    cal_str = ", ".join(f"{c:.3f}" for c in model.stats["calibration"])
    print(f"trained on {len(fit.X)} transitions (calibrated on {len(cal.X)}); interval widening {cal_str}; wrote {args.out}")
    return 0


def _evaluate(args) -> int:
    from sixg.errors import UserError
    from sixg.scenario import parse_seeds, split_of_seeds
    from sixg.surrogate.evaluate import ChangeTable, beats_baselines, evaluate, format_table
    from sixg.surrogate.features import encode_corpus
    from sixg.surrogate.model import default_checkpoint, load
    from sixg.surrogate.train import load_training_transitions
    from sixg.traces.io import load_windows

    path = args.checkpoint or default_checkpoint()
    model = load(path)
    traces = args.traces or Path(model.config.get("traces", "data/traces"))
    if not traces.exists():
        raise UserError(f"no trace directory {traces}; pass --traces DIR")
    seeds = parse_seeds(args.seeds)
    split = split_of_seeds(seeds).value
    held = encode_corpus(load_windows(traces, split=split, seeds=seeds))
    fit, cal = load_training_transitions(traces)
    from sixg.surrogate.train import subset  # noqa: F401  (same module, for symmetry)
    import numpy as np

    table_data = type(fit)(**{k: np.concatenate([getattr(fit, k), getattr(cal, k)]) for k in fit.__dataclass_fields__})
    result = evaluate(model, held, ChangeTable.fit(table_data))
    result["checkpoint"] = str(path)
    if args.plot:
        from sixg.surrogate.plots import predicted_vs_ns3

        predicted_vs_ns3(model, held, args.plot)
        result["plot"] = str(args.plot)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
        failing = beats_baselines(result)
        print("\nbeats both baselines on every dimension" if not failing else f"\ndoes NOT beat both baselines on: {', '.join(failing)}")
    return 0


def _info(args) -> int:
    from sixg.surrogate.model import default_checkpoint, load

    path = args.checkpoint or default_checkpoint()
    model = load(path)
    cfg = model.config
    print(json.dumps({"checkpoint": str(path), **{k: cfg.get(k) for k in ("architecture", "training", "corpus_fingerprint", "feature_schema", "checkpoint_version")}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
