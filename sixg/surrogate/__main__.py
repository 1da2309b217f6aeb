"""``python -m sixg.surrogate``: train and evaluate the Experiment Model.

    python -m sixg.surrogate train --traces data/traces --out runs/model.safetensors
    python -m sixg.surrogate train ... --rollout-horizon 5 --provenance --handover-features   # optional inputs
    python -m sixg.surrogate evaluate --checkpoint runs/model.safetensors --seeds 51-80 [--json]
    python -m sixg.surrogate evaluate --effects-seeds 51-56 --out runs/fidelity   # + open-loop and ns-3 A/B effects
    python -m sixg.surrogate info [--checkpoint PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sixg.cli import positive_float, positive_int, run_command


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
    t.add_argument(
        "--rollout-horizon",
        type=positive_int,
        default=1,
        help="also train on the model's own open-loop rollouts 2 to N windows ahead, regenerated every epoch, e.g. 5 (default 1: one-step training only)",
    )
    t.add_argument("--rollout-share", type=positive_float, default=1.0, help="own-rollout transitions per epoch, as a share of the one-step ones (default 1.0)")
    t.add_argument(
        "--provenance",
        action="store_true",
        help="give the model, per input state, whether it is its own prediction or measured (needs --rollout-horizon above 1; default off)",
    )
    t.add_argument(
        "--handover-features",
        action="store_true",
        help="give the model the service cell's margin to the best cell and the windows since its cell changed (default off)",
    )
    t.add_argument("--calibration-seeds", default="41-50", help="training seeds held out to calibrate intervals and stop early")
    t.add_argument("--no-resume", action="store_true", help="ignore a partial run left by an interrupted training")
    e = sub.add_parser("evaluate", help="fidelity on held-out seeds against persistence and a per-tool average-change table")
    e.add_argument("--checkpoint", type=Path, default=None, help="default: the checkpoint shipped with sixg")
    e.add_argument("--traces", type=Path, default=None, help="trace directory (default: the corpus the checkpoint was trained on, if present)")
    e.add_argument("--seeds", default="51-80", help="seeds to evaluate on (default: the benchmark seeds 51-80)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument("--plot", type=Path, default=None, help="save a predicted-vs-ns-3 plot here")
    e.add_argument("--horizons", default="1,5,10,20,40", help="open-loop rollout horizons in windows (default 1,5,10,20,40); 'none' skips the rollouts")
    e.add_argument("--effects-seeds", default=None, help="scenario seeds of the A/B effect-size check against live ns-3, e.g. 51-56 (default: skipped; each seed runs ~10 short ns-3 episodes)")
    e.add_argument("--effects-backend-seed", type=int, default=1, help="backend seed of every A/B situation (default 1)")
    e.add_argument("--out", type=Path, default=None, help="write fidelity.json, fidelity.md and open_loop.png here")
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

    from sixg.errors import UserError
    from sixg.scenario import parse_seeds
    from sixg.surrogate.train import TrainConfig, corpus_fingerprint, load_training_transitions, train

    calib = parse_seeds(args.calibration_seeds)
    config = TrainConfig(
        epochs=args.epochs,
        members=args.members,
        hidden=args.hidden,
        seed=args.seed,
        rollout_horizon=args.rollout_horizon,
        rollout_share=args.rollout_share,
        provenance=args.provenance,
        handover_features=args.handover_features,
    )
    if config.provenance and config.rollout_horizon < 2:
        raise UserError("--provenance needs the model's own rollouts to learn from: add --rollout-horizon N with N above 1, e.g. 5")
    print(f"encoding the training split of {args.traces} ...", file=sys.stderr)
    fit, cal = load_training_transitions(args.traces, calibration_seeds=calib, features=config.features)
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
    from sixg.traces.io import load_windows

    path = args.checkpoint or default_checkpoint()
    model = load(path)
    traces = args.traces or Path(model.config.get("traces", "data/traces"))
    if not traces.exists():
        raise UserError(f"no trace directory {traces}; pass --traces DIR")
    seeds = parse_seeds(args.seeds)
    split = split_of_seeds(seeds).value
    held = encode_corpus(load_windows(traces, split=split, seeds=seeds), features=model.features)
    # The per-tool table learns from every training transition (the fit and calibration seeds alike).
    result = evaluate(model, held, ChangeTable.fit(encode_corpus(load_windows(traces, split="train"))))
    result["checkpoint"] = str(path)
    if args.plot:
        from sixg.surrogate.plots import predicted_vs_ns3

        predicted_vs_ns3(model, held, args.plot)
        result["plot"] = str(args.plot)
    sections = [format_table(result)]
    failing = beats_baselines(result)
    sections.append("beats both baselines on every dimension" if not failing else f"does NOT beat both baselines on: {', '.join(failing)}")
    if args.horizons.strip().lower() != "none":
        from sixg.surrogate.rollout import format_open_loop, open_loop

        try:
            horizons = tuple(sorted({int(h) for h in args.horizons.split(",") if h.strip()}))
        except ValueError:
            raise UserError(f"--horizons takes window counts separated by commas, e.g. 1,5,10; got {args.horizons!r}") from None
        print(f"rolling the model open-loop over {len(held.X)} held-out windows ...", file=sys.stderr)
        result["open_loop"] = open_loop(model, load_windows(traces, split=split, seeds=seeds), horizons=horizons)
        sections.append(format_open_loop(result["open_loop"]))
    if args.effects_seeds:
        result["effects"] = _effects(args, path)
        from sixg.surrogate.effects import format_effects

        sections.append(format_effects(result["effects"]["table"]))
    if args.out:
        from sixg.surrogate.plots import open_loop_errors

        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fidelity.json").write_text(json.dumps(result, indent=2) + "\n")
        (args.out / "fidelity.md").write_text("\n\n".join(sections) + "\n")
        if "open_loop" in result:
            open_loop_errors(result["open_loop"], args.out / "open_loop.png", effects=result.get("effects", {}).get("table"))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n\n".join(sections))
        if args.out:
            print(f"\nwrote {args.out / 'fidelity.json'}, {args.out / 'fidelity.md'}" + (f" and {args.out / 'open_loop.png'}" if "open_loop" in result else ""))
    return 0


def _effects(args, checkpoint: Path) -> dict:
    """The A/B effect-size check: the surrogate (this checkpoint) and live ns-3 on the same situations."""
    import time

    from tqdm import tqdm

    from sixg.backends import make_backend
    from sixg.scenario import parse_seeds
    from sixg.surrogate.effects import Situation, effect_table, measure

    situations = [Situation(s, args.effects_backend_seed) for s in parse_seeds(args.effects_seeds)]
    bar = tqdm(unit="arm", desc="A/B arms")
    t0 = time.perf_counter()
    runs = measure(
        {"surrogate": lambda: make_backend("surrogate", checkpoint=checkpoint), "ns3": lambda: make_backend("ns3")},
        situations,
        on_arm=lambda backend, sit, arm: (bar.set_postfix(backend=backend, seed=sit.scenario_seed), bar.update()),
    )
    bar.close()
    return {"situations": [vars(s) for s in situations], "wall_s": time.perf_counter() - t0, "runs": runs, "table": effect_table(runs)}


def _info(args) -> int:
    from sixg.surrogate.model import default_checkpoint, load

    path = args.checkpoint or default_checkpoint()
    model = load(path)
    cfg = model.config
    print(json.dumps({"checkpoint": str(path), "features": model.features.as_config(), **{k: cfg.get(k) for k in ("architecture", "training", "corpus_fingerprint", "feature_schema", "version")}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
