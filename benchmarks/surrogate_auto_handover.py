"""How ns-3 moves the service's UE off a weak cell on its own, measured from the trace corpus.

    python benchmarks/surrogate_auto_handover.py [--traces data/traces] [--split train]

Our ns-3 module runs LTE with ``NoOpHandoverAlgorithm``: no measurement-triggered handover. A
UE changes cell without a handover action only through radio link failure: its control-channel
SINR (its cell against every other cell on the same carrier, plus noise) stays below ``Qout``
until the RRC declares the link lost, and the UE then selects the strongest cell and reconnects.
For every window of every episode this script computes, from the scenario's geometry, that
control SINR of the service's cell (``loaded_sinr_db`` of :mod:`sixg.radio`) and the cell's RSRP
margin to the strongest cell, and prints one JSON object:

- ``auto_changes``: changes of the service's cell without a handover action, how many onto the
  strongest cell, and the old cell's control SINR and margin in the window before;
- ``stints``: stays that begin with a handover action, by the control SINR at arrival (below or
  above the threshold): how many ended in an automatic change and after how many windows;
- ``latency``: the share of windows in outage (1000 ms, no response) and the median latency in
  the windows after such a handover, by window, until the return and after it;
- ``outage_by_sinr``: outage share and automatic change share per control-SINR bin.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from sixg.domain import Position
from sixg.radio import cell_signals
from sixg.scenario import generate, split_of
from sixg.traces.io import load_windows

OUTAGE_MS = 999.0


def _signal(sc, x: float, y: float, z: float, gnb: str) -> tuple[float, float, str]:
    """(control SINR dB of ``gnb``, its RSRP margin to the strongest cell dB, the strongest cell)."""
    cells = cell_signals(sc, Position(x=x, y=y, z=max(z, 0.0)))
    own = next((c for c in cells if c.gnb == gnb), None)
    if own is None:
        return float("nan"), float("nan"), cells[0].gnb
    return own.loaded_sinr_db, own.rsrp_dbm - cells[0].rsrp_dbm, cells[0].gnb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=Path, default=Path("data/traces"))
    parser.add_argument("--split", default="train")
    parser.add_argument("--threshold-db", type=float, default=-5.0, help="control SINR threshold (ns-3's LteUePhy Qout)")
    parser.add_argument("--after", type=int, default=8, help="windows after a handover to report latency for")
    args = parser.parse_args()
    df = load_windows(args.traces, split=args.split)
    auto, stints = [], []
    lat_by_k: dict[str, dict[int, list[float]]] = {"weak": defaultdict(list), "strong": defaultdict(list)}
    after_return: dict[int, list[float]] = defaultdict(list)
    bins = np.array([-np.inf, -15, -10, -5, -3, 0, 5, np.inf])
    by_bin: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for (seed, _ep), ep in df.groupby(["seed", "episode"], sort=True):
        sc = generate(int(seed), split=split_of(int(seed)))
        rows = ep.sort_values("t").to_dict("records")
        sig = [_signal(sc, r["service_x"], r["service_y"], r["service_z"], r["service_gnb"]) if r["service_gnb"] else (float("nan"), float("nan"), "") for r in rows]
        lat = [float(r["latency_ms"]) for r in rows]

        def handover_here(r) -> bool:
            return r["action"] == "handover" and json.loads(r["action_args"] or "{}").get("ue") == r["service_ue"]

        changed = [i > 0 and rows[i]["service_gnb"] != rows[i - 1]["service_gnb"] and bool(rows[i]["service_gnb"]) and bool(rows[i - 1]["service_gnb"]) for i in range(len(rows))]
        for i in range(1, len(rows)):
            moved = changed[i + 1] and not handover_here(rows[i + 1]) if i + 1 < len(rows) else False
            if np.isfinite(sig[i][0]):
                by_bin[int(np.searchsorted(bins, sig[i][0]) - 1)].append((lat[i] >= OUTAGE_MS, moved))
            if not changed[i]:
                continue
            if handover_here(rows[i]):
                # A stay that starts with a handover action: follow it to the next change.
                weak = sig[i][0] < args.threshold_db
                end = next((j for j in range(i + 1, len(rows)) if changed[j]), None)
                auto_end = end is not None and not handover_here(rows[end])
                stints.append({"weak": weak, "sinr": sig[i][0], "margin": sig[i][1], "windows": (end - i) if end is not None else None, "auto": auto_end, "onto_best": auto_end and rows[end]["service_gnb"] == sig[end - 1][2], "open": end is None})
                last = end if end is not None else len(rows)
                for k in range(0, min(args.after, last - i)):
                    lat_by_k["weak" if weak else "strong"][k].append(lat[i + k])
                if weak and auto_end:
                    for k in range(0, min(4, len(rows) - end)):
                        after_return[k].append(lat[end + k])
            else:
                auto.append({"sinr_before": sig[i - 1][0], "margin_before": sig[i - 1][1], "onto_best": rows[i]["service_gnb"] == sig[i - 1][2], "since_change": next((i - j for j in range(i - 1, 0, -1) if changed[j]), None)})

    def describe(xs):
        xs = np.asarray([x for x in xs if x is not None and np.isfinite(x)], dtype=float)
        if len(xs) == 0:
            return None
        return {"n": int(len(xs)), "min": float(xs.min()), "p10": float(np.quantile(xs, 0.1)), "median": float(np.median(xs)), "p90": float(np.quantile(xs, 0.9)), "max": float(xs.max())}

    def stint_summary(weak: bool):
        s = [x for x in stints if x["weak"] == weak]
        returned = [x for x in s if x["auto"]]
        return {
            "n": len(s),
            "auto_return": len(returned),
            "auto_onto_best": sum(x["onto_best"] for x in returned),
            "ended_by_action": sum(1 for x in s if not x["auto"] and not x["open"]),
            "open_at_end": sum(x["open"] for x in s),
            "windows_to_auto_return": dict(sorted(Counter(x["windows"] for x in returned).items())),
            "windows_of_stays_without_return": dict(sorted(Counter(x["windows"] if x["windows"] is not None else "to end" for x in s if not x["auto"]).items(), key=str)),
            "control_sinr_db": describe([x["sinr"] for x in s]),
            "margin_db": describe([x["margin"] for x in s]),
        }

    out = {
        "split": args.split,
        "threshold_db": args.threshold_db,
        "episodes": int(df.groupby(["seed", "episode"]).ngroups),
        "auto_changes": {
            "n": len(auto),
            "onto_best": sum(a["onto_best"] for a in auto),
            "control_sinr_before_db": describe([a["sinr_before"] for a in auto]),
            "below_threshold_before": sum(a["sinr_before"] < args.threshold_db for a in auto),
            "margin_before_db": describe([a["margin_before"] for a in auto]),
            "windows_since_previous_change": dict(sorted(Counter(a["since_change"] for a in auto).items(), key=str)),
        },
        "stints": {"below_threshold": stint_summary(True), "at_or_above_threshold": stint_summary(False)},
        "latency": {
            group: {str(k): {"n": len(v), "outage_share": float(np.mean(np.asarray(v) >= OUTAGE_MS)), "median_ms": float(np.median(v))} for k, v in sorted(d.items())}
            for group, d in lat_by_k.items()
        },
        "latency_after_return": {str(k): {"n": len(v), "outage_share": float(np.mean(np.asarray(v) >= OUTAGE_MS)), "median_ms": float(np.median(v))} for k, v in sorted(after_return.items())},
        "outage_by_sinr": {f"[{bins[b]:g}, {bins[b + 1]:g})": {"n": len(v), "outage_share": float(np.mean([o for o, _ in v])), "auto_change_next_window": float(np.mean([m for _, m in v]))} for b, v in sorted(by_bin.items())},
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
