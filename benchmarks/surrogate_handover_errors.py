"""Open-loop latency error of Experiment Model checkpoints on rollouts whose span holds a change of
the service's cell (a handover, or ns-3 moving the UE back to its best cell), against the rest.

    python benchmarks/surrogate_handover_errors.py CHECKPOINT... [--traces data/traces] [--seeds 51-80] [--horizon 10]

Prints one JSON line per checkpoint: rollouts scored ``horizon`` windows ahead (``n``), those whose
span holds a cell change (``n_changed``), the model's latency MAE on each part and persistence's on
the changed part, and the share of the top 5 % errors that fall on the changed part.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from sixg.scenario import parse_seeds
from sixg.surrogate.model import load
from sixg.surrogate.rollout import rollout_predictions, traces_of
from sixg.traces.io import load_windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--traces", type=Path, default=Path("data/traces"))
    parser.add_argument("--seeds", default="51-80")
    parser.add_argument("--horizon", type=int, default=10)
    args = parser.parse_args()
    h = args.horizon
    traces = traces_of(load_windows(args.traces, split="benchmark", seeds=parse_seeds(args.seeds)))
    # rollout_predictions orders the rollouts reaching h by episode, then start window.
    keys = [(k, i) for k, tr in enumerate(traces) for i in range(len(tr.contexts)) if i + h - 1 < len(tr.contexts)]
    changed = np.array([any(traces[k].contexts[j].since_cell_change == 0 for j in range(i, i + h)) for k, i in keys])
    for path in args.checkpoints:
        r = rollout_predictions(load(path), traces, horizon=h)[h]
        truth = np.array([traces[k].states[i + h][1] for k, i in keys])
        assert np.allclose(truth, r["true"][:, 0]), "rollouts out of the expected order"
        err = np.abs(r["pred"][:, 0] - truth)
        top = err >= np.quantile(err, 0.95)
        row = {
            "checkpoint": str(path),
            "n": int(len(err)),
            "n_changed": int(changed.sum()),
            "mae": float(err.mean()),
            "mae_changed": float(err[changed].mean()),
            "mae_unchanged": float(err[~changed].mean()),
            "persistence_mae_changed": float(np.abs(r["start"][changed, 0] - truth[changed]).mean()),
            "top5_share_changed": float(changed[top].mean()),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
