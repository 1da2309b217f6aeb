"""The numbers of the validation: success rates under each backend, their gap, and how agents rank.

Input is the episodes a validation run recorded (:class:`sixg.bench.run.Episode`, with the
ns-3 verdict of :mod:`sixg.validate.verdicts` under ``extra``); output is plain JSON-ready
dicts, so a finished run can be tabulated again from ``validation.json``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from sixg.agents.sanity import SANITY_AGENTS
from sixg.bench.scoring import TIERS

#: Tiers and the whole subset, as the result's keys. The agents of ``SANITY_AGENTS`` manage
#: nothing: shown as sanity rows, left out of the statistics across agents (a row of zeros
#: on both sides would only inflate the correlation).
SCOPES = (*TIERS, "all")


def rate(flags: Iterable[bool]) -> float | None:
    """The share of true flags, or None when there are none."""
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None


def correlations(xs: Sequence[float], ys: Sequence[float]) -> dict[str, float | None]:
    """Pearson r and Spearman rho of paired values; None where undefined (fewer than 3 pairs, or one side constant).

    With two agents any two distinct rates correlate perfectly, so a coefficient is only
    given from three agents on.
    """
    from scipy import stats

    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    if len(pairs) < 3:
        return {"pearson": None, "spearman": None}
    a, b = zip(*pairs)
    if len(set(a)) < 2 or len(set(b)) < 2:
        return {"pearson": None, "spearman": None}
    out = {"pearson": float(stats.pearsonr(a, b).statistic), "spearman": float(stats.spearmanr(a, b).statistic)}
    return {k: (None if math.isnan(v) else v) for k, v in out.items()}


def agent_row(episodes: Sequence, *, dual: bool) -> dict:
    """One agent's row: SR per tier and overall on the surrogate and (``dual``) on ns-3, the gap
    (surrogate - ns-3), how often the verdicts agree, and each disagreement with its cause.

    Episodes that ended in an error are counted, not scored.
    """
    eps = [e for e in episodes if e.error is None]
    row: dict = {"episodes": len(eps), "errors": len(episodes) - len(eps)}
    tiers = {t: [e for e in eps if e.tier == t] for t in TIERS}
    row["sr_surrogate"] = rate(e.success for e in eps) or 0.0
    row["tiers_surrogate"] = {t: rate(e.success for e in group) for t, group in tiers.items()}
    if not dual:
        return row

    def ns3(e) -> bool:
        return bool(e.extra.get("ns3_success"))

    row["sr_ns3"] = rate(ns3(e) for e in eps) or 0.0
    row["tiers_ns3"] = {t: rate(ns3(e) for e in group) for t, group in tiers.items()}
    row["gap"] = row["sr_surrogate"] - row["sr_ns3"]
    row["gap_tiers"] = {t: None if row["tiers_surrogate"][t] is None else row["tiers_surrogate"][t] - row["tiers_ns3"][t] for t in TIERS}
    row["episode_agreement"] = rate(e.success == ns3(e) for e in eps) or 0.0
    row["disagreements"] = [
        {
            "task_id": e.task_id,
            "trial": e.trial,
            "tier": e.tier,
            "surrogate_success": e.success,
            "ns3_success": ns3(e),
            "cause": e.extra.get("disagreement") or "not recorded",
            "kpi_gap": e.extra.get("kpi_gap", {}),
        }
        for e in eps
        if e.success != ns3(e)
    ]
    return row


def across_agents(rows: Mapping[str, dict]) -> dict[str, dict]:
    """Per tier and overall: Pearson and Spearman correlation of SR across agents (surrogate vs ns-3)
    and the mean |SR gap| over agents; the sanity agents (:data:`SANITY_AGENTS`) are not counted."""
    rows = {name: r for name, r in rows.items() if name not in SANITY_AGENTS}
    out = {}
    for scope in SCOPES:
        if scope == "all":
            xs = [r["sr_surrogate"] for r in rows.values()]
            ys = [r["sr_ns3"] for r in rows.values()]
        else:
            xs = [r["tiers_surrogate"][scope] for r in rows.values()]
            ys = [r["tiers_ns3"][scope] for r in rows.values()]
        gaps = [abs(x - y) for x, y in zip(xs, ys) if x is not None and y is not None]
        out[scope] = {**correlations(xs, ys), "mean_abs_gap": sum(gaps) / len(gaps) if gaps else None, "agents": len(gaps)}
    return out


def summarise(rows: Mapping[str, dict], *, dual: bool, **about) -> dict:
    """The whole result (``validation.json``): ``about`` (benchmark, task counts, wall time), the agents'
    rows and, for a dual run, the statistics across agents."""
    result = {**about, "backend": "ns3" if dual else "surrogate", "agents": dict(rows)}
    if dual:
        result["across_agents"] = across_agents(rows)
        result["pearson_r"] = result["across_agents"]["all"]["pearson"]
        result["spearman_rho"] = result["across_agents"]["all"]["spearman"]
        result["mean_abs_sr_gap"] = result["across_agents"]["all"]["mean_abs_gap"]
    return result
