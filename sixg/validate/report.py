"""The validation as people read it: a text table and the surrogate-vs-ns-3 scatter."""

from __future__ import annotations

from pathlib import Path

from sixg.bench.scoring import TIERS
from sixg.validate.stats import SANITY_AGENTS

#: Disagreements printed under the table (all of them are in ``validation.json``).
SHOWN_DISAGREEMENTS = 25


def _pct(v: float | None, *, sign: bool = False) -> str:
    if v is None:
        return "-"
    return f"{100 * v:+.1f}" if sign else f"{100 * v:.1f}"


def _coef(v: float | None) -> str:
    return "undefined" if v is None else f"{v:.3f}"


def table(result: dict) -> str:
    """The result as a Markdown table with a few lines of statistics and the disagreements."""
    rows = result["agents"]
    head = f"6GAgentBench v{result.get('benchmark_version')}: {result.get('tasks')} task(s), {result.get('wall_seconds', 0.0) / 60:.1f} min wall"
    if result["backend"] != "ns3":
        lines = [head, "", "| agent | SR (surrogate) | L1 | L2 | L3 |", "|---|---|---|---|---|"]
        for name, r in rows.items():
            t = r["tiers_surrogate"]
            shown = f"{name} (sanity)" if name in SANITY_AGENTS else name
            lines.append(f"| {shown} | {_pct(r['sr_surrogate'])} | " + " | ".join(_pct(t[k]) for k in TIERS) + " |")
        lines.append("")
        lines.append("Success rates in %; '-': no task of that tier was run.")
        return "\n".join(lines)
    lines = [
        f"NS-3 grounded validation, {head}",
        "",
        "| agent | " + " | ".join(f"{t} surrogate / ns-3 (gap)" for t in TIERS) + " | SR surrogate | SR ns-3 | gap | same verdict |",
        "|---|" + "---|" * (len(TIERS) + 4),
    ]
    for name, r in rows.items():
        cells = [
            f"{_pct(r['tiers_surrogate'][t])} / {_pct(r['tiers_ns3'][t])} ({_pct(r['gap_tiers'][t], sign=True)})" if r["tiers_surrogate"][t] is not None else "-"
            for t in TIERS
        ]
        shown = f"{name} (sanity)" if name in SANITY_AGENTS else name
        lines.append(
            f"| {shown} | " + " | ".join(cells) + f" | {_pct(r['sr_surrogate'])} | {_pct(r['sr_ns3'])} | {_pct(r['gap'], sign=True)} | {100 * r['episode_agreement']:.0f}% |"
        )
    lines += [
        "",
        "Success rates in %, each episode judged on the surrogate's and on ns-3's own measurements; gap = surrogate - ns-3 (points).",
        "Sanity rows: agents that change nothing, which should fail wherever a task needs a remedy.",
        "Across agents (surrogate vs ns-3 SR; sanity rows not counted):",
    ]
    for scope, s in result["across_agents"].items():
        gap = "-" if s["mean_abs_gap"] is None else f"{100 * s['mean_abs_gap']:.1f} points"
        lines.append(f"  {scope:>3}: Pearson r {_coef(s['pearson'])}, Spearman rho {_coef(s['spearman'])}, mean |gap| {gap} ({s['agents']} agents)")
    disagreements = [(name, d) for name, r in rows.items() for d in r["disagreements"]]
    lines.append("")
    if not disagreements:
        lines.append("The verdicts agree on every episode.")
        return "\n".join(lines)
    lines.append(f"Verdicts differ in {len(disagreements)} episode(s):")
    for name, d in disagreements[:SHOWN_DISAGREEMENTS]:
        verdicts = f"{'success' if d['surrogate_success'] else 'failure'} on the surrogate, {'success' if d['ns3_success'] else 'failure'} on ns-3"
        lines.append(f"  {name} {d['task_id']} ({d['tier']}): {verdicts} -- {d['cause']}")
    if len(disagreements) > SHOWN_DISAGREEMENTS:
        lines.append(f"  ... {len(disagreements) - SHOWN_DISAGREEMENTS} more in validation.json")
    return "\n".join(lines)


def label_positions(points: list[tuple[float, float]], *, min_gap: float = 6.0, near_x: float = 30.0) -> list[float]:
    """Heights for the labels of ``points`` (data units, 0-100) so that no two labels whose points
    lie within ``near_x`` of each other horizontally are closer than ``min_gap`` vertically.

    Labels are placed bottom to top, each at its point's height or just above the label below it.
    """
    order = sorted(range(len(points)), key=lambda i: (points[i][1], points[i][0]))
    placed: list[tuple[float, float]] = []  # (x, label height)
    heights = [0.0] * len(points)
    for i in order:
        x, y = points[i]
        h = y
        for px, ph in placed:
            if abs(px - x) < near_x and h < ph + min_gap:
                h = ph + min_gap
        heights[i] = h
        placed.append((x, h))
    return heights


def scatter(result: dict, path: Path) -> Path:
    """SR on the surrogate against SR on ns-3, one point per agent; agents at the same point share
    one label, and labels are moved apart (with a leader line) so none overlaps another."""
    from sixg.plotting import pyplot, save

    plt = pyplot()

    groups: dict[tuple[float, float], list[str]] = {}
    for name, r in result["agents"].items():
        groups.setdefault((round(100 * r["sr_surrogate"], 1), round(100 * r["sr_ns3"], 1)), []).append(name)
    points = list(groups)
    heights = label_positions(points)
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for (x, y), h in zip(points, heights):
        ax.scatter(x, y, s=40, zorder=3)
        # Labels right of the point, or left of it near the right edge.
        right = x < 70
        ax.annotate(
            ", ".join(groups[(x, y)]),
            (x, y),
            xytext=(x + (4 if right else -4), h + 2),
            textcoords="data",
            ha="left" if right else "right",
            fontsize=8,
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.5"} if abs(h - y) > 0.1 else None,
        )
    ax.plot([0, 100], [0, 100], color="k", lw=0.8, ls="--")
    top = max([105.0, *(h + 8 for h in heights)])
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, top)
    ax.set_xlabel("success rate judged on the surrogate (%)")
    ax.set_ylabel("success rate judged on ns-3 (%)")
    s = result.get("across_agents", {}).get("all", {})
    stats = ", ".join(f"{sym} = {s[k]:.2f}" for k, sym in (("pearson", "r"), ("spearman", "rho")) if s.get(k) is not None)
    ax.set_title(f"Surrogate vs ns-3, {result['tasks']} tasks" + (f", {stats}" if stats else ""), fontsize=10)
    ax.grid(alpha=0.3)
    return save(fig, path)
