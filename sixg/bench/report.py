"""Showing the benchmark and finished runs: what a benchmark file holds, the Table-I style table of
runs read back, its legend and the per-tier plot."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sixg.bench.scoring import TIERS
from sixg.errors import UserError
from sixg import jsontext


def benchmark_contents(bench) -> dict:
    """What ``bench show --json`` prints: the version, task counts per domain and tier, and the whole build report."""
    cells = Counter((t.domain, t.tier) for t in bench.tasks)
    per_domain = {d: {t: n for (d2, t), n in sorted(cells.items()) if d2 == d} for d in sorted({d for d, _ in cells})}
    return {
        "version": bench.version,
        "tasks": len(bench.tasks),
        "tasks_per_domain_and_tier": per_domain,
        "judged_on": judged_on(bench.tasks),
        **bench.meta,
    }


def judged_on(tasks) -> dict[str, int]:
    """How many tasks are judged on the network's outcome alone, on outcome and prescribed actions, or on actions alone."""
    kinds = Counter(frozenset(c.judges for c in t.goal) for t in tasks)
    return {
        "outcome_only": kinds[frozenset({"outcome"})],
        "outcome_and_actions": kinds[frozenset({"outcome", "action"})],
        "actions_only": kinds[frozenset({"action"})],
    }


def describe_benchmark(bench) -> str:
    """What ``bench show`` prints: a domain x tier table of task counts and one line per build check
    (de-duplication, separability probe, verification on each backend)."""
    m = bench.meta
    lines = [f"6GAgentBench v{bench.version}: {len(bench.tasks)} tasks (fingerprint {m.get('fingerprint')}), validation subset {len(bench.validation_ids)}"]
    cells = Counter((t.domain, t.tier) for t in bench.tasks)
    per_tier = Counter(t.tier for t in bench.tasks)
    per_domain = Counter(t.domain for t in bench.tasks)
    tiers = sorted(per_tier)
    width = max([len("domain"), *map(len, per_domain)])

    def line(name: str, counts, total: int) -> str:
        return f"{name:<{width}}  " + "  ".join(f"{counts(t):>4}" for t in tiers) + f"  {total:>5}"

    lines.append(f"{'domain':<{width}}  " + "  ".join(f"{t:>4}" for t in tiers) + "  total")
    for d in sorted(per_domain):
        lines.append(line(d, lambda t, d=d: cells[d, t], per_domain[d]))
    lines.append(line("all", per_tier.__getitem__, len(bench.tasks)))
    j = judged_on(bench.tasks)
    lines.append(
        f"judged on the network's outcome: {j['outcome_only'] + j['outcome_and_actions']} of {len(bench.tasks)} "
        f"({j['outcome_only']} on the outcome alone, {j['outcome_and_actions']} with actions the intent prescribes); "
        f"{j['actions_only']} on prescribed actions only"
    )
    d = m.get("dedup") or {}
    if {"candidates", "reworded", "threshold", "still_close"} <= d.keys():
        lines.append(
            f"de-duplication: {d['candidates']} candidates against training intents, {d['reworded']} reworded at ROUGE-L >= {d['threshold']}, "
            f"{d['still_close']} still close (max ROUGE-L {d.get('max_rouge_before', float('nan')):.2f} before, {d.get('max_rouge_after', float('nan')):.2f} after)"
        )
    probe = (m.get("separability_probe") or {}).get("accuracy")
    if probe is not None:
        masked = (m.get("separability_probe_numbers_masked") or {}).get("accuracy")
        extra = f", {masked:.3f} with numbers masked" if masked is not None else ""
        lines.append(f"separability probe (TF-IDF + logistic regression, chance 0.5): accuracy {probe:.3f}{extra}")
    for backend, v in (m.get("verification") or {}).items():
        reasons = Counter(str(r).split("; ")[0] for r in (v.get("dropped_examples") or {}).values())
        why = "; ".join(f"{n}x {r}" for r, n in reasons.most_common(3))
        sanity = v.get("passed_by_sanity_agents")
        if sanity is not None:
            why = f"reference failed {v.get('reference_failed', '?')}, reached without managing by " + ", ".join(f"{k} {n}" for k, n in sanity.items()) + (f"; first examples: {why}" if why else "")
        lines.append(f"verified on {backend}: {v.get('verified', '?')} kept, {v.get('dropped', '?')} dropped" + (f" ({why})" if why else ""))
    changelog = m.get("changelog") or {}
    if changelog:
        lines.append("changelog:")
        for version, changes in changelog.items():
            lines += [f"  v{version}: {changes[0]}", *(f"  {' ' * (len(version) + 2)} {c}" for c in changes[1:])]
    return "\n".join(lines)


def read_summaries(run_dirs: Sequence[Path]) -> tuple[dict[str, dict], list[str]]:
    """The ``summary.json`` of each finished run, keyed by a row name, and warnings about mixing them.

    A row is named by its agent, with the backend added when runs on several backends are
    compared. Runs scored on different benchmark versions or fingerprints are reported, not
    silently mixed.

    Raises:
        UserError: a directory holds no readable ``summary.json``.
    """
    summaries = []
    for d in run_dirs:
        path = Path(d) / "summary.json"
        try:
            s = jsontext.loads(path.read_text())
            s["overall"], s["tiers"]
        except FileNotFoundError:
            raise UserError(f"{path} does not exist: finish the run with `python -m sixg.bench run ... --out {d}` first") from None
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise UserError(f"{path} is not a run summary ({exc}); rerun the run's command to rewrite it") from None
        summaries.append((Path(d), s))
    several_backends = len({s.get("backend") for _, s in summaries}) > 1
    rows: dict[str, dict] = {}
    for d, s in summaries:
        name = str(s.get("agent", d.name))
        if several_backends:
            name += f" ({s.get('backend')})"
        while name in rows:
            name += f" [{d.name}]"
        rows[name] = s
    notes = []
    for key in ("benchmark_version", "benchmark_fingerprint"):
        seen = {str(s.get(key)) for _, s in summaries}
        if len(seen) > 1:
            notes.append(f"the runs were scored on different {key.replace('_', ' ')}s ({', '.join(sorted(seen))}): rows are not comparable")
    covers = {d: _coverage(s) for d, s in summaries}
    if len({json.dumps(c, sort_keys=True) for c in covers.values()}) > 1:
        listed = "; ".join(f"{d}: {_coverage_text(c)}" for d, c in covers.items())
        raise UserError(f"the runs cover different tasks, so their rows would not compare ({listed}); report runs of the same selection together")
    return rows, notes


def _coverage(summary: dict) -> dict:
    """What a run covered: its selection's tasks (hash and per tier) and trials; for a run written
    before selections were recorded, the scored first-trial episodes per tier."""
    sel = summary.get("selection")
    if sel and "tasks_sha256" in sel:
        return {"tasks_per_tier": sel["tasks_per_tier"], "tasks": sel["tasks_sha256"], "trials": sel.get("trials", 1)}
    return {"tasks_per_tier": {t: d["n"] for t, d in summary["tiers"].items()}}


def _coverage_text(c: dict) -> str:
    tiers = ", ".join(f"{t} {n}" for t, n in c["tasks_per_tier"].items()) or "no tasks"
    return f"{sum(c['tasks_per_tier'].values())} tasks ({tiers})" + (f" x {c['trials']} trials" if c.get("trials", 1) > 1 else "")


def table(rows: dict[str, dict]) -> str:
    """Markdown table in the layout of the paper's Table I (SR per tier, overall SR and SPL, %)."""
    lines = ["| agent | " + " | ".join(TIERS) + " | SR | SPL |", "|---" * (len(TIERS) + 3) + "|"]
    for name, s in rows.items():
        tiers = s.get("tiers", {})

        def pct(d):
            return f"{100 * d['sr']:.1f}" if d else "-"

        lines.append(
            f"| {name} | " + "".join(f"{pct(tiers.get(t))} | " for t in TIERS) +
            f"{100 * s['overall']['sr']:.1f} [{100 * s['overall']['sr_ci'][0]:.0f}-{100 * s['overall']['sr_ci'][1]:.0f}] | {100 * s['overall']['spl']:.1f} |"
        )
    return "\n".join(lines)


#: What the table's columns mean, printed under it.
TABLE_LEGEND = """\
L1, L2, L3, SR: success rate in % (tiers by reference length: L1 <= 3 steps, L2 4-7, L3 >= 8; '-': no task of that tier)
[a-b]: 95 % Wilson interval of the SR
SPL: success weighted by path length, in % (reference length / max(reference length, calls made), averaged over episodes)
"verified" in results.jsonl: the episode ended on a confirming verification call; tasks whose intent asks for
  none succeed without one, so a successful episode can show "verified": false"""


def plot_tiers(rows: dict[str, dict], path: Path, *, title: str) -> Path:
    """Grouped bars of SR per tier with 95 % intervals, one group per agent; a tier a run did not
    cover gets no bar (not a 0 % one)."""
    from sixg.plotting import pyplot, save

    plt = pyplot()
    import numpy as np

    names = list(rows)
    tiers = TIERS
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(names) + 2), 4))
    width = 0.26
    x = np.arange(len(names))
    for k, tier in enumerate(tiers):
        at, vals, lo, hi = [], [], [], []
        for i, n in enumerate(names):
            d = rows[n].get("tiers", {}).get(tier)
            if not d or not d.get("n", 1):
                continue
            v = d["sr"]
            at.append(x[i] + (k - 1) * width)
            vals.append(100 * v)
            # Clamp: at 0 % or 100 % the interval's edge equals the rate up to rounding.
            lo.append(max(0.0, 100 * (v - d["sr_ci"][0])))
            hi.append(max(0.0, 100 * (d["sr_ci"][1] - v)))
        ax.bar(at, vals, width, yerr=[lo, hi], capsize=3, label=tier, color=f"C{k}")
    ax.set_xticks(x, names, rotation=15)
    ax.set_ylabel("success rate (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize=10)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)
